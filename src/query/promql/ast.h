// The PromQL abstract syntax tree, as the parser (parser.h) builds it and the
// engine (engine.h) evaluates it. It follows Prometheus 3.5's promql/parser
// AST: every node knows its position in the query text (for error messages)
// and the type it evaluates to.
//
// Durations (ranges, offsets, subquery steps) are resolved to milliseconds by
// the parser, including duration expressions ("[5m * 2]", "offset (1h + 1m)").
//
// Ownership: each node owns its children (unique_ptr). Thread-safety: an
// Expr tree is immutable once parsed and may be evaluated from several
// threads.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "model/matcher.h"
#include "query/promql/value.h"

namespace vigil::promql {

struct Function;  // functions.h

// Byte offsets [start, end) of a node in the query text.
struct PosRange {
  int start = 0;
  int end = 0;
};

enum class BinaryOp {
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kPow,
  kAtan2,  // arithmetic
  kEql,
  kNeq,
  kGtr,
  kLss,
  kGte,
  kLte,  // comparison
  kAnd,
  kOr,
  kUnless,  // set
};
const char* BinaryOpName(BinaryOp op);  // "+", "==", "and", "atan2", ...
bool IsComparison(BinaryOp op);
bool IsSetOperator(BinaryOp op);

enum class AggregateOp {
  kSum,
  kAvg,
  kCount,
  kMin,
  kMax,
  kGroup,
  kStddev,
  kStdvar,
  kTopK,
  kBottomK,
  kCountValues,
  kQuantile,
  kLimitK,
  kLimitRatio,
};
const char* AggregateOpName(AggregateOp op);  // "sum", "count_values", ...
bool AggregateTakesParam(
    AggregateOp op);  // topk, bottomk, count_values, quantile, limitk, limit_ratio

// The @ modifier: a fixed time, or the query's start()/end().
enum class AtModifier { kNone, kTimestamp, kStart, kEnd };

enum class ExprKind {
  kNumber,
  kString,
  kVectorSelector,
  kMatrixSelector,
  kSubquery,
  kCall,
  kAggregate,
  kBinary,
  kUnary,
  kParen,
  kStepInvariant,
};

struct Expr {
  explicit Expr(ExprKind k) : kind(k) {}
  virtual ~Expr() = default;
  const ExprKind kind;
  PosRange pos;
  // The type this expression evaluates to.
  virtual ValueType type() const = 0;
};
using ExprPtr = std::unique_ptr<Expr>;

struct NumberLiteral final : Expr {
  NumberLiteral() : Expr(ExprKind::kNumber) {}
  double value = 0;
  // Written as a duration ("5m" is 300): printed back as one.
  bool duration = false;
  ValueType type() const override { return ValueType::kScalar; }
};

struct StringLiteral final : Expr {
  StringLiteral() : Expr(ExprKind::kString) {}
  std::string value;
  ValueType type() const override { return ValueType::kString; }
};

struct VectorSelector final : Expr {
  VectorSelector() : Expr(ExprKind::kVectorSelector) {}
  std::string name;  // the metric name if given outside the braces (also in matchers)
  std::vector<model::Matcher> matchers;  // includes __name__="name" when name is set
  int64_t offset_ms = 0;                 // may be negative
  AtModifier at = AtModifier::kNone;
  int64_t at_ms = 0;  // for kTimestamp
  // The offset as written when it was a duration expression ("(1h + 1m)"),
  // so that it is printed back as written; offset_ms holds its value.
  std::string offset_expr;
  ValueType type() const override { return ValueType::kVector; }
};

struct MatrixSelector final : Expr {
  MatrixSelector() : Expr(ExprKind::kMatrixSelector) {}
  std::unique_ptr<VectorSelector> selector;  // carries offset and @
  int64_t range_ms = 0;
  std::string range_expr;  // as written when a duration expression ("5m * 2"), for printing
  ValueType type() const override { return ValueType::kMatrix; }
};

struct SubqueryExpr final : Expr {
  SubqueryExpr() : Expr(ExprKind::kSubquery) {}
  ExprPtr expr;
  int64_t range_ms = 0;
  int64_t step_ms = 0;  // 0: the engine's default (the global evaluation interval)
  int64_t offset_ms = 0;
  AtModifier at = AtModifier::kNone;
  int64_t at_ms = 0;
  // As written when duration expressions, for printing (see VectorSelector).
  std::string range_expr;
  std::string step_expr;
  std::string offset_expr;
  ValueType type() const override { return ValueType::kMatrix; }
};

struct Call final : Expr {
  Call() : Expr(ExprKind::kCall) {}
  const Function* func = nullptr;
  std::vector<ExprPtr> args;
  ValueType type() const override;  // the function's return type
};

struct AggregateExpr final : Expr {
  AggregateExpr() : Expr(ExprKind::kAggregate) {}
  AggregateOp op = AggregateOp::kSum;
  ExprPtr expr;
  ExprPtr param;  // topk's k, quantile's q, count_values' label, limitk's k, limit_ratio's ratio
  std::vector<std::string> grouping;  // label names of by (...) / without (...)
  bool without = false;
  ValueType type() const override { return ValueType::kVector; }
};

enum class Cardinality { kOneToOne, kManyToOne, kOneToMany, kManyToMany };

struct VectorMatching {
  Cardinality card = Cardinality::kOneToOne;
  std::vector<std::string> matching_labels;  // of on(...) / ignoring(...)
  bool on = false;                           // on(...) rather than ignoring(...)
  std::vector<std::string> include;          // of group_left(...) / group_right(...)
};

struct BinaryExpr final : Expr {
  BinaryExpr() : Expr(ExprKind::kBinary) {}
  BinaryOp op = BinaryOp::kAdd;
  ExprPtr lhs;
  ExprPtr rhs;
  // Set when both sides are vectors (set operators are always many-to-many).
  std::optional<VectorMatching> matching;
  bool return_bool = false;  // the bool modifier of comparisons
  ValueType type() const override;
};

struct UnaryExpr final : Expr {
  UnaryExpr() : Expr(ExprKind::kUnary) {}
  bool negate = false;  // '-' (true) or '+' (false)
  ExprPtr expr;
  ValueType type() const override { return expr->type(); }
};

struct ParenExpr final : Expr {
  ParenExpr() : Expr(ExprKind::kParen) {}
  ExprPtr expr;
  ValueType type() const override { return expr->type(); }
};

// Wraps a subtree whose value is the same at every step of a range query
// (an optimization the engine may insert; the parser never produces it).
struct StepInvariantExpr final : Expr {
  StepInvariantExpr() : Expr(ExprKind::kStepInvariant) {}
  ExprPtr expr;
  ValueType type() const override { return expr->type(); }
};

}  // namespace vigil::promql
