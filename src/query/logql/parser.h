// The LogQL parser: query text -> syntax tree (ast.h), with Loki's error
// messages ("parse error at line 1, col 11: syntax error: unexpected $end,
// expecting } or ,"; semantic errors as "parse error : ..."). Every error is
// InvalidArgument. Nesting is limited (kMaxDepth) so that hostile input
// cannot exhaust the stack.
//
// Owner: helper "logql". Thread-safety: pure functions.
#pragma once

#include <memory>
#include <string_view>

#include "base/result.h"
#include "query/logql/ast.h"

namespace vigil::logql {

inline constexpr int kMaxDepth = 128;
inline constexpr size_t kMaxQueryBytes = 128 << 10;

Result<std::shared_ptr<const Expr>> ParseExpr(std::string_view query);

}  // namespace vigil::logql
