// PromQL engine benchmarks over a tsdb::DB filled once in a temp dir:
// 1,000 counter series (http_requests_total, 10 jobs x 100 instances) and
// 10 classic histograms of 12 buckets (latency_seconds_bucket), every 15 s
// for 3 hours. Reports samples read per second of evaluation.
//
//   BM_Rate1k:              rate(http_requests_total[5m])           instant
//   BM_SumByRate:           sum by (job) (rate(...[5m]))             instant
//   BM_HistogramQuantile:   histogram_quantile(0.9, sum by (le, job) (rate(...[5m])))
//   BM_RangeSumByRate:      sum by (job) (rate(...[5m])), 1h at 15 s steps (241 steps)
//   BM_RangeSelector:       http_requests_total, 1h at 60 s steps
//   BM_RangeHistogramQuantile: the histogram query, 1h at 60 s steps
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "base/file.h"
#include "base/time.h"
#include "model/labels.h"
#include "query/promql/engine.h"
#include "storage/tsdb/db.h"

namespace vigil::promql {
namespace {

constexpr int64_t kStart = 1'700'000'000'000;
constexpr int64_t kInterval = 15 * kSecond;
constexpr int kPoints = 3 * 240;  // 3h at 15 s
constexpr int64_t kEnd = kStart + (kPoints - 1) * kInterval;

struct Fixture {
  fs::TempDir dir{"vigil-promql-bench"};
  std::unique_ptr<tsdb::DB> db;
  Status status;

  Fixture() {
    tsdb::DbOptions opts;
    opts.compaction_interval_ms = 0;
    opts.flush_on_close = false;
    auto r = tsdb::DB::Open(dir.path(), opts);
    if (!r.ok()) {
      status = r.status();
      return;
    }
    db = std::move(*r);
    std::vector<model::Labels> series;
    std::vector<double> rates;
    for (int i = 0; i < 1000; ++i) {
      series.push_back(model::Labels::FromStrings({"__name__", "http_requests_total", "job",
                                                   "job-" + std::to_string(i % 10), "instance",
                                                   "10.0.0." + std::to_string(i) + ":9100"}));
      rates.push_back(1 + i % 7);
    }
    static const char* kLe[] = {"0.005", "0.01", "0.025", "0.05", "0.1", "0.25",
                                "0.5",   "1",    "2.5",   "5",    "10",  "+Inf"};
    for (int j = 0; j < 10; ++j) {
      for (int b = 0; b < 12; ++b) {
        series.push_back(model::Labels::FromStrings({"__name__", "latency_seconds_bucket", "job",
                                                     "job-" + std::to_string(j), "le", kLe[b]}));
        rates.push_back(10.0 * (b + 1));  // cumulative: grows with le
      }
    }
    std::vector<std::vector<model::LabelView>> views;
    for (const auto& l : series) views.push_back(l.View());
    for (int p = 0; p < kPoints; ++p) {
      auto app = db->NewAppender();
      for (size_t s = 0; s < series.size(); ++s) {
        app->Append(0, views[s], kStart + p * kInterval, rates[s] * p * 15);
      }
      status = app->Commit();
      if (!status.ok()) return;
    }
  }
};

Fixture& Data() {
  static Fixture f;  // destroyed at exit: the DB, then its temp dir
  return f;
}

void RunInstant(benchmark::State& state, std::string_view query) {
  Fixture& f = Data();
  if (!f.status.ok()) {
    state.SkipWithError(f.status.ToString().c_str());
    return;
  }
  Engine engine;
  uint64_t samples = 0;
  for (auto _ : state) {
    auto r = engine.InstantQuery(f.db.get(), query, kEnd);
    if (!r.ok()) {
      state.SkipWithError(r.status().ToString().c_str());
      return;
    }
    samples += r->stats.samples_total;
    benchmark::DoNotOptimize(r->value);
  }
  state.counters["samples/s"] =
      benchmark::Counter(static_cast<double>(samples), benchmark::Counter::kIsRate);
}

void RunRange(benchmark::State& state, std::string_view query, int64_t step) {
  Fixture& f = Data();
  if (!f.status.ok()) {
    state.SkipWithError(f.status.ToString().c_str());
    return;
  }
  Engine engine;
  uint64_t samples = 0;
  for (auto _ : state) {
    auto r = engine.RangeQuery(f.db.get(), query, kEnd - kHour, kEnd, step);
    if (!r.ok()) {
      state.SkipWithError(r.status().ToString().c_str());
      return;
    }
    samples += r->stats.samples_total;
    benchmark::DoNotOptimize(r->value);
  }
  state.counters["samples/s"] =
      benchmark::Counter(static_cast<double>(samples), benchmark::Counter::kIsRate);
}

void BM_Rate1k(benchmark::State& state) { RunInstant(state, "rate(http_requests_total[5m])"); }
BENCHMARK(BM_Rate1k)->Unit(benchmark::kMicrosecond);

void BM_SumByRate(benchmark::State& state) {
  RunInstant(state, "sum by (job) (rate(http_requests_total[5m]))");
}
BENCHMARK(BM_SumByRate)->Unit(benchmark::kMicrosecond);

void BM_HistogramQuantile(benchmark::State& state) {
  RunInstant(state, "histogram_quantile(0.9, sum by (le, job) (rate(latency_seconds_bucket[5m])))");
}
BENCHMARK(BM_HistogramQuantile)->Unit(benchmark::kMicrosecond);

void BM_RangeSumByRate(benchmark::State& state) {
  RunRange(state, "sum by (job) (rate(http_requests_total[5m]))", 15 * kSecond);
}
BENCHMARK(BM_RangeSumByRate)->Unit(benchmark::kMillisecond);

void BM_RangeSelector(benchmark::State& state) { RunRange(state, "http_requests_total", kMinute); }
BENCHMARK(BM_RangeSelector)->Unit(benchmark::kMillisecond);

void BM_RangeHistogramQuantile(benchmark::State& state) {
  RunRange(state, "histogram_quantile(0.9, sum by (le, job) (rate(latency_seconds_bucket[5m])))",
           kMinute);
}
BENCHMARK(BM_RangeHistogramQuantile)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace vigil::promql
