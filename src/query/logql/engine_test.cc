#include "query/logql/engine.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "query/logql/memory_reader_test_util.h"
#include "query/logql/pipeline.h"

namespace vigil::logql {
namespace {

constexpr int64_t kSec = 1000000000;

class RecordingReader : public testing::MemoryReader {
 public:
  Result<std::unique_ptr<logstore::StreamSet>> Select(const logstore::SelectParams& p) override {
    last = p;
    return MemoryReader::Select(p);
  }
  logstore::SelectParams last;
};

QueryParams LogParams(std::string q) {
  QueryParams p;
  p.query = std::move(q);
  p.start_ns = 0;
  p.end_ns = 100 * kSec;
  p.direction = logstore::Direction::kForward;
  return p;
}

QueryParams Instant(std::string q, int64_t t) {
  QueryParams p;
  p.query = std::move(q);
  p.start_ns = p.end_ns = t;
  return p;
}

TEST(LogqlEngine, LeadingContainsFiltersReachTheReaderAsHints) {
  RecordingReader r;
  r.Add(model::Labels::FromStrings({"app", "a"}), kSec, "x error y");
  Engine e(&r, {});
  auto res = e.Query(LogParams(R"({app="a"} |= "error" |~ "x" |= "y" | line_format "z" |= "q")"));
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  EXPECT_EQ(r.last.line_contains, (std::vector<std::string>{"error", "y"}));
  EXPECT_EQ(r.last.start_ns, 0);
  EXPECT_EQ(r.last.end_ns, 100 * kSec);
}

TEST(LogqlEngine, MetricSelectCoversTheFirstWindowAndTheLastStepInclusive) {
  RecordingReader r;
  r.Add(model::Labels::FromStrings({"app", "a"}), 10 * kSec, "x");
  Engine e(&r, {});
  QueryParams p;
  p.query = R"(count_over_time({app="a"}[5s] offset 1s))";
  p.start_ns = 10 * kSec;
  p.end_ns = 20 * kSec;
  p.step_ns = 5 * kSec;
  ASSERT_TRUE(e.Query(p).ok());
  EXPECT_EQ(r.last.start_ns, 4 * kSec + 1);
  EXPECT_EQ(r.last.end_ns, 19 * kSec + 1);
}

TEST(LogqlEngine, StructuredMetadataBecomesLabels) {
  testing::MemoryReader r;
  r.Add(model::Labels::FromStrings({"app", "a"}), kSec, "hello",
        {{"trace_id", "abc"}, {"app", "x"}});
  Engine e(&r, {});
  auto res = e.Query(LogParams(R"({app="a"} | trace_id="abc")"));
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  ASSERT_EQ(res->streams.size(), 1u);
  EXPECT_EQ(res->streams[0].labels,
            model::Labels::FromStrings({"app", "a", "app_extracted", "x", "trace_id", "abc"}));
  ASSERT_EQ(res->streams[0].entries.size(), 1u);
  EXPECT_EQ(res->streams[0].entries[0].metadata.size(), 2u);
}

TEST(LogqlEngine, TooManySeriesIsResourceExhausted) {
  testing::MemoryReader r;
  for (int i = 0; i < 20; ++i) {
    r.Add(model::Labels::FromStrings({"app", "a", "n", std::to_string(i)}), kSec, "x");
  }
  EngineOptions o;
  o.max_series = 10;
  Engine e(&r, o);
  auto res = e.Query(Instant(R"(count_over_time({app="a"}[1m]))", 10 * kSec));
  ASSERT_FALSE(res.ok());
  EXPECT_TRUE(res.status().IsResourceExhausted()) << res.status().ToString();
  // sum() groups the samples before the range aggregation (Loki's pushdown),
  // so only the grouped series count against the limit.
  auto summed = e.Query(Instant(R"(sum(count_over_time({app="a"}[1m])))", 10 * kSec));
  ASSERT_TRUE(summed.ok()) << summed.status().ToString();
  EXPECT_EQ(summed->series[0].points[0].v, 20);
  auto maxed = e.Query(Instant(R"(max(count_over_time({app="a"}[1m])))", 10 * kSec));
  EXPECT_FALSE(maxed.ok());
  auto grouped =
      e.Query(Instant(R"(sum by (app) (count_over_time({app="a"} | drop n [1m])))", 10 * kSec));
  ASSERT_TRUE(grouped.ok()) << grouped.status().ToString();
  ASSERT_EQ(grouped->series.size(), 1u);
  EXPECT_EQ(grouped->series[0].points[0].v, 20);
}

TEST(LogqlEngine, StatsCountWhatWasRead) {
  testing::MemoryReader r;
  r.Add(model::Labels::FromStrings({"app", "a"}), kSec, "abc");
  r.Add(model::Labels::FromStrings({"app", "a"}), 2 * kSec, "de");
  r.Add(model::Labels::FromStrings({"app", "b"}), 2 * kSec, "f");
  Engine e(&r, {});
  auto res = e.Query(LogParams(R"({app=~"a|b"} |= "zz")"));
  ASSERT_TRUE(res.ok());
  EXPECT_TRUE(res->streams.empty());
  EXPECT_EQ(res->stats.streams_read, 2u);
  EXPECT_EQ(res->stats.entries_read, 3u);
  EXPECT_EQ(res->stats.bytes_read, 6u);
}

TEST(LogqlEngine, DecolorizeStripsAnsiSequences) {
  EXPECT_EQ(Decolorize("\x1b[31mred\x1b[0m and \x1b[1;32mgreen\x1b[m"), "red and green");
  testing::MemoryReader r;
  r.Add(model::Labels::FromStrings({"app", "a"}), kSec, "\x1b[31merror\x1b[0m: boom");
  Engine e(&r, {});
  auto res = e.Query(LogParams(R"({app="a"} | decolorize |= "error: boom")"));
  ASSERT_TRUE(res.ok());
  ASSERT_EQ(res->streams.size(), 1u);
  EXPECT_EQ(res->streams[0].entries[0].line, "error: boom");
}

TEST(LogqlEngine, InstantScalarAndEmptyRange) {
  testing::MemoryReader r;
  Engine e(&r, {});
  auto s = e.Query(Instant("2 * 3", 5 * kSec));
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->type, QueryResult::Type::kScalar);
  EXPECT_EQ(s->series[0].points[0].v, 6);
  QueryParams p;
  p.query = R"(count_over_time({app="none"}[1m]))";
  p.start_ns = 0;
  p.end_ns = 60 * kSec;
  p.step_ns = 15 * kSec;
  auto m = e.Query(p);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->type, QueryResult::Type::kMatrix);
  EXPECT_TRUE(m->series.empty());
}

