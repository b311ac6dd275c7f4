#include "api/targets/log_status.h"

#include <memory>
#include <utility>

#include "api/go_json.h"
#include "api/response_json.h"
#include "api/targets/targets_api.h"

namespace vigil::api::targets {

namespace {

void WriteComponent(GoJsonWriter& w, const LogComponentStatus& c) {
  w.StartObject();
  w.KV("kind", c.kind);
  w.KV("name", c.name);
  if (!c.target.empty()) w.KV("target", c.target);
  if (!c.sink) w.KV("pipeline", c.pipeline);
  if (!c.health.empty()) w.KV("health", c.health);
  w.KV("lastError", c.last_error);
  w.KV("lastErrorTime", FormatGoTime(c.last_error_ms));
  w.Key("errorCount");
  w.Uint(c.error_count);
  w.EndObject();
}

}  // namespace

std::string EncodeLogStatus(const std::vector<LogComponentStatus>& components) {
  GoJsonWriter w;
  StartSuccess(w);
  w.StartObject();
  for (bool sinks : {false, true}) {
    w.Key(sinks ? "sinks" : "sources");
    w.StartArray();
    for (const auto& c : components) {
      if (c.sink == sinks) WriteComponent(w, c);
    }
    w.EndArray();
  }
  w.EndObject();
  FinishSuccess(w, {}, {});
  return w.Take();
}

void RegisterLogStatusApi(http::Router* router,
                          std::function<std::vector<LogComponentStatus>()> list) {
  auto fn = std::make_shared<std::function<std::vector<LogComponentStatus>()>>(std::move(list));
  router->Handle({"GET"}, "/api/v1/status/logs", [fn](const http::Request&, http::Response& res) {
    res.Json(200, EncodeLogStatus((*fn)()));
  });
}

}  // namespace vigil::api::targets
