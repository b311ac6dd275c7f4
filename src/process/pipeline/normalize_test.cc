#include "process/pipeline/normalize.h"

#include <gtest/gtest.h>

namespace vigil::pipeline {
namespace {

// 2023-11-14T22:13:20Z
constexpr int64_t kT = 1700000000LL * 1000000000LL;
constexpr int64_t kNow = kT;

int64_t Parse(std::string_view format, std::string_view value) {
  auto f = TimestampFormat::Make(format);
  EXPECT_TRUE(f.ok()) << format;
  int64_t ns = -1;
  if (!f.ok() || !f->Parse(value, kNow, &ns)) return -1;
  return ns;
}

TEST(TimestampTest, Rfc3339WithAndWithoutFractionAndZones) {
  EXPECT_EQ(Parse("rfc3339", "2023-11-14T22:13:20Z"), kT);
  EXPECT_EQ(Parse("rfc3339", "2023-11-14T22:13:20.123456789Z"), kT + 123456789);
  EXPECT_EQ(Parse("RFC3339Nano", "2023-11-14T23:13:20.5+01:00"), kT + 500000000);
  EXPECT_EQ(Parse("rfc3339", "2023-11-14T22:13:20"), -1);  // zone required
  EXPECT_EQ(Parse("rfc3339", "2023-13-14T22:13:20Z"), -1);
}

TEST(TimestampTest, UnixFormatsKeepFullPrecision) {
  EXPECT_EQ(Parse("unix", "1700000000"), kT);
  EXPECT_EQ(Parse("unix", "1700000000.000000001"), kT + 1);
  EXPECT_EQ(Parse("unix_ms", "1700000000123"), kT + 123000000);
  EXPECT_EQ(Parse("unix_us", "1700000000123456"), kT + 123456000);
  EXPECT_EQ(Parse("unix_ns", "1700000000123456789"), kT + 123456789);
  EXPECT_EQ(Parse("unix", "17000x"), -1);
}

TEST(TimestampTest, GoLayouts) {
  EXPECT_EQ(Parse("2006-01-02T15:04:05.000Z07:00", "2023-11-14T22:13:20.250Z"), kT + 250000000);
  EXPECT_EQ(Parse("2006-01-02T15:04:05.000Z07:00", "2023-11-14T17:13:20.250-05:00"),
            kT + 250000000);
  // A fixed fraction needs exactly its digits.
  EXPECT_EQ(Parse("2006-01-02T15:04:05.000Z07:00", "2023-11-14T22:13:20.25Z"), -1);
  // A fraction the layout does not mention is accepted after the seconds.
  EXPECT_EQ(Parse("2006-01-02 15:04:05", "2023-11-14 22:13:20.5"), kT + 500000000);
  EXPECT_EQ(Parse("02/Jan/2006:15:04:05 -0700", "14/Nov/2023:22:13:20 +0000"), kT);
  EXPECT_EQ(Parse("Mon Jan _2 15:04:05 2006", "Tue Nov 14 22:13:20 2023"), kT);
  EXPECT_EQ(Parse("RFC1123", "Tue, 14 Nov 2023 22:13:20 GMT"), kT);
  EXPECT_EQ(Parse("2006-01-02 3:04:05 PM", "2023-11-14 10:13:20 PM"), kT);
  EXPECT_EQ(Parse("January 2, 2006 15:04:05", "november 14, 2023 22:13:20"), kT);
  EXPECT_EQ(Parse("06-01-02 15:04:05", "23-11-14 22:13:20"), kT);
  // No year: the current one.
  EXPECT_EQ(Parse("Stamp", "Nov 14 22:13:20"), kT);
  EXPECT_EQ(Parse("Jan _2 15:04:05", "Nov  4 22:13:20"), kT - 10LL * 86400 * 1000000000LL);
  // Trailing garbage is refused.
  EXPECT_EQ(Parse("2006-01-02", "2023-11-14x"), -1);
}

TEST(TimestampTest, AutoDetectsNumbersByDigitsAndRfc3339) {
  EXPECT_EQ(Parse("", "1700000000"), kT);
  EXPECT_EQ(Parse("", "1700000000123"), kT + 123000000);
  EXPECT_EQ(Parse("", "1700000000123456789"), kT + 123456789);
  EXPECT_EQ(Parse("", "2023-11-14T22:13:20Z"), kT);
  EXPECT_EQ(Parse("", "2023-11-14 22:13:20Z"), kT);
  EXPECT_EQ(Parse("", "yesterday"), -1);
}

TEST(TimestampTest, FormatWithoutLayoutElementsIsRefused) {
  EXPECT_FALSE(TimestampFormat::Make("iso").ok());
}

TEST(TimestampTest, CivilDatesBeforeTheEpoch) {
  EXPECT_EQ(CivilToUnixNanos(1970, 1, 1, 0, 0, 0, 0), 0);
  EXPECT_EQ(CivilToUnixNanos(1969, 12, 31, 23, 59, 59, 0), -1000000000LL);
  EXPECT_EQ(CivilToUnixNanos(2000, 2, 29, 0, 0, 0, 0), 951782400LL * 1000000000LL);
}

TEST(SeverityTest, WordsAndNumbersMapToOtel) {
  EXPECT_EQ(SeverityFromValue("INFO"), 9);
  EXPECT_EQ(SeverityFromValue("warning"), 13);
  EXPECT_EQ(SeverityFromValue("Err"), 17);
  EXPECT_EQ(SeverityFromValue("critical"), 18);
  EXPECT_EQ(SeverityFromValue("fatal"), 21);
  EXPECT_EQ(SeverityFromValue("trace"), 1);
  EXPECT_EQ(SeverityFromValue("debug"), 5);
  EXPECT_EQ(SeverityFromValue("notice"), 10);
  EXPECT_EQ(SeverityFromValue("3"), 17);   // syslog err
  EXPECT_EQ(SeverityFromValue("7"), 5);    // syslog debug
  EXPECT_EQ(SeverityFromValue("0"), 22);   // syslog emerg
  EXPECT_EQ(SeverityFromValue("30"), 9);   // pino info
  EXPECT_EQ(SeverityFromValue("50"), 17);  // pino error
  EXPECT_EQ(SeverityFromValue("42"), 0);
  EXPECT_EQ(SeverityFromValue("loud"), 0);
}

}  // namespace
}  // namespace vigil::pipeline
