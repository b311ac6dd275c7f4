// Loki's HTTP API, so that Grafana's Loki data source, logcli and Loki
// clients work against Vigil:
//   ingest:  POST /loki/api/v1/push (JSON, snappy protobuf; 204), POST /v1/logs (OTLP/HTTP)
//            (also /otlp/v1/logs, Loki's path)
//   query:   GET|POST /loki/api/v1/query, /loki/api/v1/query_range,
//            /loki/api/v1/labels, /loki/api/v1/label/<name>/values,
//            /loki/api/v1/series, /loki/api/v1/index/stats,
//            /loki/api/v1/format_query, /loki/api/v1/tail (WebSocket),
//            /loki/api/v1/status/buildinfo, /ready for the data source check.
// Responses are Loki 3's JSON ({"status":"success","data":{"resultType":
// "streams","result":[...],"stats":{...}}}), timestamps as strings of Unix
// ns; errors are 400 with a plain-text message as Loki answers (parse
// errors, bad parameters), 429 when a limit is hit, 500 otherwise.
// Parameters as Loki: start/end/time as Unix ns, s (with fraction) or
// RFC 3339; since; limit; direction; step as duration or seconds; interval.
//
// Push handlers decode (src/collect/logs/push), add the configured labels,
// hand records to `push_sink` and answer 204 only after it returned OK;
// records rejected one by one make a 400 naming the first few reasons
// (the accepted ones stay stored, as Loki does).
//
// Thread-safety: handlers are safe to run concurrently; everything in
// LokiApiOptions must outlive the router.
#pragma once

#include <functional>
#include <map>
#include <string>

#include "api/http/http.h"
#include "base/metrics.h"
#include "model/labels.h"
#include "model/log_record.h"
#include "query/logql/engine.h"
#include "storage/logstore/log_reader.h"

namespace vigil::api::loki {

struct LokiApiOptions {
  logstore::LogReader* reader = nullptr;
  logql::Engine* engine = nullptr;
  // Where pushed records go (the pipeline router's source for the push
  // pipeline). Called per request so a reload can swap it.
  std::function<model::LogSink*()> push_sink;
  // Told of every push answered with an error (a body that does not decode,
  // records rejected, the pipeline unavailable): "loki" or "otlp", and a
  // text naming the sender and the answer. May be empty.
  std::function<void(std::string_view protocol, std::string message)> on_push_error;
  model::Labels push_labels;  // added to every pushed record's stream
  uint64_t max_push_body_bytes = 64 << 20;
  int64_t tail_poll_interval_ms = 500;
  int64_t max_tail_delay_ns = 0;  // delay_for cap; 0: 5 s as Loki
  std::string version;
  metrics::Registry* registry = nullptr;
};

void RegisterLokiApi(http::Router* router, const LokiApiOptions& options);

}  // namespace vigil::api::loki
