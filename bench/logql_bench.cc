// LogQL evaluation throughput over ~1M in-memory entries (entries/s):
// count_over_time, a line filter, and `| json | level="error"`.
#include <benchmark/benchmark.h>

#include <string>

#include <fmt/format.h>

#include "query/logql/engine.h"
#include "query/logql/memory_reader_test_util.h"

namespace vigil::logql {
namespace {

constexpr int kEntries = 1000000;
constexpr int kStreams = 10;
constexpr int64_t kSec = 1000000000;

testing::MemoryReader* Reader() {
  static testing::MemoryReader* reader = [] {
    auto* r = new testing::MemoryReader();
    for (int i = 0; i < kEntries; ++i) {
      int s = i % kStreams;
      const char* level = i % 10 == 0 ? "error" : "info";
      r->Add(
          model::Labels::FromStrings({"app", "bench", "pod", fmt::format("pod-{}", s)}),
          static_cast<int64_t>(i) * 1000000,  // 1ms apart: 1000 s in all
          fmt::format(
              R"({{"level":"{}","msg":"request handled","status":{},"took":"{}ms","path":"/api/v1/items/{}"}})",
              level, i % 10 == 0 ? 500 : 200, i % 97, i % 1000));
    }
    // One warm-up select outside the timed loops.
    logstore::SelectParams p;
    p.matchers = {model::Matcher::Equal("app", "bench")};
    p.end_ns = 1;
    (void)r->Select(p);
    return r;
  }();
  return reader;
}

void RunInstant(benchmark::State& state, const std::string& query) {
  Engine engine(Reader(), {});
  QueryParams p;
  p.query = query;
  p.start_ns = p.end_ns = 1001 * kSec;
  for (auto _ : state) {
    auto res = engine.Query(p);
    if (!res.ok()) {
      state.SkipWithError(res.status().ToString().c_str());
      return;
    }
    benchmark::DoNotOptimize(res->series.size());
  }
  state.SetItemsProcessed(state.iterations() * kEntries);
}

void BM_CountOverTime(benchmark::State& state) {
  RunInstant(state, R"(sum(count_over_time({app="bench"}[20m])))");
}
BENCHMARK(BM_CountOverTime)->Unit(benchmark::kMillisecond);

void BM_CountOverTimeByPod(benchmark::State& state) {
  RunInstant(state, R"(sum by (pod) (count_over_time({app="bench"}[20m])))");
}
BENCHMARK(BM_CountOverTimeByPod)->Unit(benchmark::kMillisecond);

void BM_LineFilterCount(benchmark::State& state) {
  RunInstant(state, R"(sum(count_over_time({app="bench"} |= "error" [20m])))");
}
BENCHMARK(BM_LineFilterCount)->Unit(benchmark::kMillisecond);

void BM_JsonLevelError(benchmark::State& state) {
  RunInstant(state, R"(sum(count_over_time({app="bench"} | json | level="error" [20m])))");
}
BENCHMARK(BM_JsonLevelError)->Unit(benchmark::kMillisecond);

void BM_JsonLevelErrorLogQuery(benchmark::State& state) {
  Engine engine(Reader(), {});
  QueryParams p;
  p.query = R"({app="bench"} | json | level="error")";
  p.start_ns = 0;
  p.end_ns = 1001 * kSec;
  p.limit = 5000;
  p.direction = logstore::Direction::kForward;
  for (auto _ : state) {
    auto res = engine.Query(p);
    if (!res.ok()) {
      state.SkipWithError(res.status().ToString().c_str());
      return;
    }
    benchmark::DoNotOptimize(res->streams.size());
  }
}
BENCHMARK(BM_JsonLevelErrorLogQuery)->Unit(benchmark::kMillisecond);

void BM_RangeQuery(benchmark::State& state) {
  Engine engine(Reader(), {});
  QueryParams p;
  p.query = R"(sum by (pod) (rate({app="bench"}[1m])))";
  p.start_ns = 60 * kSec;
  p.end_ns = 1000 * kSec;
  p.step_ns = 15 * kSec;
  for (auto _ : state) {
    auto res = engine.Query(p);
    if (!res.ok()) {
      state.SkipWithError(res.status().ToString().c_str());
      return;
    }
    benchmark::DoNotOptimize(res->series.size());
  }
  state.SetItemsProcessed(state.iterations() * kEntries);
}
BENCHMARK(BM_RangeQuery)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace vigil::logql
