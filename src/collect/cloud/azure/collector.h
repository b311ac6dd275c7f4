// The Azure Monitor collector (cloud_configs.azure entries): discovers
// resources through ARM, checks metric names against metricDefinitions, and
// polls them with metrics:getBatch, up to batch_size (50) resources of one
// subscription, region and namespace per call. Series are named as
// azure-metrics-exporter names them (naming.h).
//
//   Poll ─► discovery (ARM resources, cached discovery_interval_ms)
//        ─► metric definitions (once per resource type: units, name check)
//        ─► getBatch per (subscription, region, namespace) × 50 resources
//        ─► Sink::Add(labels, poll time, latest value of each series)
//
// Module layout: token.h (Entra ID / managed identity tokens), transport.h
// (retries, Retry-After, 401 refresh, API accounting), arm.h (discovery and
// definitions), batch.h (getBatch request and response), naming.h (series
// names and labels).
//
// Thread-safety: as cloud::Collector: one Poll at a time; Health, Name and
// Cancel from any thread.
#pragma once

#include <functional>
#include <memory>

#include "base/metrics.h"
#include "base/result.h"
#include "base/time.h"
#include "collect/cloud/common/collector.h"
#include "config/cloud_config.h"

namespace vigil::cloud {

Result<std::unique_ptr<cloud::Collector>> NewAzureCollector(const config::AzureCloudConfig& cfg,
                                                            metrics::Registry* registry);

namespace azure {

// Knobs for tests; production uses the defaults.
struct CollectorOptions {
  Clock clock;                                     // token expiry; default: the system clock
  std::function<bool(int64_t ms)> sleep;           // retry waits; default: a cancellable wait
  std::function<const char*(const char*)> getenv;  // default ::getenv
  uint64_t backoff_seed = 0;
  int max_attempts = 5;  // per API call
  // Estimated price of getBatch per 1000 metric time series requested.
  double cost_per_1000_series = 0.01;
};

Result<std::unique_ptr<cloud::Collector>> NewCollector(const config::AzureCloudConfig& cfg,
                                                       metrics::Registry* registry,
                                                       CollectorOptions opts);

}  // namespace azure
}  // namespace vigil::cloud
