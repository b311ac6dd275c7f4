// The non-inline parts of value.h: type names and annotation bookkeeping.
#include "query/promql/value.h"

#include <algorithm>
#include <utility>

namespace vigil::promql {

const char* ValueTypeName(ValueType t) {
  switch (t) {
    case ValueType::kScalar:
      return "scalar";
    case ValueType::kString:
      return "string";
    case ValueType::kVector:
      return "vector";
    case ValueType::kMatrix:
      return "matrix";
    case ValueType::kNone:
      break;
  }
  return "none";
}

// The variant's alternatives are in ValueType's order (monostate is kNone).
ValueType TypeOf(const Value& v) { return static_cast<ValueType>(v.index()); }

namespace {
void AddUnique(std::vector<std::string>* list, std::string msg) {
  if (std::find(list->begin(), list->end(), msg) == list->end()) list->push_back(std::move(msg));
}
}  // namespace

void Annotations::AddWarning(std::string msg) { AddUnique(&warnings, std::move(msg)); }
void Annotations::AddInfo(std::string msg) { AddUnique(&infos, std::move(msg)); }

void Annotations::Merge(const Annotations& other) {
  for (const auto& w : other.warnings) AddWarning(w);
  for (const auto& i : other.infos) AddInfo(i);
}

}  // namespace vigil::promql
