// Tests of the PromQL parser: grammar, error messages and positions as
// Prometheus 3.5 prints them, type checks, duration expressions, and
// printing back (FormatExpr, PrettyExpr). Expected messages were checked
// against Prometheus where its grammar has not changed since 2.x.
#include "query/promql/parser.h"

#include <gtest/gtest.h>
#include <pthread.h>

#include <functional>

#include <string>
#include <string_view>

#include "query/promql/functions.h"

namespace vigil::promql {
namespace {

// The query printed back, or "ERR <message>".
std::string Format(std::string_view q) {
  Result<ExprPtr> r = ParseExpr(q);
  if (!r.ok()) return "ERR " + r.status().message();
  return FormatExpr(**r);
}

std::string Error(std::string_view q) {
  Result<ExprPtr> r = ParseExpr(q);
  if (r.ok()) return "parsed as " + FormatExpr(**r);
  EXPECT_TRUE(r.status().IsInvalidArgument()) << q;
  return r.status().message();
}

template <typename T>
const T& As(const Expr& e) {
  return static_cast<const T&>(e);
}

ExprPtr MustParse(std::string_view q) {
  Result<ExprPtr> r = ParseExpr(q);
  EXPECT_TRUE(r.ok()) << q << ": " << r.status().message();
  return r.ok() ? std::move(r).value() : nullptr;
}

// --- Printing round trips -------------------------------------------------

TEST(ParserFormatTest, SelectorsPrintSortedMatchersWithoutNameMatcher) {
  EXPECT_EQ(Format("foo"), "foo");
  EXPECT_EQ(Format("foo{c!=\"d\",a=\"b\",e=~\"f.*\",g!~\"h\"}"),
            "foo{a=\"b\",c!=\"d\",e=~\"f.*\",g!~\"h\"}");
  EXPECT_EQ(Format("{__name__=\"foo\",a=\"b\"}"), "{__name__=\"foo\",a=\"b\"}");
  EXPECT_EQ(Format("foo{a=\"b\",}"), "foo{a=\"b\"}");
  EXPECT_EQ(Format("foo:bar:baz"), "foo:bar:baz");
}

TEST(ParserFormatTest, KeywordsAndAggregatorNamesWorkAsMetricNames) {
  EXPECT_EQ(Format("sum"), "sum");
  EXPECT_EQ(Format("sum + 1"), "sum + 1");
  EXPECT_EQ(Format("by"), "by");
  EXPECT_EQ(Format("offset"), "offset");
  EXPECT_EQ(Format("start"), "start");
  EXPECT_EQ(Format("rate"), "rate");
}

TEST(ParserFormatTest, AtPrintsBeforeOffsetWithMillisecondPrecision) {
  EXPECT_EQ(Format("foo offset 1h @ 100"), "foo @ 100.000 offset 1h");
  EXPECT_EQ(Format("foo @ -100"), "foo @ -100.000");
  EXPECT_EQ(Format("foo @ 1.5"), "foo @ 1.500");
  EXPECT_EQ(Format("foo @ 100s"), "foo @ 100.000");
  EXPECT_EQ(Format("foo @ start()"), "foo @ start()");
  EXPECT_EQ(Format("foo @ end() offset 1h"), "foo @ end() offset 1h");
  EXPECT_EQ(Format("rate(foo[5m] @ 100 offset 5m)"), "rate(foo[5m] @ 100.000 offset 5m)");
  EXPECT_EQ(Format("foo[5m:1m] @ end() offset -5m"), "foo[5m:1m] @ end() offset -5m");
}

TEST(ParserFormatTest, DurationsPrintInPrometheusUnits) {
  EXPECT_EQ(Format("foo[90m]"), "foo[1h30m]");
  EXPECT_EQ(Format("foo[14d]"), "foo[2w]");
  EXPECT_EQ(Format("foo[365d]"), "foo[1y]");
  EXPECT_EQ(Format("foo[1500ms]"), "foo[1s500ms]");
  EXPECT_EQ(Format("foo[1800]"), "foo[30m]");
  EXPECT_EQ(Format("foo offset -5m"), "foo offset -5m");
  EXPECT_EQ(Format("rate(foo[5m])[30m:]"), "rate(foo[5m])[30m:]");
  EXPECT_EQ(Format("time() - 5m"), "time() - 5m");
  EXPECT_EQ(Format("-5m"), "-5m");
}

TEST(ParserFormatTest, NumbersPrintAsGoFormatFloat) {
  EXPECT_EQ(Format("1e3"), "1000");
  EXPECT_EQ(Format("0x1F"), "31");
  EXPECT_EQ(Format("1.5e-3"), "0.0015");
  EXPECT_EQ(Format("Inf"), "+Inf");
  EXPECT_EQ(Format("-Inf"), "-Inf");
  EXPECT_EQ(Format("NaN"), "NaN");
  EXPECT_EQ(Format(".5"), "0.5");
  EXPECT_EQ(Format("1_000"), "1000");
}

TEST(ParserFormatTest, StringsPrintGoQuoted) {
  EXPECT_EQ(Format("'single'"), "\"single\"");
  EXPECT_EQ(Format("`raw\\n`"), "\"raw\\\\n\"");
  EXPECT_EQ(Format("\"esc\\n\\t\\\"x\""), "\"esc\\n\\t\\\"x\"");
}

TEST(ParserFormatTest, AggregationsPrintGroupingFirst) {
  EXPECT_EQ(Format("sum(foo) by (a)"), "sum by (a) (foo)");
  EXPECT_EQ(Format("sum without (a, b) (foo)"), "sum without (a, b) (foo)");
  EXPECT_EQ(Format("sum(foo) without ()"), "sum without () (foo)");
  EXPECT_EQ(Format("sum by () (foo)"), "sum(foo)");
  EXPECT_EQ(Format("topk by (a) (5, foo)"), "topk by (a) (5, foo)");
  EXPECT_EQ(Format("count_values(\"v\", foo)"), "count_values(\"v\", foo)");
  EXPECT_EQ(Format("avg(foo) by (a,)"), "avg by (a) (foo)");
  EXPECT_EQ(Format("limitk(2, foo)"), "limitk(2, foo)");
  EXPECT_EQ(Format("limit_ratio(0.5, foo)"), "limit_ratio(0.5, foo)");
}

TEST(ParserFormatTest, BinaryModifiersPrintNormalized) {
  EXPECT_EQ(Format("a > on(x) b"), "a > on (x) b");
  EXPECT_EQ(Format("a > ignoring(x, y) group_left(z) b"), "a > ignoring (x, y) group_left (z) b");
  EXPECT_EQ(Format("a * on(x) group_right b"), "a * on (x) group_right () b");
  EXPECT_EQ(Format("a * on() b"), "a * on () b");
  // Prometheus drops group_left when ignoring has no labels.
  EXPECT_EQ(Format("a * ignoring() group_left b"), "a * b");
  EXPECT_EQ(Format("1 == bool 2"), "1 == bool 2");
  EXPECT_EQ(Format("a atan2 b"), "a atan2 b");
}

TEST(ParserFormatTest, UnaryMinusOnNumbersFoldsIntoTheLiteral) {
  EXPECT_EQ(Format("- 1"), "-1");
  EXPECT_EQ(Format("- - 1"), "1");
  EXPECT_EQ(Format("1 + -2"), "1 + -2");
  EXPECT_EQ(Format("-(1)"), "-(1)");
  EXPECT_EQ(Format("--foo"), "--foo");
  EXPECT_EQ(Format("+foo"), "+foo");
}

TEST(ParserFormatTest, QuotedUtf8NamesPrintQuoted) {
  EXPECT_EQ(Format("{\"my.metric\", \"a.b\"=\"c\"}"), "{\"a.b\"=\"c\",__name__=\"my.metric\"}");
  EXPECT_EQ(Format("sum by (\"a.b\", c) (x)"), "sum by (\"a.b\", c) (x)");
  EXPECT_EQ(Format("sum by (a:b) (x)"), "sum by (a:b) (x)");
}

TEST(ParserFormatTest, CommentsAreIgnored) {
  EXPECT_EQ(Format("foo # comment"), "foo");
  EXPECT_EQ(Format("sum(\n# c\nfoo)"), "sum(foo)");
}

// --- Structure: precedence and associativity ------------------------------

TEST(ParserStructureTest, PowIsRightAssociative) {
  ExprPtr e = MustParse("2 ^ 3 ^ 2");
  ASSERT_EQ(e->kind, ExprKind::kBinary);
  const auto& b = As<BinaryExpr>(*e);
  EXPECT_EQ(b.lhs->kind, ExprKind::kNumber);
  EXPECT_EQ(b.rhs->kind, ExprKind::kBinary);
}

TEST(ParserStructureTest, SubtractionIsLeftAssociative) {
  ExprPtr e = MustParse("1 - 2 - 3");
  const auto& b = As<BinaryExpr>(*e);
  EXPECT_EQ(b.lhs->kind, ExprKind::kBinary);
  EXPECT_EQ(b.rhs->kind, ExprKind::kNumber);
}

TEST(ParserStructureTest, UnaryMinusBindsLooserThanPowTighterThanMul) {
  ExprPtr e = MustParse("-foo ^ 2");
  ASSERT_EQ(e->kind, ExprKind::kUnary);
  EXPECT_EQ(As<UnaryExpr>(*e).expr->kind, ExprKind::kBinary);
  e = MustParse("-foo * 2");
  ASSERT_EQ(e->kind, ExprKind::kBinary);
  EXPECT_EQ(As<BinaryExpr>(*e).lhs->kind, ExprKind::kUnary);
  // -2 ^ 2 is -(2 ^ 2): the literal is not folded.
  e = MustParse("-2 ^ 2");
  EXPECT_EQ(e->kind, ExprKind::kUnary);
}

TEST(ParserStructureTest, OperatorPrecedenceOrders) {
  // or < and < == < + < * < ^
  ExprPtr e = MustParse("a or b and c == d + e * f ^ g");
  const auto* b = &As<BinaryExpr>(*e);
  for (BinaryOp want : {BinaryOp::kOr, BinaryOp::kAnd, BinaryOp::kEql, BinaryOp::kAdd,
                        BinaryOp::kMul, BinaryOp::kPow}) {
    EXPECT_EQ(b->op, want);
    if (b->rhs->kind != ExprKind::kBinary) break;
    b = &As<BinaryExpr>(*b->rhs);
  }
}

TEST(ParserStructureTest, OffsetBindsToTheNearestSelector) {
  ExprPtr e = MustParse("a + b offset 5m");
  const auto& b = As<BinaryExpr>(*e);
  EXPECT_EQ(As<VectorSelector>(*b.lhs).offset_ms, 0);
  EXPECT_EQ(As<VectorSelector>(*b.rhs).offset_ms, 5 * 60 * 1000);
}

TEST(ParserStructureTest, SetOperatorsAreManyToManyAndScalarsHaveNoMatching) {
  ExprPtr e = MustParse("a and on(x) b");
  const auto& b = As<BinaryExpr>(*e);
  ASSERT_TRUE(b.matching.has_value());
  EXPECT_EQ(b.matching->card, Cardinality::kManyToMany);
  EXPECT_TRUE(b.matching->on);
  EXPECT_EQ(b.matching->matching_labels, std::vector<std::string>{"x"});
  e = MustParse("a + 1");
  EXPECT_FALSE(As<BinaryExpr>(*e).matching.has_value());
  EXPECT_EQ(e->type(), ValueType::kVector);
  e = MustParse("1 + 1");
  EXPECT_EQ(e->type(), ValueType::kScalar);
}

TEST(ParserStructureTest, GroupLeftKeepsIncludeLabels) {
  ExprPtr e = MustParse("a / ignoring(x) group_left(y, z) b");
  const auto& m = *As<BinaryExpr>(*e).matching;
  EXPECT_EQ(m.card, Cardinality::kManyToOne);
  EXPECT_FALSE(m.on);
  EXPECT_EQ(m.include, (std::vector<std::string>{"y", "z"}));
}

TEST(ParserStructureTest, NameOutsideBracesBecomesTheLastMatcher) {
  ExprPtr e = MustParse("foo{a=\"b\"}");
  const auto& vs = As<VectorSelector>(*e);
  EXPECT_EQ(vs.name, "foo");
  ASSERT_EQ(vs.matchers.size(), 2u);
  EXPECT_EQ(vs.matchers[1].name(), "__name__");
  EXPECT_EQ(vs.matchers[1].value(), "foo");
}

TEST(ParserStructureTest, QuotedMetricNameInBracesIsANameMatcher) {
  ExprPtr e = MustParse("{\"my.metric\"}");
  const auto& vs = As<VectorSelector>(*e);
  EXPECT_EQ(vs.name, "");
  ASSERT_EQ(vs.matchers.size(), 1u);
  EXPECT_EQ(vs.matchers[0].name(), "__name__");
  EXPECT_EQ(vs.matchers[0].value(), "my.metric");
}

TEST(ParserStructureTest, AtAndOffsetOnMatrixSelectorGoToItsVectorSelector) {
  ExprPtr e = MustParse("rate(foo[5m] @ 100 offset -1m)");
  const auto& c = As<Call>(*e);
  EXPECT_EQ(c.func, LookupFunction("rate"));
  const auto& m = As<MatrixSelector>(*c.args[0]);
  EXPECT_EQ(m.range_ms, 300000);
  EXPECT_EQ(m.selector->at, AtModifier::kTimestamp);
  EXPECT_EQ(m.selector->at_ms, 100000);
  EXPECT_EQ(m.selector->offset_ms, -60000);
}

TEST(ParserStructureTest, SubqueryWithoutStepHasZeroStep) {
  ExprPtr e = MustParse("max_over_time(rate(x[1m])[1h:])");
  const auto& sq = As<SubqueryExpr>(*As<Call>(*e).args[0]);
  EXPECT_EQ(sq.range_ms, 3600000);
  EXPECT_EQ(sq.step_ms, 0);
}

TEST(ParserStructureTest, PositionsCoverTheWholeNode) {
  ExprPtr e = MustParse("  sum(rate(foo[5m])) by (a)  ");
  EXPECT_EQ(e->pos.start, 2);
  EXPECT_EQ(e->pos.end, 27);
  e = MustParse("-foo offset 5m");
  EXPECT_EQ(e->pos.start, 0);
  EXPECT_EQ(e->pos.end, 14);
}

// --- Duration expressions -----------------------------------------------

TEST(ParserDurationTest, ArithmeticInRangesIsComputedAndPrintedAsWritten) {
  ExprPtr e = MustParse("changes(http_requests[2m*(10+5)])");
  const auto& m = As<MatrixSelector>(*As<Call>(*e).args[0]);
  EXPECT_EQ(m.range_ms, 30 * 60 * 1000);
  EXPECT_EQ(FormatExpr(*e), "changes(http_requests[2m * (10 + 5)])");
  EXPECT_EQ(Format("foo[30m+0s]"), "foo[30m + 0s]");
  EXPECT_EQ(Format("foo[-5m+35m]"), "foo[-5m + 35m]");
  EXPECT_EQ(Format("foo[1h30m % 1h]"), "foo[1h30m % 1h]");
}

TEST(ParserDurationTest, ParenthesizedOffsetIsAnExpressionButBareOffsetIsALiteral) {
  ExprPtr e = MustParse("metric1_total offset (100 + 2)");
  EXPECT_EQ(As<VectorSelector>(*e).offset_ms, 102000);
  EXPECT_EQ(FormatExpr(*e), "metric1_total offset (100 + 2)");
  // offset 2 ^ 2 is (metric offset 2) ^ 2.
  e = MustParse("metric1_total offset 2 ^ 2");
  ASSERT_EQ(e->kind, ExprKind::kBinary);
  EXPECT_EQ(As<VectorSelector>(*As<BinaryExpr>(*e).lhs).offset_ms, 2000);
  e = MustParse("metric1_total offset -2 ^ 2");
  EXPECT_EQ(As<VectorSelector>(*As<BinaryExpr>(*e).lhs).offset_ms, -2000);
  e = MustParse("metric1_total offset (-2 ^ 2)");
  EXPECT_EQ(As<VectorSelector>(*e).offset_ms, -4000);
}

TEST(ParserDurationTest, SubqueryStepAndNegatedOffsetExpressions) {
  ExprPtr e = MustParse(
      "sum_over_time(metric1_total[29s+1s:20*500ms] offset "
      "-(20*(((((8 - 2) / 3) * 7s) % 4) + 8000ms)))");
  const auto& sq = As<SubqueryExpr>(*As<Call>(*e).args[0]);
  EXPECT_EQ(sq.range_ms, 30000);
  EXPECT_EQ(sq.step_ms, 10000);
  EXPECT_EQ(sq.offset_ms, -200000);
  EXPECT_EQ(FormatExpr(*e),
            "sum_over_time(metric1_total[29s + 1s:20 * 500ms] offset "
            "-(20 * (((((8 - 2) / 3) * 7s) % 4) + 8s)))");
}

TEST(ParserDurationTest, DivisionByLiteralZeroIsAParseError) {
  EXPECT_EQ(Error("foo[1h/0]"), "1:7: parse error: division by zero");
  EXPECT_EQ(Error("foo[1h%0]"), "1:7: parse error: modulo by zero");
}

TEST(ParserDurationTest, DurationExpressionsCanBeDisabled) {
  ParseOptions opts;
  opts.duration_expressions = false;
  Result<ExprPtr> r = ParseExpr("foo[5m * 2]", opts);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "1:5: parse error: experimental duration expression is not enabled");
  r = ParseExpr("foo offset (1m)", opts);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "1:13: parse error: experimental duration expression is not enabled");
  EXPECT_TRUE(ParseExpr("foo[5m] offset -1m", opts).ok());
}

