// Tests of the PromQL engine: queries as text (through the parser) over an
// in-memory Queryable (engine_test_util.h) and, once, over the real TSDB.
// The upstream conformance suite (promqltest/) covers much more ground; the
// cases here pin down the semantics and limits most likely to regress.
#include "query/promql/engine.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <cmath>
#include <filesystem>

#include "model/sample.h"
#include "query/promql/engine_test_util.h"
#include "storage/tsdb/db.h"

namespace vigil::promql {
namespace {

using model::Labels;
using testing::MemQueryable;

constexpr int64_t kM = kMinute;
constexpr int64_t kS = kSecond;

Labels L(std::initializer_list<std::string_view> kv) { return Labels::FromStrings(kv); }

class EngineTest : public ::testing::Test {
 protected:
  Result<QueryResult> Instant(std::string_view q, int64_t ts) {
    return engine_.InstantQuery(&db_, q, ts);
  }
  Result<QueryResult> Range(std::string_view q, int64_t start, int64_t end, int64_t step) {
    return engine_.RangeQuery(&db_, q, start, end, step);
  }
  // The instant vector result, sorted by labels.
  Vector Vec(std::string_view q, int64_t ts) {
    Result<QueryResult> r = Instant(q, ts);
    EXPECT_TRUE(r.ok()) << q << ": " << r.status().ToString();
    if (!r.ok()) return {};
    EXPECT_EQ(TypeOf(r->value), ValueType::kVector) << q;
    if (TypeOf(r->value) != ValueType::kVector) return {};
    Vector v = std::get<Vector>(r->value);
    std::sort(v.begin(), v.end(),
              [](const Sample& a, const Sample& b) { return a.metric < b.metric; });
    return v;
  }
  // The value of the single sample of an instant vector (NaN if not exactly one).
  double One(std::string_view q, int64_t ts) {
    Vector v = Vec(q, ts);
    EXPECT_EQ(v.size(), 1u) << q;
    return v.size() == 1 ? v[0].f : std::nan("");
  }
  double ScalarOf(std::string_view q, int64_t ts) {
    Result<QueryResult> r = Instant(q, ts);
    EXPECT_TRUE(r.ok()) << q << ": " << r.status().ToString();
    if (!r.ok() || TypeOf(r->value) != ValueType::kScalar) return std::nan("");
    return std::get<Scalar>(r->value).v;
  }
  Matrix Mat(std::string_view q, int64_t start, int64_t end, int64_t step) {
    Result<QueryResult> r = Range(q, start, end, step);
    EXPECT_TRUE(r.ok()) << q << ": " << r.status().ToString();
    if (!r.ok() || TypeOf(r->value) != ValueType::kMatrix) return {};
    return std::get<Matrix>(r->value);
  }

  MemQueryable db_;
  Engine engine_;
};

// --- Selectors, lookback, staleness ---

TEST_F(EngineTest, LookbackWindowExcludesSampleExactlyLookbackOld) {
  db_.Add(L({"__name__", "x"}), 0, 1);
  EXPECT_EQ(Vec("x", 5 * kM - 1).size(), 1u);
  EXPECT_EQ(Vec("x", 5 * kM).size(), 0u);  // 3.x: (t - 5m, t]
  EXPECT_EQ(Vec("x", -1).size(), 0u);
}

TEST_F(EngineTest, LookbackDeltaOptionIsHonoured) {
  EngineOptions o;
  o.lookback_delta_ms = kM;
  Engine e(o);
  db_.Add(L({"__name__", "x"}), 0, 1);
  auto r = e.InstantQuery(&db_, "x", 59 * kS);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(std::get<Vector>(r->value).size(), 1u);
  r = e.InstantQuery(&db_, "x", 60 * kS);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(std::get<Vector>(r->value).size(), 0u);
}

TEST_F(EngineTest, PerQueryLookbackDeltaOverridesEngineOption) {
  db_.Add(L({"__name__", "x"}), 0, 1);
  auto e = ParseExpr("x");
  ASSERT_TRUE(e.ok());
  QueryOptions qo;
  qo.lookback_delta_ms = 10 * kM;
  auto r = engine_.Evaluate(&db_, **e, 7 * kM, 7 * kM, 0, true, qo);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(std::get<Vector>(r->value).size(), 1u);
  r = engine_.Evaluate(&db_, **e, 7 * kM, 7 * kM, 0, true);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(std::get<Vector>(r->value).size(), 0u);
}

TEST_F(EngineTest, StalenessMarkerEndsSeriesBeforeLookback) {
  db_.Add(L({"__name__", "x"}), 0, 1);
  db_.Add(L({"__name__", "x"}), kM, model::StaleNaN());
  db_.Add(L({"__name__", "x"}), 3 * kM, 7);
  EXPECT_EQ(One("x", 30 * kS), 1);
  EXPECT_EQ(Vec("x", 90 * kS).size(), 0u);
  EXPECT_EQ(One("x", 3 * kM), 7);
  // Staleness markers are not samples of range vectors either.
  EXPECT_EQ(One("count_over_time(x[10m])", 4 * kM), 2);
}

TEST_F(EngineTest, InstantSelectorKeepsNameAndUsesStepTimestamps) {
  db_.Add(L({"__name__", "x", "a", "1"}), 10 * kS, 5);
  Vector v = Vec("x", kM);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].metric, L({"__name__", "x", "a", "1"}));
  EXPECT_EQ(v[0].t, kM);
}

TEST_F(EngineTest, RangeSelectorIsLeftOpen) {
  db_.AddLinear(L({"__name__", "x"}), 0, kM, 0, 1, 11);  // 0..10 at 0..10m
  EXPECT_EQ(One("count_over_time(x[5m])", 10 * kM), 5);
  EXPECT_EQ(One("min_over_time(x[5m])", 10 * kM), 6);
}

