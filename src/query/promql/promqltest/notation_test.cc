#include "query/promql/promqltest/notation.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "model/sample.h"

namespace vigil::promql::promqltest {
namespace {

using Kind = SequenceValue::Kind;

std::vector<double> Floats(const SeriesDesc& d) {
  std::vector<double> out;
  for (const auto& v : d.values) out.push_back(v.kind == Kind::kFloat ? v.value : -12345);
  return out;
}

uint64_t Bits(double d) {
  uint64_t u;
  std::memcpy(&u, &d, sizeof u);
  return u;
}

TEST(ParseDurationTest, AcceptsPrometheusUnitsInOrder) {
  EXPECT_EQ(*ParseDuration("0"), 0);
  EXPECT_EQ(*ParseDuration("1m"), 60'000);
  EXPECT_EQ(*ParseDuration("10s53ms"), 10'053);
  EXPECT_EQ(*ParseDuration("1h30m"), 5'400'000);
  EXPECT_EQ(*ParseDuration("1y"), 365LL * 24 * 3600 * 1000);
  EXPECT_EQ(*ParseDuration("2w1d"), 15LL * 24 * 3600 * 1000);
  EXPECT_EQ(*ParseDuration("0s"), 0);
}

TEST(ParseDurationTest, RejectsWhatModelParseDurationRejects) {
  for (const char* bad : {"", "1", "1000", "1.5m", "-1m", "1m1h", "1s1s", "5x", "m", " 1m"}) {
    EXPECT_FALSE(ParseDuration(bad).ok()) << bad;
  }
}

TEST(ParseNumberTest, ReadsIntegersWithGoBasePrefixes) {
  EXPECT_EQ(*ParseNumber("12"), 12);
  EXPECT_EQ(*ParseNumber("-3"), -3);
  EXPECT_EQ(*ParseNumber("0x1f"), 31);
  EXPECT_EQ(*ParseNumber("010"), 8);  // octal, as Go's ParseInt(s, 0, 64)
  EXPECT_EQ(*ParseNumber("0b101"), 5);
  EXPECT_EQ(*ParseNumber("1_000"), 1000);
  EXPECT_FALSE(ParseNumber("1__0").ok());
  EXPECT_FALSE(ParseNumber("_1").ok());
}

TEST(ParseNumberTest, ReadsFloatsInfinitiesAndGoNaN) {
  EXPECT_EQ(*ParseNumber("12.34e6"), 12340000);
  EXPECT_EQ(*ParseNumber(".2"), 0.2);
  EXPECT_EQ(*ParseNumber("2."), 2);
  EXPECT_EQ(*ParseNumber("-0.2e-6"), -0.0000002);
  EXPECT_EQ(*ParseNumber("+Inf"), INFINITY);
  EXPECT_EQ(*ParseNumber("-inf"), -INFINITY);
  EXPECT_EQ(*ParseNumber("inF"), INFINITY);
  double nan = *ParseNumber("NaN");
  EXPECT_TRUE(std::isnan(nan));
  EXPECT_FALSE(model::IsStaleNaN(nan));
  EXPECT_EQ(Bits(nan), model::kNormalNaNBits);
  // "99999999999999999999" overflows int64 and is read as a float.
  EXPECT_EQ(*ParseNumber("99999999999999999999"), 1e20);
  EXPECT_FALSE(ParseNumber("1e400").ok());
  EXPECT_FALSE(ParseNumber("{} 1").ok());
  EXPECT_FALSE(ParseNumber("foo").ok());
  EXPECT_FALSE(ParseNumber("").ok());
}

TEST(ParseSeriesDescTest, ExpandsIncrementsRepetitionsAndBlanks) {
  auto d = ParseSeriesDesc("my_metric{env=\"prod\"} 5 2+3x2 _ 1x2 _x2 3-1x2");
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->labels, model::Labels::FromStrings({"__name__", "my_metric", "env", "prod"}));
  ASSERT_EQ(d->values.size(), 13u);
  EXPECT_EQ(d->values[0].value, 5);
  EXPECT_EQ(d->values[1].value, 2);
  EXPECT_EQ(d->values[2].value, 5);
  EXPECT_EQ(d->values[3].value, 8);
  EXPECT_EQ(d->values[4].kind, Kind::kOmitted);
  EXPECT_EQ(d->values[5].value, 1);
  EXPECT_EQ(d->values[7].value, 1);
  // _x2 is two blanks, not three.
  EXPECT_EQ(d->values[8].kind, Kind::kOmitted);
  EXPECT_EQ(d->values[9].kind, Kind::kOmitted);
  EXPECT_EQ(d->values[10].value, 3);
  EXPECT_EQ(d->values[11].value, 2);
  EXPECT_EQ(d->values[12].value, 1);
}

TEST(ParseSeriesDescTest, NegativeStartsAndSpecialValues) {
  auto d = ParseSeriesDesc("{} -2+4x3 1-2x4 NaN -Inf +Inf stale .5 1e3");
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_TRUE(d->labels.empty());
  std::vector<double> f = Floats(*d);
  ASSERT_EQ(f.size(), 15u);
  EXPECT_EQ((std::vector<double>(f.begin(), f.begin() + 9)),
            (std::vector<double>{-2, 2, 6, 10, 1, -1, -3, -5, -7}));
  EXPECT_TRUE(std::isnan(f[9]));
  EXPECT_FALSE(model::IsStaleNaN(f[9]));
  EXPECT_EQ(f[10], -INFINITY);
  EXPECT_EQ(f[11], INFINITY);
  EXPECT_TRUE(model::IsStaleNaN(f[12]));
  EXPECT_EQ(f[13], 0.5);
  EXPECT_EQ(f[14], 1000);
}

TEST(ParseSeriesDescTest, StepIsAddedRepeatedlyLikeGo) {
  auto d = ParseSeriesDesc("m 0+0.1x10");
  ASSERT_TRUE(d.ok());
  double acc = 0;
  for (int i = 0; i < 11; ++i) {
    EXPECT_EQ(Bits(d->values[i].value), Bits(acc)) << i;
    acc += 0.1;
  }
}

TEST(ParseSeriesDescTest, StaleRepeatsKeepTheMarkerBits) {
  auto d = ParseSeriesDesc("m stalex2");
  // "stalex2" lexes as one identifier upstream: an error.
  EXPECT_FALSE(d.ok());
  d = ParseSeriesDesc("m 1 stale 2");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(Bits(d->values[1].value), model::kStaleNaNBits);
}

TEST(ParseSeriesDescTest, HistogramsKeepPositionsAcrossSpaces) {
  auto d = ParseSeriesDesc(
      "h {{schema:1 sum:3 count:22 buckets:[5 10 7]}} 1 {{sum:2 count:2}}+{{sum:3 count:3}}x2 "
      "{{count:1}}x1 _ 4");
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  ASSERT_EQ(d->values.size(), 9u);
  EXPECT_EQ(d->values[0].kind, Kind::kHistogram);
  EXPECT_EQ(d->values[1].value, 1);
  for (int i = 2; i <= 6; ++i) EXPECT_EQ(d->values[i].kind, Kind::kHistogram) << i;
  EXPECT_EQ(d->values[7].kind, Kind::kOmitted);
  EXPECT_EQ(d->values[8].value, 4);
  EXPECT_TRUE(d->HasHistogram());
}

TEST(ParseSeriesDescTest, LabelSyntaxQuotingAndUTF8Names) {
  auto d = ParseSeriesDesc(R"({"my.metric", "label.with.dots"="a", b='x\ty', c=`raw\n`,} 1)");
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->labels, model::Labels::FromStrings({"__name__", "my.metric", "b", "x\ty", "c",
                                                   "raw\\n", "label.with.dots", "a"}));
  d = ParseSeriesDesc(R"({__name__="foo", job="a,}b"} 7)");
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->labels.Get("job"), "a,}b");
  EXPECT_EQ(d->labels.MetricName(), "foo");
  d = ParseSeriesDesc("node_namespace_pod:kube_pod_info:{namespace=\"o\"} 1");
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->labels.MetricName(), "node_namespace_pod:kube_pod_info:");
  d = ParseSeriesDesc("{job=\"1\", __address__=\"bar\"}\t200\t\t200");
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->values.size(), 2u);
}

