// Printing expressions back to PromQL: FormatExpr as Prometheus'
// Expr.String() (one line) and PrettyExpr as its Prettify (split over
// indented lines when a node is longer than 100 bytes).
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "base/strconv.h"
#include "fmt/format.h"
#include "query/promql/functions.h"
#include "query/promql/lexer.h"
#include "query/promql/parser.h"
#include "query/promql/parser_internal.h"

namespace vigil::promql {

namespace {

constexpr size_t kMaxCharactersPerLine = 100;

// A label name as Prometheus prints it: bare when it is a legacy name,
// quoted otherwise.
std::string LabelName(std::string_view name) {
  if (IsLegacyLabelName(name)) return std::string(name);
  return GoQuote(name);
}

// Grouping labels: quoted unless valid as a legacy metric name (Prometheus
// checks the metric-name syntax here, so "a:b" stays bare).
std::string JoinLabels(const std::vector<std::string>& labels) {
  std::string out;
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) out += ", ";
    out += IsLegacyMetricName(labels[i]) ? labels[i] : GoQuote(labels[i]);
  }
  return out;
}

// on/ignoring/group_x labels: Prometheus joins them as they are.
std::string JoinRaw(const std::vector<std::string>& labels) {
  std::string out;
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) out += ", ";
    out += labels[i];
  }
  return out;
}

const char* MatchOpString(model::MatchType t) {
  switch (t) {
    case model::MatchType::kEqual:
      return "=";
    case model::MatchType::kNotEqual:
      return "!=";
    case model::MatchType::kRegexMatch:
      return "=~";
    case model::MatchType::kRegexNoMatch:
      return "!~";
  }
  return "=";
}

std::string MatcherString(const model::Matcher& m) {
  return LabelName(m.name()) + MatchOpString(m.type()) + GoQuote(m.value());
}

std::string OffsetString(int64_t ms, const std::string& expr) {
  if (!expr.empty()) return " offset " + expr;
  if (ms > 0) return " offset " + FormatPromDuration(ms);
  if (ms < 0) return " offset -" + FormatPromDuration(-ms);
  return "";
}

std::string AtString(AtModifier at, int64_t at_ms) {
  switch (at) {
    case AtModifier::kTimestamp:
      return fmt::format(" @ {:.3f}", static_cast<double>(at_ms) / 1000.0);
    case AtModifier::kStart:
      return " @ start()";
    case AtModifier::kEnd:
      return " @ end()";
    case AtModifier::kNone:
      break;
  }
  return "";
}

// The selector without its @ and offset.
std::string SelectorBody(const VectorSelector& vs) {
  std::vector<std::string> labels;
  for (const model::Matcher& m : vs.matchers) {
    if (m.name() == "__name__" && m.type() == model::MatchType::kEqual && m.value() == vs.name &&
        !m.value().empty()) {
      continue;
    }
    labels.push_back(MatcherString(m));
  }
  if (labels.empty()) return vs.name;
  std::sort(labels.begin(), labels.end());
  std::string out = vs.name + "{";
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) out += ",";
    out += labels[i];
  }
  return out + "}";
}

std::string NumberString(const NumberLiteral& n) {
  if (n.duration) {
    // As Prometheus: the value converted to a time.Duration of nanoseconds.
    double v = n.value < 0 ? -n.value : n.value;
    auto ms = std::llround(v * 1e9) / 1000000;
    return (n.value < 0 ? "-" : "") + FormatPromDuration(ms);
  }
  return FormatGoFloat(n.value, 'f');
}

std::string MatchingString(const BinaryExpr& b) {
  if (!b.matching) return "";
  const VectorMatching& vm = *b.matching;
  if (vm.matching_labels.empty() && !vm.on) return "";
  std::string out = fmt::format(" {} ({})", vm.on ? "on" : "ignoring", JoinRaw(vm.matching_labels));
  if (vm.card == Cardinality::kManyToOne || vm.card == Cardinality::kOneToMany) {
    out += fmt::format(" group_{} ({})", vm.card == Cardinality::kManyToOne ? "left" : "right",
                       JoinRaw(vm.include));
  }
  return out;
}