TEST_F(EngineTest, InstantQueryOfMatrixSelectorReturnsRawSamples) {
  db_.AddLinear(L({"__name__", "x"}), 0, kM, 0, 1, 11);
  auto r = Instant("x[3m]", 10 * kM);
  ASSERT_TRUE(r.ok());
  const Matrix& m = std::get<Matrix>(r->value);
  ASSERT_EQ(m.size(), 1u);
  ASSERT_EQ(m[0].floats.size(), 3u);
  EXPECT_EQ(m[0].floats[0].t, 8 * kM);
  EXPECT_EQ(m[0].floats[2].f, 10);
}

TEST_F(EngineTest, OffsetAndAtShiftTheEvaluationTime) {
  db_.AddLinear(L({"__name__", "x"}), 0, kM, 0, 1, 11);
  EXPECT_EQ(One("x offset 2m", 10 * kM), 8);
  EXPECT_EQ(One("x offset -2m", 5 * kM), 7);
  EXPECT_EQ(One("x @ 180", 10 * kM), 3);
  // @ in a range query: the same value at every step.
  Matrix m = Mat("x @ 180", 0, 4 * kM, kM);
  ASSERT_EQ(m.size(), 1u);
  ASSERT_EQ(m[0].floats.size(), 5u);
  for (const FPoint& p : m[0].floats) EXPECT_EQ(p.f, 3);
  // @ end() resolves to the range query's end, @ start() to its start.
  m = Mat("x @ end()", 0, 4 * kM, 2 * kM);
  ASSERT_EQ(m.size(), 1u);
  for (const FPoint& p : m[0].floats) EXPECT_EQ(p.f, 4);
  m = Mat("x @ start() + x", kM, 3 * kM, kM);
  ASSERT_EQ(m.size(), 1u);
  ASSERT_EQ(m[0].floats.size(), 3u);
  EXPECT_EQ(m[0].floats[2].f, 1 + 3);
}

// --- rate and friends ---

TEST_F(EngineTest, RateExtrapolatesToRangeBoundaries) {
  db_.AddLinear(L({"__name__", "x_total"}), 0, kM, 0, 60, 11);  // 1/s
  EXPECT_DOUBLE_EQ(One("rate(x_total[5m])", 10 * kM), 1.0);
  EXPECT_DOUBLE_EQ(One("increase(x_total[5m])", 10 * kM), 300.0);
}

TEST_F(EngineTest, IncreaseCountsResetAndDoesNotExtrapolateBelowZero) {
  Labels l = L({"__name__", "x_total"});
  db_.Add(l, 0, 0);
  db_.Add(l, kM, 60);
  db_.Add(l, 2 * kM, 120);
  db_.Add(l, 3 * kM, 30);
  db_.Add(l, 4 * kM, 90);
  // 90 - 0 + 120 (reset); the zero point is the first sample: no extrapolation.
  EXPECT_DOUBLE_EQ(One("increase(x_total[5m])", 4 * kM), 210);
  EXPECT_EQ(One("resets(x_total[5m])", 4 * kM), 1);
  EXPECT_EQ(One("changes(x_total[5m])", 4 * kM), 4);
}

TEST_F(EngineTest, IncreaseExtrapolatesHalfAnIntervalWhenSeriesStartsInsideRange) {
  Labels l = L({"__name__", "x_total"});
  db_.Add(l, 3 * kM, 10);
  db_.Add(l, 4 * kM, 20);
  // to start: 180s > 1.1 * 60s, so 30s; to zero 60s; to end 60s < 66s.
  // factor (60 + 30 + 60) / 60.
  EXPECT_DOUBLE_EQ(One("increase(x_total[5m])", 5 * kM), 25);
}

TEST_F(EngineTest, DeltaDoesNotClampAtZero) {
  Labels l = L({"__name__", "g"});
  db_.Add(l, 3 * kM, 10);
  db_.Add(l, 4 * kM, 20);
  EXPECT_DOUBLE_EQ(One("delta(g[5m])", 5 * kM), 25);
  db_.Add(l, 4 * kM + 30 * kS, 5);
  EXPECT_LT(One("delta(g[5m])", 5 * kM), 0);
}

TEST_F(EngineTest, RateNeedsTwoSamples) {
  db_.Add(L({"__name__", "x_total"}), kM, 1);
  EXPECT_EQ(Vec("rate(x_total[5m])", 2 * kM).size(), 0u);
}

TEST_F(EngineTest, IrateUsesLastTwoSamplesAndHandlesReset) {
  Labels l = L({"__name__", "x_total"});
  db_.Add(l, 0, 10);
  db_.Add(l, 30 * kS, 40);
  db_.Add(l, 60 * kS, 5);
  EXPECT_DOUBLE_EQ(One("irate(x_total[5m])", 60 * kS), 5.0 / 30);
  EXPECT_DOUBLE_EQ(One("idelta(x_total[5m])", 60 * kS), -35);
  EXPECT_DOUBLE_EQ(One("irate(x_total[5m])", 30 * kS), 1);
}

TEST_F(EngineTest, RateOfNonCounterNameAddsInfo) {
  db_.AddLinear(L({"__name__", "requests"}), 0, kM, 0, 60, 6);
  auto r = Instant("rate(requests[5m])", 5 * kM);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->annotations.infos.size(), 1u);
  EXPECT_EQ(r->annotations.infos[0],
            "PromQL info: metric might not be a counter, name does not end in "
            "_total/_sum/_count/_bucket: \"requests\"");
}

TEST_F(EngineTest, DerivAndPredictLinearFitALine) {
  db_.AddLinear(L({"__name__", "g"}), 0, kM, 0, 120, 11);  // 2/s
  EXPECT_DOUBLE_EQ(One("deriv(g[10m])", 10 * kM), 2);
  EXPECT_DOUBLE_EQ(One("predict_linear(g[10m], 60)", 10 * kM), 1320);
}

