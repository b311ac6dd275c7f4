// GET /api/v1/status/logs (a Vigil extension): the log sources and sinks
// that are running, each with the newest error it met as text and when.
// Metrics count errors by reason (vigil_tail_errors_total, ...); this is
// where the Health page reads what the last one said.
//
//   {"status":"success","data":{
//     "sources":[{"kind":"file","name":"app","pipeline":"default",
//                 "lastError":"cannot open /var/log/app.log: Permission denied",
//                 "lastErrorTime":"2026-12-02T08:00:00.5Z","errorCount":2}, ...],
//     "sinks":[{"kind":"forwarder","name":"loki","health":"down",
//               "lastError":"...","lastErrorTime":"0001-01-01T00:00:00Z","errorCount":0}, ...]}}
//
// kind: file, syslog, cloud (one entry per target, with "target"), push
// (Loki and OTLP, with the protocol as name), store, forwarder. "health" is
// present where the component knows it (forwarders: the last send; cloud
// targets: the last poll). A time of 0001-01-01 means never (Go's zero
// time, as /api/v1/targets writes it).
//
// Thread-safety: the handler may run concurrently; `list` must be safe to
// call from any thread and outlive the router.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "api/http/http.h"

namespace vigil::api::targets {

struct LogComponentStatus {
  bool sink = false;     // a sink, else a source
  std::string kind;      // see above
  std::string name;      // the source's or forwarder's name
  std::string target;    // cloud sources: the target (log group, subscription, project)
  std::string pipeline;  // sources: the pipeline they feed
  std::string health;    // "up", "down" or "" (not known)
  std::string last_error;
  int64_t last_error_ms = 0;  // 0 = never, or not known
  uint64_t error_count = 0;   // errors noted since start
};

void RegisterLogStatusApi(http::Router* router,
                          std::function<std::vector<LogComponentStatus>()> list);

// The JSON document above (for tests and the handler).
std::string EncodeLogStatus(const std::vector<LogComponentStatus>& components);

}  // namespace vigil::api::targets
