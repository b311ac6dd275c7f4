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

void AddUnique(std::vector<std::string>* list, std::vector<int>* positions, std::string msg,
               int position) {
  if (std::find(list->begin(), list->end(), msg) != list->end()) return;
  list->push_back(std::move(msg));
  positions->resize(list->size() - 1, Annotations::kNoPosition);
  positions->push_back(position);
}

std::vector<std::string> WithPositions(const std::vector<std::string>& list,
                                       const std::vector<int>& positions, std::string_view query) {
  std::vector<std::string> out;
  out.reserve(list.size());
  for (size_t i = 0; i < list.size(); ++i) {
    int pos = i < positions.size() ? positions[i] : Annotations::kNoPosition;
    if (pos == Annotations::kNoPosition) {
      out.push_back(list[i]);
    } else {
      out.push_back(list[i] + " (" + QueryPositionString(query, pos) + ")");
    }
  }
  return out;
}

}  // namespace

void Annotations::AddWarning(std::string msg, int position) {
  AddUnique(&warnings, &warning_positions, std::move(msg), position);
}
void Annotations::AddInfo(std::string msg, int position) {
  AddUnique(&infos, &info_positions, std::move(msg), position);
}

void Annotations::Merge(const Annotations& other) {
  for (size_t i = 0; i < other.warnings.size(); ++i) {
    AddWarning(other.warnings[i],
               i < other.warning_positions.size() ? other.warning_positions[i] : kNoPosition);
  }
  for (size_t i = 0; i < other.infos.size(); ++i) {
    AddInfo(other.infos[i],
            i < other.info_positions.size() ? other.info_positions[i] : kNoPosition);
  }
}

std::vector<std::string> Annotations::WarningStrings(std::string_view query) const {
  return WithPositions(warnings, warning_positions, query);
}
std::vector<std::string> Annotations::InfoStrings(std::string_view query) const {
  return WithPositions(infos, info_positions, query);
}

std::string QueryPositionString(std::string_view query, int position) {
  if (query.empty()) return "unknown position";
  if (position < 0 || static_cast<size_t>(position) > query.size()) return "invalid position";
  int line = 1;
  int last_break = -1;
  for (int i = 0; i < position; ++i) {
    if (query[static_cast<size_t>(i)] == '\n') {
      last_break = i;
      ++line;
    }
  }
  return std::to_string(line) + ":" + std::to_string(position - last_break);
}

}  // namespace vigil::promql