TEST_F(EngineTest, OverTimeFunctions) {
  Labels l = L({"__name__", "g"});
  const double vals[] = {1, 5, 2, 8, 4};
  for (int i = 0; i < 5; ++i) db_.Add(l, (i + 1) * kM, vals[i]);
  auto at = [&](std::string fn) { return One(fn + "(g[5m])", 5 * kM); };
  EXPECT_EQ(at("sum_over_time"), 20);
  EXPECT_EQ(at("avg_over_time"), 4);
  EXPECT_EQ(at("min_over_time"), 1);
  EXPECT_EQ(at("max_over_time"), 8);
  EXPECT_EQ(at("count_over_time"), 5);
  EXPECT_EQ(at("last_over_time"), 4);
  EXPECT_EQ(at("first_over_time"), 1);
  EXPECT_EQ(at("present_over_time"), 1);
  EXPECT_EQ(at("ts_of_max_over_time"), 240);
  EXPECT_EQ(at("ts_of_min_over_time"), 60);
  EXPECT_EQ(at("ts_of_last_over_time"), 300);
  EXPECT_DOUBLE_EQ(at("stdvar_over_time"), 6);  // mean 4: (9+1+4+16+0)/5
  EXPECT_DOUBLE_EQ(at("stddev_over_time"), std::sqrt(6.0));
  EXPECT_EQ(at("mad_over_time"), 2);  // median 4; |d| = 3 1 2 4 0
  EXPECT_DOUBLE_EQ(One("quantile_over_time(0.5, g[5m])", 5 * kM), 4);
  EXPECT_DOUBLE_EQ(One("quantile_over_time(0.25, g[5m])", 5 * kM), 2);
}

TEST_F(EngineTest, QuantileOverTimeOutOfRangeWarns) {
  db_.Add(L({"__name__", "g"}), kM, 1);
  auto r = Instant("quantile_over_time(2, g[5m])", kM);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(std::get<Vector>(r->value)[0].f, INFINITY);
  ASSERT_EQ(r->annotations.warnings.size(), 1u);
  EXPECT_EQ(r->annotations.warnings[0],
            "PromQL warning: quantile value should be between 0 and 1, got 2");
}

TEST_F(EngineTest, LastOverTimeKeepsNameOtherRangeFunctionsDropIt) {
  db_.Add(L({"__name__", "g", "a", "1"}), kM, 1);
  EXPECT_EQ(Vec("last_over_time(g[5m])", kM)[0].metric, L({"__name__", "g", "a", "1"}));
  EXPECT_EQ(Vec("max_over_time(g[5m])", kM)[0].metric, L({"a", "1"}));
}

TEST_F(EngineTest, DoubleExponentialSmoothingRejectsBadFactors) {
  db_.AddLinear(L({"__name__", "g"}), 0, kM, 0, 1, 5);
  auto r = Instant("double_exponential_smoothing(g[5m], 1, 0.5)", 4 * kM);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "invalid smoothing factor. Expected: 0 < sf < 1, got: 1.000000");
  // A straight line is smoothed to itself.
  EXPECT_DOUBLE_EQ(One("double_exponential_smoothing(g[5m], 0.5, 0.5)", 4 * kM), 4);
}

// --- Subqueries ---

TEST_F(EngineTest, SubqueryStepsAreAlignedToAbsoluteMultiples) {
  db_.AddLinear(L({"__name__", "x"}), 0, kM, 0, 1, 20);
  // (0, 10m] at 3m steps: 3m 6m 9m.
  EXPECT_EQ(One("count_over_time(x[10m:3m])", 10 * kM), 3);
  // (2m, 12m]: 3m 6m 9m 12m.
  EXPECT_EQ(One("count_over_time(x[10m:3m])", 12 * kM), 4);
  EXPECT_EQ(One("max_over_time(x[10m:3m])", 11 * kM), 9);
  // With an offset: (0, 10m] again at 12m.
  EXPECT_EQ(One("count_over_time(x[10m:3m] offset 2m)", 12 * kM), 3);
}

TEST_F(EngineTest, SubqueryOfRateInRangeQuery) {
  db_.AddLinear(L({"__name__", "x_total"}), 0, 15 * kS, 0, 15, 200);  // 1/s
  Matrix m = Mat("max_over_time(rate(x_total[1m])[5m:30s])", 10 * kM, 20 * kM, 5 * kM);
  ASSERT_EQ(m.size(), 1u);
  ASSERT_EQ(m[0].floats.size(), 3u);
  for (const FPoint& p : m[0].floats) EXPECT_DOUBLE_EQ(p.f, 1);
}

TEST_F(EngineTest, SubqueryWithoutStepUsesDefaultInterval) {
  db_.AddLinear(L({"__name__", "x"}), 0, 10 * kS, 0, 1, 100);
  EXPECT_EQ(One("count_over_time(x[5m:])", 10 * kM), 5);
}

// --- Binary operators ---

TEST_F(EngineTest, ArithmeticMatchesOneToOneAndDropsName) {
  db_.Add(L({"__name__", "a", "i", "1"}), 0, 10);
  db_.Add(L({"__name__", "a", "i", "2"}), 0, 20);
  db_.Add(L({"__name__", "b", "i", "1"}), 0, 3);
  Vector v = Vec("a - b", 0);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].metric, L({"i", "1"}));
  EXPECT_EQ(v[0].f, 7);
}

TEST_F(EngineTest, ScalarArithmeticGivesScalar) {
  EXPECT_EQ(ScalarOf("2 ^ 10", 0), 1024);
  EXPECT_EQ(ScalarOf("-7 % 3", 0), -1);
  EXPECT_EQ(ScalarOf("1 > bool 2", 0), 0);
  EXPECT_DOUBLE_EQ(ScalarOf("(1 atan2 1) * 4", 0), M_PI);
}

