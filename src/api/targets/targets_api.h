// The scrape layer's HTTP API in Prometheus' shapes: /api/v1/targets,
// /api/v1/targets/metadata and /api/v1/scrape_pools, read from the scrape
// manager (collect/scrape/manager.h).
//
// Thread-safety: the handlers are safe to run concurrently; the manager and
// the ready flag must outlive the router.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "api/http/http.h"
#include "collect/scrape/manager.h"

namespace vigil::api::targets {

// A cloud collector (cloud_configs) as /api/v1/targets shows it: an active
// target of pool "cloud/<provider>/<name>" with an extra "cloud" object
// (API calls, metrics requested, estimated cost).
struct CloudTarget {
  std::string provider;  // "aws", "azure", "gcp"
  std::string name;      // the job label
  std::string url;       // the API endpoint polled
  std::string health;    // "up", "down", "unknown"
  std::string last_error;
  int64_t last_poll_ms = 0;
  double last_duration_s = 0;
  int64_t interval_ms = 0;
  uint64_t api_calls = 0;
  uint64_t metrics_requested = 0;
  double estimated_cost_usd = 0;
  uint64_t samples_last_poll = 0;
};

struct TargetsApiOptions {
  const scrape::Manager* manager = nullptr;
  // The cloud collectors, shown next to the scrape targets; may be empty.
  std::function<std::vector<CloudTarget>()> cloud_targets;
  const std::atomic<bool>* ready = nullptr;
  std::string hostname;  // replaces localhost addresses in globalUrl, as Prometheus does
};

void RegisterTargetsApi(http::Router* router, const TargetsApiOptions& options);

// Go's time.Time JSON form in UTC ("2026-12-01T15:00:00.123Z"; trailing
// zeros of the fraction dropped; the zero time for ms == 0).
std::string FormatGoTime(int64_t ms);

}  // namespace vigil::api::targets
