// Head append and query benchmarks: the TSDB side of remote_write ingest.
//
//   BM_HeadAppend/<with_wal>: batches of 2000 samples (one per series, as a
//     remote_write request carries them) into a head of 100k series, with or
//     without the WAL write. Reports samples/s.
//   BM_HeadSelect: matcher evaluation + chunk copy for one metric name.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "base/file.h"
#include "base/metrics.h"
#include "base/time.h"
#include "storage/tsdb/head.h"
#include "storage/tsdb/head_appender.h"
#include "storage/tsdb/wal/wal.h"

namespace vigil::tsdb {
namespace {

constexpr int kSeries = 100'000;
constexpr int kBatch = 2000;

std::vector<model::Labels> MakeLabels() {
  std::vector<model::Labels> out;
  out.reserve(kSeries);
  for (int i = 0; i < kSeries; ++i) {
    out.push_back(model::Labels::FromStrings(
        {"__name__", "metric_" + std::to_string(i % 100), "cluster", "c1", "instance",
         "10.0." + std::to_string(i / 250) + "." + std::to_string(i % 250) + ":9100", "job", "node",
         "mode", std::to_string(i % 8)}));
  }
  return out;
}

void BM_HeadAppend(benchmark::State& state) {
  bool with_wal = state.range(0) != 0;
  static const std::vector<model::Labels> labels = MakeLabels();
  std::vector<std::vector<model::LabelView>> views;
  for (const auto& l : labels) views.push_back(l.View());
  metrics::Registry reg;
  Head head(HeadOptions{}, &reg);
  fs::TempDir tmp("vigil-head-bench");
  const std::string& dir = tmp.path();
  std::unique_ptr<wal::Wal> w;
  if (with_wal) {
    auto r = wal::Wal::Open(dir + "/wal", wal::WalOptions{});
    if (!r.ok()) {
      state.SkipWithError(r.status().ToString().c_str());
      return;
    }
    w = std::move(*r);
    head.SetWal(w.get());
  }
  int64_t t = 1'700'000'000'000;
  int next = 0;
  int64_t samples = 0;
  for (auto _ : state) {
    HeadAppender app(&head);
    for (int i = 0; i < kBatch; ++i) {
      auto r = app.Append(0, views[next], t, static_cast<double>(samples + i));
      benchmark::DoNotOptimize(r);
      if (++next == kSeries) {
        next = 0;
        t += 15'000;
      }
    }
    if (!app.Commit().ok()) state.SkipWithError("commit failed");
    samples += kBatch;
  }
  state.SetItemsProcessed(samples);
  state.counters["series"] = static_cast<double>(head.NumSeries());
  w.reset();
}
BENCHMARK(BM_HeadAppend)
    ->Arg(0)
    ->Arg(1)
    ->ArgNames({"wal"})
    ->Unit(benchmark::kMillisecond)
    ->MinTime(3);

void BM_HeadSelect(benchmark::State& state) {
  static const std::vector<model::Labels> labels = MakeLabels();
  metrics::Registry reg;
  Head head(HeadOptions{}, &reg);
  int64_t t0 = 1'700'000'000'000;
  for (int step = 0; step < 120; ++step) {
    HeadAppender app(&head);
    for (const auto& l : labels) {
      auto v = l.View();
      (void)app.Append(0, v, t0 + step * 15'000, step);
    }
    (void)app.Commit();
  }
  std::vector<model::Matcher> ms = {model::Matcher::Equal("__name__", "metric_7")};
  size_t n = 0;
  for (auto _ : state) {
    auto r = head.Select(ms, kMinTime, kMaxTime);
    n = r->size();
    benchmark::DoNotOptimize(r);
  }
  state.counters["series"] = static_cast<double>(n);
}
BENCHMARK(BM_HeadSelect)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace vigil::tsdb
