// The engine over the real log store (storage/logstore/logstore.h) rather
// than the in-memory reader: what was consumed is what queries see.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <map>

#include "query/logql/engine.h"
#include "storage/logstore/logstore.h"

namespace vigil::logql {
namespace {

constexpr int64_t kSec = 1000000000;

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/logql_store_XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(LogqlOverLogStore, QueriesSeeConsumedRecords) {
  TempDir dir;
  logstore::LogStoreOptions opts;
  opts.retention_ms = 0;
  opts.reject_future_ms = 0;
  auto store = logstore::LogStore::Open(dir.path() + "/logs", opts, nullptr);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  model::LogBatch batch;
  const int64_t base = 1700000000 * kSec;
  for (int i = 0; i < 10; ++i) {
    model::LogRecord r;
    r.time_ns = base + i * kSec;
    r.observed_time_ns = r.time_ns;
    r.stream = model::Labels::FromStrings({"job", i % 2 ? "a" : "b"});
    r.body = i % 3 == 0 ? "level=error msg=boom" : "level=info msg=ok";
    batch.records.push_back(std::move(r));
  }
  auto consumed = (*store)->Consume(batch);
  ASSERT_TRUE(consumed.status.ok()) << consumed.status.ToString();
  ASSERT_TRUE(consumed.rejected.empty()) << consumed.rejected[0].message;

  Engine engine(store->get(), {});
  QueryParams p;
  p.query = R"({job=~"a|b"} |= "error")";
  p.start_ns = base;
  p.end_ns = base + 100 * kSec;
  p.direction = logstore::Direction::kForward;
  auto logs = engine.Query(p);
  ASSERT_TRUE(logs.ok()) << logs.status().ToString();
  // Errors at i = 0, 3, 6, 9: b (0, 6) and a (3, 9).
  ASSERT_EQ(logs->streams.size(), 2u);
  EXPECT_EQ(logs->streams[0].labels, model::Labels::FromStrings({"job", "a"}));
  ASSERT_EQ(logs->streams[0].entries.size(), 2u);
  EXPECT_EQ(logs->streams[0].entries[0].time_ns, base + 3 * kSec);
  EXPECT_EQ(logs->streams[1].entries.size(), 2u);

  QueryParams m;
  m.query = R"(sum by (job) (count_over_time({job=~"a|b"}[1m])))";
  m.start_ns = m.end_ns = base + 30 * kSec;
  auto metric = engine.Query(m);
  ASSERT_TRUE(metric.ok()) << metric.status().ToString();
  ASSERT_EQ(metric->series.size(), 2u);
  EXPECT_EQ(metric->series[0].points[0].v, 5);
  EXPECT_EQ(metric->series[1].points[0].v, 5);
  EXPECT_TRUE((*store)->Close().ok());
}

// Counting queries grouped by stream labels skip reading lines and
// structured metadata; the answers must be those of the full path.
TEST(LogqlOverLogStore, CountingQueriesWithStructuredMetadataGroupAsTheFullPathDoes) {
  TempDir dir;
  logstore::LogStoreOptions opts;
  opts.retention_ms = 0;
  opts.reject_future_ms = 0;
  auto store = logstore::LogStore::Open(dir.path() + "/logs", opts, nullptr);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  model::LogBatch batch;
  const int64_t base = 1700000000 * kSec;
  for (int i = 0; i < 12; ++i) {
    model::LogRecord r;
    r.time_ns = base + i * kSec;
    r.observed_time_ns = r.time_ns;
    r.stream = model::Labels::FromStrings({"job", i % 2 ? "a" : "b"});
    r.body = i % 3 == 0 ? "level=error msg=boom" : "level=info msg=ok";
    r.attributes = {{"host.name", i % 4 < 2 ? "h1" : "h2"}, {"job", "not-the-stream"}};
    batch.records.push_back(std::move(r));
  }
  ASSERT_TRUE((*store)->Consume(batch).status.ok());
  Engine engine(store->get(), {});
  auto instant = [&](const std::string& q) {
    QueryParams m;
    m.query = q;
    m.start_ns = m.end_ns = base + 30 * kSec;
    auto r = engine.Query(m);
    EXPECT_TRUE(r.ok()) << q << ": " << r.status().ToString();
    std::map<std::string, double> out;
    if (!r.ok()) return out;
    for (const auto& s : r->series) out[s.labels.ToString()] = s.points.at(0).v;
    return out;
  };
  using M = std::map<std::string, double>;
  EXPECT_EQ(instant(R"(sum(count_over_time({job=~"a|b"}[1m])))"), (M{{"{}", 12}}));
  EXPECT_EQ(instant(R"(sum(count_over_time({job=~"a|b"} |= "error" [1m])))"), (M{{"{}", 4}}));
  EXPECT_EQ(instant(R"(sum(bytes_over_time({job=~"a|b"} |= "error" [1m])))"), (M{{"{}", 4 * 20}}));
  EXPECT_EQ(instant(R"(sum by (job) (count_over_time({job=~"a|b"}[1m])))"),
            (M{{"{job=\"a\"}", 6}, {"{job=\"b\"}", 6}}));
  // A label that only structured metadata has: read per entry.
  EXPECT_EQ(instant(R"(sum by (host_name) (count_over_time({job=~"a|b"}[1m])))"),
            (M{{"{host_name=\"h1\"}", 6}, {"{host_name=\"h2\"}", 6}}));
  // Without sum, metadata makes series of its own.
  EXPECT_EQ(instant(R"(count_over_time({job="a"}[1m]))").size(), 2u);
  EXPECT_TRUE((*store)->Close().ok());
}

}  // namespace
}  // namespace vigil::logql
