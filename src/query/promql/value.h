// The values PromQL expressions evaluate to: scalars, strings, instant
// vectors and range vectors (matrices), plus the annotations (warnings and
// infos) a query collects, as in Prometheus' promql/value.go.
//
// Only float samples exist: Vigil stores no native histograms yet (queries
// over them are out of scope; the conformance runner skips such cases).
//
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "model/labels.h"

namespace vigil::promql {

enum class ValueType { kNone, kScalar, kString, kVector, kMatrix };
// "scalar", "string", "vector", "matrix" (as the HTTP API's resultType).
const char* ValueTypeName(ValueType t);

struct FPoint {
  int64_t t;  // ms
  double f;
};

// One element of an instant vector.
struct Sample {
  model::Labels metric;
  int64_t t = 0;
  double f = 0;
  // Set when __name__ is to be removed at the end of evaluation (Prometheus 3's
  // delayed name removal); the engine removes it before returning results.
  bool drop_name = false;
};
using Vector = std::vector<Sample>;

// One series of a range vector, or of a range query's result.
struct Series {
  model::Labels metric;
  std::vector<FPoint> floats;
  bool drop_name = false;
};
using Matrix = std::vector<Series>;

struct Scalar {
  int64_t t = 0;
  double v = 0;
};

struct String {
  int64_t t = 0;
  std::string v;
};

using Value = std::variant<std::monostate, Scalar, String, Vector, Matrix>;
ValueType TypeOf(const Value& v);

// Non-fatal findings of a query, returned to users as "warnings" and "infos".
// Messages are Prometheus' own ("PromQL warning: ...", "PromQL info: ..."),
// deduplicated by message, in the order they were first added. Most carry
// the position of the expression they are about (a byte offset into the
// query; kNoPosition for storage warnings), which the HTTP API appends as
// " (line:col)", as Prometheus' annotations.AsStrings does.
struct Annotations {
  static constexpr int kNoPosition = -1;
  std::vector<std::string> warnings;
  std::vector<std::string> infos;
  std::vector<int> warning_positions;  // one per warning
  std::vector<int> info_positions;     // one per info
  void AddWarning(std::string msg, int position = kNoPosition);
  void AddInfo(std::string msg, int position = kNoPosition);
  void Merge(const Annotations& other);
  // The messages as the HTTP API shows them for this query text.
  std::vector<std::string> WarningStrings(std::string_view query) const;
  std::vector<std::string> InfoStrings(std::string_view query) const;
};

// posrange.StartPosInput: "line:col" (1-based) of a byte offset in query.
std::string QueryPositionString(std::string_view query, int position);

}  // namespace vigil::promql
