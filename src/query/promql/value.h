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
// deduplicated, in the order they were first added.
struct Annotations {
  std::vector<std::string> warnings;
  std::vector<std::string> infos;
  void AddWarning(std::string msg);
  void AddInfo(std::string msg);
  void Merge(const Annotations& other);
};

}  // namespace vigil::promql
