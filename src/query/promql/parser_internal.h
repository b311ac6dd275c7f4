// Pieces of the PromQL parser shared by its files (parser.cc builds the tree,
// parser_check.cc type-checks it and resolves duration expressions): the
// duration-expression tree kept until the query is checked, and the error
// position format.
//
// Internal to the parser library; owned by the parser. Thread-safety: plain
// data and pure functions.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "query/promql/ast.h"
#include "query/promql/lexer.h"

namespace vigil::promql {

// A duration expression inside [...] or after offset, as Prometheus keeps it
// until the query runs: its value is computed after type checking (in
// ResolveDurations), so that type errors are reported first, as Prometheus
// does. Plain literals are not kept: they become the *_ms fields at once.
struct DurationNode {
  enum class Kind { kLiteral, kNegate, kBinary };
  Kind kind = Kind::kLiteral;
  double seconds = 0;              // kLiteral
  bool is_duration = false;        // kLiteral written as a duration ("5m"), not a number
  TokenType op = TokenType::kAdd;  // kBinary: kAdd, kSub, kMul, kDiv, kMod, kPow
  std::unique_ptr<DurationNode> lhs;
  std::unique_ptr<DurationNode> rhs;  // kNegate's operand too
  bool wrapped = false;               // written in parentheses
  PosRange pos;
};

// Prometheus' DurationExpr.String(): "5m + 1m", "(1h - 5m) * 2", "-(1m)".
std::string FormatDurationNode(const DurationNode& d);

// A duration expression waiting for its value.
struct PendingDuration {
  enum class Field { kOffset, kRange, kStep };
  Expr* node = nullptr;  // the VectorSelector, MatrixSelector or SubqueryExpr it belongs to
  Field field = Field::kRange;
  std::unique_ptr<DurationNode> expr;
};

// "<line>:<col>: parse error: <msg>" (an empty query's error is at 1:1;
// "invalid position: ..." outside the query), columns counted in bytes from
// 1, as Prometheus' ParseErr.Error().
std::string FormatParseError(std::string_view query, int pos, std::string_view msg);

// Prometheus' checkAST: the type checks, with its messages, on a tree the
// parser built without errors; the first error is returned, as Prometheus
// reports it. Also fills in what depends on the types (BinaryExpr::matching
// is cleared unless both sides are vectors; set operators become
// many-to-many).
Status CheckAst(Expr* root, std::string_view query);

// Computes the pending duration expressions in Prometheus' order (a
// pre-order walk of the tree) and stores their values. Errors are plain
// messages ("division by zero", "duration must be greater than 0"), as
// Prometheus reports them when it prepares the query, not parse errors.
Status ResolveDurations(Expr* root, std::vector<PendingDuration>* pending);

// Nanoseconds to milliseconds as Prometheus' engine converts durations
// (truncating toward zero).
inline int64_t NanosToMillis(int64_t ns) { return ns / 1000000; }

}  // namespace vigil::promql