std::string AggregateHead(const AggregateExpr& a) {
  std::string out = AggregateOpName(a.op);
  if (a.without) {
    out += fmt::format(" without ({}) ", JoinLabels(a.grouping));
  } else if (!a.grouping.empty()) {
    out += fmt::format(" by ({}) ", JoinLabels(a.grouping));
  }
  return out;
}

std::string SubquerySuffix(const SubqueryExpr& sq) {
  std::string range = sq.range_expr.empty() ? FormatPromDuration(sq.range_ms) : sq.range_expr;
  std::string step;
  if (!sq.step_expr.empty()) {
    step = sq.step_expr;
  } else if (sq.step_ms != 0) {
    step = FormatPromDuration(sq.step_ms);
  }
  return fmt::format("[{}:{}]{}{}", range, step, AtString(sq.at, sq.at_ms),
                     OffsetString(sq.offset_ms, sq.offset_expr));
}

std::string Indent(int level) { return std::string(static_cast<size_t>(level) * 2, ' '); }

bool NeedsSplit(const Expr& e) { return FormatExpr(e).size() > kMaxCharactersPerLine; }

std::string Pretty(const Expr& e, int level) {
  switch (e.kind) {
    case ExprKind::kAggregate: {
      const auto& a = static_cast<const AggregateExpr&>(e);
      if (!NeedsSplit(e)) return Indent(level) + FormatExpr(e);
      std::string out = Indent(level) + AggregateHead(a) + "(\n";
      if (AggregateTakesParam(a.op) && a.param) out += Pretty(*a.param, level + 1) + ",\n";
      out += Pretty(*a.expr, level + 1) + "\n" + Indent(level) + ")";
      return out;
    }
    case ExprKind::kBinary: {
      const auto& b = static_cast<const BinaryExpr&>(e);
      if (!NeedsSplit(e)) return Indent(level) + FormatExpr(e);
      return fmt::format("{}\n{}{}{}{}\n{}", Pretty(*b.lhs, level + 1), Indent(level),
                         BinaryOpName(b.op), b.return_bool ? " bool" : "", MatchingString(b),
                         Pretty(*b.rhs, level + 1));
    }
    case ExprKind::kCall: {
      const auto& c = static_cast<const Call&>(e);
      if (!NeedsSplit(e)) return Indent(level) + FormatExpr(e);
      std::string args;
      for (size_t i = 0; i < c.args.size(); ++i) {
        if (i > 0) args += ",\n";
        args += Pretty(*c.args[i], level + 1);
      }
      return fmt::format("{}{}(\n{}\n{})", Indent(level), c.func->name, args, Indent(level));
    }
    case ExprKind::kParen: {
      const auto& p = static_cast<const ParenExpr&>(e);
      if (!NeedsSplit(e)) return Indent(level) + FormatExpr(e);
      return fmt::format("{}(\n{}\n{})", Indent(level), Pretty(*p.expr, level + 1), Indent(level));
    }
    case ExprKind::kStepInvariant:
      return Pretty(*static_cast<const StepInvariantExpr&>(e).expr, level);
    case ExprKind::kSubquery: {
      const auto& sq = static_cast<const SubqueryExpr&>(e);
      // As Prometheus: an unsplit subquery is not indented.
      if (!NeedsSplit(e)) return FormatExpr(e);
      return Pretty(*sq.expr, level) + SubquerySuffix(sq);
    }
    case ExprKind::kUnary: {
      const auto& u = static_cast<const UnaryExpr&>(e);
      std::string child = Pretty(*u.expr, level);
      size_t b = child.find_first_not_of(" \t\n\r");
      size_t end = child.find_last_not_of(" \t\n\r");
      child = b == std::string::npos ? "" : child.substr(b, end - b + 1);
      return Indent(level) + (u.negate ? "-" : "+") + child;
    }
    default:
      return Indent(level) + FormatExpr(e);
  }
}

}  // namespace

