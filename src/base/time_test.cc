#include "base/time.h"

#include <gtest/gtest.h>

namespace vigil {
namespace {

TEST(TimeTest, ParsesPrometheusDurations) {
  EXPECT_EQ(*ParseDurationMillis("0"), 0);
  EXPECT_EQ(*ParseDurationMillis("15d"), 15 * kDay);
  EXPECT_EQ(*ParseDurationMillis("1h30m"), 90 * kMinute);
  EXPECT_EQ(*ParseDurationMillis("1y2w"), 365 * kDay + 14 * kDay);
  EXPECT_EQ(*ParseDurationMillis("500ms"), 500);
  EXPECT_EQ(*ParseDurationMillis("1.5"), 1500);
}

TEST(TimeTest, RejectsBadDurations) {
  EXPECT_FALSE(ParseDurationMillis("").ok());
  EXPECT_FALSE(ParseDurationMillis("1x").ok());
  EXPECT_FALSE(ParseDurationMillis("30m1h").ok());  // units out of order
  EXPECT_FALSE(ParseDurationMillis("h").ok());
  EXPECT_FALSE(ParseDurationMillis("99999999999999999999d").ok());
}

TEST(TimeTest, DurationErrorsAreModelParseDurations) {
  EXPECT_EQ(ParseDurationMillis("").status().message(), "empty duration string");
  EXPECT_EQ(ParseDurationMillis("1x").status().message(), R"(unknown unit "x" in duration "1x")");
  EXPECT_EQ(ParseDurationMillis("30m1h").status().message(),
            R"(not a valid duration string: "30m1h")");
  EXPECT_EQ(ParseDurationMillis("300y").status().message(), "duration out of range");
}

TEST(TimeTest, ParsesTimestamps) {
  EXPECT_EQ(*ParseTimestamp("1700000000"), 1700000000000);
  EXPECT_EQ(*ParseTimestamp("1700000000.123"), 1700000000123);
  EXPECT_EQ(*ParseTimestamp("2023-11-14T22:13:20Z"), 1700000000000);
  EXPECT_EQ(*ParseTimestamp("2023-11-14T22:13:20.5Z"), 1700000000500);
  EXPECT_EQ(*ParseTimestamp("2023-11-15T00:13:20+02:00"), 1700000000000);
  EXPECT_FALSE(ParseTimestamp("yesterday").ok());
  EXPECT_FALSE(ParseTimestamp("2023-13-14T22:13:20Z").ok());
}

TEST(TimeTest, FormatsRFC3339) {
  EXPECT_EQ(FormatRFC3339(1700000000123), "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(FormatRFC3339(-1), "1969-12-31T23:59:59.999Z");
}

}  // namespace
}  // namespace vigil
