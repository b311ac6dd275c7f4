// The engine under concurrency: the --query.max-concurrency queue, and
// queries running over the real TSDB while it is written to. Labelled
// "concurrency", so `make tsan` runs these under ThreadSanitizer.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "query/promql/engine.h"
#include "query/promql/engine_test_util.h"
#include "storage/tsdb/db.h"

namespace vigil::promql {
namespace {

using model::Labels;

Labels L(std::initializer_list<std::string_view> kv) { return Labels::FromStrings(kv); }

// A storage whose queriers wait until released: the first query holds its
// slot for as long as the test wants.
class BlockingQueryable final : public storage::Queryable {
 public:
  explicit BlockingQueryable(storage::Queryable* inner) : inner_(inner) {}
  Result<std::unique_ptr<storage::Querier>> NewQuerier(int64_t mint, int64_t maxt) override {
    entered_.fetch_add(1);
    while (!release_.load()) std::this_thread::yield();
    return inner_->NewQuerier(mint, maxt);
  }
  int entered() const { return entered_.load(); }
  void Release() { release_ = true; }
  void WaitForFirst() const {
    while (entered_.load() == 0) std::this_thread::yield();
  }

 private:
  storage::Queryable* inner_;
  std::atomic<int> entered_{0};
  std::atomic<bool> release_{false};
};

TEST(EngineConcurrencyTest, QueriesBeyondMaxConcurrentWaitForASlot) {
  testing::MemQueryable db;
  db.Add(L({"__name__", "m"}), 0, 1);
  BlockingQueryable blocking(&db);
  EngineOptions o;
  o.max_concurrent = 1;
  o.timeout_ms = 0;
  Engine e(o);
  std::thread first([&] { EXPECT_TRUE(e.InstantQuery(&blocking, "m", 0).ok()); });
  blocking.WaitForFirst();
  std::atomic<bool> second_done{false};
  std::thread second([&] {
    EXPECT_TRUE(e.InstantQuery(&blocking, "m", 0).ok());
    second_done = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(blocking.entered(), 1);  // the second waits in the queue
  EXPECT_FALSE(second_done.load());
  blocking.Release();
  first.join();
  second.join();
  EXPECT_EQ(blocking.entered(), 2);
}

TEST(EngineConcurrencyTest, QueueWaitCountsTowardTimeout) {
  testing::MemQueryable db;
  db.Add(L({"__name__", "m"}), 0, 1);
  BlockingQueryable blocking(&db);
  EngineOptions o;
  o.max_concurrent = 1;
  o.timeout_ms = 20;
  Engine e(o);
  std::thread first([&] { (void)e.InstantQuery(&blocking, "m", 0); });
  blocking.WaitForFirst();
  auto r = e.InstantQuery(&blocking, "m", 0);
  blocking.Release();
  first.join();
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsDeadlineExceeded());
  EXPECT_EQ(r.status().message(), "query timed out in query queue");
}

// Queries of every kind (selectors, rate, aggregations, a range query) run
// from several threads over the TSDB while one thread appends. Every query
// must succeed and see a consistent count: each commit adds one sample to
// all series at once, so count() never sees a partial commit's series set.
TEST(EngineConcurrencyTest, QueriesOverTheTsdbWhileItIsWrittenTo) {
  char tmpl[] = "/tmp/vigil_engine_concurrency_XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  {
    tsdb::DbOptions opts;
    opts.compaction_interval_ms = 0;
    opts.wal_fsync_interval_ms = 0;
    auto db = tsdb::DB::Open(dir, opts);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    constexpr int kSeries = 20;
    std::vector<Labels> series;
    for (int s = 0; s < kSeries; ++s) {
      series.push_back(
          L({"__name__", "req_total", "job", s % 2 ? "api" : "db", "i", std::to_string(s)}));
    }
    auto append_step = [&](int step) {
      auto app = (*db)->NewAppender();
      for (const auto& l : series) {
        ASSERT_TRUE(app->Append(0, l.View(), step * 15 * kSecond, step * 10.0).ok());
      }
      ASSERT_TRUE(app->Commit().ok());
    };
    append_step(0);
    std::atomic<int> written{1};
    std::atomic<bool> stop{false};
    std::thread writer([&] {
      for (int step = 1; step < 400; ++step) {
        append_step(step);
        written = step + 1;
      }
      stop = true;
    });
    Engine engine;
    std::atomic<int> queries{0};
    auto reader = [&](int id) {
      const char* kQueries[] = {"count(req_total)", "sum by (job) (rate(req_total[1m]))",
                                "max_over_time(req_total[5m])", "topk(3, req_total)"};
      while (!stop.load()) {
        int64_t t = (written.load() - 1) * 15 * kSecond;
        const char* q = kQueries[(queries.fetch_add(1) + id) % 4];
        auto r = engine.InstantQuery(db->get(), q, t);
        ASSERT_TRUE(r.ok()) << q << ": " << r.status().ToString();
        if (std::string_view(q) == "count(req_total)") {
          const auto& v = std::get<Vector>(r->value);
          ASSERT_EQ(v.size(), 1u);
          EXPECT_EQ(v[0].f, kSeries);
        }
        auto range = engine.RangeQuery(db->get(), "sum(req_total)",
                                       std::max<int64_t>(0, t - kMinute), t, 15 * kSecond);
        ASSERT_TRUE(range.ok()) << range.status().ToString();
      }
    };
    std::thread r1(reader, 0), r2(reader, 1);
    writer.join();
    r1.join();
    r2.join();
    EXPECT_GT(queries.load(), 0);
    auto last = engine.InstantQuery(db->get(), "sum(req_total)", 399 * 15 * kSecond);
    ASSERT_TRUE(last.ok());
    EXPECT_EQ(std::get<Vector>(last->value)[0].f, 20 * 3990.0);
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace vigil::promql
