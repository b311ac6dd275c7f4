// Internal to api/query: the two halves of RegisterQueryApi and what they
// share. query_handlers.cc holds the routes that need the PromQL parser and
// engine; status_handlers.cc the status pages, metadata and the placeholders.
//
// Thread-safety: as query_api.h.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <string_view>

#include "api/go_json.h"
#include "api/http/http.h"
#include "api/query/query_api.h"

namespace vigil::api::query {

void RegisterQueryHandlers(http::Router* router, const QueryApiOptions& options);
void RegisterStatusHandlers(http::Router* router, const QueryApiOptions& options);

// An error in Prometheus' envelope with its status code.
void WriteError(http::Response* res, int status, std::string_view error_type,
                std::string_view message);
inline void WriteBadData(http::Response* res, std::string_view message) {
  WriteError(res, 400, "bad_data", message);
}
// {"status":"success","data":...} with status 200; write_data writes the data value.
void WriteData(http::Response* res, const std::function<void(GoJsonWriter&)>& write_data);

// Wraps h so that it answers 503 until *ready (null: always ready), as
// Prometheus' API does before the TSDB is open.
http::Handler WhenReady(const std::atomic<bool>* ready,
                        std::function<void(const http::Request&, http::Response*)> h);

}  // namespace vigil::api::query
