#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "base/strconv.h"
#include "collect/textparse/parser.h"

namespace vigil::textparse {
namespace {

using MType = storage::MetricMetadata::Type;

struct Sample {
  std::string series;
  std::string labels;
  double value;
  std::optional<int64_t> ts;
};

// Parses body to the end; *error gets the first error (empty if none).
std::vector<Sample> ParseAll(std::string_view body, std::string* error) {
  std::vector<Sample> out;
  auto p = NewPromTextParser(body);
  error->clear();
  for (;;) {
    auto e = p->Next();
    if (!e.ok()) {
      *error = e.status().message();
      return out;
    }
    if (*e == Entry::kEOF) return out;
    if (*e != Entry::kSeries) continue;
    auto labels = p->Labels();
    if (!labels.ok()) {
      *error = labels.status().message();
      return out;
    }
    out.push_back(
        {std::string(p->SeriesBytes()), labels.value().ToString(), p->Value(), p->Timestamp()});
  }
}

std::string ErrorOf(std::string_view body) {
  std::string err;
  ParseAll(body, &err);
  return err;
}

TEST(PromTextTest, SeriesBytesValueAndTimestampOfPlainLines) {
  std::string err;
  auto s = ParseAll("a 1\nb{x=\"y\",z=\"w\"} -2.5 1700000000000\nc_total 3e3\n", &err);
  ASSERT_EQ(err, "");
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0].series, "a");
  EXPECT_EQ(s[0].value, 1);
  EXPECT_FALSE(s[0].ts.has_value());
  EXPECT_EQ(s[1].series, "b{x=\"y\",z=\"w\"}");
  EXPECT_EQ(s[1].labels, "{__name__=\"b\", x=\"y\", z=\"w\"}");
  EXPECT_EQ(s[1].value, -2.5);
  EXPECT_EQ(s[1].ts, 1700000000000);
  EXPECT_EQ(s[2].value, 3000);
}

TEST(PromTextTest, MetadataCommentsAndBlankLinesAreEntries) {
  auto p = NewPromTextParser(
      "# HELP a The a\\\\b \\n help \\x\n\n# TYPE a counter\n#plain comment\n# other\n"
      "   \n a 1\n");
  auto e = p->Next();
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(*e, Entry::kHelp);
  EXPECT_EQ(p->MetricFamily(), "a");
  EXPECT_EQ(p->Help(), "The a\\b \n help \\x");
  e = p->Next();
  ASSERT_EQ(*e, Entry::kType);
  EXPECT_EQ(p->MetricFamily(), "a");
  EXPECT_EQ(p->Type(), MType::kCounter);
  EXPECT_EQ(*p->Next(), Entry::kComment);
  EXPECT_EQ(*p->Next(), Entry::kComment);
  EXPECT_EQ(*p->Next(), Entry::kSeries);
  EXPECT_EQ(p->SeriesBytes(), "a");
  EXPECT_EQ(*p->Next(), Entry::kEOF);
  EXPECT_EQ(*p->Next(), Entry::kEOF);
}

TEST(PromTextTest, TypeNamesMapToMetadataTypes) {
  auto p =
      NewPromTextParser("# TYPE a gauge\n# TYPE b histogram\n# TYPE c summary\n# TYPE d untyped\n");
  std::vector<MType> got;
  for (auto e = p->Next(); e.ok() && *e != Entry::kEOF; e = p->Next()) got.push_back(p->Type());
  EXPECT_EQ(got, (std::vector<MType>{MType::kGauge, MType::kHistogram, MType::kSummary,
                                     MType::kUnknown}));
  EXPECT_EQ(ErrorOf("# TYPE a gaugehistogram\n"), "line 1: invalid metric type \"gaugehistogram\"");
  EXPECT_EQ(ErrorOf("# TYPE a  gauge\n"), "line 1: invalid metric type \" gauge\"");
}

