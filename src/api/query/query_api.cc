#include "api/query/query_api.h"

#include "api/query/handlers.h"
#include "api/query/result_json.h"

namespace vigil::api::query {

void WriteError(http::Response* res, int status, std::string_view error_type,
                std::string_view message) {
  res->Json(status, ErrorBody(error_type, message));
}

void WriteData(http::Response* res, const std::function<void(GoJsonWriter&)>& write_data) {
  GoJsonWriter w;
  StartSuccess(w);
  write_data(w);
  FinishSuccess(w, {}, {});
  res->Json(200, w.Take());
}

http::Handler WhenReady(const std::atomic<bool>* ready,
                        std::function<void(const http::Request&, http::Response*)> h) {
  return [ready, h = std::move(h)](const http::Request& req, http::Response& res) {
    if (ready != nullptr && !ready->load()) {
      res.Text(503, "Service Unavailable");
      return;
    }
    h(req, &res);
  };
}

void RegisterQueryApi(http::Router* router, const QueryApiOptions& options) {
#ifndef VIGIL_API_QUERY_WITHOUT_ENGINE
  if (options.engine != nullptr) RegisterQueryHandlers(router, options);
#endif
  RegisterStatusHandlers(router, options);
}

}  // namespace vigil::api::query
