#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "collect/textparse/parser.h"

namespace vigil::textparse {
namespace {

using MType = storage::MetricMetadata::Type;

// The first error of parsing body to the end (Labels() of every series
// included), or "" when it parses.
std::string ErrorOf(std::string_view body, OpenMetricsOptions opts = {}) {
  auto p = NewOpenMetricsParser(body, opts);
  for (;;) {
    auto e = p->Next();
    if (!e.ok()) return e.status().message();
    if (*e == Entry::kEOF) return "";
    if (*e == Entry::kSeries) {
      auto l = p->Labels();
      if (!l.ok()) return l.status().message();
    }
  }
}

TEST(OpenMetricsTest, CounterFamilyWithMetadataExemplarAndCreated) {
  auto p = NewOpenMetricsParser(
      "# TYPE rpc_seconds counter\n# UNIT rpc_seconds seconds\n# HELP rpc_seconds The \\\"rpc\\\"\n"
      "rpc_seconds_total{code=\"200\"} 17 1520879607.789 # {trace_id=\"KOO5S4vxi0o\"} 0.67 "
      "1520879602.1\nrpc_seconds_created{code=\"200\"} 1520430000.123 1520879607.789\n# EOF\n");
  ASSERT_EQ(*p->Next(), Entry::kType);
  EXPECT_EQ(p->MetricFamily(), "rpc_seconds");
  EXPECT_EQ(p->Type(), MType::kCounter);
  ASSERT_EQ(*p->Next(), Entry::kUnit);
  EXPECT_EQ(p->Unit(), "seconds");
  ASSERT_EQ(*p->Next(), Entry::kHelp);
  EXPECT_EQ(p->Help(), "The \"rpc\"");
  ASSERT_EQ(*p->Next(), Entry::kSeries);
  EXPECT_EQ(p->SeriesBytes(), "rpc_seconds_total{code=\"200\"}");
  EXPECT_EQ(p->Value(), 17);
  EXPECT_EQ(p->Timestamp(), 1520879607789);
  Exemplar ex;
  ASSERT_TRUE(p->Exemplar(&ex));
  EXPECT_EQ(ex.labels, model::Labels::FromStrings({"trace_id", "KOO5S4vxi0o"}));
  EXPECT_EQ(ex.value, 0.67);
  EXPECT_EQ(ex.timestamp_ms, 1520879602100);
  ASSERT_EQ(*p->Next(), Entry::kSeries);
  EXPECT_EQ(p->SeriesBytes(), "rpc_seconds_created{code=\"200\"}");
  EXPECT_FALSE(p->Exemplar(&ex));
  EXPECT_EQ(*p->Next(), Entry::kEOF);
  EXPECT_EQ(*p->Next(), Entry::kEOF);
}

TEST(OpenMetricsTest, CreatedTimestampIsFoundAheadInTheFamily) {
  auto p = NewOpenMetricsParser(
      "# TYPE c counter\nc_total{a=\"1\"} 5\nc_created{a=\"1\"} 1700000000.5\n"
      "c_total{a=\"2\"} 6\n# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_count 1\nh_sum 2\n"
      "h_created 1600000000\n# TYPE g gauge\ng 1\n# EOF\n");
  ASSERT_EQ(*p->Next(), Entry::kType);
  ASSERT_EQ(*p->Next(), Entry::kSeries);
  EXPECT_EQ(p->CreatedTimestamp(), 1700000000.5);
  ASSERT_EQ(*p->Next(), Entry::kSeries);  // c_created itself
  EXPECT_EQ(p->CreatedTimestamp(), std::nullopt);
  ASSERT_EQ(*p->Next(), Entry::kSeries);  // c_total{a="2"}: no _created
  EXPECT_EQ(p->CreatedTimestamp(), std::nullopt);
  ASSERT_EQ(*p->Next(), Entry::kType);
  ASSERT_EQ(*p->Next(), Entry::kSeries);
  EXPECT_EQ(p->CreatedTimestamp(), 1600000000);
  ASSERT_EQ(*p->Next(), Entry::kSeries);
  ASSERT_EQ(*p->Next(), Entry::kSeries);
  ASSERT_EQ(*p->Next(), Entry::kSeries);
  ASSERT_EQ(*p->Next(), Entry::kType);
  ASSERT_EQ(*p->Next(), Entry::kSeries);
  EXPECT_EQ(p->CreatedTimestamp(), std::nullopt);
  EXPECT_EQ(*p->Next(), Entry::kEOF);
}

TEST(OpenMetricsTest, TimestampsAreSecondsTruncatedToMilliseconds) {
  auto p = NewOpenMetricsParser("a 1 1.5e3\nb 1 -1.0019\nc 1 0.0000000001\n# EOF");
  ASSERT_EQ(*p->Next(), Entry::kSeries);
  EXPECT_EQ(p->Timestamp(), 1500000);
  ASSERT_EQ(*p->Next(), Entry::kSeries);
  EXPECT_EQ(p->Timestamp(), -1001);
  ASSERT_EQ(*p->Next(), Entry::kSeries);
  EXPECT_EQ(p->Timestamp(), 0);
  EXPECT_EQ(*p->Next(), Entry::kEOF);
}

TEST(OpenMetricsTest, EofIsMandatoryAndLast) {
  EXPECT_EQ(ErrorOf("a 1\n"), "line 2: unexpected end of input, no \"# EOF\"");
  EXPECT_EQ(ErrorOf(""), "line 1: unexpected end of input, no \"# EOF\"");
  EXPECT_EQ(ErrorOf("a 1\n# EOF\n\n"), "line 3: unexpected content after \"# EOF\"");
  EXPECT_EQ(ErrorOf("a 1\n# EOF"), "");
  EXPECT_EQ(ErrorOf("a 1\n\n# EOF\n"), "line 2: blank line");
  EXPECT_EQ(ErrorOf("a 1\r\n# EOF\n"),
            "line 1: strconv.ParseFloat: parsing \"1\\r\": invalid syntax");
}

TEST(OpenMetricsTest, CommentsOtherThanMetadataAreRefused) {
  EXPECT_EQ(ErrorOf("# hello world\n# EOF\n"),
            "line 1: expected \"# HELP\", \"# TYPE\", \"# UNIT\" or \"# EOF\", got \"# hello "
            "world\"");
}

TEST(OpenMetricsTest, SyntaxIsStrict) {
  EXPECT_EQ(ErrorOf("a{x=\"1\",} 1\n# EOF\n"), "line 1: expected label name, got \"}\"");
  EXPECT_EQ(ErrorOf("a{x=\"1\", y=\"2\"} 1\n# EOF\n"),
            "line 1: expected label name, got \" y=\\\"2\\\"}\"");
  EXPECT_EQ(ErrorOf("a  1\n# EOF\n"), "line 1: expected value, got \" 1\"");
  EXPECT_EQ(ErrorOf("a 1 \n# EOF\n"), "line 1: expected timestamp or exemplar, got end of line");
  EXPECT_EQ(ErrorOf("a 1\t\n# EOF\n"),
            "line 1: strconv.ParseFloat: parsing \"1\\t\": invalid syntax");
}

TEST(OpenMetricsTest, QuotedNamesAsPrometheus3) {
  auto p =
      NewOpenMetricsParser("# TYPE \"my.gauge\" gauge\n{\"my.gauge\",\"a.b\"=\"c\"} 1\n# EOF\n");
  ASSERT_EQ(*p->Next(), Entry::kType);
  EXPECT_EQ(p->MetricFamily(), "my.gauge");
  ASSERT_EQ(*p->Next(), Entry::kSeries);
  auto l = p->Labels();
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l.value(), model::Labels::FromStrings({"__name__", "my.gauge", "a.b", "c"}));
  EXPECT_EQ(*p->Next(), Entry::kEOF);
}

TEST(OpenMetricsTest, HistogramBucketsMustBeCumulativeAndEndInInf) {
  EXPECT_EQ(ErrorOf("# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\n"
                    "h_count 2\nh_sum 3\n# EOF\n"),
            "");
  EXPECT_EQ(ErrorOf("# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_count 1\nh_sum 3\n# EOF\n"),
            "line 5: histogram \"h\" has no +Inf bucket");
  EXPECT_EQ(ErrorOf("# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\n# EOF\n"),
            "line 3: histogram bucket counts decrease");
  EXPECT_EQ(ErrorOf("# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_count 3\nh_sum 1\n# EOF\n"),
            "line 5: histogram \"h\": count does not match the +Inf bucket");
}

TEST(OpenMetricsTest, LabelsOfOtherHistogramGroupsSeparateGroups) {
  EXPECT_EQ(ErrorOf("# TYPE h histogram\nh_bucket{a=\"1\",le=\"+Inf\"} 1\n"
                    "h_bucket{a=\"2\",le=\"+Inf\"} 1\n# EOF\n"),
            "");
  EXPECT_EQ(ErrorOf("# TYPE g gauge\ng{a=\"1\"} 1\ng{a=\"2\"} 1\ng{a=\"1\"} 1\n# EOF\n"),
            "line 4: samples of \"g\" are not grouped by label set");
}

TEST(OpenMetricsTest, LeIsNormalizedForHistogramsOnly) {
  auto p = NewOpenMetricsParser(
      "# TYPE h histogram\nh_bucket{le=\"1\"} 0\nh_bucket{le=\"+Inf\"} 0\n"
      "# TYPE g gaugehistogram\ng_bucket{le=\"1\"} 0\ng_bucket{le=\"+Inf\"} 0\n# EOF\n");
  std::vector<std::string> le;
  for (auto e = p->Next(); e.ok() && *e != Entry::kEOF; e = p->Next()) {
    if (*e == Entry::kSeries) le.emplace_back(p->Labels().value().Get("le"));
  }
  EXPECT_EQ(le, (std::vector<std::string>{"1.0", "+Inf", "1", "+Inf"}));
}

TEST(OpenMetricsTest, SummaryQuantilesMustBeBetweenZeroAndOne) {
  EXPECT_EQ(ErrorOf("# TYPE s summary\ns{quantile=\"0.5\"} 1\ns_count 1\ns_sum 1\n# EOF\n"), "");
  EXPECT_EQ(ErrorOf("# TYPE s summary\ns{quantile=\"2\"} 1\n# EOF\n"),
            "line 2: invalid quantile label \"2\"");
}

TEST(OpenMetricsTest, FamilyRulesCanBeTurnedOff) {
  OpenMetricsOptions lenient;
  lenient.validate_families = false;
  std::string body =
      "# TYPE a counter\na_total -1 # {x=\"y\"} 1\na_total NaN\n# TYPE a gauge\n# EOF\n";
  EXPECT_NE(ErrorOf(body), "");
  EXPECT_EQ(ErrorOf(body, lenient), "");
  EXPECT_EQ(ErrorOf("a 1\n", lenient), "line 2: unexpected end of input, no \"# EOF\"");
}

TEST(OpenMetricsTest, CounterValuesMustNotBeNegativeOrNaN) {
  EXPECT_EQ(ErrorOf("# TYPE c counter\nc_total -1\n# EOF\n"),
            "line 2: \"c_total\" cannot be negative");
  EXPECT_EQ(ErrorOf("# TYPE c counter\nc_total NaN\n# EOF\n"), "line 2: \"c_total\" cannot be NaN");
}

TEST(OpenMetricsTest, ClashingFamilyNamesAreRefused) {
  EXPECT_EQ(ErrorOf("# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\n# TYPE a gauge\na 2\n# EOF\n"),
            "line 5: clashing name \"a\": an earlier metric family has it");
}

}  // namespace
}  // namespace vigil::textparse
