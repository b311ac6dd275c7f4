#include "api/loki/params.h"

#include <gtest/gtest.h>

namespace vigil::api::loki {
namespace {

constexpr int64_t kNow = 1'700'000'000'000'000'000;  // 2023-11-14T22:13:20Z

http::Request Req(std::initializer_list<std::pair<std::string, std::string>> q) {
  http::Request r;
  r.method = "GET";
  for (const auto& p : q) r.query.push_back(p);
  return r;
}

TEST(ParseLokiTime, TenDigitsAreSecondsLongerAreNanoseconds) {
  EXPECT_EQ(ParseLokiTime("1700000000").value(), kNow);
  EXPECT_EQ(ParseLokiTime("1700000000000000000").value(), kNow);
  EXPECT_EQ(ParseLokiTime("1").value(), 1'000'000'000);
  // 13 digits are nanoseconds too, as Loki reads them (not milliseconds).
  EXPECT_EQ(ParseLokiTime("1700000000000").value(), 1'700'000'000'000);
}

TEST(ParseLokiTime, FractionalSecondsKeepMilliseconds) {
  EXPECT_EQ(ParseLokiTime("1700000000.5").value(), kNow + 500'000'000);
  EXPECT_EQ(ParseLokiTime("1700000000.1234567").value(), kNow + 123'000'000);
}

TEST(ParseLokiTime, Rfc3339WithNanosecondsAndOffsets) {
  EXPECT_EQ(ParseLokiTime("2023-11-14T22:13:20Z").value(), kNow);
  EXPECT_EQ(ParseLokiTime("2023-11-14T22:13:20.000000123Z").value(), kNow + 123);
  EXPECT_EQ(ParseLokiTime("2023-11-15T00:13:20+02:00").value(), kNow);
  EXPECT_FALSE(ParseLokiTime("2023-02-29T00:00:00Z").ok());
}

TEST(ParseLokiTime, GarbageGetsGoParseIntError) {
  auto r = ParseLokiTime("yesterday");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "strconv.ParseInt: parsing \"yesterday\": invalid syntax");
  EXPECT_EQ(ParseLokiTime("99999999999999999999").status().message(),
            "strconv.ParseInt: parsing \"99999999999999999999\": value out of range");
}

TEST(ParseSecondsOrDuration, FloatSecondsOrPromDuration) {
  EXPECT_EQ(ParseSecondsOrDuration("15").value(), 15'000'000'000);
  EXPECT_EQ(ParseSecondsOrDuration("0.5").value(), 500'000'000);
  EXPECT_EQ(ParseSecondsOrDuration("1m30s").value(), 90'000'000'000);
  EXPECT_EQ(ParseSecondsOrDuration("1x").status().message(),
            "cannot parse \"1x\" to a valid duration");
}

TEST(ParseBounds, DefaultsToTheLastHourAndSinceIsRelativeToEnd) {
  auto b = ParseBounds(Req({}), kNow).value();
  EXPECT_EQ(b.end_ns, kNow);
  EXPECT_EQ(b.start_ns, kNow - kDefaultSinceNs);
  b = ParseBounds(Req({{"since", "5m"}, {"end", "1699999000"}}), kNow).value();
  EXPECT_EQ(b.end_ns, kNow - 1000 * kNanosPerSecond);
  EXPECT_EQ(b.start_ns, b.end_ns - 300 * kNanosPerSecond);
  // A future end does not move the default start into the future.
  b = ParseBounds(Req({{"since", "5m"}, {"end", "1800000000"}}), kNow).value();
  EXPECT_EQ(b.start_ns, kNow - 300 * kNanosPerSecond);
}

TEST(ParseBounds, ErrorsNameTheParameter) {
  EXPECT_EQ(ParseBounds(Req({{"start", "x"}}), kNow).status().message(),
            "could not parse 'start' parameter: strconv.ParseInt: parsing \"x\": invalid syntax");
  EXPECT_EQ(ParseBounds(Req({{"end", "x"}}), kNow).status().message(),
            "could not parse 'end' parameter: strconv.ParseInt: parsing \"x\": invalid syntax");
  EXPECT_TRUE(ParseBounds(Req({{"since", "1.5m"}}), kNow)
                  .status()
                  .message()
                  .starts_with("could not parse 'since' parameter: "));
}

TEST(ParseLimitAndDirection, LokiRules) {
  EXPECT_EQ(ParseLimit(Req({})).value(), 100u);
  EXPECT_EQ(ParseLimit(Req({{"limit", "5000"}})).value(), 5000u);
  EXPECT_EQ(ParseLimit(Req({{"limit", "0"}})).status().message(), "limit must be a positive value");
  EXPECT_EQ(ParseLimit(Req({{"limit", "ten"}})).status().message(),
            "strconv.Atoi: parsing \"ten\": invalid syntax");
  EXPECT_EQ(ParseDirection(Req({})).value(), logstore::Direction::kBackward);
  EXPECT_EQ(ParseDirection(Req({{"direction", "FORward"}})).value(), logstore::Direction::kForward);
  EXPECT_EQ(ParseDirection(Req({{"direction", "up"}})).status().message(),
            "invalid direction 'up'");
}

TEST(ParseRangeQuery, DefaultStepIsRangeOver250FlooredToSeconds) {
  auto p = ParseRangeQuery(Req({{"query", "{a=\"b\"}"}}), kNow).value();
  EXPECT_EQ(p.query, "{a=\"b\"}");
  EXPECT_EQ(p.step_ns, 14 * kNanosPerSecond);  // 3600 / 250 = 14.4
  p = ParseRangeQuery(Req({{"start", "1699999990"}, {"end", "1700000000"}}), kNow).value();
  EXPECT_EQ(p.step_ns, kNanosPerSecond);
  p = ParseRangeQuery(Req({{"step", "1"}, {"start", "1699999999"}, {"end", "1700000000"}}), kNow)
          .value();
  EXPECT_EQ(p.step_ns, kNanosPerSecond);
}

TEST(ParseRangeQuery, RefusesWhatLokiRefuses) {
  EXPECT_EQ(ParseRangeQuery(Req({{"start", "1700000001"}, {"end", "1700000000"}}), kNow)
                .status()
                .message(),
            "end timestamp must not be before or equal to start time");
  EXPECT_EQ(ParseRangeQuery(Req({{"step", "0"}}), kNow).status().message(),
            "zero or negative query resolution step widths are not accepted. Try a positive "
            "integer");
  EXPECT_TRUE(ParseRangeQuery(Req({{"step", "0.1"}}), kNow)
                  .status()
                  .message()
                  .starts_with("exceeded maximum resolution of 11,000 points"));
  EXPECT_EQ(ParseRangeQuery(Req({{"interval", "-1"}}), kNow).status().message(),
            "interval must be >= 0");
}

TEST(ParseInstantQuery, TimeDefaultsToNow) {
  auto p = ParseInstantQuery(Req({{"query", "q"}}), kNow).value();
  EXPECT_EQ(p.time_ns, kNow);
  p = ParseInstantQuery(Req({{"time", "1600000000"}}), kNow).value();
  EXPECT_EQ(p.time_ns, 1'600'000'000 * kNanosPerSecond);
}

TEST(ParseTailParams, DelayForIsCappedAtFiveSeconds) {
  auto p = ParseTailParams(Req({{"query", "{a=\"b\"}"}, {"delay_for", "2"}}), kNow, 0).value();
  EXPECT_EQ(p.delay_for_ns, 2 * kNanosPerSecond);
  EXPECT_EQ(p.start_ns, kNow - kDefaultSinceNs);
  EXPECT_EQ(ParseTailParams(Req({{"delay_for", "6"}}), kNow, 0).status().message(),
            "delay_for can't be negative or greater than 5");
  EXPECT_TRUE(ParseTailParams(Req({{"delay_for", "6"}}), kNow, 10 * kNanosPerSecond).ok());
}

}  // namespace
}  // namespace vigil::api::loki
