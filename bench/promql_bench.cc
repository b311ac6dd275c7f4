// PromQL engine benchmarks (issue 3) over real tsdb::DBs, each filled once
// per process in a temp dir the first time a benchmark needs it (all data
// stays in the head: no compaction, no flush on close). Samples are scraped
// every 15 s, each target at its own fixed offset within the interval, as
// Prometheus spreads its scrapes; counters grow by irregular amounts.
//
// Data sets (label sets modelled on kube-prometheus scrapes):
//   Small:  3 h. http_requests_total, 1k series (10 jobs x 10 pods x 10
//           handler/method/code); http_request_duration_seconds_bucket, 1k
//           bucket series (100 histograms x 10 buckets).
//   Node:   1 h. node_cpu_seconds_total, 10k series (125 nodes x 10 cpus x
//           8 modes).
//   Large:  1 h. http_requests_total, 100k series (20 jobs x 50 pods x 100
//           handler/method/code).
//
// Instant queries run at the end of the data; range queries over its last
// hour at 15 s steps (241 steps) unless noted. items_per_second is samples
// processed per second, counted as Prometheus' totalQueryableSamples (the
// engine's QueryStats::samples_total: a window is counted again at every
// step). Counters: samples/query, peak_samples (the engine's most samples in
// memory at once), query_peak_MiB (the process' peak RSS during the timed
// loop above its RSS before it, after malloc_trim; -1 if the peak cannot be
// reset).
//
// Issue 3's four cases, and the range variant of the sum-by:
//   BM_Rate10k_1h              rate(node_cpu_seconds_total[1h]), Node, instant
//   BM_SumByRate100k           sum by (job) (rate(http_requests_total[5m])),
//                              Large, instant
//   BM_RangeSumByRate100k      the same as a range query (Large has only 1 h,
//                              so windows of the first 5 min of steps are
//                              partly empty)
//   BM_HistogramQuantile1k     histogram_quantile(0.9,
//                              rate(http_request_duration_seconds_bucket[5m])),
//                              Small, instant
//   BM_Subquery                max_over_time(rate(http_requests_total[5m])[1h:1m]),
//                              Small, instant
// Related cases on Small:
//   BM_HistogramQuantileSumBy  histogram_quantile(0.9, sum by (le, job) (rate(...)))
//   BM_Rate1k, BM_SumByRate1k  rate(...[5m]), sum by (job) (rate(...[5m])), instant
//   BM_RangeSumByRate1k        sum by (job) (rate(...[5m])), range
//   BM_RangeSelector1k         http_requests_total, range at 60 s steps
//   BM_RangeHistogramQuantile  the sum-by histogram query, range at 60 s steps
//
// Every case runs with workers:1 (the query's thread only) and workers:2
// (EngineOptions::max_workers_per_query, one helper thread), so one run
// shows what parallel evaluation gives.
//
// The time to build each data set and the RSS it added go to stderr.
#include <benchmark/benchmark.h>
#include <fmt/core.h>

#include <malloc.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
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
constexpr int kPointsPerHour = static_cast<int>(kHour / kInterval);
// Samples per Appender commit, about a remote_write request's worth.
constexpr size_t kCommitBatch = 10'000;

// The end of data of `points` scrapes: every series' last sample is at or
// before it, and the 5m window ending there holds exactly 20 samples of each.
constexpr int64_t EndOf(int points) { return kStart + points * kInterval - 1; }

// One series to write: its labels, its scrape offset within the interval, and
// how its value moves (see Generator).
struct SeriesSpec {
  model::Labels labels;
  int64_t offset_ms = 0;
  int generator = 0;  // index into the data set's generators
  // Series with the same key get the same random draw at each scrape (the
  // buckets of one histogram); 0: the series' own index.
  uint64_t draw_key = 0;
  double scale = 1;
  double value = 0;  // current value, advanced at every scrape
};

