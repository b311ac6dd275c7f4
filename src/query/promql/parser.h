// The PromQL parser: query text to AST (ast.h), type-checked, with
// Prometheus 3.5's grammar and error messages.
//
// Errors are Status::InvalidArgument whose message is exactly what
// Prometheus prints, position first: "1:7: parse error: unexpected <EOF>",
// "2:3: parse error: ..." (line:column, 1-based, in bytes... as Prometheus
// counts them). The HTTP API answers them as 400 bad_data.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"
#include "model/labels.h"
#include "query/promql/ast.h"

namespace vigil::promql {

struct ParseOptions {
  // Functions and aggregations Prometheus keeps behind feature flags
  // (limitk, limit_ratio, double_exponential_smoothing, mad_over_time,
  // sort_by_label, ts_of_*_over_time, ...). Vigil enables them by default.
  bool experimental_functions = true;
  // Arithmetic in durations: "[5m * 2]", "offset (1h + 1m)".
  bool duration_expressions = true;
};

Result<ExprPtr> ParseExpr(std::string_view query, const ParseOptions& options = {});

// A series description "metric{a="b", c="d"}" (or "{...}" with __name__ inside)
// as labels, as Prometheus' parser.ParseMetric.
Result<model::Labels> ParseMetric(std::string_view text);

// The expression on one line as Prometheus' Expr.String() prints it.
std::string FormatExpr(const Expr& expr);
// The expression as /api/v1/format_query returns it (Prometheus' Prettify:
// indented over lines when longer than the line width).
std::string PrettyExpr(const Expr& expr);

}  // namespace vigil::promql