TEST(PromTextTest, LabelValueEscapesAreUnescapedAndUnknownOnesKept) {
  std::string err;
  auto s = ParseAll("a{x=\"q\\\"b\\\\s\\nn\\t\"} 1\n", &err);
  ASSERT_EQ(err, "");
  ASSERT_EQ(s.size(), 1u);
  auto p = NewPromTextParser("a{x=\"q\\\"b\\\\s\\nn\\t\"} 1\n");
  ASSERT_EQ(*p->Next(), Entry::kSeries);
  auto l = p->Labels();
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l.value().Get("x"), "q\"b\\s\nn\\t");
}

TEST(PromTextTest, QuotedUtf8MetricAndLabelNames) {
  auto p = NewPromTextParser(
      "# TYPE \"my.metric\" gauge\n{\"my.metric\", \"la.bel\"=\"v\", b=\"c\"} 1\n"
      "{a=\"b\", \"other.metric\"} 2\n");
  ASSERT_EQ(*p->Next(), Entry::kType);
  EXPECT_EQ(p->MetricFamily(), "my.metric");
  ASSERT_EQ(*p->Next(), Entry::kSeries);
  EXPECT_EQ(p->SeriesBytes(), "{\"my.metric\", \"la.bel\"=\"v\", b=\"c\"}");
  auto l = p->Labels();
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l.value(),
            model::Labels::FromStrings({"__name__", "my.metric", "la.bel", "v", "b", "c"}));
  ASSERT_EQ(*p->Next(), Entry::kSeries);
  EXPECT_EQ(p->Labels().value().MetricName(), "other.metric");
  EXPECT_EQ(ErrorOf("a{\"b\"} 1\n"),
            "line 1: metric name already set while parsing: \"a{\\\"b\\\"}\"");
  EXPECT_EQ(ErrorOf("{a=\"b\"} 1\n"),
            "line 1: metric name not set while parsing: \"{a=\\\"b\\\"}\"");
}

TEST(PromTextTest, TrailingAndMissingCommasAndBlanksAreAcceptedAsPrometheusDoes) {
  std::string err;
  auto s = ParseAll("a{x=\"1\",} 1\nb { x = \"1\" y=\"2\" }\t2  \t 5\n", &err);
  ASSERT_EQ(err, "");
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].labels, "{__name__=\"a\", x=\"1\"}");
  EXPECT_EQ(s[1].labels, "{__name__=\"b\", x=\"1\", y=\"2\"}");
  EXPECT_EQ(s[1].ts, 5);
}

TEST(PromTextTest, LastLineWithoutNewlineIsASample) {
  std::string err;
  auto s = ParseAll("a 1\nb 2", &err);
  ASSERT_EQ(err, "");
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[1].value, 2);
}

TEST(PromTextTest, SpecialValuesFollowGoParseFloat) {
  std::string err;
  auto s = ParseAll(
      "a +Inf\nb -Inf\nc NaN\nd inf\ne 1e3\nf .5\ng -0\nh 0001.50\ni 1e-400\nj Infinity\n", &err);
  ASSERT_EQ(err, "");
  ASSERT_EQ(s.size(), 10u);
  EXPECT_TRUE(std::isinf(s[0].value) && s[0].value > 0);
  EXPECT_TRUE(std::isinf(s[1].value) && s[1].value < 0);
  uint64_t bits;
  memcpy(&bits, &s[2].value, 8);
  EXPECT_EQ(bits, kGoNaNBits);  // Prometheus' normal NaN, never the stale marker
  EXPECT_TRUE(std::isinf(s[3].value));
  EXPECT_EQ(s[4].value, 1000);
  EXPECT_EQ(s[5].value, 0.5);
  EXPECT_TRUE(std::signbit(s[6].value));
  EXPECT_EQ(s[7].value, 1.5);
  EXPECT_EQ(s[8].value, 0);
  EXPECT_TRUE(std::isinf(s[9].value));
}

