// Tick arithmetic and value formats: nice steps in the axis' display unit,
// round UTC times, and the web UI's formatValue.
#include "visual/plot/ticks.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace vigil::plot {
namespace {

using Labels = std::vector<std::string>;

constexpr int64_t kT0 = 1'710'680'700'000;  // 2024-03-17 13:05:00 UTC

TEST(ValueAxisTest, NiceStepsOfOneTwoFive) {
  ValueAxis a = ComputeValueAxis(0, 97, 5, Unit::kNone);
  EXPECT_EQ(a.min, 0);
  EXPECT_EQ(a.max, 100);
  EXPECT_EQ(a.step, 20);
  EXPECT_EQ(a.labels, (Labels{"0", "20", "40", "60", "80", "100"}));
  a = ComputeValueAxis(-3, 7, 5, Unit::kNone);
  EXPECT_EQ(a.labels, (Labels{"-4", "-2", "0", "2", "4", "6", "8"}));
}

TEST(ValueAxisTest, TicksDoNotDriftAndShareDecimals) {
  ValueAxis a = ComputeValueAxis(0, 0.3, 3, Unit::kNone);
  EXPECT_EQ(a.labels, (Labels{"0", "0.1", "0.2", "0.3"}));
  EXPECT_EQ(a.ticks[3], 3 * 0.1);
  a = ComputeValueAxis(0.2, 1.3, 3, Unit::kNone);
  EXPECT_EQ(a.labels, (Labels{"0", "0.5", "1.0", "1.5"}));
}

TEST(ValueAxisTest, OneDisplayUnitPerAxis) {
  EXPECT_EQ(ComputeValueAxis(0, 2.5e6, 5, Unit::kNone).labels,
            (Labels{"0", "0.5M", "1.0M", "1.5M", "2.0M", "2.5M"}));
  EXPECT_EQ(ComputeValueAxis(0, 1.3 * (1 << 30), 6, Unit::kBytes).labels,
            (Labels{"0 GiB", "0.5 GiB", "1.0 GiB", "1.5 GiB"}));
  EXPECT_EQ(ComputeValueAxis(0, 900, 3, Unit::kBytes).labels, (Labels{"0 B", "500 B", "1000 B"}));
  EXPECT_EQ(ComputeValueAxis(0, 0.25, 5, Unit::kSeconds).labels,
            (Labels{"0 ms", "50 ms", "100 ms", "150 ms", "200 ms", "250 ms"}));
  EXPECT_EQ(ComputeValueAxis(0, 90, 3, Unit::kSeconds).labels, (Labels{"0 s", "50 s", "100 s"}));
  EXPECT_EQ(ComputeValueAxis(0, 6 * 3600, 3, Unit::kSeconds).labels,
            (Labels{"0 h", "2 h", "4 h", "6 h"}));
  EXPECT_EQ(ComputeValueAxis(0, 100, 4, Unit::kPercent).labels, (Labels{"0%", "50%", "100%"}));
}

TEST(ValueAxisTest, FlatAndNonFiniteRanges) {
  // up == 1 is drawn from 0, below the top tick.
  ValueAxis a = ComputeValueAxis(1, 1, 5, Unit::kNone);
  EXPECT_EQ(a.min, 0);
  EXPECT_GT(a.max, 1);
  a = ComputeValueAxis(-2, -2, 5, Unit::kNone);
  EXPECT_LT(a.min, -2);
  EXPECT_EQ(a.max, 0);
  a = ComputeValueAxis(0, 0, 5, Unit::kNone);
  EXPECT_EQ(a.min, 0);
  EXPECT_EQ(a.max, 1);
  a = ComputeValueAxis(std::nan(""), std::numeric_limits<double>::infinity(), 5, Unit::kNone);
  EXPECT_EQ(a.min, 0);
  EXPECT_EQ(a.max, 1);
  a = ComputeValueAxis(0, 1e308, 5, Unit::kNone);
  EXPECT_EQ(a.ticks.size(), 2u);
}

TEST(TimeTicksTest, MinutesWithTheDateUnderTheFirst) {
  auto ticks = ComputeTimeTicks(kT0, kT0 + 3'600'000, 8);
  ASSERT_EQ(ticks.size(), 6u);
  EXPECT_EQ(ticks[0].t_ms, kT0 + 5 * 60'000);
  EXPECT_EQ(ticks[0].label, "13:10");
  EXPECT_EQ(ticks[0].date, "2024-03-17");
  EXPECT_EQ(ticks[5].label, "14:00");
  EXPECT_EQ(ticks[5].date, "");
  for (const auto& t : ticks) EXPECT_EQ(t.t_ms % 600'000, 0);
}

TEST(TimeTicksTest, TheDateAgainAfterMidnight) {
  const int64_t ten_pm = 1'710'712'800'000;  // 2024-03-17 22:00 UTC
  auto ticks = ComputeTimeTicks(ten_pm, ten_pm + 4 * 3'600'000, 5);
  ASSERT_EQ(ticks.size(), 5u);
  EXPECT_EQ(ticks[0].label, "22:00");
  EXPECT_EQ(ticks[0].date, "2024-03-17");
  EXPECT_EQ(ticks[2].label, "00:00");
  EXPECT_EQ(ticks[2].date, "2024-03-18");
  EXPECT_EQ(ticks[3].date, "");
}

TEST(TimeTicksTest, SecondsMillisecondsDaysMonthsYears) {
  auto s = ComputeTimeTicks(kT0, kT0 + 30'000, 6);
  ASSERT_FALSE(s.empty());
  EXPECT_EQ(s[0].label, "13:05:00");
  EXPECT_EQ(s[1].label, "13:05:05");
  auto ms = ComputeTimeTicks(kT0, kT0 + 2'000, 5);
  ASSERT_GE(ms.size(), 2u);
  EXPECT_EQ(ms[1].label, "13:05:00.500");
  auto days = ComputeTimeTicks(kT0, kT0 + 30LL * 86'400'000, 6);
  ASSERT_FALSE(days.empty());
  EXPECT_EQ(days[0].label, "03-21");  // every 7 days from the epoch: Thursdays
  EXPECT_EQ(days[0].date, "2024");
  EXPECT_EQ(days[1].label, "03-28");
  EXPECT_EQ(days[1].date, "");
  auto months = ComputeTimeTicks(kT0, kT0 + 3LL * 365 * 86'400'000, 6);
  ASSERT_FALSE(months.empty());
  EXPECT_EQ(months[0].label, "2024-07");
  EXPECT_EQ(months[1].label, "2025-01");
  auto years = ComputeTimeTicks(0, kT0, 6);
  ASSERT_FALSE(years.empty());
  EXPECT_EQ(years[0].label, "1970");
  EXPECT_EQ(years[1].label, "1980");
  for (const auto& all : {s, ms, days, months, years}) {
    EXPECT_LE(all.size(), 7u);
    for (size_t i = 1; i < all.size(); ++i) EXPECT_GT(all[i].t_ms, all[i - 1].t_ms);
  }
}

TEST(TimeTicksTest, OutOfCalendarRangeHasNoTicks) {
  EXPECT_TRUE(ComputeTimeTicks(std::numeric_limits<int64_t>::min() / 2, 0, 5).empty());
  auto one = ComputeTimeTicks(kT0, kT0, 5);
  EXPECT_LE(one.size(), 1u);
}

TEST(FormatTest, AsTheWebUi) {
  EXPECT_EQ(FormatNumber(0), "0");
  EXPECT_EQ(FormatNumber(999), "999");
  EXPECT_EQ(FormatNumber(1234.5), "1.23k");
  EXPECT_EQ(FormatNumber(12345), "12.3k");
  EXPECT_EQ(FormatNumber(1234567), "1.23M");
  EXPECT_EQ(FormatNumber(-2e9), "-2G");
  EXPECT_EQ(FormatNumber(123.456), "123");
  EXPECT_EQ(FormatNumber(1.23456), "1.23");
  EXPECT_EQ(FormatNumber(0.25), "0.25");
  EXPECT_EQ(FormatNumber(1.5e-5), "1.50e-5");
  EXPECT_EQ(FormatNumber(std::nan("")), "—");
  EXPECT_EQ(FormatNumber(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(FormatValue(512, Unit::kBytes), "512 B");
  EXPECT_EQ(FormatValue(670.98849333, Unit::kBytes), "671 B");
  EXPECT_EQ(FormatValue(1000, Unit::kBytes), "1000 B");
  EXPECT_EQ(FormatValue(0.25, Unit::kBytes), "0.25 B");
  EXPECT_EQ(FormatValue(0, Unit::kBytes), "0 B");
  EXPECT_EQ(FormatValue(-12.345, Unit::kBytes), "-12.3 B");
  EXPECT_EQ(FormatValue(0.0001, Unit::kBytes), "1.00e-4 B");
  EXPECT_EQ(FormatValue(1536, Unit::kBytes), "1.5 KiB");
  EXPECT_EQ(FormatValue(0.25, Unit::kSeconds), "250 ms");
  EXPECT_EQ(FormatValue(90, Unit::kSeconds), "90 s");
  EXPECT_EQ(FormatValue(12.5, Unit::kPercent), "12.5%");
}

TEST(FormatTest, UtcTimes) {
  EXPECT_EQ(FormatUtc(kT0), "2024-03-17 13:05 UTC");
  EXPECT_EQ(FormatUtc(kT0 + 30'000), "2024-03-17 13:05:30 UTC");
}

TEST(StepTest, RoundStepsForQueries) {
  EXPECT_EQ(NiceStepAtLeast(0), 1);
  EXPECT_EQ(NiceStepAtLeast(250), 250);
  EXPECT_EQ(NiceStepAtLeast(9'000), 10'000);
  EXPECT_EQ(NiceStepAtLeast(16'000), 30'000);
  EXPECT_EQ(NiceStepAtLeast(7 * 3'600'000), 12 * 3'600'000);
  EXPECT_EQ(NiceStepAtLeast(25 * 3'600'000), 2 * 86'400'000);
}

TEST(ParseTest, UnitsAndFormats) {
  EXPECT_EQ(*ParseUnit(""), Unit::kNone);
  EXPECT_EQ(*ParseUnit("bytes"), Unit::kBytes);
  EXPECT_EQ(*ParseUnit("seconds"), Unit::kSeconds);
  EXPECT_EQ(*ParseUnit("percent"), Unit::kPercent);
  EXPECT_EQ(ParseUnit("furlongs").status().message(),
            "unknown unit \"furlongs\": use bytes, seconds or percent");
  EXPECT_EQ(*ParseFormat(""), Format::kPng);
  EXPECT_EQ(*ParseFormat("svg"), Format::kSvg);
  EXPECT_EQ(ParseFormat("gif").status().message(), "unknown format \"gif\": use png or svg");
}

}  // namespace
}  // namespace vigil::plot
