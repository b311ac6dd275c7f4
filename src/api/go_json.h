// GoJsonWriter: JSON exactly as Prometheus' Go encoders write it, so that
// every /api/v1 answer (the storage API in src/api and the query API in
// src/api/query) is byte-compatible with Prometheus 3.5's. It is the only
// JSON writer in Vigil; both APIs use it through the small vigil_api_json
// library, which depends on nothing above base and model.
//
// Prometheus marshals its API responses with json-iterator in the standard
// library's compatible mode, plus hand-written encoders for PromQL values and
// labels.Labels. The bytes differ from a generic JSON writer in ways clients
// can see, so this writer reproduces each of them:
//   - strings in Go struct fields, []string and map keys (errors, warnings,
//     /api/v1/labels and label values lists, status pages) escape <, > and &
//     as \u003c \u003e \u0026, replace invalid UTF-8 with \ufffd and escape
//     U+2028/U+2029 (String, Key);
//   - label names and values of a label set (query results, /api/v1/series)
//     go through jsoniter's plain Stream.WriteString: only ", \ and control
//     characters are escaped, other bytes pass unchecked (LabelKey,
//     LabelString);
//   - string results are marshalled by encoding/json (Go >= 1.22): as String
//     but with \b and \f short escapes (StdlibString);
//   - sample values are quoted floats in strconv's shortest form, 'e' format
//     below 1e-6 and from 1e21 on, "NaN", "+Inf", "-Inf" (SampleValue);
//   - sample timestamps are seconds with the milliseconds always written as
//     three digits when not zero ("1700000000.500") (Timestamp);
//   - stats timings go through jsoniter's WriteFloat64: the sample value's
//     form unquoted, "9.21e-07" (JsoniterFloat);
//   - scalar and string timestamps go through encoding/json (Scalar's own
//     MarshalJSON), which also shortens the exponent: "1e-7" (Float).
// Control characters use lowercase hex (\u001f), as Go does. The float
// forms are strconv's (AppendGoFloat in base/strconv.h).
//
// Thread-safety: one writer per response.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/strconv.h"

namespace vigil::api {

// How a string is escaped (see the file comment).
enum class GoEscape {
  kHtml,       // jsoniter with EscapeHTML (Go string fields, map keys)
  kPlain,      // jsoniter Stream.WriteString (labels in results)
  kStdlibHtml  // encoding/json (string results)
};

// jsonutil.MarshalFloat: a sample value, quoted.
void AppendSampleValue(std::string* out, double v);
// jsonutil.MarshalTimestamp: milliseconds as seconds ("-1.500", "17", "3.020").
void AppendTimestamp(std::string* out, int64_t ms);
// encoding/json's float64 (finite values): 'f', or 'e' with "e-07" -> "e-7".
void AppendJsonFloat(std::string* out, double v);
// jsoniter's WriteFloat64 (finite values): as encoding/json but "e-07" stays.
void AppendJsoniterFloat(std::string* out, double v);
// A quoted, escaped JSON string.
void AppendJsonString(std::string* out, std::string_view s, GoEscape escape);

class GoJsonWriter {
 public:
  void StartObject();
  void EndObject();
  void StartArray();
  void EndArray();
  void Key(std::string_view k);       // HTML-escaped, as Go's map keys and field names
  void LabelKey(std::string_view k);  // plain, as Prometheus' labels encoder writes names
  void String(std::string_view s) { Str(s, GoEscape::kHtml); }
  void LabelString(std::string_view s) { Str(s, GoEscape::kPlain); }
  void StdlibString(std::string_view s) { Str(s, GoEscape::kStdlibHtml); }
  void Int(int64_t v);
  void Uint(uint64_t v);
  void Bool(bool b);
  void Null();
  void Float(double v);          // encoding/json float64; callers keep NaN/Inf out
  void JsoniterFloat(double v);  // jsoniter float64; callers keep NaN/Inf out
  void SampleValue(double v);
  void Timestamp(int64_t ms);
  // Shorthand for Key(k) then String(v).
  void KV(std::string_view k, std::string_view v) {
    Key(k);
    String(v);
  }

  // The document written so far; the writer is empty afterwards.
  std::string Take();

 private:
  void Str(std::string_view s, GoEscape e);
  void KeyWith(std::string_view k, GoEscape e);
  // Writes the comma that separates this value from the previous one.
  void BeforeValue();

  std::string out_;
  // One entry per open object or array: whether it has an element yet.
  std::vector<bool> has_element_;
  bool after_key_ = false;
};

}  // namespace vigil::api