TEST(PromTextTest, HexUnderscoreAndJunkValuesAreRefused) {
  EXPECT_EQ(ErrorOf("a 0x1p3\n"), "line 1: unsupported character in float \"0x1p3\"");
  EXPECT_EQ(ErrorOf("a 1_000\n"), "line 1: unsupported character in float \"1_000\"");
  EXPECT_EQ(ErrorOf("a 0x10\n"), "line 1: strconv.ParseFloat: parsing \"0x10\": invalid syntax");
  EXPECT_EQ(ErrorOf("a 1e400\n"),
            "line 1: strconv.ParseFloat: parsing \"1e400\": value out of range");
  EXPECT_EQ(ErrorOf("a abc\n"), "line 1: strconv.ParseFloat: parsing \"abc\": invalid syntax");
}

TEST(PromTextTest, ErrorsNameTheLineAndWhatWasExpected) {
  EXPECT_EQ(ErrorOf("a 1\nb{x=\"1\"}\n"), "line 2: expected value after metric, got end of line");
  EXPECT_EQ(ErrorOf("a 1\n\nb{x=\"1\"} {\n"), "line 3: expected value after metric, got \"{\"");
  EXPECT_EQ(ErrorOf("a{x} 1\n"), "line 1: expected equal, got \"}\"");
  EXPECT_EQ(ErrorOf("a{x=1} 1\n"), "line 1: expected label value, got \"1}\"");
  EXPECT_EQ(ErrorOf("a{x=\"1} 1\n"), "line 1: expected label value, got \"\\\"1}\"");
  EXPECT_EQ(ErrorOf("a{1=\"1\"} 1\n"), "line 1: expected label name, got \"1=\\\"1\\\"}\"");
  EXPECT_EQ(ErrorOf("a 1 -5\n"), "line 1: expected timestamp or new record, got \"-5\"");
  EXPECT_EQ(ErrorOf("a 1 5 6\n"), "line 1: expected next entry after timestamp, got \"6\"");
  EXPECT_EQ(ErrorOf("a 1 99999999999999999999\n"),
            "line 1: strconv.ParseInt: parsing \"99999999999999999999\": value out of range");
  EXPECT_EQ(ErrorOf("-a 1\n"), "line 1: expected a valid start token, got \"-a\"");
  EXPECT_EQ(ErrorOf("# HELP 1a x\n"), "line 1: expected metric name after HELP, got \"1a\"");
  EXPECT_EQ(ErrorOf("a{x=\"1\",x=\"2\"} 1\n"), "line 1: duplicate label name \"x\"");
  EXPECT_EQ(ErrorOf("a{x=\"\xff\"} 1\n"), "line 1: invalid UTF-8 label value \"\\xff\"");
}

TEST(PromTextTest, AnErrorStopsTheParseAndRepeats) {
  auto p = NewPromTextParser("a x\nb 1\n");
  auto e = p->Next();
  ASSERT_FALSE(e.ok());
  auto again = p->Next();
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().message(), e.status().message());
}

TEST(PromTextTest, HistogramLeAndSummaryQuantileAreNormalizedAsPrometheus3) {
  std::string err;
  auto s = ParseAll(
      "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"0.005\"} 1\n"
      "h_bucket{le=\"1000000\"} 1\nh_bucket{le=\"+inf\"} 1\n"
      "# TYPE s summary\ns{quantile=\"0\"} 1\ns{quantile=\"0.99\"} 1\n"
      "# TYPE g gauge\ng{le=\"1\",quantile=\"1\"} 1\n",
      &err);
  ASSERT_EQ(err, "");
  ASSERT_EQ(s.size(), 7u);
  EXPECT_EQ(s[0].labels, "{__name__=\"h_bucket\", le=\"1.0\"}");
  EXPECT_EQ(s[0].series, "h_bucket{le=\"1\"}");  // the cache key stays as written
  EXPECT_EQ(s[1].labels, "{__name__=\"h_bucket\", le=\"0.005\"}");
  EXPECT_EQ(s[2].labels, "{__name__=\"h_bucket\", le=\"1e+06\"}");
  EXPECT_EQ(s[3].labels, "{__name__=\"h_bucket\", le=\"+Inf\"}");
  EXPECT_EQ(s[4].labels, "{__name__=\"s\", quantile=\"0.0\"}");
  EXPECT_EQ(s[5].labels, "{__name__=\"s\", quantile=\"0.99\"}");
  EXPECT_EQ(s[6].labels, "{__name__=\"g\", le=\"1\", quantile=\"1\"}");
}