TEST(ParserDurationTest, BadValuesAreReportedWhenResolved) {
  EXPECT_EQ(Error("foo[1h/(1m-1m)]"), "division by zero");
  EXPECT_EQ(Error("foo[1h%(1m-1m)]"), "modulo by zero");
  EXPECT_EQ(Error("foo[5m-5m]"), "duration must be greater than 0");
  EXPECT_EQ(Error("foo[0s]"), "1:5: parse error: duration must be greater than 0");
  EXPECT_EQ(Error("foo[5m:0s]"), "1:8: parse error: duration must be greater than 0");
}

// --- Syntax errors: messages and positions ---------------------------------

TEST(ParserErrorTest, EmptyQuery) {
  EXPECT_EQ(Error(""), "1:1: parse error: no expression found in input");
  EXPECT_EQ(Error("  # only a comment"), "1:1: parse error: no expression found in input");
}

TEST(ParserErrorTest, UnexpectedEndOfInput) {
  EXPECT_EQ(Error("-"), "1:2: parse error: unexpected end of input");
  EXPECT_EQ(Error("a +"), "1:4: parse error: unexpected end of input");
  EXPECT_EQ(Error("foo and"), "1:8: parse error: unexpected end of input");
}

TEST(ParserErrorTest, LexerErrorsComeFirst) {
  EXPECT_EQ(Error("sum("), "1:5: parse error: unclosed left parenthesis");
  EXPECT_EQ(Error("rate(foo[5m]"), "1:13: parse error: unclosed left parenthesis");
  EXPECT_EQ(Error("{a=\"b\""), "1:7: parse error: unexpected end of input inside braces");
  EXPECT_EQ(Error("foo{a=~1}"), "1:8: parse error: unexpected character inside braces: '1'");
  EXPECT_EQ(Error("'abc"), "1:1: parse error: unterminated quoted string");
  EXPECT_EQ(Error("`abc"), "1:1: parse error: unterminated raw string");
  EXPECT_EQ(Error("foo!bar"), "1:4: parse error: unexpected character after '!': 'b'");
  EXPECT_EQ(Error("\"\\z\""), "1:1: parse error: unknown escape sequence U+007A 'z'");
}