TEST(LogqlEngine, BadQueriesAreInvalidArgument) {
  testing::MemoryReader r;
  Engine e(&r, {});
  for (const char* q : {"", "{", R"({a="b"} | unwrap x)", R"(sum({a="b"}))", R"(rate({a="b"}))",
                        R"(topk(0, count_over_time({a="b"}[1m])))", R"({a="b"} |= ip("nope"))"}) {
    auto res = e.Query(Instant(q, kSec));
    ASSERT_FALSE(res.ok()) << q;
    EXPECT_TRUE(res.status().IsInvalidArgument()) << q << ": " << res.status().ToString();
  }
}

TEST(LogqlEngine, EntryPipelineFiltersAndRelabelsForTail) {
  auto p = EntryPipeline::Make(R"({app="a"} |= "keep" | label_format who=app)");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  std::string line = "please keep me";
  model::Labels out;
  bool kept = (*p)->Process(model::Labels::FromStrings({"app", "a"}), kSec, &line, &out);
  EXPECT_TRUE(kept);
#ifdef VIGIL_LOGQL_HAVE_LOGPARSE
  EXPECT_EQ(out, model::Labels::FromStrings({"who", "a"}));
#endif
  line = "drop me";
  EXPECT_FALSE((*p)->Process(model::Labels::FromStrings({"app", "a"}), kSec, &line, &out));
  EXPECT_FALSE(EntryPipeline::Make(R"(rate({app="a"}[1m]))").ok());
}

TEST(LogqlEngine, ConcurrentQueriesShareOneEngine) {
  testing::MemoryReader r;
  for (int i = 0; i < 200; ++i) {
    r.Add(model::Labels::FromStrings({"app", i % 2 ? "a" : "b"}), i * kSec,
          "line " + std::to_string(i));
  }
  Engine e(&r, {});
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int k = 0; k < 20; ++k) {
        auto res = e.Query(Instant(
            R"(sum by (app) (count_over_time({app=~"a|b"} |~ "line [0-9]+" [10m])))", 300 * kSec));
        if (!res.ok() || res->series.size() != 2 || res->series[0].points[0].v != 100) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
}

TEST(LogqlEngine, BackwardLimitTakesNewestAcrossStreamsWithTies) {
  testing::MemoryReader r;
  r.Add(model::Labels::FromStrings({"app", "a"}), 5 * kSec, "a1");
  r.Add(model::Labels::FromStrings({"app", "a"}), 5 * kSec, "a2");
  r.Add(model::Labels::FromStrings({"app", "b"}), 6 * kSec, "b1");
  r.Add(model::Labels::FromStrings({"app", "b"}), 1 * kSec, "b0");
  Engine e(&r, {});
  QueryParams p = LogParams(R"({app=~"a|b"})");
  p.direction = logstore::Direction::kBackward;
  p.limit = 3;
  auto res = e.Query(p);
  ASSERT_TRUE(res.ok());
  ASSERT_EQ(res->streams.size(), 2u);
  ASSERT_EQ(res->streams[0].entries.size(), 2u);
  // Same timestamp: backward reverses arrival order.
  EXPECT_EQ(res->streams[0].entries[0].line, "a2");
  EXPECT_EQ(res->streams[0].entries[1].line, "a1");
  ASSERT_EQ(res->streams[1].entries.size(), 1u);
  EXPECT_EQ(res->streams[1].entries[0].line, "b1");
}

}  // namespace
}  // namespace vigil::logql
