#include "query/promql/promqltest/runner.h"

#include <gtest/gtest.h>

#include "query/promql/parser.h"

namespace vigil::promql::promqltest {
namespace {

ExprPtr Parse(std::string_view q) {
  auto e = ParseExpr(q);
  EXPECT_TRUE(e.ok()) << e.status().ToString();
  return e.ok() ? std::move(e).value() : nullptr;
}

template <typename T>
std::vector<T*> All(Expr* root, ExprKind kind) {
  std::vector<T*> out;
  std::vector<Expr*> stack = {root};
  while (!stack.empty()) {
    Expr* e = stack.back();
    stack.pop_back();
    if (e == nullptr) continue;
    if (e->kind == kind) out.push_back(static_cast<T*>(e));
    switch (e->kind) {
      case ExprKind::kMatrixSelector:
        stack.push_back(static_cast<MatrixSelector*>(e)->selector.get());
        break;
      case ExprKind::kSubquery:
        stack.push_back(static_cast<SubqueryExpr*>(e)->expr.get());
        break;
      case ExprKind::kCall:
        for (auto& a : static_cast<Call*>(e)->args) stack.push_back(a.get());
        break;
      case ExprKind::kAggregate:
        stack.push_back(static_cast<AggregateExpr*>(e)->expr.get());
        stack.push_back(static_cast<AggregateExpr*>(e)->param.get());
        break;
      case ExprKind::kBinary:
        stack.push_back(static_cast<BinaryExpr*>(e)->lhs.get());
        stack.push_back(static_cast<BinaryExpr*>(e)->rhs.get());
        break;
      case ExprKind::kUnary:
        stack.push_back(static_cast<UnaryExpr*>(e)->expr.get());
        break;
      case ExprKind::kParen:
        stack.push_back(static_cast<ParenExpr*>(e)->expr.get());
        break;
      default:
        break;
    }
  }
  return out;
}

TEST(AddAtModifiersTest, FixesSelectorsAndSubqueriesButNothingInsideSubqueries) {
  ExprPtr e = Parse("rate(foo[5m]) + max_over_time(bar[5m:1m]) + baz @ 100 + qux @ start()");
  ASSERT_NE(e, nullptr);
  EXPECT_TRUE(AddAtModifiers(e.get(), 3000));
  std::map<std::string, std::pair<AtModifier, int64_t>> got;
  for (auto* vs : All<VectorSelector>(e.get(), ExprKind::kVectorSelector)) {
    got[vs->name] = {vs->at, vs->at_ms};
  }
  EXPECT_EQ(got["foo"], std::make_pair(AtModifier::kTimestamp, int64_t{3000}));
  EXPECT_EQ(got["bar"].first, AtModifier::kNone);  // inside the subquery
  EXPECT_EQ(got["baz"], std::make_pair(AtModifier::kTimestamp, int64_t{100000}));
  EXPECT_EQ(got["qux"], std::make_pair(AtModifier::kTimestamp, int64_t{3000}));
  auto subqueries = All<SubqueryExpr>(e.get(), ExprKind::kSubquery);
  ASSERT_EQ(subqueries.size(), 1u);
  EXPECT_EQ(subqueries[0]->at, AtModifier::kTimestamp);
  EXPECT_EQ(subqueries[0]->at_ms, 3000);
}

TEST(AddAtModifiersTest, TimeDependentFunctionsOutsideSubqueriesPreventVariants) {
  EXPECT_FALSE(AddAtModifiers(Parse("time() - foo").get(), 1000));
  EXPECT_FALSE(AddAtModifiers(Parse("timestamp(foo)").get(), 1000));
  EXPECT_FALSE(AddAtModifiers(Parse("hour(foo)").get(), 1000));
  EXPECT_FALSE(AddAtModifiers(Parse("predict_linear(foo[5m], 60)").get(), 1000));
  // Upstream does not look inside subqueries.
  EXPECT_TRUE(AddAtModifiers(Parse("max_over_time(timestamp(foo)[5m:])").get(), 1000));
  EXPECT_TRUE(AddAtModifiers(Parse("sum(foo)").get(), 1000));
}

TEST(SelectsAnyOfTest, MatchersAgainstLoadedHistogramSeries) {
  std::vector<model::Labels> hist = {model::Labels::FromStrings({"__name__", "h", "job", "a"})};
  EXPECT_TRUE(SelectsAnyOf(Parse("histogram_count(h)").get(), hist));
  EXPECT_TRUE(SelectsAnyOf(Parse("sum(rate({__name__=~\"h|x\"}[5m]))").get(), hist));
  EXPECT_TRUE(SelectsAnyOf(Parse("max_over_time(h{job=\"a\"}[5m:1m])").get(), hist));
  EXPECT_FALSE(SelectsAnyOf(Parse("h{job=\"b\"}").get(), hist));
  EXPECT_FALSE(SelectsAnyOf(Parse("foo + 1").get(), hist));
  EXPECT_FALSE(SelectsAnyOf(Parse("h").get(), {}));
}

TEST(NhcbSeriesTest, ClassicHistogramSeriesMapToTheirFamily) {
  model::Labels out;
  ASSERT_TRUE(NhcbSeries(
      model::Labels::FromStrings({"__name__", "req_bucket", "le", "0.5", "j", "x"}), &out));
  EXPECT_EQ(out, model::Labels::FromStrings({"__name__", "req", "j", "x"}));
  ASSERT_TRUE(NhcbSeries(model::Labels::FromStrings({"__name__", "req_count"}), &out));
  EXPECT_EQ(out, model::Labels::FromStrings({"__name__", "req"}));
  EXPECT_FALSE(NhcbSeries(model::Labels::FromStrings({"__name__", "req_bucket"}), &out));
  EXPECT_FALSE(NhcbSeries(model::Labels::FromStrings({"__name__", "requests"}), &out));
}

TEST(RunnerTest, CountsPassedFailedAndSkippedCases) {
  Runner runner(RunnerOptions{});
  FileResult r = runner.RunScript("t.test", R"(
load 1m
  foo{a="1"} 1 2 3
  hist {{sum:1 count:1}} {{sum:2 count:2}}

eval instant at 2m foo
  foo{a="1"} 3

eval instant at 2m foo
  foo{a="1"} 4

eval instant at 2m hist

eval range from 0 to 2m step 1m foo
  foo{a="1"} 1 2 3

eval_fail instant at 0 foo +

load 1m
  foo{a="1"} 9
)");
  ASSERT_EQ(r.cases.size(), 6u);
  EXPECT_EQ(r.Count(Outcome::kPassed), 2);
  EXPECT_EQ(r.Count(Outcome::kFailed), 3);
  EXPECT_EQ(r.Count(Outcome::kSkipped), 1);
  EXPECT_EQ(r.cases[0].outcome, Outcome::kPassed);
  EXPECT_EQ(r.cases[1].outcome, Outcome::kFailed);
  EXPECT_EQ(r.cases[1].line, 9);
  EXPECT_EQ(r.cases[2].outcome, Outcome::kSkipped);
  EXPECT_EQ(r.cases[4].outcome, Outcome::kFailed);  // does not parse
  EXPECT_EQ(r.cases[5].query, "load");              // t=0 again with another value
}

TEST(RunnerTest, NativeHistogramFileIsSkippedWhole) {
  Runner runner(RunnerOptions{});
  FileResult r = runner.RunScript("native_histograms.test",
                                  "load 1m\n  foo 1\n\neval instant at 0 foo\n  foo 1\n");
  EXPECT_EQ(r.Count(Outcome::kSkipped), 1);
  EXPECT_EQ(r.Count(Outcome::kPassed), 0);
}

TEST(RunnerTest, ScriptThatDoesNotParseIsOneFailure) {
  Runner runner(RunnerOptions{});
  FileResult r = runner.RunScript("bad.test", "load 1m\n  foo 1\n# comment\n  bar 2\n");
  ASSERT_EQ(r.cases.size(), 1u);
  EXPECT_EQ(r.cases[0].outcome, Outcome::kFailed);
  EXPECT_EQ(r.cases[0].line, 4);
}

TEST(RunnerTest, TsdbStorageAcceptsLoadsGoingBackInTime) {
  RunnerOptions opts;
  opts.storage = StorageKind::kTsdb;
  Runner runner(opts);
  FileResult r = runner.RunScript("t.test", R"(
load 1h
  foo _ _ _ 4

load 1h
  foo 1

eval instant at 0 foo
  foo 1

clear

eval instant at 3h foo
)");
  for (const auto& c : r.cases)
    EXPECT_EQ(c.outcome, Outcome::kPassed) << c.line << ": " << c.detail;
  EXPECT_EQ(r.Count(Outcome::kPassed), 2);
}

}  // namespace
}  // namespace vigil::promql::promqltest