TEST_F(EngineTest, ComparisonFiltersAndKeepsNameBoolDropsIt) {
  db_.Add(L({"__name__", "a", "i", "1"}), 0, 10);
  db_.Add(L({"__name__", "a", "i", "2"}), 0, 20);
  Vector v = Vec("a > 15", 0);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].metric, L({"__name__", "a", "i", "2"}));
  EXPECT_EQ(v[0].f, 20);
  // A scalar on the left still yields the vector's value.
  v = Vec("15 < a", 0);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].f, 20);
  v = Vec("a > bool 15", 0);
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].metric, L({"i", "1"}));
  EXPECT_EQ(v[0].f, 0);
  EXPECT_EQ(v[1].f, 1);
}

TEST_F(EngineTest, GroupLeftCopiesIncludedLabelsFromOneSide) {
  db_.Add(L({"__name__", "m", "pod", "p", "cpu", "0"}), 0, 2);
  db_.Add(L({"__name__", "m", "pod", "p", "cpu", "1"}), 0, 4);
  db_.Add(L({"__name__", "info", "pod", "p", "node", "n1"}), 0, 1);
  Vector v = Vec("m * on(pod) group_left(node) info", 0);
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].metric, L({"cpu", "0", "node", "n1", "pod", "p"}));
  EXPECT_EQ(v[1].f, 4);
  v = Vec("info * on(pod) group_right m", 0);
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].metric, L({"cpu", "0", "pod", "p"}));
}

TEST_F(EngineTest, DuplicateSeriesOnOneSideIsManyToManyError) {
  db_.Add(L({"__name__", "a", "pod", "p", "c", "0"}), 0, 1);
  db_.Add(L({"__name__", "b", "pod", "p", "c", "0"}), 0, 1);
  db_.Add(L({"__name__", "b", "pod", "p", "c", "1"}), 0, 1);
  auto r = Instant("a + on(pod) b", 0);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsFailedPrecondition());
  EXPECT_EQ(r.status().message(),
            "found duplicate series for the match group {pod=\"p\"} on the right hand-side of the "
            "operation: [{__name__=\"b\", c=\"1\", pod=\"p\"}, {__name__=\"b\", c=\"0\", "
            "pod=\"p\"}];many-to-many matching not allowed: matching labels must be unique on "
            "one side");
  EXPECT_EQ(ErrorTypeOf(r.status()), std::string("execution"));
  EXPECT_EQ(HttpStatusOf(r.status()), 422);
}

TEST_F(EngineTest, ManyToOneWithoutGroupLeftIsError) {
  db_.Add(L({"__name__", "a", "pod", "p", "c", "0"}), 0, 1);
  db_.Add(L({"__name__", "a", "pod", "p", "c", "1"}), 0, 1);
  db_.Add(L({"__name__", "b", "pod", "p"}), 0, 1);
  auto r = Instant("a + on(pod) b", 0);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "multiple matches for labels: many-to-one matching must be explicit "
            "(group_left/group_right)");
  r = Instant("a + on(pod) group_left() (b * on(pod) group_right a)", 0);
  ASSERT_FALSE(r.ok());
}

TEST_F(EngineTest, SetOperators) {
  db_.Add(L({"__name__", "a", "i", "1"}), 0, 1);
  db_.Add(L({"__name__", "a", "i", "2"}), 0, 2);
  db_.Add(L({"__name__", "b", "i", "2"}), 0, 20);
  db_.Add(L({"__name__", "b", "i", "3"}), 0, 30);
  Vector v = Vec("a and b", 0);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].metric, L({"__name__", "a", "i", "2"}));
  v = Vec("a or b", 0);
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v[2].metric, L({"__name__", "b", "i", "3"}));
  v = Vec("a unless b", 0);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].f, 1);
  EXPECT_EQ(Vec("a and on(__name__) b", 0).size(), 0u);
  EXPECT_EQ(Vec("a unless ignoring(i) b", 0).size(), 0u);
}

TEST_F(EngineTest, UnaryMinusDropsName) {
  db_.Add(L({"__name__", "a", "i", "1"}), 0, 3);
  Vector v = Vec("-a", 0);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].metric, L({"i", "1"}));
  EXPECT_EQ(v[0].f, -3);
}

// --- Delayed name removal ---

TEST_F(EngineTest, SameLabelsetAfterNameRemovalIsError) {
  db_.Add(L({"__name__", "t1", "a", "b"}), 0, 1);
  db_.Add(L({"__name__", "t2", "a", "b"}), 0, 2);
  auto r = Instant(R"q(ceil({__name__=~"t1|t2"}))q", 0);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "vector cannot contain metrics with the same labelset");
  // Relabelling __name__ first keeps the series apart.
  Vector v = Vec(
      R"q(label_replace(ceil({__name__=~"t1|t2"}), "__name__", "r_$1", "__name__", "(.+)"))q", 0);
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].metric, L({"__name__", "r_t1", "a", "b"}));
}

TEST_F(EngineTest, SameLabelsetAfterNameRemovalIsErrorInRangeQueryEvenWithoutOverlap) {
  db_.Add(L({"__name__", "t1", "a", "b"}), 0, 1);
  db_.Add(L({"__name__", "t2", "a", "b"}), 10 * kM, 2);
  auto r = Range(R"q(ceil({__name__=~"t1|t2"}))q", 0, 10 * kM, kM);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "vector cannot contain metrics with the same labelset");
}

