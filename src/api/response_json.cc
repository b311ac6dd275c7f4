#include "api/response_json.h"

#include <fmt/format.h>

namespace vigil::api {

namespace {

constexpr size_t kMaxAnnotations = 10;

void WriteCapped(GoJsonWriter& w, std::string_view key, const std::vector<std::string>& items,
                 std::string_view kind) {
  if (items.empty()) return;
  w.Key(key);
  w.StartArray();
  for (size_t i = 0; i < items.size() && i < kMaxAnnotations; ++i) w.String(items[i]);
  if (items.size() > kMaxAnnotations) {
    w.String(fmt::format("{} more {} annotations omitted", items.size() - kMaxAnnotations, kind));
  }
  w.EndArray();
}

}  // namespace

void WriteLabels(GoJsonWriter& w, const model::Labels& labels) {
  w.StartObject();
  for (const auto& l : labels) {
    w.LabelKey(l.name);
    w.LabelString(l.value);
  }
  w.EndObject();
}

void StartSuccess(GoJsonWriter& w) {
  w.StartObject();
  w.KV("status", "success");
  w.Key("data");
}

void FinishSuccess(GoJsonWriter& w, const std::vector<std::string>& warnings,
                   const std::vector<std::string>& infos) {
  WriteCapped(w, "warnings", warnings, "warning");
  WriteCapped(w, "infos", infos, "info");
  w.EndObject();
}

std::string ErrorBody(std::string_view error_type, std::string_view message) {
  GoJsonWriter w;
  w.StartObject();
  w.KV("status", "error");
  w.KV("errorType", error_type);
  w.KV("error", message);
  w.EndObject();
  return w.Take();
}

}  // namespace vigil::api