TEST(ParserErrorTest, PositionsCountLines) {
  EXPECT_EQ(Error("sum(\n  foo\n  bar)"),
            "3:3: parse error: unexpected identifier \"bar\" in aggregation");
}

TEST(ParserErrorTest, LabelMatchingErrors) {
  EXPECT_EQ(Error("foo{a=}"),
            "1:7: parse error: unexpected \"}\" in label matching, expected string");
  EXPECT_EQ(Error("foo{a}"),
            "1:6: parse error: unexpected \"}\" in label matching, expected label matching "
            "operator");
  EXPECT_EQ(Error("foo{=}"),
            "1:5: parse error: unexpected \"=\" in label matching, expected identifier or \"}\"");
  EXPECT_EQ(Error("foo{a=\"b\" c=\"d\"}"),
            "1:11: parse error: unexpected identifier \"c\" in label matching, expected \",\" or "
            "\"}\"");
}

TEST(ParserErrorTest, GroupingErrors) {
  EXPECT_EQ(Error("sum by foo (x)"),
            "1:8: parse error: unexpected identifier \"foo\" in grouping opts, expected \"(\"");
  EXPECT_EQ(Error("sum by (a b) (x)"),
            "1:11: parse error: unexpected identifier \"b\" in grouping opts, expected \",\" or "
            "\")\"");
  EXPECT_EQ(Error("sum by (1) (x)"),
            "1:9: parse error: unexpected number \"1\" in grouping opts, expected label");
  EXPECT_EQ(Error("sum(foo) by"),
            "1:12: parse error: unexpected end of input in grouping opts, expected \"(\"");
  EXPECT_EQ(Error("a + on b"),
            "1:8: parse error: unexpected identifier \"b\" in grouping opts, expected \"(\"");
}

