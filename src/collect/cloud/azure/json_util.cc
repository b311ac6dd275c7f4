#include "collect/cloud/azure/json_util.h"

#include <charconv>
#include <cstdlib>

#include <fmt/format.h>

namespace vigil::cloud::azure {

Status ParseJsonDocument(simdjson::dom::parser& parser, std::string_view body,
                         std::string_view what, simdjson::dom::element* doc) {
  auto err = parser.parse(body.data(), body.size()).get(*doc);
  if (err) {
    return Status::Corruption(
        fmt::format("malformed {} response: {}", what, simdjson::error_message(err)));
  }
  return Status::OK();
}

std::string_view JsonString(simdjson::dom::element obj, std::string_view key) {
  std::string_view s;
  if (!obj.is_object()) return {};
  if (obj[key].get(s)) return {};
  return s;
}

std::optional<double> JsonNumber(simdjson::dom::element v) {
  double d;
  if (!v.get(d)) return d;  // double, int64 and uint64 all convert
  std::string_view s;
  if (v.get(s)) return std::nullopt;
  if (s.empty() || s.size() > 64) return std::nullopt;
  std::string tmp(s);
  char* end = nullptr;
  double parsed = std::strtod(tmp.c_str(), &end);
  if (end != tmp.c_str() + tmp.size()) return std::nullopt;
  return parsed;
}

std::optional<double> JsonNumberField(simdjson::dom::element obj, std::string_view key) {
  if (!obj.is_object()) return std::nullopt;
  simdjson::dom::element v;
  if (obj[key].get(v)) return std::nullopt;
  return JsonNumber(v);
}

std::string_view JsonLocalizable(simdjson::dom::element obj, std::string_view key) {
  if (!obj.is_object()) return {};
  simdjson::dom::element v;
  if (obj[key].get(v)) return {};
  std::string_view s;
  if (!v.get(s)) return s;
  return JsonString(v, "value");
}

std::string AzureErrorMessage(std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(body.data(), body.size()).get(doc)) return "";
  return AzureErrorMessageOf(doc);
}

std::string AzureErrorMessageOf(simdjson::dom::element doc) {
  if (!doc.is_object()) return "";
  simdjson::dom::element err;
  if (doc["error"].get(err)) return "";
  std::string_view code, message;
  if (err.is_string()) {
    code = err.get_string().value_unsafe();
    message = JsonString(doc, "error_description");
  } else if (err.is_object()) {
    code = JsonString(err, "code");
    message = JsonString(err, "message");
  } else {
    return "";
  }
  if (code.empty()) return std::string(message);
  if (message.empty()) return std::string(code);
  return fmt::format("{}: {}", code, message);
}

}  // namespace vigil::cloud::azure