// A deterministic draw in [0, 1) for (key, scrape), from splitmix64.
double Uniform(uint64_t key, int scrape) {
  uint64_t z = key * 0x9E3779B97F4A7C15u + static_cast<uint64_t>(scrape) + 1;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
  z ^= z >> 31;
  return static_cast<double>(z >> 11) * 0x1.0p-53;
}

// Reads a field of /proc/self/status ("VmRSS", "VmHWM") in MiB; -1 if absent.
double ProcStatusMiB(std::string_view field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.compare(0, field.size(), field) == 0 && line.size() > field.size() &&
        line[field.size()] == ':') {
      return std::stod(line.substr(field.size() + 1)) / 1024.0;  // the value is in kB
    }
  }
  return -1;
}

// Resets the peak RSS (VmHWM) to the current RSS (Linux >= 4.0).
bool ResetPeakRss() {
  std::ofstream out("/proc/self/clear_refs");
  out << "5";
  out.flush();
  return static_cast<bool>(out);
}

// The process' RSS in MiB after handing freed heap pages back to the
// system, so that RSS growth from here on is memory newly in use rather
// than the heap re-using what an earlier benchmark freed.
double TrimmedRssMiB() {
  malloc_trim(0);
  return ProcStatusMiB("VmRSS");
}

// A tsdb::DB in a temp dir, filled with `points` scrapes of its series.
// Subclasses build the series in their constructor and pass them to Fill.
class DataSet {
 public:
  DataSet(std::string name, int points) : name_(std::move(name)), points_(points) {}
  virtual ~DataSet() = default;  // the DB closes before its temp dir goes

  const Status& status() const { return status_; }
  storage::Queryable* db() { return db_.get(); }
  int64_t end() const { return EndOf(points_); }

 protected:
  // How a series' value changes over one scrape, given a uniform [0,1) draw.
  using Advance = double (*)(const SeriesSpec& s, double u);

  void Fill(std::vector<SeriesSpec> series, std::vector<Advance> advance) {
    const auto t0 = std::chrono::steady_clock::now();
    const double rss0 = TrimmedRssMiB();
    tsdb::DbOptions opts;
    opts.compaction_interval_ms = 0;
    opts.flush_on_close = false;
    auto r = tsdb::DB::Open(dir_.path(), opts);
    if (!r.ok()) {
      status_ = r.status();
      return;
    }
    db_ = std::move(*r);
    std::vector<std::vector<model::LabelView>> views;
    views.reserve(series.size());
    for (const auto& s : series) views.push_back(s.labels.View());
    std::vector<storage::SeriesRef> refs(series.size(), 0);
    for (int p = 0; p < points_; ++p) {
      auto app = db_->NewAppender();
      size_t staged = 0;
      for (size_t i = 0; i < series.size(); ++i) {
        SeriesSpec& s = series[i];
        if (p > 0) s.value = advance[s.generator](s, Uniform(s.draw_key ? s.draw_key : i, p));
        auto res = app->Append(refs[i], views[i], kStart + p * kInterval + s.offset_ms, s.value);
        if (!res.ok()) {
          status_ =
              Status::Internal(fmt::format("append to {} refused: {} {}", s.labels.ToString(),
                                           storage::RejectReasonName(res.reject), res.detail));
          return;
        }
        refs[i] = res.ref;
        if (++staged == kCommitBatch) {
          status_ = app->Commit();
          if (!status_.ok()) return;
          app = db_->NewAppender();
          staged = 0;
        }
      }
      status_ = app->Commit();
      if (!status_.ok()) return;
    }
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    fmt::print(stderr, "data set {}: {} series x {} samples, built in {:.1f} s, RSS +{:.0f} MiB\n",
               name_, series.size(), points_, secs, ProcStatusMiB("VmRSS") - rss0);
  }

 private:
  const std::string name_;
  const int points_;
  fs::TempDir dir_{"vigil-promql-bench"};
  std::unique_ptr<tsdb::DB> db_;
  Status status_;
};

