// The scrape hot path without the network: a page of text exposition is
// parsed, looked up in the target's series cache and appended to a real
// TSDB (head + WAL), as one scrape of one target does.
//
//   BM_ScrapeAppend/<series>: steady state (every series cached), a page of
//     node_exporter-like series with new values each scrape. Reports
//     samples/s; 1e9 / that is the CPU ns per scraped sample of Vigil's
//     side of a scrape, minus the HTTP transfer.
//   BM_ScrapeFirst/<series>: the first scrape of a target: every series new
//     (labels parsed, series created).
#include <benchmark/benchmark.h>

#include <string>

#include "base/file.h"
#include "base/metrics.h"
#include "collect/scrape/page_appender.h"
#include "storage/tsdb/db.h"

namespace vigil::scrape {
namespace {

std::string MakePage(int series, int round) {
  std::string out;
  out.reserve(static_cast<size_t>(series) * 90);
  int per_family = 250;
  for (int i = 0; i < series; ++i) {
    if (i % per_family == 0) {
      out += "# HELP bench_metric_" + std::to_string(i / per_family) + "_total Some help text.\n";
      out += "# TYPE bench_metric_" + std::to_string(i / per_family) + "_total counter\n";
    }
    out += "bench_metric_" + std::to_string(i / per_family) + "_total{device=\"dev" +
           std::to_string(i % per_family) + "\",mode=\"m" + std::to_string(i % 7) + "\"} " +
           std::to_string(1000 + i + round * 13) + "\n";
  }
  return out;
}

std::unique_ptr<tsdb::DB> OpenDb(const std::string& dir, metrics::Registry* reg) {
  tsdb::DbOptions o;
  o.registry = reg;
  o.compaction_interval_ms = 0;
  o.flush_on_close = false;
  auto db = tsdb::DB::Open(dir, o);
  return db.ok() ? std::move(*db) : nullptr;
}

void BM_ScrapeAppend(benchmark::State& state) {
  const int series = static_cast<int>(state.range(0));
  const std::string pages[2] = {MakePage(series, 0), MakePage(series, 1)};
  fs::TempDir tmp("vigil-scrape-bench");
  metrics::Registry reg;
  auto db = OpenDb(tmp.path(), &reg);
  if (!db) return state.SkipWithError("cannot open the TSDB");
  PageAppender app(
      db.get(), model::Labels::FromStrings({"instance", "10.0.0.1:9100", "job", "node"}), {}, &reg);
  int64_t t = 1'700'000'000'000;
  Page page;
  page.body = pages[0];
  (void)app.Scrape(Status::OK(), page, t, std::chrono::steady_clock::now());
  int round = 0;
  for (auto _ : state) {
    t += 15'000;
    page.body = pages[++round & 1];
    auto rep = app.Scrape(Status::OK(), page, t, std::chrono::steady_clock::now());
    if (!rep.error.ok()) return state.SkipWithError(rep.error.ToString().c_str());
  }
  state.SetItemsProcessed(state.iterations() * series);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(pages[0].size()));
  (void)db->Close();
}
BENCHMARK(BM_ScrapeAppend)->Arg(1000)->Arg(25000)->Unit(benchmark::kMillisecond);

void BM_ScrapeFirst(benchmark::State& state) {
  const int series = static_cast<int>(state.range(0));
  const std::string body = MakePage(series, 0);
  for (auto _ : state) {
    state.PauseTiming();
    fs::TempDir tmp("vigil-scrape-bench");
    metrics::Registry reg;
    auto db = OpenDb(tmp.path(), &reg);
    PageAppender app(db.get(),
                     model::Labels::FromStrings({"instance", "10.0.0.1:9100", "job", "node"}), {},
                     &reg);
    Page page;
    page.body = body;
    state.ResumeTiming();
    auto rep = app.Scrape(Status::OK(), page, 1'700'000'000'000, std::chrono::steady_clock::now());
    state.PauseTiming();
    if (!rep.error.ok()) return state.SkipWithError(rep.error.ToString().c_str());
    (void)db->Close();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * series);
}
BENCHMARK(BM_ScrapeFirst)->Arg(25000)->Unit(benchmark::kMillisecond)->Iterations(5);

}  // namespace
}  // namespace vigil::scrape