TEST(ParserErrorTest, ErrorsInsideAggregationsNameTheAggregation) {
  EXPECT_EQ(Error("sum by (a) foo"),
            "1:12: parse error: unexpected identifier \"foo\" in aggregation");
  EXPECT_EQ(Error("sum(x y)"), "1:7: parse error: unexpected identifier \"y\" in aggregation");
  EXPECT_EQ(Error("sum(rate(x +))"), "1:13: parse error: unexpected \")\" in aggregation");
  EXPECT_EQ(Error("sum without(a) by(b) (x)"), "1:16: parse error: unexpected <by> in aggregation");
  // Outside aggregations the message has no context.
  EXPECT_EQ(Error("rate(x +)"), "1:9: parse error: unexpected \")\"");
  EXPECT_EQ(Error("foo bar"), "1:5: parse error: unexpected identifier \"bar\"");
  EXPECT_EQ(Error("(1 2)"), "1:4: parse error: unexpected number \"2\"");
  EXPECT_EQ(Error("()"), "1:2: parse error: unexpected \")\"");
  EXPECT_EQ(Error("a bool + b"), "1:3: parse error: unexpected <bool>");
  EXPECT_EQ(Error("a + group_left b"), "1:5: parse error: unexpected <group_left>");
  EXPECT_EQ(Error("a = b"), "1:3: parse error: unexpected \"=\"");
  EXPECT_EQ(Error("foo{a=\"b\"}{c=\"d\"}"), "1:11: parse error: unexpected \"{\"");
  EXPECT_EQ(Error("@ 5"), "1:1: parse error: unexpected <op:@>");
}

