// The scrape layer's HTTP API in Prometheus' shapes: /api/v1/targets,
// /api/v1/targets/metadata and /api/v1/scrape_pools, read from the scrape
// manager (collect/scrape/manager.h).
//
// Thread-safety: the handlers are safe to run concurrently; the manager and
// the ready flag must outlive the router.
#pragma once

#include <atomic>
#include <string>

#include "api/http/http.h"
#include "collect/scrape/manager.h"

namespace vigil::api::targets {

struct TargetsApiOptions {
  const scrape::Manager* manager = nullptr;
  const std::atomic<bool>* ready = nullptr;
  std::string hostname;  // replaces localhost addresses in globalUrl, as Prometheus does
};

void RegisterTargetsApi(http::Router* router, const TargetsApiOptions& options);

// Go's time.Time JSON form in UTC ("2026-12-01T15:00:00.123Z"; trailing
// zeros of the fraction dropped; the zero time for ms == 0).
std::string FormatGoTime(int64_t ms);

}  // namespace vigil::api::targets