std::string FormatDurationNode(const DurationNode& d) {
  std::string out;
  switch (d.kind) {
    case DurationNode::Kind::kLiteral: {
      if (d.is_duration) {
        double v = d.seconds < 0 ? -d.seconds : d.seconds;
        auto ms = std::llround(v * 1e9) / 1000000;
        out = (d.seconds < 0 ? "-" : "") + FormatPromDuration(ms);
      } else {
        out = FormatGoFloat(d.seconds, 'f');
      }
      break;
    }
    case DurationNode::Kind::kNegate:
      out = "-" + FormatDurationNode(*d.rhs);
      break;
    case DurationNode::Kind::kBinary: {
      const char* op = "+";
      switch (d.op) {
        case TokenType::kSub:
          op = "-";
          break;
        case TokenType::kMul:
          op = "*";
          break;
        case TokenType::kDiv:
          op = "/";
          break;
        case TokenType::kMod:
          op = "%";
          break;
        case TokenType::kPow:
          op = "^";
          break;
        default:
          break;
      }
      out = FormatDurationNode(*d.lhs) + " " + op + " " + FormatDurationNode(*d.rhs);
      break;
    }
  }
  if (d.wrapped) return "(" + out + ")";
  return out;
}

std::string FormatExpr(const Expr& e) {
  switch (e.kind) {
    case ExprKind::kNumber:
      return NumberString(static_cast<const NumberLiteral&>(e));
    case ExprKind::kString:
      return GoQuote(static_cast<const StringLiteral&>(e).value);
    case ExprKind::kVectorSelector: {
      const auto& vs = static_cast<const VectorSelector&>(e);
      return SelectorBody(vs) + AtString(vs.at, vs.at_ms) +
             OffsetString(vs.offset_ms, vs.offset_expr);
    }
    case ExprKind::kMatrixSelector: {
      const auto& m = static_cast<const MatrixSelector&>(e);
      const VectorSelector& vs = *m.selector;
      std::string range = m.range_expr.empty() ? FormatPromDuration(m.range_ms) : m.range_expr;
      return fmt::format("{}[{}]{}{}", SelectorBody(vs), range, AtString(vs.at, vs.at_ms),
                         OffsetString(vs.offset_ms, vs.offset_expr));
    }
    case ExprKind::kSubquery: {
      const auto& sq = static_cast<const SubqueryExpr&>(e);
      return FormatExpr(*sq.expr) + SubquerySuffix(sq);
    }
    case ExprKind::kCall: {
      const auto& c = static_cast<const Call&>(e);
      std::string out = std::string(c.func != nullptr ? c.func->name : "") + "(";
      for (size_t i = 0; i < c.args.size(); ++i) {
        if (i > 0) out += ", ";
        out += FormatExpr(*c.args[i]);
      }
      return out + ")";
    }
    case ExprKind::kAggregate: {
      const auto& a = static_cast<const AggregateExpr&>(e);
      std::string out = AggregateHead(a) + "(";
      if (AggregateTakesParam(a.op) && a.param) out += FormatExpr(*a.param) + ", ";
      return out + FormatExpr(*a.expr) + ")";
    }
    case ExprKind::kBinary: {
      const auto& b = static_cast<const BinaryExpr&>(e);
      return FormatExpr(*b.lhs) + " " + BinaryOpName(b.op) + (b.return_bool ? " bool" : "") +
             MatchingString(b) + " " + FormatExpr(*b.rhs);
    }
    case ExprKind::kUnary: {
      const auto& u = static_cast<const UnaryExpr&>(e);
      return (u.negate ? "-" : "+") + FormatExpr(*u.expr);
    }
    case ExprKind::kParen:
      return "(" + FormatExpr(*static_cast<const ParenExpr&>(e).expr) + ")";
    case ExprKind::kStepInvariant:
      return FormatExpr(*static_cast<const StepInvariantExpr&>(e).expr);
  }
  return "";
}

std::string PrettyExpr(const Expr& e) { return Pretty(e, 0); }

}  // namespace vigil::promql