TEST(ParserErrorTest, ModifierErrors) {
  EXPECT_EQ(Error("foo offset x"),
            "1:12: parse error: unexpected identifier \"x\" in offset, expected number or "
            "duration");
  EXPECT_EQ(Error("foo @ x"),
            "1:7: parse error: unexpected identifier \"x\" in @, expected timestamp");
  EXPECT_EQ(Error("foo @ start"),
            "1:12: parse error: unexpected end of input in @, expected timestamp");
  EXPECT_EQ(Error("foo offset 5m offset 1m"),
            "1:1: parse error: offset may not be set multiple times");
  EXPECT_EQ(Error("rate(foo[5m] offset 1m offset 2m)"),
            "1:6: parse error: offset may not be set multiple times");
  EXPECT_EQ(Error("foo @ 1 @ 2"), "1:1: parse error: @ <timestamp> may not be set multiple times");
  EXPECT_EQ(Error("sum(x) by (a) offset 5m"),
            "1:1: parse error: offset modifier must be preceded by an instant vector selector or "
            "range vector selector or a subquery");
  EXPECT_EQ(Error("1 @ 5"),
            "1:1: parse error: @ modifier must be preceded by an instant vector selector or range "
            "vector selector or a subquery");
  EXPECT_EQ(Error("foo @ +Inf"), "1:1: parse error: timestamp out of bounds for @ modifier: +Inf");
  EXPECT_EQ(Error("foo @ NaN"), "1:1: parse error: timestamp out of bounds for @ modifier: NaN");
}

