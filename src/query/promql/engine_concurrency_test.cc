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
    std::atomic<int> queries{0};
    std::thread writer([&] {
      // Start writing once the readers run: 400 commits take only ~10 ms,
      // which a loaded machine can spend before the reader threads start.
      while (queries.load() < 2) std::this_thread::yield();
      for (int step = 1; step < 400; ++step) {
        append_step(step);
        written = step + 1;
      }
      stop = true;
    });
    // Every selector of two series or more is worked on by three threads.
    EngineOptions eo;
    eo.max_workers_per_query = 3;
    eo.series_per_parallel_task = 1;
    eo.min_parallel_span_ms = 0;
    Engine engine(eo);
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

// Parallel evaluation changes nothing a user sees: results (values, labels
// and order), annotations and the max-samples error are those of one thread.
TEST(EngineConcurrencyTest, ParallelEvaluationGivesTheSequentialAnswer) {
  testing::MemQueryable db;
  for (int s = 0; s < 300; ++s) {
    Labels l = L({"__name__", s % 3 == 0 ? "gauge" : "req_total", "job", s % 4 == 0 ? "api" : "db",
                  "i", std::to_string(s)});
    for (int step = 0; step < 40; ++step) {
      // Counter resets every 7 steps for some series.
      double v = s % 5 == 0 ? (step % 7) * 3.0 + s : step * (s + 1.0);
      db.Add(l, step * 15 * kSecond, v);
    }
  }
  EngineOptions seq_opts;
  seq_opts.max_workers_per_query = 1;
  EngineOptions par_opts;
  par_opts.max_workers_per_query = 2;
  par_opts.series_per_parallel_task = 1;  // rounds of 128 series: 3 here
  par_opts.min_parallel_span_ms = 0;
  Engine seq(seq_opts), par(par_opts);
  const char* kQueries[] = {
      "rate(req_total[2m])",
      "sum by (job) (rate({__name__=~\"req_total|gauge\"}[1m]))",
      "quantile_over_time(2, gauge[3m])",  // a warning from the pool threads
      "increase(gauge[5m])",               // an info per series
      "gauge",
      "max_over_time(req_total[2m:30s])",
      "sum by (job) (rate(req_total[2m]))",  // streamed into the sum, round by round
      "sum(gauge)",
      "sum without (i) (increase(gauge[5m]))",
      "count({__name__=~\".+\"})",
      "avg by (job) (rate(req_total[1m]))",
      "stddev without (i) (gauge)",
      "max by (job) (max_over_time(req_total[3m]))",
      "group by (job) (gauge)",
  };
  for (const char* q : kQueries) {
    auto a = seq.RangeQuery(&db, q, 2 * kMinute, 9 * kMinute, 15 * kSecond);
    auto b = par.RangeQuery(&db, q, 2 * kMinute, 9 * kMinute, 15 * kSecond);
    ASSERT_TRUE(a.ok()) << q << ": " << a.status().ToString();
    ASSERT_TRUE(b.ok()) << q << ": " << b.status().ToString();
    const auto& ma = std::get<Matrix>(a->value);
    const auto& mb = std::get<Matrix>(b->value);
    ASSERT_EQ(ma.size(), mb.size()) << q;
    for (size_t i = 0; i < ma.size(); ++i) {
      ASSERT_EQ(ma[i].metric, mb[i].metric) << q;
      ASSERT_EQ(ma[i].floats.size(), mb[i].floats.size()) << q;
      for (size_t k = 0; k < ma[i].floats.size(); ++k) {
        ASSERT_EQ(ma[i].floats[k].t, mb[i].floats[k].t) << q;
        ASSERT_EQ(ma[i].floats[k].f, mb[i].floats[k].f) << q;  // bit-identical
      }
    }
    EXPECT_EQ(a->annotations.warnings, b->annotations.warnings) << q;
    EXPECT_EQ(a->annotations.infos, b->annotations.infos) << q;
    EXPECT_EQ(a->stats.samples_total, b->stats.samples_total) << q;
    // The instant form keeps the selector's series order.
    auto ia = seq.InstantQuery(&db, q, 9 * kMinute);
    auto ib = par.InstantQuery(&db, q, 9 * kMinute);
    ASSERT_TRUE(ia.ok() && ib.ok()) << q;
    if (const auto* va = std::get_if<Vector>(&ia->value)) {
      const auto& vb = std::get<Vector>(ib->value);
      ASSERT_EQ(va->size(), vb.size()) << q;
      for (size_t i = 0; i < va->size(); ++i) {
        EXPECT_EQ((*va)[i].metric, vb[i].metric) << q;
        EXPECT_EQ((*va)[i].f, vb[i].f) << q;
      }
    }
  }
  EXPECT_FALSE(seq.RangeQuery(&db, "quantile_over_time(2, gauge[3m])", 0, kMinute, 15 * kSecond)
                   ->annotations.warnings.empty());

  // 300 series x 29 steps of one point each is 8,700 samples.
  EngineOptions small = par_opts;
  small.max_samples = 8000;
  Engine limited(small);
  auto r = limited.RangeQuery(&db, "{__name__=~\".+\"}", 2 * kMinute, 9 * kMinute, 15 * kSecond);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsResourceExhausted()) << r.status().ToString();
  small.max_samples = 9000;
  Engine roomy(small);
  EXPECT_TRUE(
      roomy.RangeQuery(&db, "{__name__=~\".+\"}", 2 * kMinute, 9 * kMinute, 15 * kSecond).ok());
}

}  // namespace
}  // namespace vigil::promql
