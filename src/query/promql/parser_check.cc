// Prometheus' checkAST (the type checks of a parsed query, with its
// messages) and the evaluation of duration expressions.
#include <cmath>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/strconv.h"
#include "fmt/format.h"
#include "query/promql/functions.h"
#include "query/promql/parser_internal.h"

namespace vigil::promql {

namespace {

// Prometheus' DocumentedType.
const char* DocumentedType(ValueType t) {
  switch (t) {
    case ValueType::kVector:
      return "instant vector";
    case ValueType::kMatrix:
      return "range vector";
    case ValueType::kScalar:
      return "scalar";
    case ValueType::kString:
      return "string";
    case ValueType::kNone:
      break;
  }
  return "none";
}

bool IsSpaceByte(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

class Checker {
 public:
  explicit Checker(std::string_view query) : query_(query) {}

  ValueType Check(Expr* e);

  // Prometheus collects every error but reports the first.
  Status Result() const {
    if (errors_.empty()) return Status::OK();
    return Status::InvalidArgument(errors_.front());
  }

 private:
  void Error(int pos, std::string_view msg) {
    errors_.push_back(FormatParseError(query_, pos, msg));
  }

  void ExpectType(Expr* e, ValueType want, std::string_view context) {
    ValueType t = Check(e);
    if (t != want) {
      Error(e->pos.start, fmt::format("expected type {} in {}, got {}", DocumentedType(want),
                                      context, DocumentedType(t)));
    }
  }

  // Where the operator of a binary expression starts: after the left side,
  // skipping spaces.
  int OperatorPos(const BinaryExpr& b) const {
    int p = b.lhs->pos.end;
    while (p >= 0 && static_cast<size_t>(p) < query_.size() &&
           IsSpaceByte(query_[static_cast<size_t>(p)])) {
      ++p;
    }
    return p;
  }

  void CheckBinary(BinaryExpr* b);
  void CheckCall(Call* c);
  void CheckVectorSelector(const VectorSelector* vs);

  std::string_view query_;
  std::vector<std::string> errors_;
  bool bypass_empty_matcher_check_ = false;
};

ValueType Checker::Check(Expr* e) {
  if (e == nullptr) return ValueType::kNone;
  switch (e->kind) {
    case ExprKind::kNumber:
    case ExprKind::kString:
      break;
    case ExprKind::kVectorSelector:
      CheckVectorSelector(static_cast<VectorSelector*>(e));
      break;
    case ExprKind::kMatrixSelector:
      Check(static_cast<MatrixSelector*>(e)->selector.get());
      break;
    case ExprKind::kSubquery: {
      auto* sq = static_cast<SubqueryExpr*>(e);
      ValueType t = Check(sq->expr.get());
      if (t != ValueType::kVector) {
        Error(e->pos.start,
              fmt::format("subquery is only allowed on instant vector, got {} instead",
                          ValueTypeName(t)));
      }
      break;
    }
    case ExprKind::kCall:
      CheckCall(static_cast<Call*>(e));
      break;
    case ExprKind::kAggregate: {
      auto* a = static_cast<AggregateExpr*>(e);
      ExpectType(a->expr.get(), ValueType::kVector, "aggregation expression");
      switch (a->op) {
        case AggregateOp::kTopK:
        case AggregateOp::kBottomK:
        case AggregateOp::kQuantile:
        case AggregateOp::kLimitK:
        case AggregateOp::kLimitRatio:
          ExpectType(a->param.get(), ValueType::kScalar, "aggregation parameter");
          break;
        case AggregateOp::kCountValues:
          ExpectType(a->param.get(), ValueType::kString, "aggregation parameter");
          break;
        default:
          break;
      }
      break;
    }
    case ExprKind::kBinary:
      CheckBinary(static_cast<BinaryExpr*>(e));
      break;
    case ExprKind::kUnary: {
      auto* u = static_cast<UnaryExpr*>(e);
      ValueType t = Check(u->expr.get());
      if (t != ValueType::kScalar && t != ValueType::kVector) {
        Error(e->pos.start, fmt::format("unary expression only allowed on expressions of type "
                                        "scalar or instant vector, got \"{}\"",
                                        DocumentedType(t)));
      }
      break;
    }
    case ExprKind::kParen:
      Check(static_cast<ParenExpr*>(e)->expr.get());
      break;
    case ExprKind::kStepInvariant:
      Check(static_cast<StepInvariantExpr*>(e)->expr.get());
      break;
  }
  return e->type();
}

void Checker::CheckVectorSelector(const VectorSelector* vs) {
  if (!vs->name.empty()) {
    // The last matcher is the name given outside the braces.
    for (size_t i = 0; i + 1 < vs->matchers.size(); ++i) {
      const model::Matcher& m = vs->matchers[i];
      if (m.name() == "__name__") {
        Error(vs->pos.start, fmt::format("metric name must not be set twice: {} or {}",
                                         GoQuote(vs->name), GoQuote(m.value())));
      }
    }
    return;
  }
  if (bypass_empty_matcher_check_) return;
  for (const model::Matcher& m : vs->matchers) {
    if (!m.MatchesEmpty()) return;
  }
  Error(vs->pos.start, "vector selector must contain at least one non-empty matcher");
}

void Checker::CheckCall(Call* c) {
  const Function& f = *c->func;
  const int nargs = static_cast<int>(f.arg_types.size());
  const int got = static_cast<int>(c->args.size());
  if (f.variadic == 0) {
    if (nargs != got) {
      Error(c->pos.start, fmt::format("expected {} argument(s) in call to {}, got {}", nargs,
                                      GoQuote(f.name), got));
    }
  } else {
    const int min = nargs - 1;
    if (min > got) {
      Error(c->pos.start, fmt::format("expected at least {} argument(s) in call to {}, got {}", min,
                                      GoQuote(f.name), got));
    } else if (f.variadic > 0 && min + f.variadic < got) {
      Error(c->pos.start, fmt::format("expected at most {} argument(s) in call to {}, got {}",
                                      min + f.variadic, GoQuote(f.name), got));
    }
  }
  // info()'s second argument selects info series by labels only, and may
  // match the empty string (Prometheus bypasses the empty-matcher check).
  const Expr* info_labels = nullptr;
  if (f.name == "info" && got > 1 && c->args[1]->kind == ExprKind::kVectorSelector) {
    const auto* vs = static_cast<const VectorSelector*>(c->args[1].get());
    if (!vs->name.empty()) {
      Error(vs->pos.start, "expected label selectors only, got vector selector instead");
    }
    info_labels = vs;
  }
  const std::string context = fmt::format("call to function {}", GoQuote(f.name));
  for (int i = 0; i < got; ++i) {
    int ti = i;
    if (ti >= nargs) {
      if (f.variadic == 0) break;
      ti = nargs - 1;
    }
    Expr* arg = c->args[static_cast<size_t>(i)].get();
    bypass_empty_matcher_check_ = arg == info_labels;
    ExpectType(arg, f.arg_types[static_cast<size_t>(ti)], context);
    bypass_empty_matcher_check_ = false;
  }
}

void Checker::CheckBinary(BinaryExpr* b) {
  ValueType lt = Check(b->lhs.get());
  ValueType rt = Check(b->rhs.get());
  if (!b->matching) b->matching.emplace();
  VectorMatching& m = *b->matching;
  if (b->return_bool && !IsComparison(b->op)) {
    Error(OperatorPos(*b), "bool modifier can only be used on comparison operators");
  }
  if (IsComparison(b->op) && !b->return_bool && lt == ValueType::kScalar &&
      rt == ValueType::kScalar) {
    Error(OperatorPos(*b), "comparisons between scalars must use BOOL modifier");
  }
  if (IsSetOperator(b->op) && m.card == Cardinality::kOneToOne) m.card = Cardinality::kManyToMany;
  if (m.on) {
    for (const auto& l1 : m.matching_labels) {
      for (const auto& l2 : m.include) {
        if (l1 == l2) {
          Error(OperatorPos(*b),
                fmt::format("label {} must not occur in ON and GROUP clause at once", GoQuote(l1)));
        }
      }
    }
  }
  if (lt != ValueType::kScalar && lt != ValueType::kVector) {
    Error(b->lhs->pos.start, "binary expression must contain only scalar and instant vector types");
  }
  if (rt != ValueType::kScalar && rt != ValueType::kVector) {
    Error(b->rhs->pos.start, "binary expression must contain only scalar and instant vector types");
  }
  if (lt != ValueType::kVector || rt != ValueType::kVector) {
    if (!m.matching_labels.empty()) {
      Error(b->pos.start, "vector matching only allowed between instant vectors");
    }
    b->matching.reset();
  } else if (IsSetOperator(b->op)) {
    if (m.card == Cardinality::kOneToMany || m.card == Cardinality::kManyToOne) {
      Error(b->pos.start,
            fmt::format("no grouping allowed for {} operation", GoQuote(BinaryOpName(b->op))));
    }
    if (m.card != Cardinality::kManyToMany) {
      Error(b->pos.start, "set operations must always be many-to-many");
    }
  }
  if ((lt == ValueType::kScalar || rt == ValueType::kScalar) && IsSetOperator(b->op)) {
    Error(b->pos.start, fmt::format("set operator {} not allowed in binary scalar expression",
                                    GoQuote(BinaryOpName(b->op))));
  }
}

Result<double> EvalDuration(const DurationNode& d) {
  switch (d.kind) {
    case DurationNode::Kind::kLiteral:
      return d.seconds;
    case DurationNode::Kind::kNegate: {
      Result<double> v = EvalDuration(*d.rhs);
      if (!v.ok()) return v;
      return -*v;
    }
    case DurationNode::Kind::kBinary:
      break;
  }
  Result<double> l = EvalDuration(*d.lhs);
  if (!l.ok()) return l;
  Result<double> r = EvalDuration(*d.rhs);
  if (!r.ok()) return r;
  switch (d.op) {
    case TokenType::kAdd:
      return *l + *r;
    case TokenType::kSub:
      return *l - *r;
    case TokenType::kMul:
      return *l * *r;
    case TokenType::kDiv:
      if (*r == 0) return Status::InvalidArgument("division by zero");
      return *l / *r;
    case TokenType::kMod:
      if (*r == 0) return Status::InvalidArgument("modulo by zero");
      return std::fmod(*l, *r);
    case TokenType::kPow:
      return std::pow(*l, *r);
    default:
      return Status::InvalidArgument("unexpected duration expression operator");
  }
}

// The node's pending durations, applied in Prometheus' order: a pre-order
// walk, and for a subquery its offset, step, then range.
class DurationResolver {
 public:
  explicit DurationResolver(std::vector<PendingDuration>* pending) {
    for (auto& p : *pending) by_node_[p.node].push_back(&p);
  }

  Status Walk(Expr* e) {
    if (e == nullptr) return Status::OK();
    if (auto it = by_node_.find(e); it != by_node_.end()) {
      for (PendingDuration::Field f :
           {PendingDuration::Field::kOffset, PendingDuration::Field::kStep,
            PendingDuration::Field::kRange}) {
        for (PendingDuration* p : it->second) {
          if (p->field != f) continue;
          Status s = Apply(e, *p);
          if (!s.ok()) return s;
        }
      }
    }
    switch (e->kind) {
      case ExprKind::kMatrixSelector:
        return Walk(static_cast<MatrixSelector*>(e)->selector.get());
      case ExprKind::kSubquery:
        return Walk(static_cast<SubqueryExpr*>(e)->expr.get());
      case ExprKind::kCall:
        for (auto& a : static_cast<Call*>(e)->args) {
          Status s = Walk(a.get());
          if (!s.ok()) return s;
        }
        return Status::OK();
      case ExprKind::kAggregate: {
        auto* a = static_cast<AggregateExpr*>(e);
        Status s = Walk(a->param.get());
        if (!s.ok()) return s;
        return Walk(a->expr.get());
      }
      case ExprKind::kBinary: {
        auto* b = static_cast<BinaryExpr*>(e);
        Status s = Walk(b->lhs.get());
        if (!s.ok()) return s;
        return Walk(b->rhs.get());
      }
      case ExprKind::kUnary:
        return Walk(static_cast<UnaryExpr*>(e)->expr.get());
      case ExprKind::kParen:
        return Walk(static_cast<ParenExpr*>(e)->expr.get());
      case ExprKind::kStepInvariant:
        return Walk(static_cast<StepInvariantExpr*>(e)->expr.get());
      default:
        return Status::OK();
    }
  }

 private:
  static Status Apply(Expr* e, const PendingDuration& p) {
    Result<double> v = EvalDuration(*p.expr);
    if (!v.ok()) return v.status();
    const bool allow_negative = p.field == PendingDuration::Field::kOffset;
    if (*v <= 0 && !allow_negative) {
      return Status::InvalidArgument("duration must be greater than 0");
    }
    const double ns = *v * 1e9;
    if (!(ns < 9.223372036854775807e18 && ns >= -9.223372036854775808e18)) {
      return Status::InvalidArgument("duration is out of range");
    }
    const int64_t ms = NanosToMillis(static_cast<int64_t>(ns));
    switch (e->kind) {
      case ExprKind::kVectorSelector:
        static_cast<VectorSelector*>(e)->offset_ms = ms;
        break;
      case ExprKind::kMatrixSelector:
        static_cast<MatrixSelector*>(e)->range_ms = ms;
        break;
      case ExprKind::kSubquery: {
        auto* sq = static_cast<SubqueryExpr*>(e);
        if (p.field == PendingDuration::Field::kOffset) sq->offset_ms = ms;
        if (p.field == PendingDuration::Field::kStep) sq->step_ms = ms;
        if (p.field == PendingDuration::Field::kRange) sq->range_ms = ms;
        break;
      }
      default:
        break;
    }
    return Status::OK();
  }

  std::unordered_map<Expr*, std::vector<PendingDuration*>> by_node_;
};

}  // namespace

Status CheckAst(Expr* root, std::string_view query) {
  Checker c(query);
  c.Check(root);
  return c.Result();
}

Status ResolveDurations(Expr* root, std::vector<PendingDuration>* pending) {
  if (pending->empty()) return Status::OK();
  DurationResolver r(pending);
  return r.Walk(root);
}

}  // namespace vigil::promql