TEST(ParserErrorTest, RangeErrors) {
  EXPECT_EQ(Error("foo[5m][5m]"), "1:8: parse error: ranges only allowed for vector selectors");
  EXPECT_EQ(Error("(foo)[5m]"), "1:6: parse error: ranges only allowed for vector selectors");
  EXPECT_EQ(Error("foo offset 5m[5m]"),
            "1:14: parse error: no offset modifiers allowed before range");
  EXPECT_EQ(Error("foo @ 1 [5m]"), "1:9: parse error: no @ modifiers allowed before range");
  EXPECT_EQ(Error("foo[5m 1m]"),
            "1:8: parse error: unexpected duration \"1m\" in subquery or range, expected \":\" or "
            "\"]\"");
}

TEST(ParserErrorTest, SemanticErrorsDuringParsing) {
  EXPECT_EQ(Error("nosuch(x)"), "1:1: parse error: unknown function with name \"nosuch\"");
  EXPECT_EQ(Error("topk(x)"),
            "1:1: parse error: wrong number of arguments for aggregate expression provided, "
            "expected 2, got 1");
  EXPECT_EQ(Error("sum()"), "1:1: parse error: no arguments for aggregate expression provided");
  EXPECT_EQ(Error("rate(x[5m],)"),
            "1:11: parse error: trailing commas not allowed in function call args");
  EXPECT_EQ(Error("x{a=~\"(.*\"}"),
            "1:3: parse error: error parsing regexp: missing closing ): `(.*`");
  EXPECT_EQ(Error("x{a!~\"a**\"}"),
            "1:3: parse error: error parsing regexp: invalid nested repetition operator: `**`");
  EXPECT_EQ(Error("sum by (\"\") (x)"), "1:9: parse error: invalid label name for grouping: \"\"");
}

TEST(ParserErrorTest, ExperimentalFunctionsCanBeDisabled) {
  ParseOptions opts;
  opts.experimental_functions = false;
  Result<ExprPtr> r = ParseExpr("mad_over_time(x[5m])", opts);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "1:1: parse error: function \"mad_over_time\" is not enabled");
  r = ParseExpr("limitk(1, x)", opts);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "1:1: parse error: limitk() and limit_ratio() are experimental and must be enabled "
            "with --enable-feature=promql-experimental-functions");
}

// --- Type checks ----------------------------------------------------------

TEST(ParserCheckTest, SelectorChecks) {
  EXPECT_EQ(Error("foo{__name__=\"bar\"}"),
            "1:1: parse error: metric name must not be set twice: \"foo\" or \"bar\"");
  EXPECT_EQ(Error("{}"),
            "1:1: parse error: vector selector must contain at least one non-empty matcher");
  EXPECT_EQ(Error("{a=\"\"}"),
            "1:1: parse error: vector selector must contain at least one non-empty matcher");
}

