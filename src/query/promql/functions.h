// The PromQL function table: every function of Prometheus 3.5 with its
// argument types, optional/variadic arguments and return type. The parser
// type-checks calls against it; the engine evaluates them by name.
//
// Thread-safety: the table is immutable after static initialization.
#pragma once

#include <string_view>
#include <vector>

#include "query/promql/value.h"

namespace vigil::promql {

struct Function {
  std::string_view name;
  std::vector<ValueType> arg_types;
  // 0: exactly arg_types; n > 0: the last n arguments are optional;
  // -1: the last argument may repeat any number of times (label_join).
  int variadic = 0;
  ValueType return_type = ValueType::kVector;
  // Behind Prometheus' --enable-feature=promql-experimental-functions
  // (Vigil enables them by default; see ParseOptions).
  bool experimental = false;
};

// nullptr if there is no such function.
const Function* LookupFunction(std::string_view name);
const std::vector<Function>& AllFunctions();

}  // namespace vigil::promql
