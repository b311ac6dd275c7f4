#include "query/promql/func_table.h"

#include <mutex>
#include <string>
#include <unordered_map>

namespace vigil::promql::eval {

InstantFn LookupInstantFn(std::string_view name);  // func_instant.cc
RangeFn LookupRangeFn(std::string_view name);      // func_range.cc

const FuncImpl* LookupFuncImpl(std::string_view name) {
  static const auto* table = [] {
    auto* t = new std::unordered_map<std::string, FuncImpl>();
    static const char* kNames[] = {"abs",
                                   "absent",
                                   "absent_over_time",
                                   "acos",
                                   "acosh",
                                   "asin",
                                   "asinh",
                                   "atan",
                                   "atanh",
                                   "avg_over_time",
                                   "ceil",
                                   "changes",
                                   "clamp",
                                   "clamp_max",
                                   "clamp_min",
                                   "cos",
                                   "cosh",
                                   "count_over_time",
                                   "days_in_month",
                                   "day_of_month",
                                   "day_of_week",
                                   "day_of_year",
                                   "deg",
                                   "delta",
                                   "deriv",
                                   "double_exponential_smoothing",
                                   "exp",
                                   "first_over_time",
                                   "floor",
                                   "histogram_avg",
                                   "histogram_count",
                                   "histogram_fraction",
                                   "histogram_quantile",
                                   "histogram_stddev",
                                   "histogram_stdvar",
                                   "histogram_sum",
                                   "hour",
                                   "idelta",
                                   "increase",
                                   "irate",
                                   "last_over_time",
                                   "ln",
                                   "log10",
                                   "log2",
                                   "mad_over_time",
                                   "max_over_time",
                                   "min_over_time",
                                   "minute",
                                   "month",
                                   "pi",
                                   "predict_linear",
                                   "present_over_time",
                                   "quantile_over_time",
                                   "rad",
                                   "rate",
                                   "resets",
                                   "round",
                                   "scalar",
                                   "sgn",
                                   "sin",
                                   "sinh",
                                   "sort",
                                   "sort_by_label",
                                   "sort_by_label_desc",
                                   "sort_desc",
                                   "sqrt",
                                   "stddev_over_time",
                                   "stdvar_over_time",
                                   "sum_over_time",
                                   "tan",
                                   "tanh",
                                   "time",
                                   "timestamp",
                                   "ts_of_first_over_time",
                                   "ts_of_last_over_time",
                                   "ts_of_max_over_time",
                                   "ts_of_min_over_time",
                                   "vector",
                                   "year"};
    for (const char* n : kNames) {
      FuncImpl impl{LookupInstantFn(n), LookupRangeFn(n)};
      if (impl.instant != nullptr || impl.range != nullptr) t->emplace(n, impl);
    }
    return t;
  }();
  auto it = table->find(std::string(name));
  return it == table->end() ? nullptr : &it->second;
}

bool IsAtModifierUnsafe(std::string_view name) {
  static const char* kUnsafe[] = {"days_in_month",  "day_of_month", "day_of_week", "day_of_year",
                                  "hour",           "minute",       "month",       "year",
                                  "predict_linear", "time",         "timestamp"};
  for (const char* n : kUnsafe) {
    if (name == n) return true;
  }
  return false;
}

}  // namespace vigil::promql::eval