TEST_F(EngineTest, TypeAndUnitLabelsGoWithTheName) {
  db_.Add(L({"__name__", "x_total", "__type__", "counter", "__unit__", "req", "a", "1"}), 0, 3);
  Vector v = Vec("-x_total", 0);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].metric, L({"a", "1"}));
  EXPECT_EQ(Vec("x_total * 2", 0)[0].metric, L({"a", "1"}));
  EXPECT_EQ(Vec("x_total", 0)[0].metric.size(), 4u);
}

TEST_F(EngineTest, AggregationBySameDroppedNamesSumsThem) {
  db_.AddLinear(L({"__name__", "a_total", "env", "1"}), 0, kM, 0, 60, 11);
  db_.AddLinear(L({"__name__", "b_total", "env", "1"}), 0, kM, 0, 60, 11);
  EXPECT_DOUBLE_EQ(One(R"q(sum by (env) (rate({env="1"}[10m])))q", 10 * kM), 2);
  EXPECT_FALSE(Instant(R"q(sum by (__name__) (rate({env="1"}[10m])))q", 10 * kM).ok());
}

// --- Aggregations ---

class AggregateTest : public EngineTest {
 protected:
  void SetUp() override {
    db_.Add(L({"__name__", "m", "job", "a", "i", "1"}), 0, 1);
    db_.Add(L({"__name__", "m", "job", "a", "i", "2"}), 0, 3);
    db_.Add(L({"__name__", "m", "job", "b", "i", "3"}), 0, 10);
    db_.Add(L({"__name__", "m", "job", "b", "i", "4"}), 0, 10);
    db_.Add(L({"__name__", "m", "job", "b", "i", "5"}), 0, 40);
  }
  // The values of `op by (job) (m)`: job a, then b.
  std::vector<double> ByJob(std::string op) {
    Vector v = Vec(op + " by (job) (m)", 0);
    std::vector<double> out;
    for (const Sample& s : v) out.push_back(s.f);
    return out;
  }
};

TEST_F(AggregateTest, SimpleAggregations) {
  EXPECT_EQ(ByJob("sum"), (std::vector<double>{4, 60}));
  EXPECT_EQ(ByJob("avg"), (std::vector<double>{2, 20}));
  EXPECT_EQ(ByJob("count"), (std::vector<double>{2, 3}));
  EXPECT_EQ(ByJob("min"), (std::vector<double>{1, 10}));
  EXPECT_EQ(ByJob("max"), (std::vector<double>{3, 40}));
  EXPECT_EQ(ByJob("group"), (std::vector<double>{1, 1}));
  EXPECT_EQ(ByJob("stdvar"), (std::vector<double>{1, 200}));
  EXPECT_EQ(ByJob("stddev"), (std::vector<double>{1, std::sqrt(200.0)}));
  Vector v = Vec("quantile by (job) (0.5, m)", 0);
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].f, 2);
  EXPECT_EQ(v[1].f, 10);
  v = Vec("sum(m)", 0);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_TRUE(v[0].metric.empty());
  v = Vec("sum without (i) (m)", 0);
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].metric, L({"job", "a"}));
}

TEST_F(AggregateTest, TopkKeepsSeriesLabelsInValueOrder) {
  auto r = Instant("topk(2, m)", 0);
  ASSERT_TRUE(r.ok());
  Vector v = std::get<Vector>(r->value);
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].f, 40);
  EXPECT_EQ(v[0].metric, L({"__name__", "m", "job", "b", "i", "5"}));
  EXPECT_EQ(v[1].f, 10);
  v = Vec("bottomk by (job) (1, m)", 0);
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].f, 1);
  EXPECT_EQ(v[1].f, 10);
  EXPECT_EQ(Vec("topk(0, m)", 0).size(), 0u);
  EXPECT_EQ(Vec("limitk by (job) (1, m)", 0).size(), 2u);
  EXPECT_EQ(Vec("limitk(10, m)", 0).size(), 5u);
}

TEST_F(AggregateTest, CountValuesLabelsByValue) {
  Vector v = Vec(R"q(count_values("val", m))q", 0);
  ASSERT_EQ(v.size(), 4u);
  EXPECT_EQ(v[1].metric, L({"val", "10"}));
  EXPECT_EQ(v[1].f, 2);
  EXPECT_FALSE(Instant(R"q(count_values("", m))q", 0).ok());
}

TEST_F(AggregateTest, LimitRatioOneKeepsAllAndWarnsAboveOne) {
  EXPECT_EQ(Vec("limit_ratio(1, m)", 0).size(), 5u);
  auto r = Instant("limit_ratio(1.1, m)", 0);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(std::get<Vector>(r->value).size(), 5u);
  ASSERT_EQ(r->annotations.warnings.size(), 1u);
  EXPECT_EQ(r->annotations.warnings[0],
            "PromQL warning: ratio value should be between -1 and 1, got 1.1, capping to 1");
  // A ratio r and -(1 - r) select complementary sets.
  size_t part = Vec("limit_ratio(0.5, m)", 0).size();
  size_t rest = Vec("limit_ratio(-0.5, m)", 0).size();
  EXPECT_EQ(part + rest, 5u);
}

TEST_F(AggregateTest, QuantileOutsideZeroOneWarns) {
  auto r = Instant("quantile(-1, m)", 0);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(std::get<Vector>(r->value)[0].f, -INFINITY);
  ASSERT_EQ(r->annotations.warnings.size(), 1u);
  EXPECT_EQ(r->annotations.warnings[0],
            "PromQL warning: quantile value should be between 0 and 1, got -1");
}

TEST_F(AggregateTest, SumInRangeQueryFollowsSeriesAppearing) {
  db_.Add(L({"__name__", "m", "job", "a", "i", "1"}), 10 * kM, 100);
  Matrix m = Mat("sum by (job) (m)", 0, 10 * kM, 5 * kM);
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].metric, L({"job", "a"}));
  ASSERT_EQ(m[0].floats.size(), 2u);  // at 5m nothing is within the lookback
  EXPECT_EQ(m[0].floats[0].f, 4);
  EXPECT_EQ(m[0].floats[1].t, 10 * kM);
  EXPECT_EQ(m[0].floats[1].f, 100);
}

