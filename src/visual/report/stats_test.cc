// Robust baselines, anomalies beyond them and the ranking of changes.
#include "visual/report/stats.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace vigil::report {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

TEST(MedianTest, OddEvenAndNonFinite) {
  EXPECT_EQ(Median(std::vector<double>{3, 1, 2}), 2);
  EXPECT_EQ(Median(std::vector<double>{4, 1, 3, 2}), 2.5);
  EXPECT_EQ(Median(std::vector<double>{5}), 5);
  // NaN (no value at a step) and infinities are left out, not sorted in.
  EXPECT_EQ(Median(std::vector<double>{kNaN, 1, kInf, 3, -kInf}), 2);
  EXPECT_TRUE(std::isnan(Median(std::vector<double>{})));
  EXPECT_TRUE(std::isnan(Median(std::vector<double>{kNaN})));
}

TEST(MedianTest, MadIsTheMedianDistanceFromTheCenter) {
  // |x - 2| = 1, 1, 0, 2, 7: median 1.
  std::vector<double> v = {1, 3, 2, 4, 9};
  EXPECT_EQ(MedianAbsoluteDeviation(v, Median(v)), 1);
  EXPECT_EQ(MedianAbsoluteDeviation(std::vector<double>{7, 7, 7}, 7), 0);
  EXPECT_TRUE(std::isnan(MedianAbsoluteDeviation(std::vector<double>{}, 0)));
}

TEST(BaselineTest, OneSpikeDoesNotMoveIt) {
  // Fifteen 10s, five 12s and one spike of 1000: the mean would be ~57 and
  // the standard deviation ~210; the median stays at the bulk.
  std::vector<double> v(15, 10.0);
  for (int i = 0; i < 5; ++i) v.push_back(12);
  v.push_back(1000);
  Baseline b = RobustBaseline(v);
  EXPECT_EQ(b.n, 21u);
  EXPECT_EQ(b.median, 10);
  EXPECT_EQ(b.mad, 0);  // most values equal the median...
  // ...so sigma falls back to the mean absolute deviation: (5 * 2 + 990) / 21.
  EXPECT_NEAR(b.sigma, kMeanAdToSigma * (10.0 + 990.0) / 21.0, 1e-9);
  EXPECT_TRUE(b.usable());

  std::vector<double> w = {8, 9, 10, 11, 12, 8, 9, 10, 11, 12, 500};
  Baseline c = RobustBaseline(w);
  EXPECT_EQ(c.median, 10);
  EXPECT_EQ(c.mad, 1);
  EXPECT_DOUBLE_EQ(c.sigma, kMadToSigma);
  EXPECT_DOUBLE_EQ(c.low, 10 - 5 * kMadToSigma);
  EXPECT_DOUBLE_EQ(c.high, 10 + 5 * kMadToSigma);
}

TEST(BaselineTest, ConstantOrShortSeriesAreNotUsable) {
  EXPECT_FALSE(RobustBaseline(std::vector<double>(30, 1.0)).usable());
  EXPECT_FALSE(RobustBaseline(std::vector<double>{1, 2, 3, 100}).usable());  // too few points
  EXPECT_FALSE(RobustBaseline(std::vector<double>{}).usable());
}

TEST(BaselineTest, BandIsAtLeastAPercentOfTheMedian) {
  // 2.000 ± 0.001: five sigmas would be ~0.007; the band is 1% = 0.02.
  std::vector<double> v;
  for (int i = 0; i < 20; ++i) v.push_back(2 + (i % 3 - 1) * 0.001);
  Baseline b = RobustBaseline(v);
  EXPECT_NEAR(b.high - b.median, 0.02, 1e-12);
  EXPECT_NEAR(b.median - b.low, 0.02, 1e-12);
}

TEST(AnomalyTest, OnlyPointsInTheWindowBeyondTheBand) {
  std::vector<Point> points;
  std::vector<double> values;
  for (int i = 0; i < 40; ++i) {
    double v = 10 + (i % 5) - 2;  // 8..12, median 10, MAD 1
    if (i == 5) v = 100;          // early: outside the window
    if (i == 35) v = 100;         // late, high
    if (i == 37) v = -50;         // late, low
    if (i == 38) v = kNaN;        // a gap is no anomaly
    points.push_back({i * 1000, v});
    values.push_back(v);
  }
  Baseline b = RobustBaseline(values);
  ASSERT_TRUE(b.usable());
  EXPECT_EQ(b.median, 10);
  auto found = FindAnomalies(points, b, 30'000);
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].t_ms, 35'000);
  EXPECT_EQ(found[0].value, 100);
  EXPECT_NEAR(found[0].score, 90 / b.sigma, 1e-9);
  EXPECT_EQ(found[1].t_ms, 37'000);
  EXPECT_LT(found[1].score, -5);
  // The whole range: the early spike too.
  EXPECT_EQ(FindAnomalies(points, b, 0).size(), 3u);
  // Nothing against a baseline that cannot judge.
  EXPECT_TRUE(FindAnomalies(points, RobustBaseline(std::vector<double>(30, 1.0)), 0).empty());
}

TEST(ChangeTest, RelativeToTheFirstValue) {
  auto c = CompareValues(10, 15);
  ASSERT_TRUE(c.has_value());
  EXPECT_DOUBLE_EQ(c->relative, 0.5);
  EXPECT_DOUBLE_EQ(CompareValues(10, 5)->relative, -0.5);
  // A negative first value: a rise is still positive.
  EXPECT_DOUBLE_EQ(CompareValues(-10, -5)->relative, 0.5);
  EXPECT_EQ(CompareValues(0, 3)->relative, kInf);
  EXPECT_EQ(CompareValues(0, -3)->relative, -kInf);
  EXPECT_DOUBLE_EQ(CompareValues(4, 0)->relative, -1);
  EXPECT_FALSE(CompareValues(0, 0).has_value());
  EXPECT_FALSE(CompareValues(kNaN, 1).has_value());
  EXPECT_FALSE(CompareValues(1, kInf).has_value());
}

TEST(ChangeTest, RankingLargestFirstStableAndLimited) {
  std::vector<Change> changes = {
      *CompareValues(10, 11),   // +10%
      *CompareValues(10, 2),    // -80%
      *CompareValues(0, 1),     // new: first
      *CompareValues(5, 5),     // unchanged: left out
      *CompareValues(10, 18),   // +80%: after the -80% (input order)
      *CompareValues(100, 50),  // -50%
  };
  EXPECT_EQ(RankChanges(changes, 10), (std::vector<size_t>{2, 1, 4, 5, 0}));
  EXPECT_EQ(RankChanges(changes, 2), (std::vector<size_t>{2, 1}));
  EXPECT_TRUE(RankChanges({}, 5).empty());
}

}  // namespace
}  // namespace vigil::report
