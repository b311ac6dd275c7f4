#include "api/query/params.h"

#include <gtest/gtest.h>

#include <limits>

namespace vigil::api::query {
namespace {

TEST(ParamsTest, GoQuoteEscapesAsStrconvQuote) {
  EXPECT_EQ(GoQuote("x"), "\"x\"");
  EXPECT_EQ(GoQuote(""), "\"\"");
  EXPECT_EQ(GoQuote("a\"b\\"), R"("a\"b\\")");
  EXPECT_EQ(GoQuote("\n\t\x01\x7f"), R"("\n\t\x01\x7f")");
  EXPECT_EQ(GoQuote("\u00fc"), "\"\u00fc\"");
  EXPECT_EQ(GoQuote("\xff"), R"("\xff")");
  EXPECT_EQ(GoQuote("\u2028"), R"("\u2028")");
}

TEST(ParamsTest, TimesAsUnixSecondsOrRfc3339) {
  EXPECT_EQ(*ParseTime("1700000000"), 1'700'000'000'000);
  EXPECT_EQ(*ParseTime("1700000000.123"), 1'700'000'000'123);
  EXPECT_EQ(*ParseTime("-1.5"), -1'500);
  EXPECT_EQ(*ParseTime("2023-11-14T22:13:20.5Z"), 1'700'000'000'500);
}

// Prometheus rounds the fraction to milliseconds on its own (math.Modf), not
// the product seconds * 1000; the two differ for some inputs.
TEST(ParamsTest, FractionalSecondsRoundAsPrometheus) {
  EXPECT_EQ(*ParseTime("1543578564.705"), 1'543'578'564'705);
  EXPECT_EQ(*ParseTime("0.0005"), 1);
  EXPECT_EQ(*ParseTime("-0.0004"), 0);
  EXPECT_EQ(*ParseTime("1e3"), 1'000'000);
  EXPECT_EQ(*ParseTime("+2.25"), 2'250);
  EXPECT_FALSE(ParseTime("NaN").ok());
}

TEST(ParamsTest, BadTimesGivePrometheusMessages) {
  EXPECT_EQ(ParseTime("x").status().message(), R"(cannot parse "x" to a valid timestamp)");
  EXPECT_EQ(ParseTime("").status().message(), R"(cannot parse "" to a valid timestamp)");
  http::Request req;
  req.query = {{"time", "soon"}};
  auto t = ParseTimeParam(req, "time", 7);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().message(),
            R"(Invalid time value for 'time': cannot parse "soon" to a valid timestamp)");
  EXPECT_EQ(*ParseTimeParam(req, "start", 7), 7);
}

TEST(ParamsTest, DurationsInNanoseconds) {
  EXPECT_EQ(*ParseDuration("15"), 15'000'000'000);
  EXPECT_EQ(*ParseDuration("0.5"), 500'000'000);
  EXPECT_EQ(*ParseDuration("1.0000001"), 1'000'000'100);
  EXPECT_EQ(*ParseDuration("5m"), 300'000'000'000);
  EXPECT_EQ(*ParseDuration("1h30m"), 5'400'000'000'000);
  EXPECT_EQ(*ParseDuration("0"), 0);
  EXPECT_EQ(*ParseDuration("-3"), -3'000'000'000);
  // Go's float-to-int conversion of NaN (amd64): a negative step, refused later.
  EXPECT_EQ(*ParseDuration("NaN"), std::numeric_limits<int64_t>::min());
}

TEST(ParamsTest, BadDurationsGivePrometheusMessages) {
  EXPECT_EQ(ParseDuration("x").status().message(), R"(cannot parse "x" to a valid duration)");
  EXPECT_EQ(ParseDuration("").status().message(), R"(cannot parse "" to a valid duration)");
  EXPECT_EQ(ParseDuration("5m1h").status().message(), R"(cannot parse "5m1h" to a valid duration)");
  EXPECT_EQ(ParseDuration("1e10").status().message(),
            R"(cannot parse "1e10" to a valid duration. It overflows int64)");
}

TEST(ParamsTest, AtoiTakesNegativesAndRefusesWhatGoRefuses) {
  EXPECT_EQ(*ParseGoAtoi("-1"), -1);
  EXPECT_EQ(*ParseGoAtoi("-9223372036854775808"), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(ParseGoAtoi("").status().message(), R"(strconv.Atoi: parsing "": invalid syntax)");
  EXPECT_EQ(ParseGoAtoi("+-5").status().message(),
            R"(strconv.Atoi: parsing "+-5": invalid syntax)");
  EXPECT_EQ(ParseGoAtoi("0x10").status().message(),
            R"(strconv.Atoi: parsing "0x10": invalid syntax)");
}

TEST(ParamsTest, LimitsAsStrconvAtoi) {
  EXPECT_EQ(*ParseLimit(""), 0);
  EXPECT_EQ(*ParseLimit("10"), 10);
  EXPECT_EQ(*ParseLimit("+3"), 3);
  EXPECT_EQ(*ParseLimit("-0"), 0);
  EXPECT_EQ(ParseLimit("x").status().message(), R"(strconv.Atoi: parsing "x": invalid syntax)");
  EXPECT_EQ(ParseLimit("1.5").status().message(), R"(strconv.Atoi: parsing "1.5": invalid syntax)");
  EXPECT_EQ(ParseLimit("99999999999999999999").status().message(),
            R"(strconv.Atoi: parsing "99999999999999999999": value out of range)");
  EXPECT_EQ(ParseLimit("-1").status().message(), "limit must be non-negative");
}

TEST(ParamsTest, InvalidParamQuotesTheName) {
  EXPECT_EQ(InvalidParam("step", "bad"), R"(invalid parameter "step": bad)");
}

}  // namespace
}  // namespace vigil::api::query