// A per-target scrape offset in [0, 15 s), spread deterministically.
int64_t ScrapeOffset(int target) {
  return (static_cast<int64_t>(target) * 7919 + 1237) % kInterval;
}

// A pod name as kube makes them: a Deployment's pods carry the replica
// set's hash, a DaemonSet's only the random part.
std::string PodName(std::string_view app, int job, int pod, bool deployment = true) {
  static constexpr char kAlnum[] = "bcdfghjklmnpqrstvwxz2456789";
  uint64_t h =
      (static_cast<uint64_t>(job) << 32 | static_cast<uint64_t>(pod)) * 0x9E3779B97F4A7C15u;
  std::string name =
      deployment ? fmt::format("{}-{:x}-", app, (static_cast<uint64_t>(job) + 1) * 0x5bd1e995u)
                 : fmt::format("{}-", app);
  for (int i = 0; i < 5; ++i) {
    name += kAlnum[h % (sizeof(kAlnum) - 1)];
    h /= sizeof(kAlnum) - 1;
  }
  return name;
}

constexpr std::array<std::string_view, 20> kApps = {
    "checkout", "cart",    "catalog",  "payments", "shipping", "users",          "auth",
    "search",   "reviews", "frontend", "gateway",  "orders",   "billing",        "inventory",
    "pricing",  "ads",     "email",    "currency", "quotes",   "recommendations"};

// Counter increments: requests in one scrape at about `scale` req/s, whole
// numbers (many zero for slow series), as request counters are.
double AdvanceRequests(const SeriesSpec& s, double u) {
  return s.value + std::floor(s.scale * 15 * (0.5 + u) + u);
}

