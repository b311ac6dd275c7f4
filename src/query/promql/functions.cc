// The PromQL function table (functions.h): Prometheus 3.5's functions with
// their argument and return types, in alphabetical order.
#include "query/promql/functions.h"

#include <algorithm>

namespace vigil::promql {

namespace {

std::vector<Function> BuildTable() {
  constexpr ValueType S = ValueType::kScalar;
  constexpr ValueType V = ValueType::kVector;
  constexpr ValueType M = ValueType::kMatrix;
  constexpr ValueType Str = ValueType::kString;
  std::vector<Function> t;
  auto add = [&](std::string_view name, std::vector<ValueType> args, int variadic = 0,
                 ValueType ret = ValueType::kVector, bool experimental = false) {
    t.push_back({name, std::move(args), variadic, ret, experimental});
  };
  // Functions of one instant vector.
  for (std::string_view n : {"abs",
                             "absent",
                             "acos",
                             "acosh",
                             "asin",
                             "asinh",
                             "atan",
                             "atanh",
                             "ceil",
                             "cos",
                             "cosh",
                             "deg",
                             "exp",
                             "floor",
                             "histogram_avg",
                             "histogram_count",
                             "histogram_stddev",
                             "histogram_stdvar",
                             "histogram_sum",
                             "ln",
                             "log10",
                             "log2",
                             "rad",
                             "sgn",
                             "sin",
                             "sinh",
                             "sort",
                             "sort_desc",
                             "sqrt",
                             "tan",
                             "tanh",
                             "timestamp"}) {
    add(n, {V});
  }
  // Functions of one range vector.
  for (std::string_view n : {"absent_over_time", "avg_over_time", "changes", "count_over_time",
                             "delta", "deriv", "idelta", "increase", "irate", "last_over_time",
                             "max_over_time", "min_over_time", "present_over_time", "rate",
                             "resets", "stddev_over_time", "stdvar_over_time", "sum_over_time"}) {
    add(n, {M});
  }
  for (std::string_view n :
       {"mad_over_time", "ts_of_last_over_time", "ts_of_max_over_time", "ts_of_min_over_time",
        // Not in 3.5 (added in 3.7); the engine implements them.
        "first_over_time", "ts_of_first_over_time"}) {
    add(n, {M}, 0, V, true);
  }
  // Date functions: the vector is optional (default vector(time())).
  for (std::string_view n : {"day_of_month", "day_of_week", "day_of_year", "days_in_month", "hour",
                             "minute", "month", "year"}) {
    add(n, {V}, 1);
  }
  add("clamp", {V, S, S});
  add("clamp_max", {V, S});
  add("clamp_min", {V, S});
  add("double_exponential_smoothing", {M, S, S}, 0, V, true);
  add("histogram_fraction", {S, S, V});
  add("histogram_quantile", {S, V});
  add("info", {V, V}, 1, V, true);
  add("label_join", {V, Str, Str, Str}, -1);
  add("label_replace", {V, Str, Str, Str, Str});
  add("pi", {}, 0, S);
  add("predict_linear", {M, S});
  add("quantile_over_time", {S, M});
  add("round", {V, S}, 1);
  add("scalar", {V}, 0, S);
  add("sort_by_label", {V, Str}, -1, V, true);
  add("sort_by_label_desc", {V, Str}, -1, V, true);
  add("time", {}, 0, S);
  add("vector", {S});
  std::sort(t.begin(), t.end(),
            [](const Function& a, const Function& b) { return a.name < b.name; });
  return t;
}

}  // namespace

const std::vector<Function>& AllFunctions() {
  static const std::vector<Function> kTable = BuildTable();
  return kTable;
}

const Function* LookupFunction(std::string_view name) {
  const std::vector<Function>& t = AllFunctions();
  auto it = std::lower_bound(t.begin(), t.end(), name,
                             [](const Function& f, std::string_view n) { return f.name < n; });
  if (it == t.end() || it->name != name) return nullptr;
  return &*it;
}

}  // namespace vigil::promql