// --- Functions ---

TEST_F(EngineTest, HistogramQuantileOverClassicBuckets) {
  auto bucket = [&](std::string le, double v) {
    db_.Add(L({"__name__", "h_bucket", "le", le}), 0, v);
  };
  bucket("0.1", 10);
  bucket("0.5", 50);
  bucket("1", 90);
  bucket("+Inf", 100);
  EXPECT_DOUBLE_EQ(One("histogram_quantile(0.5, h_bucket)", 0), 0.5);
  EXPECT_DOUBLE_EQ(One("histogram_quantile(0.7, h_bucket)", 0), 0.75);
  EXPECT_DOUBLE_EQ(One("histogram_quantile(0.99, h_bucket)", 0), 1);
  EXPECT_DOUBLE_EQ(One("histogram_quantile(0.05, h_bucket)", 0), 0.05);
  EXPECT_TRUE(Vec("histogram_quantile(0.5, h_bucket)", 0)[0].metric.empty());
  EXPECT_DOUBLE_EQ(One("histogram_fraction(0, 0.5, h_bucket)", 0), 0.5);
}

TEST_F(EngineTest, HistogramQuantileFixesMonotonicityWithInfo) {
  db_.Add(L({"__name__", "h_bucket", "le", "1"}), 0, 10);
  db_.Add(L({"__name__", "h_bucket", "le", "2"}), 0, 5);
  db_.Add(L({"__name__", "h_bucket", "le", "+Inf"}), 0, 10);
  auto r = Instant("histogram_quantile(0.5, h_bucket)", 0);
  ASSERT_TRUE(r.ok());
  EXPECT_DOUBLE_EQ(std::get<Vector>(r->value)[0].f, 0.5);
  ASSERT_EQ(r->annotations.infos.size(), 1u);
  EXPECT_EQ(r->annotations.infos[0],
            "PromQL info: input to histogram_quantile needed to be fixed for monotonicity (see "
            "https://prometheus.io/docs/prometheus/latest/querying/functions/"
            "#histogram_quantile) for metric name \"h_bucket\"");
}

TEST_F(EngineTest, HistogramQuantileWithoutInfBucketIsNaN) {
  db_.Add(L({"__name__", "h_bucket", "le", "1"}), 0, 10);
  EXPECT_TRUE(std::isnan(One("histogram_quantile(0.5, h_bucket)", 0)));
  db_.Add(L({"__name__", "h_bucket", "le", "x"}), 0, 10);
  auto r = Instant("histogram_quantile(0.5, h_bucket)", 0);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->annotations.warnings.size(), 1u);
  EXPECT_EQ(r->annotations.warnings[0],
            "PromQL warning: bucket label \"le\" is missing or has a malformed value of \"x\" "
            "for metric name \"h_bucket\"");
}

TEST_F(EngineTest, LabelReplaceAndJoin) {
  db_.Add(L({"__name__", "m", "src", "a-b"}), 0, 1);
  Vector v = Vec(R"q(label_replace(m, "dst", "x${1}y$2", "src", "(.*)-(.*)"))q", 0);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].metric, L({"__name__", "m", "src", "a-b", "dst", "xayb"}));
  // $1y names a group "1y", which does not exist.
  v = Vec(R"q(label_replace(m, "dst", "x$1y", "src", "(.*)-(.*)"))q", 0);
  EXPECT_EQ(v[0].metric, L({"__name__", "m", "src", "a-b", "dst", "x"}));
  // No match: unchanged. An empty replacement deletes the label.
  v = Vec(R"q(label_replace(m, "dst", "z", "src", "nomatch"))q", 0);
  EXPECT_EQ(v[0].metric, L({"__name__", "m", "src", "a-b"}));
  v = Vec(R"q(label_replace(m, "src", "", "src", ".*"))q", 0);
  EXPECT_EQ(v[0].metric, L({"__name__", "m"}));
  auto r = Instant(R"q(label_replace(m, "dst", "", "src", "(.*"))q", 0);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "invalid regular expression in label_replace(): (.*");
  v = Vec(R"q(label_join(m, "j", ",", "__name__", "src"))q", 0);
  EXPECT_EQ(v[0].metric, L({"__name__", "m", "src", "a-b", "j", "m,a-b"}));
}

TEST_F(EngineTest, AbsentDerivesLabelsFromEqualityMatchers) {
  Vector v = Vec(R"q(absent(nope{job="j", i=~"1|2"}))q", 0);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].metric, L({"job", "j"}));
  EXPECT_EQ(v[0].f, 1);
  EXPECT_EQ(Vec(R"q(absent(nope{job="j", job="k"}))q", 0)[0].metric, L({}));
  EXPECT_EQ(Vec(R"q(absent((nope{job="j"})))q", 0)[0].metric, L({"job", "j"}));
  db_.Add(L({"__name__", "yes"}), 0, 1);
  EXPECT_EQ(Vec("absent(yes)", 0).size(), 0u);
  // absent_over_time: 1 at the steps where nothing is in range.
  Matrix m = Mat(R"q(absent_over_time(yes{k="v"}[1m]))q", 0, 3 * kM, kM);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].metric, L({"k", "v"}));
  EXPECT_EQ(m[0].floats.size(), 4u);
  m = Mat("absent_over_time(yes[1m])", 0, 3 * kM, kM);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].floats.size(), 3u);  // not at 0
}