TEST(ParseSeriesDescTest, EmptyLabelValuesAreDropped) {
  auto d = ParseSeriesDesc(R"(m{a="", b="1"} 1)");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->labels, model::Labels::FromStrings({"__name__", "m", "b", "1"}));
}

TEST(ParseSeriesDescTest, RejectsMalformedLines) {
  for (const char* bad : {
           "m{a=~\"b\"} 1",
           "m{a} 1",
           "m{a=\"b\" 1",
           "m 1+2",
           "m 1+x3",
           "m 1x",
           "m 0x10y",
           "m foo",
           "m 1 sum",
           "m{__name__=\"x\"} 1",
           "{a=\"1\",a=\"2\"} 1",
           "1 2",
           "m{a=\"1\"}1",
           "m {{sum:1",
           "m 1+Infx3",
           "m -stale",
       }) {
    EXPECT_FALSE(ParseSeriesDesc(bad).ok()) << bad;
  }
}

TEST(ParseSeriesDescTest, HexIsRepetitionInSeriesValues) {
  // "0x10" in a series is 0 repeated (10+1) times, not sixteen.
  auto d = ParseSeriesDesc("m 0x10");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->values.size(), 11u);
  EXPECT_EQ(d->values[10].value, 0);
}

TEST(FormatTest, GoLikeSpecialValues) {
  EXPECT_EQ(FormatFloat(INFINITY), "+Inf");
  EXPECT_EQ(FormatFloat(-INFINITY), "-Inf");
  EXPECT_EQ(FormatFloat(std::nan("")), "NaN");
  EXPECT_EQ(FormatFloat(model::StaleNaN()), "stale");
  EXPECT_EQ(FormatFloat(0.5), "0.5");
  EXPECT_EQ(FormatSequenceValue({Kind::kOmitted, 0}), "_");
}

}  // namespace
}  // namespace vigil::promql::promqltest
