#include "query/logql/parser.h"

#include <gtest/gtest.h>

#include "query/logql/engine.h"

namespace vigil::logql {
namespace {

std::string Err(std::string_view q) {
  auto r = ParseExpr(q);
  if (r.ok()) return "OK";
  EXPECT_TRUE(r.status().IsInvalidArgument()) << q;
  return r.status().message();
}

std::string Norm(std::string_view q) {
  auto r = ParseExpr(q);
  if (!r.ok()) return "ERROR: " + r.status().message();
  return Format(**r);
}

TEST(LogqlParser, UnterminatedSelectorReportsEndLikeLoki) {
  EXPECT_EQ(Err(R"({foo="bar")"),
            "parse error at line 1, col 11: syntax error: unexpected $end, expecting } or ,");
  EXPECT_EQ(Err(R"({foo="bar})"), "parse error at line 1, col 6: literal not terminated");
  EXPECT_EQ(Err(R"({foo="bar"} |~)"),
            "parse error at line 1, col 15: syntax error: unexpected $end, expecting STRING or ip");
  EXPECT_EQ(Err(R"({foo="bar"} "foo")"),
            "parse error at line 1, col 13: syntax error: unexpected STRING");
  EXPECT_EQ(Err(R"({foo="bar"} foo)"),
            "parse error at line 1, col 13: syntax error: unexpected IDENTIFIER");
}

TEST(LogqlParser, EmptyCompatibleSelectorIsRefused) {
  EXPECT_NE(Err(R"({app=~".*"})").find("queries require at least one regexp or equality matcher"),
            std::string::npos);
  EXPECT_EQ(Err(R"({app=~".+"})"), "OK");
}

TEST(LogqlParser, UnwrapRulesFollowLoki) {
  EXPECT_EQ(Err(R"(sum_over_time({a="b"}[5m]))"),
            "parse error : invalid aggregation sum_over_time without unwrap");
  EXPECT_EQ(Err(R"(count_over_time({a="b"} | unwrap x [5m]))"),
            "parse error : invalid aggregation count_over_time with unwrap");
  EXPECT_EQ(Err(R"(count_over_time({a="b"}[5m]) by (x))"),
            "parse error : grouping not allowed for count_over_time aggregation");
  EXPECT_EQ(Err(R"(avg_over_time({a="b"} | unwrap x [5m]) by (y))"), "OK");
  EXPECT_EQ(Err(R"({a="b"} | unwrap x)"),
            "parse error at line 1, col 11: syntax error: unexpected unwrap");
}

TEST(LogqlParser, GroupingOnRangeAggregationsOnlyWhereLokiAllowsIt) {
  EXPECT_EQ(Err(R"(rate({a="b"} | unwrap x [5m]) by (y))"),
            "parse error : grouping not allowed for rate aggregation");
  EXPECT_EQ(Err(R"(absent_over_time({a="b"}[5h]) by (foo))"),
            "parse error : grouping not allowed for absent_over_time aggregation");
  EXPECT_EQ(Err(R"(absent_over_time({a="b"} | unwrap x [5h]))"), "OK");
  EXPECT_EQ(Err(R"(first_over_time({a="b"} | unwrap x [5h]) without (y))"), "OK");
}

TEST(LogqlParser, BadDurationsAndRegexesAreReported) {
  EXPECT_EQ(Err(R"(rate({foo!~"bar", a="b"}[5minutes]))"),
            "parse error at line 1, col 26: not a valid duration string: \"5minutes\"");
  EXPECT_NE(Err(R"(label_replace(rate({a="b"}[5m]),"foo","$1","bar","^^^^x43\\q"))")
                .find("invalid regex in label_replace: error parsing regexp"),
            std::string::npos);
  EXPECT_EQ(Err(R"(label_replace(rate({a="b"}[5m]),""))"),
            "parse error at line 1, col 35: syntax error: unexpected ), expecting ,");
}

TEST(LogqlParser, PrintsQueriesBack) {
  EXPECT_EQ(Norm(R"({app="foo"}|="bar"|json|level="error")"),
            R"({app="foo"} |= "bar" | json | level="error")");
  EXPECT_EQ(Norm(R"(sum by (host) (rate({app="foo"}[5m])))"),
            R"(sum by (host)(rate({app="foo"}[5m])))");
  EXPECT_EQ(Norm(R"({a="b"} | json | status >= 400 and latency > 250ms)"),
            R"({a="b"} | json | ( status>=400 , latency>250ms ))");
  EXPECT_EQ(
      Norm(
          R"(quantile_over_time(0.99, {a="b"} | logfmt | unwrap duration(took) | __error__="" [1m]) by (path))"),
      R"(quantile_over_time(0.99,{a="b"} | logfmt | unwrap duration(took) | __error__=""[1m]) by (path))");
  EXPECT_EQ(Norm(R"(count_over_time({a="b"}[5m] offset 1h) > bool 2)"),
            R"((count_over_time({a="b"}[5m] offset 1h) > bool 2))");
}

TEST(LogqlParser, PrecedenceAndAssociativity) {
  EXPECT_EQ(Norm("1 + 2 * 3"), "(1 + (2 * 3))");
  EXPECT_EQ(Norm("8 / 4 / 2"), "((8 / 4) / 2)");
  EXPECT_EQ(Norm("2 ^ 3 ^ 2"), "(2 ^ (3 ^ 2))");
  EXPECT_EQ(Norm("1 + -2"), "(1 + -2)");
}

TEST(LogqlParser, LabelFilterAndBindsTighterThanOr) {
  EXPECT_EQ(Norm(R"({a="b"} | x=1 or y=2 and z=3)"), R"({a="b"} | ( x=1 or ( y=2 , z=3 ) ))");
  EXPECT_EQ(Norm(R"({a="b"} | (x=1 or y=2), z="q")"), R"({a="b"} | ( ( x=1 or y=2 ) , z="q" ))");
}

TEST(LogqlParser, LineFilterAlternativesAndIp) {
  EXPECT_EQ(Norm(R"({a="b"} |= "x" or "y" != ip("10.0.0.0/8"))"),
            R"({a="b"} |= "x" or "y" != ip("10.0.0.0/8"))");
  EXPECT_NE(Err(R"({a="b"} |~ ip("1.2.3.4"))"), "OK");
  EXPECT_NE(Err(R"({a="b"} |~ "(unclosed")"), "OK");
}

TEST(LogqlParser, DeepNestingIsRefusedNotACrash) {
  std::string q(10000, '(');
  q += "1";
  q += std::string(10000, ')');
  EXPECT_NE(Err(q), "OK");
}

TEST(LogqlParser, ParsedQueryReportsKindAndSelector) {
  auto pq = Parse(R"(sum(count_over_time({job="x", env!="dev"} |= "e" [1m])))");
  ASSERT_TRUE(pq.ok());
  EXPECT_TRUE(pq->is_metric);
  ASSERT_EQ(pq->selector.size(), 2u);
  EXPECT_EQ(pq->selector[0].name(), "job");
  auto lq = Parse(R"({job="x"} | logfmt)");
  ASSERT_TRUE(lq.ok());
  EXPECT_FALSE(lq->is_metric);
}

}  // namespace
}  // namespace vigil::logql
