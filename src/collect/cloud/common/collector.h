// What every cloud collector (AWS CloudWatch, Azure Monitor, Google Cloud
// Monitoring) shares: the Collector interface the cloud Manager drives, the
// Sink a poll writes its series into, the health a collector reports next to
// the scrape targets, and the accounting of API calls and their cost.
//
//   cloud Manager ──thread per collector, every poll_interval──► Collector::Poll
//        │                                                          │
//        │            discovery (ListMetrics / ARM / descriptors), fetch
//        │            (GetMetricData / getBatch / timeSeries.list) through
//        │            ApiCaller (retries with backoff, counts calls)
//        ▼                                                          ▼
//   storage Appender ◄──────────── Sink::Add(labels, t, v) ────────┘
//
// A collector never talks to storage itself: the Manager gives each poll a
// Sink, commits what the poll added when Poll returns, and adds the
// synthetic series (`up`, `vigil_cloud_poll_duration_seconds`, ...).
//
// Thread-safety: a Collector is polled by one thread at a time; Health and
// Name may be called from any thread concurrently with Poll. ApiStats and
// Backoff are thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "base/metrics.h"
#include "base/status.h"
#include "model/labels.h"

namespace vigil::cloud {

// Where a poll writes its samples. Labels must include __name__; the Manager
// adds `job` (the collector's name) unless present.
class Sink {
 public:
  virtual ~Sink() = default;
  virtual void Add(const model::Labels& labels, int64_t t_ms, double v) = 0;
};

// What /api/v1/targets shows for a collector (as a target of pool
// "cloud/<provider>/<name>").
struct CollectorHealth {
  enum class State { kUnknown, kUp, kDown };
  State state = State::kUnknown;
  std::string last_error;        // "" when the last poll succeeded
  int64_t last_poll_ms = 0;      // wall clock start of the last poll, 0 = never
  int64_t last_duration_ms = 0;  // of the last poll
  uint64_t api_calls = 0;        // since start, every API and result
  uint64_t metrics_requested = 0;
  double estimated_cost_usd = 0;  // since start
  uint64_t series_last_poll = 0;  // samples added by the last poll
};

class Collector {
 public:
  virtual ~Collector() = default;
  // "aws", "azure" or "gcp".
  virtual std::string Provider() const = 0;
  // The config entry's name (the job label).
  virtual std::string Name() const = 0;
  // One poll at wall-clock time now_ms: refresh discovery if due, fetch every
  // configured metric, Add the samples. An error fails the poll (up=0) but
  // samples added before it are still committed; partial failures (one
  // region, one batch) are reported in the Status and the rest is kept.
  virtual Status Poll(int64_t now_ms, Sink* sink) = 0;
  // Stops a Poll in progress as soon as possible (at shutdown or reload);
  // Poll then returns Cancelled. Any thread.
  virtual void Cancel() = 0;
  virtual CollectorHealth Health() const = 0;
};

// Exponential backoff with full jitter: attempt n (0-based) waits a uniform
// random time in [0, min(max_ms, base_ms * 2^n)], or `retry_after_ms` when the
// server named one (Retry-After), capped at max_ms.
class Backoff {
 public:
  Backoff(int64_t base_ms = 200, int64_t max_ms = 20'000, uint64_t seed = 0);
  int64_t DelayMs(int attempt, int64_t retry_after_ms = -1);

 private:
  std::mutex mu_;
  int64_t base_ms_, max_ms_;
  std::mt19937_64 rng_;
};

// Counters of API calls, exported by the process registry:
//   vigil_cloud_api_calls_total{provider,collector,api,region,result}
//       result: "success", "throttled", "error" (4xx/5xx/transport)
//   vigil_cloud_api_retries_total{provider,collector,api}
//   vigil_cloud_metrics_requested_total{provider,collector,region}
//       (GetMetricData queries; getBatch resources x metrics; timeSeries
//       requests): what the clouds bill
//   vigil_cloud_estimated_cost_dollars_total{provider,collector}
// and totals kept for Health.
class ApiStats {
 public:
  ApiStats(metrics::Registry* registry, std::string provider, std::string collector);
  void Call(const std::string& api, const std::string& region, const std::string& result);
  void Retry(const std::string& api);
  void MetricsRequested(const std::string& region, uint64_t n, double cost_usd);
  uint64_t calls() const { return calls_.load(); }
  uint64_t metrics_requested() const { return metrics_requested_.load(); }
  double cost_usd() const;

 private:
  metrics::Family<metrics::Counter>* calls_family_;
  metrics::Family<metrics::Counter>* retries_family_;
  metrics::Family<metrics::Counter>* requested_family_;
  metrics::Counter* cost_;
  std::string provider_, collector_;
  std::atomic<uint64_t> calls_{0};
  std::atomic<uint64_t> metrics_requested_{0};
  mutable std::mutex mu_;
  double cost_usd_ = 0;
};

// Prometheus' metric-name form of an arbitrary string for names built from
// cloud names: runs of characters outside [a-zA-Z0-9_:] become "_".
std::string SanitizeMetricName(std::string_view s);
// The same for label names ([a-zA-Z0-9_], not starting with a digit).
std::string SanitizeLabelName(std::string_view s);

}  // namespace vigil::cloud