TEST(ParserCheckTest, BinaryChecks) {
  EXPECT_EQ(Error("1 > 2"), "1:3: parse error: comparisons between scalars must use BOOL modifier");
  EXPECT_EQ(Error("a and 1"),
            "1:1: parse error: set operator \"and\" not allowed in binary scalar expression");
  EXPECT_EQ(Error("foo unless on(a) group_left b"),
            "1:1: parse error: no grouping allowed for \"unless\" operation");
  EXPECT_EQ(Error("1 + \"a\""),
            "1:5: parse error: binary expression must contain only scalar and instant vector "
            "types");
  EXPECT_EQ(Error("foo[5m] + 1"),
            "1:1: parse error: binary expression must contain only scalar and instant vector "
            "types");
  EXPECT_EQ(Error("a > on(x) group_left(x) b"),
            "1:3: parse error: label \"x\" must not occur in ON and GROUP clause at once");
  EXPECT_EQ(Error("1 + on(x) 2"),
            "1:1: parse error: vector matching only allowed between instant vectors");
  EXPECT_EQ(Error("a + bool b"),
            "1:3: parse error: bool modifier can only be used on comparison operators");
}

TEST(ParserCheckTest, FirstOfSeveralErrorsIsReported) {
  EXPECT_EQ(Error("rate(1) + rate(2)"),
            "1:6: parse error: expected type range vector in call to function \"rate\", got "
            "scalar");
}

TEST(ParserCheckTest, CallAndAggregationChecks) {
  EXPECT_EQ(Error("rate(foo)"),
            "1:6: parse error: expected type range vector in call to function \"rate\", got "
            "instant vector");
  EXPECT_EQ(Error("abs(foo[5m])"),
            "1:5: parse error: expected type instant vector in call to function \"abs\", got "
            "range vector");
  EXPECT_EQ(Error("sum(1)"),
            "1:5: parse error: expected type instant vector in aggregation expression, got "
            "scalar");
  EXPECT_EQ(Error("count_values(1, x)"),
            "1:14: parse error: expected type string in aggregation parameter, got scalar");
  EXPECT_EQ(Error("topk(\"a\", x)"),
            "1:6: parse error: expected type scalar in aggregation parameter, got string");
  EXPECT_EQ(Error("label_replace(x, \"a\")"),
            "1:1: parse error: expected 5 argument(s) in call to \"label_replace\", got 2");
  EXPECT_EQ(Error("round(x, 1, 2)"),
            "1:1: parse error: expected at most 2 argument(s) in call to \"round\", got 3");
  EXPECT_EQ(Error("time(1)"),
            "1:1: parse error: expected 0 argument(s) in call to \"time\", got 1");
  EXPECT_EQ(Error("label_join(x, \"a\")"),
            "1:1: parse error: expected at least 3 argument(s) in call to \"label_join\", got 2");
  EXPECT_EQ(Error("-\"a\""),
            "1:1: parse error: unary expression only allowed on expressions of type scalar or "
            "instant vector, got \"string\"");
  EXPECT_EQ(Error("\"a\"[5m:]"),
            "1:1: parse error: subquery is only allowed on instant vector, got string instead");
  EXPECT_EQ(Format("rate(foo[5m:])"), "rate(foo[5m:])");
  EXPECT_EQ(Format("day_of_week()"), "day_of_week()");
  EXPECT_EQ(Format("label_join(foo, \"a\", \",\", \"b\", \"c\")"),
            "label_join(foo, \"a\", \",\", \"b\", \"c\")");
}

// Runs fn on a thread with a stack of `bytes` (rounded as pthreads wants).
void RunWithStack(size_t bytes, std::function<void()> fn) {
  pthread_attr_t attr;
  ASSERT_EQ(pthread_attr_init(&attr), 0);
  ASSERT_EQ(pthread_attr_setstacksize(&attr, bytes), 0);
  pthread_t t;
  auto run = [](void* f) -> void* {
    (*static_cast<std::function<void()>*>(f))();
    return nullptr;
  };
  ASSERT_EQ(pthread_create(&t, &attr, run, &fn), 0);
  pthread_join(t, nullptr);
  pthread_attr_destroy(&attr);
}

// The stack a query gets in production: an HTTP worker thread's default
// 8 MiB. AddressSanitizer's frames are about ten times larger, so its builds
// get proportionally more; the limits themselves are the same.
size_t ProductionStack() {
  size_t bytes = size_t{8} << 20;
#if defined(__SANITIZE_ADDRESS__)
  bytes *= 16;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
  bytes *= 16;
#endif
#endif
  return bytes;
}

TEST(ParserErrorTest, DeepNestingFailsInsteadOfOverflowingTheStack) {
  RunWithStack(ProductionStack(), [] {
    std::string parens = std::string(20000, '(') + "1" + std::string(20000, ')');
    EXPECT_EQ(Error(parens), "1:257: parse error: expression nested more than 256 levels deep");
    EXPECT_EQ(Error(std::string(50000, '-') + "1"),
              "1:257: parse error: expression nested more than 256 levels deep");
    std::string chain = "a";
    for (int i = 0; i < 100000; ++i) chain += "+a";
    EXPECT_EQ(Error(chain), "1:8192: parse error: expression nested more than 4096 levels deep");
    std::string ok = "a";
    for (int i = 0; i < 2000; ++i) ok += " or a";
    EXPECT_TRUE(ParseExpr(ok).ok());
  });
}