TEST_F(EngineTest, MathClampRoundAndTime) {
  db_.Add(L({"__name__", "m"}), 0, -2.5);
  EXPECT_EQ(One("abs(m)", 0), 2.5);
  EXPECT_EQ(One("round(m)", 0), -2);  // half up
  EXPECT_EQ(One("round(m, 2)", 0), -2);
  EXPECT_EQ(One("round(m, 5)", 0), 0);
  EXPECT_EQ(One("clamp(m, -1, 1)", 0), -1);
  EXPECT_EQ(Vec("clamp(m, 1, 0)", 0).size(), 0u);
  EXPECT_EQ(One("clamp_min(m, 0)", 0), 0);
  EXPECT_EQ(One("sgn(m)", 0), -1);
  EXPECT_EQ(ScalarOf("time()", 90 * kS), 90);
  EXPECT_EQ(One("vector(time())", 90 * kS), 90);
  EXPECT_EQ(One("timestamp(m)", 2 * kM), 0);
  EXPECT_EQ(One("timestamp(abs(m))", 2 * kM), 120);
}

TEST_F(EngineTest, DateFunctionsUseUTC) {
  // 2024-02-29T13:45:00Z is 1709214300.
  EXPECT_EQ(One("year(vector(1709214300))", 0), 2024);
  EXPECT_EQ(One("month(vector(1709214300))", 0), 2);
  EXPECT_EQ(One("day_of_month(vector(1709214300))", 0), 29);
  EXPECT_EQ(One("days_in_month(vector(1709214300))", 0), 29);
  EXPECT_EQ(One("day_of_week(vector(1709214300))", 0), 4);
  EXPECT_EQ(One("day_of_year(vector(1709214300))", 0), 60);
  EXPECT_EQ(One("hour(vector(1709214300))", 0), 13);
  EXPECT_EQ(One("minute(vector(1709214300))", 0), 45);
  EXPECT_EQ(One("year()", 0), 1970);
}

TEST_F(EngineTest, SortFunctionsOrderResults) {
  db_.Add(L({"__name__", "m", "n", "10"}), 0, 1);
  db_.Add(L({"__name__", "m", "n", "9"}), 0, 3);
  db_.Add(L({"__name__", "m", "n", "x"}), 0, 2);
  auto order = [&](std::string_view q) {
    auto r = Instant(q, 0);
    EXPECT_TRUE(r.ok());
    std::vector<double> out;
    for (const Sample& s : std::get<Vector>(r->value)) out.push_back(s.f);
    return out;
  };
  EXPECT_EQ(order("sort(m)"), (std::vector<double>{1, 2, 3}));
  EXPECT_EQ(order("sort_desc(m)"), (std::vector<double>{3, 2, 1}));
  // Natural order: 9 before 10.
  EXPECT_EQ(order(R"q(sort_by_label(m, "n"))q"), (std::vector<double>{3, 1, 2}));
  EXPECT_EQ(order(R"q(sort_by_label_desc(m, "n"))q"), (std::vector<double>{2, 1, 3}));
}

TEST_F(EngineTest, SortInRangeQueryWarns) {
  db_.Add(L({"__name__", "m"}), 0, 1);
  auto r = Range("sort(m)", 0, kM, kM);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->annotations.warnings.size(), 1u);
  EXPECT_EQ(r->annotations.warnings[0],
            "PromQL warning: sort is ineffective for range queries since results are always "
            "ordered by labels");
  r = Instant("sort(m)", 0);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->annotations.warnings.empty());
}

TEST_F(EngineTest, ScalarOfNotExactlyOneSampleIsNaN) {
  db_.Add(L({"__name__", "m", "i", "1"}), 0, 1);
  db_.Add(L({"__name__", "m", "i", "2"}), 0, 2);
  EXPECT_TRUE(std::isnan(ScalarOf("scalar(m)", 0)));
  EXPECT_EQ(ScalarOf(R"q(scalar(m{i="2"}))q", 0), 2);
}

TEST_F(EngineTest, InfoAddsDataLabelsOfTargetInfo) {
  db_.Add(L({"__name__", "up", "job", "j", "instance", "i1"}), 0, 1);
  db_.Add(L({"__name__", "up", "job", "j", "instance", "i2"}), 0, 1);
  db_.Add(L({"__name__", "target_info", "job", "j", "instance", "i1", "region", "eu"}), 0, 1);
  Vector v = Vec("info(up)", 0);
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].metric, L({"__name__", "up", "instance", "i1", "job", "j", "region", "eu"}));
  EXPECT_EQ(v[1].metric, L({"__name__", "up", "instance", "i2", "job", "j"}));
  // A data label matcher that needs a value drops series without info.
  v = Vec(R"q(info(up, {region=~".+"}))q", 0);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].metric.Get("region"), "eu");
  EXPECT_EQ(Vec(R"q(info(up, {region="us"}))q", 0).size(), 0u);
  // The info series itself passes through.
  EXPECT_EQ(Vec("info(target_info)", 0)[0].metric.Get("region"), "eu");
  // Two equally new info series for the same target conflict.
  db_.Add(L({"__name__", "target_info", "job", "j", "instance", "i1", "region", "us"}), 0, 1);
  auto r = Instant("info(up)", 0);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsFailedPrecondition());
}

// --- Range queries and results ---

TEST_F(EngineTest, RangeQueryResultIsSortedMatrixWithPointsPerStep) {
  db_.AddLinear(L({"__name__", "m", "i", "2"}), 0, kM, 0, 1, 5);
  db_.AddLinear(L({"__name__", "m", "i", "1"}), 0, kM, 10, 1, 5);
  Matrix m = Mat("m", 0, 4 * kM, 2 * kM);
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].metric, L({"__name__", "m", "i", "1"}));
  ASSERT_EQ(m[0].floats.size(), 3u);
  EXPECT_EQ(m[0].floats[1].t, 2 * kM);
  EXPECT_EQ(m[0].floats[1].f, 12);
  // A scalar gives one series without labels.
  m = Mat("3", 0, 4 * kM, 2 * kM);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_TRUE(m[0].metric.empty());
  EXPECT_EQ(m[0].floats.size(), 3u);
}

