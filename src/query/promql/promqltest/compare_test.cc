#include "query/promql/promqltest/compare.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "model/sample.h"

namespace vigil::promql::promqltest {
namespace {

EvalCmd ParseEval(const std::string& text) {
  auto s = ParseScript(text);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return std::get<EvalCmd>(s->commands.at(0));
}

model::Labels L(std::initializer_list<std::string_view> kv) {
  return model::Labels::FromStrings(kv);
}

TEST(AlmostEqualTest, RelativeToleranceNaNsAndStaleMarkers) {
  EXPECT_TRUE(AlmostEqual(1, 1 + 1e-7));
  EXPECT_FALSE(AlmostEqual(1, 1 + 1e-5));
  EXPECT_TRUE(AlmostEqual(1e20, 1e20 * (1 + 1e-7)));
  EXPECT_TRUE(AlmostEqual(std::nan(""), std::nan("")));
  EXPECT_FALSE(AlmostEqual(std::nan(""), 1));
  EXPECT_TRUE(AlmostEqual(model::StaleNaN(), model::StaleNaN()));
  EXPECT_FALSE(AlmostEqual(model::StaleNaN(), std::nan("")));
  EXPECT_TRUE(AlmostEqual(INFINITY, INFINITY));
  EXPECT_FALSE(AlmostEqual(INFINITY, -INFINITY));
  // Against zero only differences below epsilon * the smallest normal pass.
  EXPECT_FALSE(AlmostEqual(0, 1e-300));
  EXPECT_TRUE(AlmostEqual(0, -0.0));
}

TEST(CompareVectorTest, MatchesByLabelsInAnyOrderUnlessOrdered) {
  EvalCmd cmd = ParseEval("eval instant at 1m foo\n  foo{a=\"1\"} 1\n  foo{a=\"2\"} 2\n");
  Vector v{{L({"__name__", "foo", "a", "2"}), 60000, 2},
           {L({"__name__", "foo", "a", "1"}), 60000, 1}};
  EXPECT_TRUE(CompareResult(cmd, v).ok());
  EvalCmd ordered =
      ParseEval("eval_ordered instant at 1m foo\n  foo{a=\"1\"} 1\n  foo{a=\"2\"} 2\n");
  Status st = CompareResult(ordered, v);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("at position 2 but was at 1"), std::string::npos) << st.message();
}

TEST(CompareVectorTest, ReportsMissingExtraAndWrongValues) {
  EvalCmd cmd = ParseEval("eval instant at 1m foo\n  foo{a=\"1\"} 1\n");
  EXPECT_FALSE(CompareResult(cmd, Vector{}).ok());
  EXPECT_FALSE(CompareResult(cmd, Vector{{L({"__name__", "foo", "a", "1"}), 0, 1.1}}).ok());
  EXPECT_FALSE(CompareResult(cmd, Vector{{L({"__name__", "foo", "a", "1"}), 0, 1},
                                         {L({"__name__", "foo", "a", "3"}), 0, 1}})
                   .ok());
  // The name is part of the identity: a result without it is a different series.
  EXPECT_FALSE(CompareResult(cmd, Vector{{L({"a", "1"}), 0, 1}}).ok());
  // Timestamps of vector samples are not compared.
  EXPECT_TRUE(CompareResult(cmd, Vector{{L({"__name__", "foo", "a", "1"}), 12345, 1}}).ok());
}

TEST(CompareVectorTest, EmptyExpectationWantsAnEmptyResult) {
  EvalCmd cmd = ParseEval("eval instant at 1m foo\n");
  EXPECT_TRUE(CompareResult(cmd, Vector{}).ok());
  EXPECT_FALSE(CompareResult(cmd, Vector{{L({"a", "1"}), 0, 1}}).ok());
}

TEST(CompareScalarTest, ScalarsAndTypeMismatches) {
  EvalCmd scalar = ParseEval("eval instant at 1m 1+1\n  2\n");
  EXPECT_TRUE(CompareResult(scalar, Scalar{60000, 2}).ok());
  EXPECT_FALSE(CompareResult(scalar, Scalar{60000, 3}).ok());
  EXPECT_FALSE(CompareResult(scalar, Vector{{model::Labels(), 0, 2}}).ok());
  EvalCmd vec = ParseEval("eval instant at 1m vector(2)\n  {} 2\n");
  EXPECT_FALSE(CompareResult(vec, Scalar{0, 2}).ok());
  EXPECT_TRUE(CompareResult(vec, Vector{{model::Labels(), 0, 2}}).ok());
  EvalCmd nan = ParseEval("eval instant at 1m NaN\n  NaN\n");
  EXPECT_TRUE(CompareResult(nan, Scalar{0, std::nan("")}).ok());
}

TEST(CompareMatrixTest, PointsAtStartPlusStepWithBlanks) {
  EvalCmd cmd = ParseEval("eval range from 0 to 2m step 1m foo\n  foo{job=\"1\"} _ 3 5\n");
  Matrix m{{L({"__name__", "foo", "job", "1"}), {{60000, 3}, {120000, 5}}}};
  EXPECT_TRUE(CompareResult(cmd, m).ok());
  Matrix shifted{{L({"__name__", "foo", "job", "1"}), {{0, 3}, {60000, 5}}}};
  EXPECT_FALSE(CompareResult(cmd, shifted).ok());
  Matrix extra{{L({"__name__", "foo", "job", "1"}), {{0, 1}, {60000, 3}, {120000, 5}}}};
  EXPECT_FALSE(CompareResult(cmd, extra).ok());
}

TEST(CompareMatrixTest, TooManyExpectedPointsForTheRange) {
  EvalCmd cmd = ParseEval("eval range from 0 to 1m step 1m foo\n  foo 1 2 3\n");
  Matrix m{{L({"__name__", "foo"}), {{0, 1}, {60000, 2}}}};
  Status st = CompareResult(cmd, m);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("cannot return this many points"), std::string::npos);
}

