// The Google Cloud Monitoring collector: for each configured project and
// metric (a metric.type, or a type_prefix expanded with
// metricDescriptors.list and cached for descriptor_ttl_ms), one
// timeSeries.list (following nextPageToken) per poll over the window
// (last end, now - delay] — the first poll looks back lookback_ms, as
// Telegraf's stackdriver input and stackdriver_exporter do — and the newest
// point of each series, named as stackdriver_exporter names it (naming.h).
//
// Calls go through api_call.h (retries on 429 / RESOURCE_EXHAUSTED / 5xx,
// counted in cloud::ApiStats as api "token", "metricDescriptors.list",
// "timeSeries.list", region "global"); a 401 gets one fresh token and one
// retry. metrics_requested counts the time series returned (what Google
// bills reads by), the cost estimate is cost_per_million_series per million
// of them (default $0.50, UNVERIFIED list price; see docs/cloud.md).
//
// A failing metric does not stop the others: the poll returns the first
// error (with how many requests failed) and keeps what it got; its window
// is not advanced, so the next poll asks again.
//
// Thread-safety: as cloud::Collector (Poll from one thread at a time;
// Health, Name and Cancel from any thread).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "base/metrics.h"
#include "base/result.h"
#include "collect/cloud/common/collector.h"
#include "config/cloud_config.h"

namespace vigil::gcp {

struct GcpCollectorOptions {
  int64_t backoff_base_ms = 200;
  int64_t backoff_max_ms = 20'000;
  uint64_t backoff_seed = 0;  // 0: random
  int max_attempts = 5;       // per request, first try included
  int page_size = 100'000;    // timeSeries.list pageSize (the API's maximum)
  int64_t descriptor_ttl_ms = 30 * 60 * 1000;
  double cost_per_million_series = 0.50;
};

Result<std::unique_ptr<cloud::Collector>> NewGcpCollector(const config::GCPCloudConfig& cfg,
                                                          metrics::Registry* registry);
Result<std::unique_ptr<cloud::Collector>> NewGcpCollector(const config::GCPCloudConfig& cfg,
                                                          metrics::Registry* registry,
                                                          const GcpCollectorOptions& opts);

}  // namespace vigil::gcp