TEST_F(EngineTest, RangeQueryOfMatrixTypeIsBadData) {
  auto r = Range("m[1m]", 0, kM, kS);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsInvalidArgument());
  EXPECT_EQ(r.status().message(),
            "invalid expression type \"range vector\" for range query, must be Scalar or instant "
            "Vector");
}

TEST_F(EngineTest, ParseErrorIsBadData) {
  auto r = Instant("sum(", 0);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsInvalidArgument());
  EXPECT_STREQ(ErrorTypeOf(r.status()), "bad_data");
}

// --- Limits ---

TEST_F(EngineTest, TooManyPointsPerSeriesIsBadData) {
  auto r = Range("1", 0, 11001 * kS, kS);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsInvalidArgument());
  EXPECT_EQ(r.status().message(),
            "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query "
            "resolution (?step=XX)");
  EXPECT_TRUE(Range("1", 0, 11000 * kS, kS).ok());
}

TEST_F(EngineTest, MaxSamplesIsResourceExhausted) {
  EngineOptions o;
  o.max_samples = 10;
  Engine e(o);
  for (int i = 0; i < 11; ++i) db_.Add(L({"__name__", "m", "i", std::to_string(i)}), 0, i);
  auto r = e.InstantQuery(&db_, "m", 0);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsResourceExhausted());
  EXPECT_EQ(r.status().message(),
            "query processing would load too many samples into memory in query execution");
  EXPECT_EQ(HttpStatusOf(r.status()), 422);
  EXPECT_TRUE(e.InstantQuery(&db_, R"q(m{i="1"})q", 0).ok());
  // A range query holds a point per step.
  EXPECT_FALSE(e.RangeQuery(&db_, R"q(m{i="1"})q", 0, 11 * kS, kS).ok());
  // Range vectors count the samples in their windows.
  for (int i = 0; i < 20; ++i) db_.Add(L({"__name__", "c", "i", "1"}), i * kS, i);
  EXPECT_FALSE(e.InstantQuery(&db_, "count_over_time(c[1m])", 19 * kS).ok());
  EXPECT_TRUE(e.InstantQuery(&db_, "count_over_time(c[5s])", 19 * kS).ok());
}

TEST_F(EngineTest, TimeoutIsDeadlineExceeded) {
  std::atomic<int64_t> now{0};
  EngineOptions o;
  o.timeout_ms = 1000;
  o.clock = [&now] { return now.fetch_add(1000); };  // a second passes per reading
  Engine e(o);
  for (int i = 0; i < 200; ++i) db_.Add(L({"__name__", "m", "i", std::to_string(i)}), 0, i);
  auto r = e.RangeQuery(&db_, "sum(m)", 0, 100 * kS, kS);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsDeadlineExceeded());
  EXPECT_EQ(r.status().message(), "query timed out in expression evaluation");
  EXPECT_EQ(ErrorTypeOf(r.status()), std::string("timeout"));
  EXPECT_EQ(HttpStatusOf(r.status()), 503);
}

// The concurrency limit and the queue: engine_concurrency_test.cc (also run
// under TSan).

TEST(EngineStatusTest, ErrorTypesMapToPrometheusNames) {
  EXPECT_STREQ(ErrorTypeOf(Status::InvalidArgument("x")), "bad_data");
  EXPECT_EQ(HttpStatusOf(Status::InvalidArgument("x")), 400);
  EXPECT_STREQ(ErrorTypeOf(Status::Cancelled("x")), "canceled");
  EXPECT_EQ(HttpStatusOf(Status::Cancelled("x")), 499);
  EXPECT_STREQ(ErrorTypeOf(Status::Unavailable("x")), "unavailable");
  EXPECT_STREQ(ErrorTypeOf(Status::IOError("x")), "internal");
  EXPECT_EQ(HttpStatusOf(Status::IOError("x")), 500);
}

// --- Over the real TSDB ---

TEST(EngineTsdbTest, RateAndSumOverTsdbHead) {
  char tmpl[] = "/tmp/vigil_engine_test_XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  std::string dir = tmpl;
  {
    tsdb::DbOptions opts;
    opts.compaction_interval_ms = 0;
    auto db = tsdb::DB::Open(dir, opts);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    auto app = (*db)->NewAppender();
    for (int s = 0; s < 3; ++s) {
      Labels l = L({"__name__", "req_total", "i", std::to_string(s)});
      for (int i = 0; i <= 20; ++i) {
        ASSERT_TRUE(app->Append(0, l.View(), i * 15 * kS, i * 15.0 * (s + 1)).ok());
      }
    }
    ASSERT_TRUE(app->Commit().ok());
    Engine e;
    auto r = e.InstantQuery(db->get(), "sum(rate(req_total[1m]))", 5 * kM);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    const Vector& v = std::get<Vector>(r->value);
    ASSERT_EQ(v.size(), 1u);
    EXPECT_DOUBLE_EQ(v[0].f, 6);  // 1 + 2 + 3 per second
    EXPECT_GT(r->stats.samples_total, 0u);
    auto rr = e.RangeQuery(db->get(), "sum by (i) (increase(req_total[1m]))", kM, 5 * kM, kM);
    ASSERT_TRUE(rr.ok()) << rr.status().ToString();
    const Matrix& m = std::get<Matrix>(rr->value);
    ASSERT_EQ(m.size(), 3u);
    ASSERT_EQ(m[2].floats.size(), 5u);
    EXPECT_DOUBLE_EQ(m[2].floats[4].f, 180);
    ASSERT_TRUE((*db)->Close().ok());
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace vigil::promql
