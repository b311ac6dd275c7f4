// Small JSON helpers shared by the GCP collector's sources (internal to
// src/collect/cloud/gcp): a string escaper for the JSON we write (JWT
// header and claims, the service-account key) and typed field readers over
// simdjson's DOM that treat a missing field and a field of the wrong type
// alike (absent), as proto3 JSON readers do for optional fields.
//
// Thread-safety: pure functions.
#pragma once

#include <simdjson.h>

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "base/json.h"
#include "base/strconv.h"

namespace vigil::gcp::json {

// `"s"` with the escapes JSON requires (and \u00XX for other controls).
inline void AppendString(std::string* out, std::string_view s) { AppendJsonString(out, s); }

inline std::string Quote(std::string_view s) {
  std::string out;
  AppendString(&out, s);
  return out;
}

inline std::optional<simdjson::dom::element> Field(simdjson::dom::element obj,
                                                   std::string_view key) {
  simdjson::dom::object o;
  if (obj.get(o) != simdjson::SUCCESS) return std::nullopt;
  simdjson::dom::element v;
  if (o.at_key(key).get(v) != simdjson::SUCCESS) return std::nullopt;
  return v;
}

inline std::optional<std::string_view> String(simdjson::dom::element obj, std::string_view key) {
  auto f = Field(obj, key);
  std::string_view s;
  if (!f || f->get(s) != simdjson::SUCCESS) return std::nullopt;
  return s;
}

inline std::string StringOr(simdjson::dom::element obj, std::string_view key,
                            std::string_view def = "") {
  auto s = String(obj, key);
  return std::string(s ? *s : def);
}

// A proto3 JSON int64: a string of decimal digits ("123") or a JSON number
// (integral). Anything else is absent.
inline std::optional<int64_t> Int64Value(simdjson::dom::element v) {
  int64_t i;
  if (v.get(i) == simdjson::SUCCESS) return i;
  uint64_t u;
  if (v.get(u) == simdjson::SUCCESS) {
    if (u > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
    return static_cast<int64_t>(u);
  }
  double d;
  if (v.get(d) == simdjson::SUCCESS) {
    if (!std::isfinite(d) || d != std::trunc(d) || std::fabs(d) > 9.2e18) return std::nullopt;
    return static_cast<int64_t>(d);
  }
  std::string_view s;
  if (v.get(s) != simdjson::SUCCESS || s.empty()) return std::nullopt;
  size_t i0 = (s[0] == '-') ? 1 : 0;
  if (i0 == s.size()) return std::nullopt;
  for (size_t k = i0; k < s.size(); ++k) {
    if (s[k] < '0' || s[k] > '9') return std::nullopt;
  }
  auto r = ParseGoInt(s);
  if (!r.ok()) return std::nullopt;
  return *r;
}

inline std::optional<int64_t> Int64(simdjson::dom::element obj, std::string_view key) {
  auto f = Field(obj, key);
  if (!f) return std::nullopt;
  return Int64Value(*f);
}

// A proto3 JSON double: a number, or "NaN", "Infinity", "-Infinity", or a
// numeric string.
inline std::optional<double> DoubleValue(simdjson::dom::element v) {
  double d;
  if (v.get(d) == simdjson::SUCCESS) return d;
  int64_t i;
  if (v.get(i) == simdjson::SUCCESS) return static_cast<double>(i);
  uint64_t u;
  if (v.get(u) == simdjson::SUCCESS) return static_cast<double>(u);
  std::string_view s;
  if (v.get(s) != simdjson::SUCCESS) return std::nullopt;
  if (s == "NaN") return std::nan("");
  if (s == "Infinity") return HUGE_VAL;
  if (s == "-Infinity") return -HUGE_VAL;
  if (s.empty()) return std::nullopt;
  auto r = ParseGoFloat(s);
  if (!r.ok()) return std::nullopt;
  return *r;
}

inline std::optional<double> Double(simdjson::dom::element obj, std::string_view key) {
  auto f = Field(obj, key);
  if (!f) return std::nullopt;
  return DoubleValue(*f);
}

}  // namespace vigil::gcp::json
