// Fuzz target for the PromQL parser: arbitrary bytes must parse or fail with
// a positioned message, never crash; whatever parses must print
// (FormatExpr, PrettyExpr) and the printed form must parse again to the same
// printed form.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "query/promql/lexer.h"
#include "query/promql/parser.h"

namespace {

using vigil::promql::BinaryExpr;
using vigil::promql::Expr;
using vigil::promql::ExprKind;

// Prometheus prints on(...)/ignoring(...)/group_x(...) labels unquoted, so a
// quoted UTF-8 label there does not read back; such queries are skipped.
bool MatchingLabelsPrintable(const Expr& e) {
  switch (e.kind) {
    case ExprKind::kBinary: {
      const auto& b = static_cast<const BinaryExpr&>(e);
      if (b.matching) {
        for (const auto& l : b.matching->matching_labels) {
          if (!vigil::promql::IsLegacyLabelName(l)) return false;
        }
        for (const auto& l : b.matching->include) {
          if (!vigil::promql::IsLegacyLabelName(l)) return false;
        }
      }
      return MatchingLabelsPrintable(*b.lhs) && MatchingLabelsPrintable(*b.rhs);
    }
    case ExprKind::kCall:
      for (const auto& a : static_cast<const vigil::promql::Call&>(e).args) {
        if (!MatchingLabelsPrintable(*a)) return false;
      }
      return true;
    case ExprKind::kAggregate: {
      const auto& a = static_cast<const vigil::promql::AggregateExpr&>(e);
      return (a.param == nullptr || MatchingLabelsPrintable(*a.param)) &&
             MatchingLabelsPrintable(*a.expr);
    }
    case ExprKind::kUnary:
      return MatchingLabelsPrintable(*static_cast<const vigil::promql::UnaryExpr&>(e).expr);
    case ExprKind::kParen:
      return MatchingLabelsPrintable(*static_cast<const vigil::promql::ParenExpr&>(e).expr);
    case ExprKind::kSubquery:
      return MatchingLabelsPrintable(*static_cast<const vigil::promql::SubqueryExpr&>(e).expr);
    default:
      return true;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 4096) return 0;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)vigil::promql::ParseMetric(text);
  auto r = vigil::promql::ParseExpr(text);
  if (!r.ok()) {
    if (r.status().message().empty()) std::abort();
    return 0;
  }
  const Expr& e = **r;
  (void)e.type();
  std::string printed = vigil::promql::FormatExpr(e);
  (void)vigil::promql::PrettyExpr(e);
  if (!MatchingLabelsPrintable(e)) return 0;
  auto again = vigil::promql::ParseExpr(printed);
  if (!again.ok()) std::abort();
  // "+Inf" reads back as a unary plus when an operator binds tighter (as
  // in Prometheus, "-+Inf ^ 2" prints as "-++Inf ^ 2"), so it may grow.
  if (vigil::promql::FormatExpr(**again) != printed && printed.find("+Inf") == std::string::npos) {
    std::abort();
  }
  return 0;
}