// http_requests_total of jobs x pods x combos series, kube style.
std::vector<SeriesSpec> HttpRequestSeries(int jobs, int pods, int combos) {
  static constexpr std::array<std::string_view, 5> kHandlers = {
      "/api/v1/items", "/api/v1/orders", "/api/v1/users", "/healthz", "/metrics"};
  static constexpr std::array<std::string_view, 4> kMethods = {"GET", "POST", "PUT", "DELETE"};
  static constexpr std::array<std::string_view, 5> kCodes = {"200", "201", "304", "404", "500"};
  std::vector<SeriesSpec> out;
  out.reserve(static_cast<size_t>(jobs) * pods * combos);
  for (int j = 0; j < jobs; ++j) {
    const std::string app(kApps[j % kApps.size()]);
    const std::string ns = fmt::format("team-{}", j % 5);
    for (int p = 0; p < pods; ++p) {
      const int target = j * pods + p;
      const std::string pod = PodName(app, j, p);
      const std::string instance = fmt::format("10.{}.{}.{}:8080", 32 + j, p / 200, p % 200 + 2);
      for (int c = 0; c < combos; ++c) {
        const auto handler = kHandlers[c % kHandlers.size()];
        const auto method = kMethods[(c / kHandlers.size()) % kMethods.size()];
        const auto code = kCodes[(c / (kHandlers.size() * kMethods.size())) % kCodes.size()];
        SeriesSpec s;
        s.labels = model::Labels::FromStrings({"__name__",  "http_requests_total",
                                               "cluster",   "prod-eu-1",
                                               "code",      code,
                                               "container", app,
                                               "handler",   handler,
                                               "instance",  instance,
                                               "job",       app,
                                               "method",    method,
                                               "namespace", ns,
                                               "pod",       pod});
        s.offset_ms = ScrapeOffset(target);
        s.scale = (code == "200" ? 20.0 : 0.5) / (1 + c % 7) * (1 + j % 3);
        s.value = std::floor(s.scale * 86'400 * (1 + target % 5));  // pods up for days
        out.push_back(std::move(s));
      }
    }
  }
  return out;
}

// Small: 3 h of 1k request counters and 1k histogram bucket series.
class SmallDataSet : public DataSet {
 public:
  static constexpr int kJobs = 10;
  static constexpr int kBuckets = 10;
  SmallDataSet() : DataSet("small", 3 * kPointsPerHour) {
    std::vector<SeriesSpec> series = HttpRequestSeries(kJobs, 10, 10);
    // 100 histograms (10 jobs x 10 pods) of 10 cumulative buckets. Each
    // bucket series counts the same observations up to its bound, so buckets
    // grow with le at every scrape.
    static constexpr std::array<std::string_view, kBuckets> kLe = {
        "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "+Inf"};
    static constexpr std::array<double, kBuckets> kFraction = {0.05, 0.15, 0.35, 0.6,   0.8,
                                                               0.9,  0.95, 0.98, 0.995, 1};
    for (int j = 0; j < kJobs; ++j) {
      const std::string app(kApps[j]);
      for (int p = 0; p < 10; ++p) {
        const std::string pod = PodName(app, j, p);
        const std::string instance = fmt::format("10.{}.0.{}:8080", 32 + j, p + 2);
        for (int b = 0; b < kBuckets; ++b) {
          SeriesSpec s;
          s.labels = model::Labels::FromStrings(
              {"__name__", "http_request_duration_seconds_bucket", "cluster", "prod-eu-1",
               "container", app, "instance", instance, "job", app, "le", kLe[b], "namespace",
               fmt::format("team-{}", j % 5), "pod", pod});
          s.offset_ms = ScrapeOffset(j * 10 + p);
          s.generator = 1;
          s.draw_key = (uint64_t{1} << 32) + static_cast<uint64_t>(j * 10 + p);
          s.scale = kFraction[b] * (5 + j + p);  // cumulative share of ~(5+j+p) obs/s
          s.value = std::floor(s.scale * 86'400);
          series.push_back(std::move(s));
        }
      }
    }
    // Bucket increments: a whole count per bucket, monotonic in le because the
    // buckets of a histogram share their draw at every scrape.
    Fill(std::move(series), {AdvanceRequests, [](const SeriesSpec& s, double u) {
                               return s.value + std::floor(s.scale * 15 * (0.5 + u));
                             }});
  }
};

// Node: 1 h of node_cpu_seconds_total from 125 nodes of 10 cpus.
class NodeDataSet : public DataSet {
 public:
  static constexpr int kNodes = 125;
  static constexpr int kCpus = 10;
  NodeDataSet() : DataSet("node", kPointsPerHour) {
    static constexpr std::array<std::string_view, 8> kModes = {
        "idle", "iowait", "irq", "nice", "softirq", "steal", "system", "user"};
    static constexpr std::array<double, 8> kShare = {0.7,  0.03,  0.005, 0.002,
                                                     0.01, 0.001, 0.08,  0.17};
    std::vector<SeriesSpec> series;
    series.reserve(kNodes * kCpus * kModes.size());
    for (int n = 0; n < kNodes; ++n) {
      const std::string instance = fmt::format("10.0.{}.{}:9100", n / 100, n % 100 + 10);
      const std::string pod = PodName("node-exporter", 0, n, false);
      for (int c = 0; c < kCpus; ++c) {
        const std::string cpu = std::to_string(c);
        for (size_t m = 0; m < kModes.size(); ++m) {
          SeriesSpec s;
          s.labels = model::Labels::FromStrings({"__name__",  "node_cpu_seconds_total",
                                                 "container", "node-exporter",
                                                 "cpu",       cpu,
                                                 "endpoint",  "https",
                                                 "instance",  instance,
                                                 "job",       "node-exporter",
                                                 "mode",      kModes[m],
                                                 "namespace", "monitoring",
                                                 "pod",       pod,
                                                 "service",   "node-exporter"});
          s.offset_ms = ScrapeOffset(n);
          s.scale = kShare[m];
          s.value = std::round(kShare[m] * 1'000'000 * (1 + n % 9) * 100) / 100;
          series.push_back(std::move(s));
        }
      }
    }
    // CPU seconds in USER_HZ ticks (0.01 s), as node_exporter reports them.
    Fill(std::move(series), {[](const SeriesSpec& s, double u) {
           return std::round((s.value + s.scale * 15 * (0.6 + 0.8 * u)) * 100) / 100;
         }});
  }
};

// Large: 1 h of 100k request counters.
class LargeDataSet : public DataSet {
 public:
  static constexpr int kJobs = 20;
  LargeDataSet() : DataSet("large", kPointsPerHour) {
    Fill(HttpRequestSeries(kJobs, 50, 100), {AdvanceRequests});
  }
};

template <typename T>
T& Data() {
  static T data;  // destroyed at exit: the DB, then its temp dir
  return data;
}

// Runs query in the benchmark loop; an instant query at the end of the data
// if step == 0, else a range query over the data's last hour.
// want_series > 0 checks the result's size once.
template <typename DataSetT>
void Run(benchmark::State& state, std::string_view query, int64_t step, size_t want_series) {
  DataSet& data = Data<DataSetT>();
  if (!data.status().ok()) {
    state.SkipWithError(data.status().ToString().c_str());
    return;
  }
  // The benchmark's argument: threads per query (1: the query's own only).
  EngineOptions options;
  options.max_workers_per_query = static_cast<size_t>(state.range(0));
  Engine engine(options);
  const int64_t end = data.end();
  auto eval = [&]() {
    return step == 0 ? engine.InstantQuery(data.db(), query, end)
                     : engine.RangeQuery(data.db(), query, end - kHour, end, step);
  };
  {
    auto r = eval();
    if (!r.ok()) {
      state.SkipWithError(r.status().ToString().c_str());
      return;
    }
    size_t got = 0;
    if (const auto* v = std::get_if<Vector>(&r->value)) got = v->size();
    if (const auto* m = std::get_if<Matrix>(&r->value)) got = m->size();
    if (want_series > 0 && got != want_series) {
      state.SkipWithError(
          fmt::format("{} series in the result, want {}", got, want_series).c_str());
      return;
    }
    // Data the query finds odd (non-monotonic buckets, not a counter) would
    // make the benchmark measure a side path.
    if (!r->annotations.warnings.empty() || !r->annotations.infos.empty()) {
      const auto& a = r->annotations;
      state.SkipWithError((a.warnings.empty() ? a.infos[0] : a.warnings[0]).c_str());
      return;
    }
    if (const auto* v = std::get_if<Vector>(&r->value)) {
      for (const Sample& s : *v) {
        if (!std::isfinite(s.f)) {
          state.SkipWithError(fmt::format("{} in the result", s.f).c_str());
          return;
        }
      }
    }
  }
  const double rss_before = TrimmedRssMiB();
  const bool peak_reset = ResetPeakRss();
  uint64_t samples = 0;
  uint64_t peak = 0;
  for (auto _ : state) {
    auto r = eval();
    if (!r.ok()) {
      state.SkipWithError(r.status().ToString().c_str());
      return;
    }
    samples += r->stats.samples_total;
    peak = std::max(peak, r->stats.peak_samples);
    benchmark::DoNotOptimize(r->value);
  }
  state.SetItemsProcessed(static_cast<int64_t>(samples));
  state.counters["samples/query"] =
      benchmark::Counter(static_cast<double>(samples), benchmark::Counter::kAvgIterations);
  state.counters["peak_samples"] = static_cast<double>(peak);
  state.counters["query_peak_MiB"] = peak_reset ? ProcStatusMiB("VmHWM") - rss_before : -1;
}

// The four of issue 3.

void BM_Rate10k_1h(benchmark::State& state) {
  Run<NodeDataSet>(state, "rate(node_cpu_seconds_total[1h])", 0, 10'000);
}
BENCHMARK(BM_Rate10k_1h)->Unit(benchmark::kMillisecond)->ArgName("workers")->Arg(1)->Arg(2);

void BM_SumByRate100k(benchmark::State& state) {
  Run<LargeDataSet>(state, "sum by (job) (rate(http_requests_total[5m]))", 0, LargeDataSet::kJobs);
}
BENCHMARK(BM_SumByRate100k)->Unit(benchmark::kMillisecond)->ArgName("workers")->Arg(1)->Arg(2);

void BM_RangeSumByRate100k(benchmark::State& state) {
  Run<LargeDataSet>(state, "sum by (job) (rate(http_requests_total[5m]))", 15 * kSecond,
                    LargeDataSet::kJobs);
}
BENCHMARK(BM_RangeSumByRate100k)->Unit(benchmark::kMillisecond)->ArgName("workers")->Arg(1)->Arg(2);

void BM_HistogramQuantile1k(benchmark::State& state) {
  Run<SmallDataSet>(
      state, "histogram_quantile(0.9, rate(http_request_duration_seconds_bucket[5m]))", 0, 100);
}
BENCHMARK(BM_HistogramQuantile1k)
    ->Unit(benchmark::kMicrosecond)
    ->ArgName("workers")
    ->Arg(1)
    ->Arg(2);

void BM_Subquery(benchmark::State& state) {
  Run<SmallDataSet>(state, "max_over_time(rate(http_requests_total[5m])[1h:1m])", 0, 1000);
}
BENCHMARK(BM_Subquery)->Unit(benchmark::kMillisecond)->ArgName("workers")->Arg(1)->Arg(2);

// Smaller and related cases.

void BM_HistogramQuantileSumBy(benchmark::State& state) {
  Run<SmallDataSet>(
      state,
      "histogram_quantile(0.9, sum by (le, job) (rate(http_request_duration_seconds_bucket[5m])))",
      0, SmallDataSet::kJobs);
}
BENCHMARK(BM_HistogramQuantileSumBy)
    ->Unit(benchmark::kMicrosecond)
    ->ArgName("workers")
    ->Arg(1)
    ->Arg(2);

void BM_Rate1k(benchmark::State& state) {
  Run<SmallDataSet>(state, "rate(http_requests_total[5m])", 0, 1000);
}
BENCHMARK(BM_Rate1k)->Unit(benchmark::kMicrosecond)->ArgName("workers")->Arg(1)->Arg(2);

void BM_SumByRate1k(benchmark::State& state) {
  Run<SmallDataSet>(state, "sum by (job) (rate(http_requests_total[5m]))", 0, SmallDataSet::kJobs);
}
BENCHMARK(BM_SumByRate1k)->Unit(benchmark::kMicrosecond)->ArgName("workers")->Arg(1)->Arg(2);

void BM_RangeSumByRate1k(benchmark::State& state) {
  Run<SmallDataSet>(state, "sum by (job) (rate(http_requests_total[5m]))", 15 * kSecond,
                    SmallDataSet::kJobs);
}
BENCHMARK(BM_RangeSumByRate1k)->Unit(benchmark::kMillisecond)->ArgName("workers")->Arg(1)->Arg(2);

void BM_RangeSelector1k(benchmark::State& state) {
  Run<SmallDataSet>(state, "http_requests_total", kMinute, 1000);
}
BENCHMARK(BM_RangeSelector1k)->Unit(benchmark::kMillisecond)->ArgName("workers")->Arg(1)->Arg(2);

void BM_RangeHistogramQuantile(benchmark::State& state) {
  Run<SmallDataSet>(
      state,
      "histogram_quantile(0.9, sum by (le, job) (rate(http_request_duration_seconds_bucket[5m])))",
      kMinute, SmallDataSet::kJobs);
}
BENCHMARK(BM_RangeHistogramQuantile)
    ->Unit(benchmark::kMillisecond)
    ->ArgName("workers")
    ->Arg(1)
    ->Arg(2);

}  // namespace
}  // namespace vigil::promql