TEST(CompareMatrixTest, UnsortedMatrixIsAMismatch) {
  EvalCmd cmd =
      ParseEval("eval range from 0 to 0 step 1m foo\n  foo{a=\"1\"} 1\n  foo{a=\"2\"} 1\n");
  Matrix m{{L({"__name__", "foo", "a", "2"}), {{0, 1}}},
           {L({"__name__", "foo", "a", "1"}), {{0, 1}}}};
  Status st = CompareResult(cmd, m);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("sorted"), std::string::npos);
  std::swap(m[0], m[1]);
  EXPECT_TRUE(CompareResult(cmd, m).ok());
}

TEST(CompareMatrixTest, StaleMarkerOnlyEqualsItself) {
  EvalCmd cmd = ParseEval("eval range from 0 to 0 step 1m foo\n  foo stale\n");
  EXPECT_TRUE(CompareResult(cmd, Matrix{{L({"__name__", "foo"}), {{0, model::StaleNaN()}}}}).ok());
  EXPECT_FALSE(CompareResult(cmd, Matrix{{L({"__name__", "foo"}), {{0, std::nan("")}}}}).ok());
}

TEST(CompareMatrixTest, InstantQueryReturningAMatrixNeedsARangeVectorExpectation) {
  EvalCmd plain = ParseEval("eval instant at 1m foo[1m]\n  foo 1\n");
  EXPECT_FALSE(CompareResult(plain, Matrix{{L({"__name__", "foo"}), {{60000, 1}}}}).ok());
  EvalCmd rv = ParseEval(
      "eval instant at 1m foo[1m]\n  expect range vector from 30s to 1m step 30s\n  foo 1 2\n");
  EXPECT_TRUE(CompareResult(rv, Matrix{{L({"__name__", "foo"}), {{30000, 1}, {60000, 2}}}}).ok());
}

TEST(CheckAnnotationsTest, WithoutExpectationsAnnotationsAreIgnored) {
  EvalCmd cmd = ParseEval("eval instant at 1m foo\n");
  Annotations a;
  a.warnings.push_back("PromQL warning: x");
  a.infos.push_back("PromQL info: y");
  EXPECT_TRUE(CheckAnnotations(cmd, a).ok());
}

TEST(CheckAnnotationsTest, LegacyWarnAndInfoNeedAtLeastOne) {
  Annotations none;
  EXPECT_FALSE(CheckAnnotations(ParseEval("eval_warn instant at 1m foo\n"), none).ok());
  EXPECT_FALSE(CheckAnnotations(ParseEval("eval_info instant at 1m foo\n"), none).ok());
  Annotations info;
  info.infos.push_back("PromQL info: y");
  EXPECT_TRUE(CheckAnnotations(ParseEval("eval_info instant at 1m foo\n"), info).ok());
  // eval_info says nothing about warnings, nor eval_warn about infos.
  info.warnings.push_back("PromQL warning: x");
  EXPECT_TRUE(CheckAnnotations(ParseEval("eval_info instant at 1m foo\n"), info).ok());
}

TEST(CheckAnnotationsTest, EveryExpectedAndEveryActualMustMatch) {
  EvalCmd cmd =
      ParseEval("eval instant at 1m foo\n  expect warn msg: PromQL warning: a\n  expect no_info\n");
  Annotations a;
  a.warnings.push_back("PromQL warning: a (1:5)");  // position stripped
  EXPECT_TRUE(CheckAnnotations(cmd, a).ok());
  a.warnings.push_back("PromQL warning: b");
  EXPECT_FALSE(CheckAnnotations(cmd, a).ok());  // b has no expect line
  Annotations missing;
  missing.warnings.push_back("PromQL warning: b");
  EXPECT_FALSE(CheckAnnotations(cmd, missing).ok());
  Annotations with_info;
  with_info.warnings.push_back("PromQL warning: a");
  with_info.infos.push_back("PromQL info: z");
  EXPECT_FALSE(CheckAnnotations(cmd, with_info).ok());  // no_info
}