TEST(PromTextTest, HashInLabelValueIsNotAComment) {
  std::string err;
  auto s = ParseAll("a{x=\"# not } a comment\"} 1\n", &err);
  ASSERT_EQ(err, "");
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].labels, "{__name__=\"a\", x=\"# not } a comment\"}");
}

TEST(PromTextTest, NodeExporterPageParsesCompletely) {
  std::ifstream in(VIGIL_SOURCE_DIR "/bench/testdata/node_exporter.prom");
  ASSERT_TRUE(in) << "bench/testdata/node_exporter.prom";
  std::stringstream ss;
  ss << in.rdbuf();
  std::string body = ss.str();
  size_t lines = 0;
  size_t sample_lines = 0;
  for (size_t i = 0, j; i < body.size(); i = j + 1) {
    j = body.find('\n', i);
    if (j == std::string::npos) j = body.size();
    ++lines;
    if (j > i && body[i] != '#') ++sample_lines;
  }
  auto p = NewPromTextParser(body);
  size_t series = 0;
  size_t types = 0;
  size_t helps = 0;
  for (;;) {
    auto e = p->Next();
    ASSERT_TRUE(e.ok()) << e.status().message();
    if (*e == Entry::kEOF) break;
    if (*e == Entry::kType) ++types;
    if (*e == Entry::kHelp) ++helps;
    if (*e == Entry::kSeries) {
      ++series;
      auto l = p->Labels();
      ASSERT_TRUE(l.ok()) << l.status().message();
      ASSERT_TRUE(l.value().MetricName().starts_with(p->SeriesBytes().substr(0, 2)));
    }
  }
  EXPECT_EQ(series, sample_lines);
  EXPECT_GT(series, 500u);
  EXPECT_EQ(types, helps);
}

TEST(ContentTypeTest, PicksTheFormatAsPrometheus3) {
  EXPECT_EQ(FormatFromContentType("text/plain; version=0.0.4; charset=utf-8"),
            Format::kPrometheusText);
  EXPECT_EQ(FormatFromContentType("text/plain"), Format::kPrometheusText);
  EXPECT_EQ(FormatFromContentType("TEXT/Plain;version=1.0.0"), Format::kPrometheusText);
  EXPECT_EQ(FormatFromContentType("application/openmetrics-text; version=1.0.0; charset=utf-8"),
            Format::kOpenMetrics);
  EXPECT_EQ(FormatFromContentType(" application/openmetrics-text ;version=0.0.1"),
            Format::kOpenMetrics);
  EXPECT_EQ(FormatFromContentType(""), std::nullopt);
  EXPECT_EQ(FormatFromContentType("application/json"), std::nullopt);
  EXPECT_EQ(FormatFromContentType(
                "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily"),
            std::nullopt);
}

TEST(ContentTypeTest, NewParserBuildsTheParserOfTheFormat) {
  // "# EOF" is a comment to the text parser and the end to OpenMetrics.
  auto text = NewParser(Format::kPrometheusText, "# EOF\na 1\n");
  EXPECT_EQ(*text->Next(), Entry::kComment);
  auto om = NewParser(Format::kOpenMetrics, "# EOF\n");
  EXPECT_EQ(*om->Next(), Entry::kEOF);
}

}  // namespace
}  // namespace vigil::textparse
