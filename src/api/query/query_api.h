// Prometheus' query HTTP API on the PromQL engine and the storage seam,
// answering in Prometheus 3.5's JSON byte for byte (api/go_json.h, result_json.h):
//
//   GET/POST /api/v1/query             instant query (query, time, timeout, limit, stats)
//   GET/POST /api/v1/query_range       range query (query, start, end, step, timeout, limit, stats)
//   GET/POST /api/v1/export            Vigil's own: an instant or range query's result as a CSV
//                                      (default) or JSON table for notebooks (export_format.h)
//   GET/POST /api/v1/render            Vigil's own: a range query drawn as a PNG or SVG chart
//                                      (render_format.h), with query_range's errors
//   GET/POST /api/v1/format_query      the query pretty-printed
//   GET/POST /api/v1/query_exemplars   always [] (no exemplars are stored yet); validates the query
//   GET      /api/v1/metadata          metric metadata from storage::MetadataSource
//   GET      /api/v1/status/buildinfo, runtimeinfo, flags, config, tsdb, walreplay
//   GET      /api/v1/targets, targets/metadata, rules, alerts, alertmanagers
//            real, empty answers: Vigil has no scraping, rules or alerting yet
//            (later issues fill them); Grafana's data source checks need them.
//
// Every route answers 503 "Service Unavailable" until *ready is true, as
// Prometheus' API does. Errors are Prometheus' {"status":"error",...} with
// its status codes (engine errors through promql::ErrorTypeOf/HttpStatusOf).
//
// Thread-safety: the handlers run concurrently. The storage, engine and ready
// flag must outlive the router; the options are copied.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "api/http/http.h"
#include "base/time.h"
#include "storage/storage.h"

namespace vigil::promql {
class Engine;
}

namespace vigil::api::query {

// /api/v1/status/buildinfo, with Prometheus' keys.
struct BuildInfo {
  std::string version;
  std::string revision;
  std::string branch;
  std::string build_user;
  std::string build_date;
  std::string go_version;  // Vigil's compiler, in Prometheus' key
};

// /api/v1/status/runtimeinfo. Go-specific keys get their nearest meaning:
// goroutineCount is the process's thread count, GOMAXPROCS the cores in use,
// GOMEMLIMIT has no limit (int64 max), GOGC and GODEBUG are empty.
struct RuntimeInfo {
  int64_t start_time_ms = 0;
  std::string cwd;
  std::string hostname;
  bool reload_config_success = true;
  int64_t last_config_time_ms = 0;
  std::string storage_retention;  // "15d", "10GiB", "15d or 10GiB"
  int gomaxprocs = 1;
  // When set, reports the two fields above as they are now (they change on
  // reload).
  std::function<void(bool* reload_success, int64_t* last_config_time_ms)> config_state;
  // WAL corruptions found since start (null: 0).
  std::function<int64_t()> corruption_count;
};

struct QueryApiOptions {
  storage::Storage* storage = nullptr;
  promql::Engine* engine = nullptr;
  const std::atomic<bool>* ready = nullptr;  // null: always ready
  Clock clock = SystemClock();               // the time of instant queries without ?time=
  BuildInfo build;
  RuntimeInfo runtime;
  // Every flag and its value as text (/api/v1/status/flags; sorted there).
  std::vector<std::pair<std::string, std::string>> flags;
  std::string config_yaml;  // /api/v1/status/config: the config file as loaded
  // When set, gives the config as loaded now (after reloads); wins over config_yaml.
  std::function<std::string()> config_yaml_source;
};

// The query routes are registered only with an engine (and when Vigil is
// built with one); the status pages always.
void RegisterQueryApi(http::Router* router, const QueryApiOptions& options);

// Prometheus' spelling of a retention: the time, the size (base 2, "10GiB"),
// or both joined by " or "; "" when neither is set.
std::string FormatRetention(int64_t retention_ms, uint64_t retention_bytes);

}  // namespace vigil::api::query
