#include "api/query/export_format.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace vigil::api::query {
namespace {

using model::Labels;

constexpr int64_t kT = 1'700'000'000'000;  // 2023-11-14T22:13:20Z

std::string Csv(const promql::Value& v, ExportTimestamps ts = ExportTimestamps::kRfc3339) {
  auto r = ExportCsv(v, ts);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : "";
}

std::string Json(const promql::Value& v, ExportTimestamps ts = ExportTimestamps::kRfc3339) {
  auto r = ExportJson(v, ts);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : "";
}

TEST(ExportFormatTest, ParsesTheFormatParameters) {
  EXPECT_EQ(*ParseExportFormat(""), ExportFormat::kCsv);
  EXPECT_EQ(*ParseExportFormat("csv"), ExportFormat::kCsv);
  EXPECT_EQ(*ParseExportFormat("json"), ExportFormat::kJson);
  EXPECT_EQ(ParseExportFormat("CSV").status().message(),
            R"(unknown format "CSV": use csv or json)");
  EXPECT_EQ(*ParseExportTimestamps(""), ExportTimestamps::kRfc3339);
  EXPECT_EQ(*ParseExportTimestamps("rfc3339"), ExportTimestamps::kRfc3339);
  EXPECT_EQ(*ParseExportTimestamps("unix"), ExportTimestamps::kUnix);
  EXPECT_EQ(*ParseExportTimestamps("unix_ms"), ExportTimestamps::kUnixMs);
  EXPECT_EQ(ParseExportTimestamps("iso").status().message(),
            R"(unknown timestamp format "iso": use rfc3339, unix or unix_ms)");
}

// The label columns are the sorted union over all series; a series without
// a label leaves its cell empty.
TEST(ExportFormatTest, CsvColumnsAreTheSortedUnionOfLabelNames) {
  promql::Vector v;
  v.push_back({Labels::FromStrings({"__name__", "up", "job", "node", "instance", "a"}), kT, 1});
  v.push_back({Labels::FromStrings({"__name__", "up", "zone", "eu", "Env", "prod"}), kT + 500, 0});
  v.push_back({Labels(), kT, 2});
  EXPECT_EQ(Csv(v),
            "timestamp,value,Env,__name__,instance,job,zone\r\n"
            "2023-11-14T22:13:20.000Z,1,,up,a,node,\r\n"
            "2023-11-14T22:13:20.500Z,0,prod,up,,,eu\r\n"
            "2023-11-14T22:13:20.000Z,2,,,,,\r\n");
}

TEST(ExportFormatTest, CsvQuotesLabelValuesAndNames) {
  promql::Vector v;
  v.push_back(
      {Labels::FromStrings({"path", "/a,b", "msg", "say \"hi\"", "note", "two\nlines"}), kT, 1});
  v.push_back({Labels::FromStrings({"city", "Zürich", "lang", "日本語", "a,b", "x"}), kT, 2});
  EXPECT_EQ(Csv(v),
            "timestamp,value,\"a,b\",city,lang,msg,note,path\r\n"
            "2023-11-14T22:13:20.000Z,1,,,,\"say \"\"hi\"\"\",\"two\nlines\",\"/a,b\"\r\n"
            "2023-11-14T22:13:20.000Z,2,x,Zürich,日本語,,,\r\n");
}

TEST(ExportFormatTest, CsvMatrixHasOneRowPerPointInSeriesOrder) {
  promql::Matrix m;
  m.push_back({Labels::FromStrings({"job", "a"}), {{kT, 1}, {kT + 15'000, 2}}});
  m.push_back({Labels::FromStrings({"job", "b"}), {{kT, 3}}});
  m.push_back({Labels::FromStrings({"job", "c", "x", "only-here"}), {}});  // no points: no rows
  EXPECT_EQ(Csv(m),
            "timestamp,value,job,x\r\n"
            "2023-11-14T22:13:20.000Z,1,a,\r\n"
            "2023-11-14T22:13:35.000Z,2,a,\r\n"
            "2023-11-14T22:13:20.000Z,3,b,\r\n");
}

// Prometheus' forms, which pandas.read_csv reads as float64 ("+Inf"
// included: its parser takes inf with either sign in any case).
TEST(ExportFormatTest, ValuesAreWrittenAsPrometheusWritesThem) {
  promql::Vector v;
  for (double f :
       {0.25, 1e-7, 1e21, 123456789.0, -0.0, std::nan(""), std::numeric_limits<double>::infinity(),
        -std::numeric_limits<double>::infinity()}) {
    v.push_back({Labels(), kT, f});
  }
  EXPECT_EQ(Csv(v, ExportTimestamps::kUnixMs),
            "timestamp,value\r\n"
            "1700000000000,0.25\r\n"
            "1700000000000,1e-07\r\n"
            "1700000000000,1e+21\r\n"
            "1700000000000,123456789\r\n"
            "1700000000000,-0\r\n"
            "1700000000000,NaN\r\n"
            "1700000000000,+Inf\r\n"
            "1700000000000,-Inf\r\n");
  EXPECT_EQ(Json(v, ExportTimestamps::kUnixMs), R"([{"timestamp":1700000000000,"value":0.25},)"
                                                R"({"timestamp":1700000000000,"value":1e-7},)"
                                                R"({"timestamp":1700000000000,"value":1e+21},)"
                                                R"({"timestamp":1700000000000,"value":123456789},)"
                                                R"({"timestamp":1700000000000,"value":-0},)"
                                                R"({"timestamp":1700000000000,"value":"NaN"},)"
                                                R"({"timestamp":1700000000000,"value":"+Inf"},)"
                                                R"({"timestamp":1700000000000,"value":"-Inf"}])");
}

TEST(ExportFormatTest, ScalarsAndStringsAreOneRowWithoutLabels) {
  EXPECT_EQ(Csv(promql::Scalar{kT + 1, 1.5}),
            "timestamp,value\r\n2023-11-14T22:13:20.001Z,1.5\r\n");
  EXPECT_EQ(Csv(promql::String{kT, "a,\"b\""}),
            "timestamp,value\r\n2023-11-14T22:13:20.000Z,\"a,\"\"b\"\"\"\r\n");
  EXPECT_EQ(Json(promql::Scalar{kT, 2}), R"([{"timestamp":"2023-11-14T22:13:20.000Z","value":2}])");
  EXPECT_EQ(Json(promql::String{kT, "<1>"}),
            R"([{"timestamp":"2023-11-14T22:13:20.000Z","value":"\u003c1\u003e"}])");
}

TEST(ExportFormatTest, EmptyResultsHaveTheHeaderOnly) {
  EXPECT_EQ(Csv(promql::Vector{}), "timestamp,value\r\n");
  EXPECT_EQ(Csv(promql::Value{}), "timestamp,value\r\n");
  EXPECT_EQ(Json(promql::Matrix{}), "[]");
}

TEST(ExportFormatTest, TimestampFormats) {
  promql::Vector v;
  v.push_back({Labels(), kT + 500, 1});
  v.push_back({Labels(), -1, 2});
  v.push_back({Labels(), 0, 3});
  v.push_back({Labels(), -1'500, 4});
  EXPECT_EQ(Csv(v),
            "timestamp,value\r\n"
            "2023-11-14T22:13:20.500Z,1\r\n"
            "1969-12-31T23:59:59.999Z,2\r\n"
            "1970-01-01T00:00:00.000Z,3\r\n"
            "1969-12-31T23:59:58.500Z,4\r\n");
  EXPECT_EQ(Csv(v, ExportTimestamps::kUnix),
            "timestamp,value\r\n1700000000.500,1\r\n-0.001,2\r\n0,3\r\n-1.500,4\r\n");
  EXPECT_EQ(Csv(v, ExportTimestamps::kUnixMs),
            "timestamp,value\r\n1700000000500,1\r\n-1,2\r\n0,3\r\n-1500,4\r\n");
  EXPECT_EQ(Json(v, ExportTimestamps::kUnix),
            R"([{"timestamp":1700000000.500,"value":1},{"timestamp":-0.001,"value":2},)"
            R"({"timestamp":0,"value":3},{"timestamp":-1.500,"value":4}])");
}

// RFC 3339 has four year digits; a time beyond them is an error that says
// what to ask for instead, never a malformed cell.
TEST(ExportFormatTest, Rfc3339CoversTheYears0000To9999) {
  constexpr int64_t kFirst = -62'167'219'200'000;
  constexpr int64_t kLast = 253'402'300'799'999;
  promql::Vector v;
  v.push_back({Labels(), kFirst, 1});
  v.push_back({Labels(), kLast, 2});
  v.push_back({Labels(), 951'782'400'000, 3});  // a leap day
  EXPECT_EQ(Csv(v),
            "timestamp,value\r\n"
            "0000-01-01T00:00:00.000Z,1\r\n"
            "9999-12-31T23:59:59.999Z,2\r\n"
            "2000-02-29T00:00:00.000Z,3\r\n");
  for (int64_t t : {kFirst - 1, kLast + 1}) {
    promql::Scalar s{t, 1};
    auto csv = ExportCsv(s, ExportTimestamps::kRfc3339);
    ASSERT_FALSE(csv.ok());
    EXPECT_EQ(csv.status().code(), Status::Code::kInvalidArgument);
    EXPECT_FALSE(ExportJson(s, ExportTimestamps::kRfc3339).ok());
    EXPECT_TRUE(ExportCsv(s, ExportTimestamps::kUnix).ok());
  }
  EXPECT_EQ(ExportCsv(promql::Scalar{kLast + 1, 1}, ExportTimestamps::kRfc3339).status().message(),
            "the time 253402300800 (Unix seconds) is outside the years 0000 to 9999 that RFC 3339 "
            "can write; ask for timestamp_format=unix or unix_ms");
}

// Column names stay unique: a label named like a fixed column is renamed
// as Prometheus renames colliding scraped labels.
TEST(ExportFormatTest, LabelsNamedTimestampOrValueAreRenamed) {
  promql::Vector v;
  v.push_back(
      {Labels::FromStrings({"value", "v", "timestamp", "t", "exported_value", "e"}), kT, 1});
  auto columns = ExportLabelColumns(v);
  ASSERT_EQ(columns.size(), 3u);
  EXPECT_EQ(columns[0].label, "exported_value");
  EXPECT_EQ(columns[0].header, "exported_value");
  EXPECT_EQ(columns[1].label, "timestamp");
  EXPECT_EQ(columns[1].header, "exported_timestamp");
  EXPECT_EQ(columns[2].label, "value");
  EXPECT_EQ(columns[2].header, "exported_exported_value");
  EXPECT_EQ(Csv(v),
            "timestamp,value,exported_value,exported_timestamp,exported_exported_value\r\n"
            "2023-11-14T22:13:20.000Z,1,e,t,v\r\n");
  EXPECT_EQ(Json(v),
            R"([{"timestamp":"2023-11-14T22:13:20.000Z","value":1,)"
            R"("exported_value":"e","exported_timestamp":"t","exported_exported_value":"v"}])");
}

// The records pandas.read_json reads as the CSV's frame: the same columns in
// every record, null where a series has no such label.
TEST(ExportFormatTest, JsonIsFlatRecordsWithTheCsvColumns) {
  promql::Matrix m;
  m.push_back({Labels::FromStrings({"__name__", "up", "job", "a\"b"}), {{kT, 1}, {kT + 500, 0.5}}});
  m.push_back({Labels::FromStrings({"__name__", "up", "zone", "\xff"}), {{kT, 2}}});
  EXPECT_EQ(Json(m), R"([{"timestamp":"2023-11-14T22:13:20.000Z","value":1,)"
                     R"("__name__":"up","job":"a\"b","zone":null},)"
                     R"({"timestamp":"2023-11-14T22:13:20.500Z","value":0.5,)"
                     R"("__name__":"up","job":"a\"b","zone":null},)"
                     R"({"timestamp":"2023-11-14T22:13:20.000Z","value":2,)"
                     R"("__name__":"up","job":null,"zone":"\ufffd"}])");
}

}  // namespace
}  // namespace vigil::api::query