TEST(CheckExpectedFailureTest, MessageRegexpAndExpectFail) {
  EvalCmd msg = ParseEval(
      "eval_fail instant at 1m foo\n  expected_fail_message vector cannot contain metrics\n");
  EXPECT_TRUE(CheckExpectedFailure(msg, "vector cannot contain metrics").ok());
  EXPECT_FALSE(CheckExpectedFailure(msg, "vector cannot contain metrics!").ok());
  EvalCmd re = ParseEval("eval_fail instant at 1m foo\n  expected_fail_regexp cannot.*metrics\n");
  EXPECT_TRUE(CheckExpectedFailure(re, "vector cannot contain metrics with").ok());
  EXPECT_FALSE(CheckExpectedFailure(re, "other").ok());
  EvalCmd any = ParseEval("eval instant at 1m foo\n  expect fail\n");
  EXPECT_TRUE(CheckExpectedFailure(any, "whatever").ok());
  EvalCmd exact = ParseEval("eval instant at 1m foo\n  expect fail msg: boom\n");
  EXPECT_TRUE(CheckExpectedFailure(exact, "boom").ok());
  EXPECT_FALSE(CheckExpectedFailure(exact, "boom!").ok());
}

TEST(StripAnnotationPositionTest, OnlyATrailingLineColumn) {
  EXPECT_EQ(StripAnnotationPosition("PromQL info: x (1:4)"), "PromQL info: x");
  EXPECT_EQ(StripAnnotationPosition("PromQL info: x (a:4)"), "PromQL info: x (a:4)");
  EXPECT_EQ(StripAnnotationPosition("PromQL info: (x)"), "PromQL info: (x)");
  EXPECT_EQ(StripAnnotationPosition("x"), "x");
}

TEST(CheckResultShapeTest, InstantResultsCarryTheEvaluationTimeAndNoDuplicates) {
  auto a = L({"__name__", "a"});
  EXPECT_TRUE(CheckResultShape(Vector{{a, 60000, 1}}, 60000, 60000, 0).ok());
  // The sample's own timestamp leaking into the result.
  EXPECT_FALSE(CheckResultShape(Vector{{a, 30000, 1}}, 60000, 60000, 0).ok());
  EXPECT_FALSE(CheckResultShape(Vector{{a, 60000, 1}, {a, 60000, 2}}, 60000, 60000, 0).ok());
  EXPECT_TRUE(CheckResultShape(Scalar{60000, 1}, 60000, 60000, 0).ok());
  EXPECT_FALSE(CheckResultShape(Scalar{0, 1}, 60000, 60000, 0).ok());
}

TEST(CheckResultShapeTest, RangeResultsAreMatricesOnTheStepsWithoutEmptyOrDuplicateSeries) {
  auto a = L({"__name__", "a"});
  auto b = L({"__name__", "b"});
  EXPECT_TRUE(
      CheckResultShape(Matrix{{a, {{0, 1}, {60000, 2}}}, {b, {{60000, 1}}}}, 0, 120000, 60000)
          .ok());
  EXPECT_FALSE(CheckResultShape(Vector{{a, 0, 1}}, 0, 120000, 60000).ok());
  EXPECT_FALSE(CheckResultShape(Scalar{0, 1}, 0, 120000, 60000).ok());
  EXPECT_FALSE(CheckResultShape(Matrix{{a, {{30000, 1}}}}, 0, 120000, 60000).ok());   // off-step
  EXPECT_FALSE(CheckResultShape(Matrix{{a, {{180000, 1}}}}, 0, 120000, 60000).ok());  // past end
  EXPECT_FALSE(CheckResultShape(Matrix{{a, {{60000, 1}, {0, 1}}}}, 0, 120000, 60000).ok());
  EXPECT_FALSE(CheckResultShape(Matrix{{a, {}}}, 0, 120000, 60000).ok());
  EXPECT_FALSE(CheckResultShape(Matrix{{a, {{0, 1}}}, {a, {{60000, 1}}}}, 0, 120000, 60000).ok());
  // An instant query of a range selector: any timestamps, increasing.
  EXPECT_TRUE(CheckResultShape(Matrix{{a, {{1, 1}, {7, 1}}}}, 60000, 60000, 0).ok());
}

}  // namespace
}  // namespace vigil::promql::promqltest
