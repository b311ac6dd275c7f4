#include "api/loki/loki_json.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace vigil::api::loki {
namespace {

using model::Labels;

logql::QueryResult StreamsResult() {
  logql::QueryResult r;
  r.type = logql::QueryResult::Type::kStreams;
  logql::Stream s;
  s.labels = Labels::FromStrings({"filename", "/var/log/myproject.log", "job", "varlogs"});
  s.entries.push_back({1568234281726420425, "foo \"bar\"\tbaz", {}});
  s.entries.push_back({1568234269716526880, "line2", {{"trace_id", "abc"}}});
  r.streams.push_back(s);
  r.stats.entries_read = 2;
  r.stats.bytes_read = 18;
  r.stats.exec_seconds = 0.5;
  return r;
}

// Loki's documented shape for a log query.
TEST(EncodeQueryResponse, StreamsAsLokiDocumentsThem) {
  std::string json = EncodeQueryResponse(StreamsResult(), {});
  const std::string prefix =
      "{\"status\":\"success\",\"data\":{\"resultType\":\"streams\",\"result\":[{\"stream\":{"
      "\"filename\":\"/var/log/myproject.log\",\"job\":\"varlogs\"},\"values\":[["
      "\"1568234281726420425\",\"foo \\\"bar\\\"\\tbaz\"],[\"1568234269716526880\",\"line2\"]]}],"
      "\"stats\":{\"summary\":{";
  EXPECT_EQ(json.substr(0, prefix.size()), prefix) << json;
  EXPECT_NE(json.find("\"totalBytesProcessed\":18,\"totalLinesProcessed\":2,\"execTime\":0.5"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find("\"totalEntriesReturned\":2"), std::string::npos);
  EXPECT_NE(json.find("\"bytesProcessedPerSecond\":36"), std::string::npos);
  EXPECT_EQ(json.substr(json.size() - 3), "}}}") << json;
}

TEST(EncodeQueryResponse, CategorizeLabelsAddsStructuredMetadata) {
  EncodeOptions o;
  o.categorize_labels = true;
  std::string json = EncodeQueryResponse(StreamsResult(), o);
  EXPECT_NE(json.find("[\"1568234269716526880\",\"line2\",{\"structuredMetadata\":{\"trace_id\":"
                      "\"abc\"}}]"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find("\"encodingFlags\":[\"categorize-labels\"]"), std::string::npos);
}

TEST(EncodeQueryResponse, MatrixTimesAreSecondsAndValuesStrings) {
  logql::QueryResult r;
  r.type = logql::QueryResult::Type::kMatrix;
  r.series.push_back({Labels::FromStrings({"level", "info"}),
                      {{1588889221000000000, 137.95}, {1588889221500000000, 2000000}}});
  r.series.push_back({Labels(), {{1588889222000000000, std::nan("")}}});
  std::string json = EncodeQueryResponse(r, {});
  const std::string prefix =
      "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[{\"metric\":{"
      "\"level\":\"info\"},\"values\":[[1588889221,\"137.95\"],[1588889221.5,\"2000000\"]]},"
      "{\"metric\":{},\"values\":[[1588889222,\"NaN\"]]}],\"stats\":{";
  EXPECT_EQ(json.substr(0, prefix.size()), prefix) << json;
}

TEST(EncodeQueryResponse, VectorAndScalar) {
  logql::QueryResult r;
  r.type = logql::QueryResult::Type::kVector;
  r.series.push_back({Labels::FromStrings({"job", "a"}), {{1700000000123000000, 3}}});
  std::string json = EncodeQueryResponse(r, {});
  EXPECT_NE(json.find("\"resultType\":\"vector\",\"result\":[{\"metric\":{\"job\":\"a\"},"
                      "\"value\":[1700000000.123,\"3\"]}]"),
            std::string::npos)
      << json;
  r.type = logql::QueryResult::Type::kScalar;
  r.series[0].labels = Labels();
  r.series[0].points[0].v = std::numeric_limits<double>::infinity();
  json = EncodeQueryResponse(r, {});
  EXPECT_NE(json.find("\"resultType\":\"scalar\",\"result\":[1700000000.123,\"+Inf\"]"),
            std::string::npos)
      << json;
}

TEST(EncodeQueryResponse, EmptyResultsAreEmptyArrays) {
  logql::QueryResult r;
  r.type = logql::QueryResult::Type::kMatrix;
  std::string json = EncodeQueryResponse(r, {});
  EXPECT_NE(json.find("\"resultType\":\"matrix\",\"result\":[],\"stats\""), std::string::npos);
  r.warnings.push_back("w");
  json = EncodeQueryResponse(r, {});
  EXPECT_EQ(json.substr(json.size() - 19), "},\"warnings\":[\"w\"]}");
}

TEST(EncodeLists, LabelsSeriesStatsFormatQueryBuildInfo) {
  EXPECT_EQ(EncodeStringList({"a", "b\"c"}),
            "{\"status\":\"success\",\"data\":[\"a\",\"b\\\"c\"]}");
  EXPECT_EQ(EncodeStringList({}), "{\"status\":\"success\",\"data\":[]}");
  EXPECT_EQ(EncodeSeries({Labels::FromStrings({"container_name", "loki", "job", "x"}),
                          Labels::FromStrings({"job", "y"})}),
            "{\"status\":\"success\",\"data\":[{\"container_name\":\"loki\",\"job\":\"x\"},"
            "{\"job\":\"y\"}]}");
  EXPECT_EQ(EncodeIndexStats({1, 2, 3, 4}),
            "{\"streams\":1,\"chunks\":2,\"entries\":3,\"bytes\":4}");
  EXPECT_EQ(EncodeFormatQuery("{a=\"b\"}"), "{\"status\":\"success\",\"data\":\"{a=\\\"b\\\"}\"}");
  EXPECT_EQ(EncodeBuildInfo("1.2"),
            "{\"version\":\"1.2\",\"revision\":\"\",\"branch\":\"\",\"buildUser\":\"\","
            "\"buildDate\":\"\",\"goVersion\":\"\"}");
}

TEST(EncodeTailFrame, StreamsAndDroppedEntries) {
  logql::Stream s;
  s.labels = Labels::FromStrings({"job", "a"});
  s.entries.push_back({5, "x", {}});
  EXPECT_EQ(EncodeTailFrame({s}, {}),
            "{\"streams\":[{\"stream\":{\"job\":\"a\"},\"values\":[[\"5\",\"x\"]]}],"
            "\"dropped_entries\":[]}");
}

}  // namespace
}  // namespace vigil::api::loki