TEST(ParserCheckTest, InfoTakesLabelSelectorsThatMayMatchEmpty) {
  EXPECT_EQ(Format("info(up, {k8s_cluster=~\".*\"})"), "info(up, {k8s_cluster=~\".*\"})");
  EXPECT_EQ(Error("info(up, target_info{a=\"b\"})"),
            "1:10: parse error: expected label selectors only, got vector selector instead");
}

// --- Pretty printing --------------------------------------------------------

TEST(ParserPrettyTest, ShortExpressionsStayOnOneLine) {
  ExprPtr e = MustParse("sum by (a) (rate(foo[5m]))");
  EXPECT_EQ(PrettyExpr(*e), "sum by (a) (rate(foo[5m]))");
}

TEST(ParserPrettyTest, LongExpressionsSplitWithTwoSpaceIndent) {
  ExprPtr e = MustParse(
      "histogram_quantile(0.99, sum by (le, job) (rate(http_request_duration_seconds_bucket{job="
      "\"api-server\", handler=\"/api/v1/query\"}[5m])))");
  EXPECT_EQ(PrettyExpr(*e),
            "histogram_quantile(\n"
            "  0.99,\n"
            "  sum by (le, job) (\n"
            "    rate(http_request_duration_seconds_bucket{handler=\"/api/v1/query\",job=\"api-"
            "server\"}[5m])\n"
            "  )\n"
            ")");
}

TEST(ParserPrettyTest, LongBinaryExpressionsPutTheOperatorOnItsOwnLine) {
  ExprPtr e = MustParse(
      "a_very_long_metric_name_number_one_that_goes_on_and_on + on (instance, job) group_left "
      "(version) a_very_long_metric_name_number_two");
  EXPECT_EQ(PrettyExpr(*e),
            "  a_very_long_metric_name_number_one_that_goes_on_and_on\n"
            "+ on (instance, job) group_left (version)\n"
            "  a_very_long_metric_name_number_two");
}

// --- ParseMetric --------------------------------------------------------------

TEST(ParseMetricTest, NameAndLabels) {
  Result<model::Labels> l = ParseMetric("foo{b=\"2\", a=\"1\"}");
  ASSERT_TRUE(l.ok()) << l.status().message();
  EXPECT_EQ(*l, model::Labels::FromStrings({"__name__", "foo", "a", "1", "b", "2"}));
  l = ParseMetric("{__name__=\"foo\",a=\"1\",}");
  ASSERT_TRUE(l.ok()) << l.status().message();
  EXPECT_EQ(*l, model::Labels::FromStrings({"__name__", "foo", "a", "1"}));
  l = ParseMetric("{\"my.metric\", \"a.b\"=\"c\"}");
  ASSERT_TRUE(l.ok()) << l.status().message();
  EXPECT_EQ(*l, model::Labels::FromStrings({"__name__", "my.metric", "a.b", "c"}));
}

TEST(ParseMetricTest, ErrorsNameTheLabelSet) {
  Result<model::Labels> l = ParseMetric("foo{a=1}");
  ASSERT_FALSE(l.ok());
  EXPECT_EQ(l.status().message(), "1:7: parse error: unexpected character inside braces: '1'");
  l = ParseMetric("foo{a}");
  ASSERT_FALSE(l.ok());
  EXPECT_EQ(l.status().message(),
            "1:6: parse error: unexpected \"}\" in label set, expected \"=\"");
  l = ParseMetric("foo bar");
  ASSERT_FALSE(l.ok());
  EXPECT_EQ(l.status().message(), "1:5: parse error: unexpected identifier \"bar\"");
}

// --- Function table -----------------------------------------------------------

TEST(FunctionTableTest, HasPrometheusFunctionsWithTheirTypes) {
  const Function* f = LookupFunction("label_join");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->variadic, -1);
  f = LookupFunction("scalar");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->return_type, ValueType::kScalar);
  f = LookupFunction("double_exponential_smoothing");
  ASSERT_NE(f, nullptr);
  EXPECT_TRUE(f->experimental);
  EXPECT_EQ(LookupFunction("holt_winters"), nullptr);  // renamed in Prometheus 3
  EXPECT_EQ(LookupFunction("nosuch"), nullptr);
  for (const char* name : {"abs", "absent_over_time", "changes", "clamp", "days_in_month",
                           "histogram_avg", "histogram_fraction", "histogram_stddev", "info",
                           "mad_over_time", "pi", "predict_linear", "quantile_over_time", "sgn",
                           "sort_by_label_desc", "ts_of_max_over_time", "vector", "year"}) {
    EXPECT_NE(LookupFunction(name), nullptr) << name;
  }
}

}  // namespace
}  // namespace vigil::promql
