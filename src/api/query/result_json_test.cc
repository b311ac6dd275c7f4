#include "api/query/result_json.h"

#include <gtest/gtest.h>

#include <cmath>

namespace vigil::api::query {
namespace {

using model::Labels;

// Expected bodies are Prometheus' answers for the same results.
TEST(ResultJsonTest, VectorWithLabelsAndMillisecondTimestamps) {
  promql::Vector v;
  v.push_back({Labels::FromStrings({"__name__", "up", "job", "a<b"}), 1'700'000'000'500, 1});
  v.push_back({Labels(), 1'700'000'000'000, std::nan("")});
  EXPECT_EQ(QuerySuccessBody(v, {}, {}, nullptr),
            R"({"status":"success","data":{"resultType":"vector","result":[)"
            R"({"metric":{"__name__":"up","job":"a<b"},"value":[1700000000.500,"1"]},)"
            R"({"metric":{},"value":[1700000000,"NaN"]}]}})");
}

// Prometheus 3 allows any UTF-8 in label names; its labels encoder writes
// names as it writes values, without HTML escapes.
TEST(ResultJsonTest, LabelNamesAreNotHtmlEscaped) {
  promql::Vector v;
  v.push_back({Labels::FromStrings({"a<b&c", "x\"y"}), 1'000, 2});
  EXPECT_EQ(QuerySuccessBody(v, {}, {}, nullptr),
            R"({"status":"success","data":{"resultType":"vector","result":[)"
            R"({"metric":{"a<b&c":"x\"y"},"value":[1,"2"]}]}})");
}

TEST(ResultJsonTest, EmptyVectorAndMatrixAreEmptyArrays) {
  EXPECT_EQ(QuerySuccessBody(promql::Vector{}, {}, {}, nullptr),
            R"({"status":"success","data":{"resultType":"vector","result":[]}})");
  EXPECT_EQ(QuerySuccessBody(promql::Matrix{}, {}, {}, nullptr),
            R"({"status":"success","data":{"resultType":"matrix","result":[]}})");
}

TEST(ResultJsonTest, MatrixSeriesWithValues) {
  promql::Matrix m(2);
  m[0].metric = Labels::FromStrings({"a", "1"});
  m[0].floats = {{1'500, 1.5}, {2'000, -std::numeric_limits<double>::infinity()}};
  m[1].metric = Labels::FromStrings({"a", "2"});  // no points: no "values" key
  EXPECT_EQ(QuerySuccessBody(m, {}, {}, nullptr),
            R"({"status":"success","data":{"resultType":"matrix","result":[)"
            R"({"metric":{"a":"1"},"values":[[1.500,"1.5"],[2,"-Inf"]]},)"
            R"({"metric":{"a":"2"}}]}})");
}

TEST(ResultJsonTest, ScalarAndStringUseFloatTimestamps) {
  EXPECT_EQ(
      QuerySuccessBody(promql::Scalar{1'700'000'000'500, 1e-7}, {}, {}, nullptr),
      R"({"status":"success","data":{"resultType":"scalar","result":[1700000000.5,"0.0000001"]}})");
  EXPECT_EQ(QuerySuccessBody(promql::Scalar{-1'500, std::nan("")}, {}, {}, nullptr),
            R"({"status":"success","data":{"resultType":"scalar","result":[-1.5,"NaN"]}})");
  EXPECT_EQ(QuerySuccessBody(promql::String{1'700'000'000'123, "<a>&\b"}, {}, {}, nullptr),
            R"({"status":"success","data":{"resultType":"string",)"
            R"("result":[1700000000.123,"\u003ca\u003e\u0026\b"]}})");
}

TEST(ResultJsonTest, WarningsAndInfosFollowTheData) {
  EXPECT_EQ(QuerySuccessBody(promql::Vector{}, {"w <1>"}, {"i"}, nullptr),
            R"({"status":"success","data":{"resultType":"vector","result":[]},)"
            R"("warnings":["w \u003c1\u003e"],"infos":["i"]})");
}

TEST(ResultJsonTest, MoreThanTenAnnotationsAreSummarised) {
  std::vector<std::string> w;
  for (int i = 0; i < 13; ++i) w.push_back(std::to_string(i));
  std::string body = QuerySuccessBody(promql::Vector{}, w, {}, nullptr);
  EXPECT_NE(body.find(R"("warnings":["0","1","2","3","4","5","6","7","8","9",)"
                      R"("3 more warning annotations omitted"])"),
            std::string::npos)
      << body;
  body = QuerySuccessBody(promql::Vector{}, {}, std::vector<std::string>(11, "x"), nullptr);
  EXPECT_NE(body.find(R"("x","1 more info annotations omitted"])"), std::string::npos) << body;
}

TEST(ResultJsonTest, StatsObjectInPrometheusOrder) {
  QueryStatsJson s;
  s.eval_total_time = 0.000065718;
  s.query_preparation_time = 0.5;
  s.exec_total_time = 1e-7;
  s.total_queryable_samples = 12;
  s.peak_samples = 3;
  EXPECT_EQ(QuerySuccessBody(promql::Scalar{100'000, 1}, {}, {}, &s),
            R"({"status":"success","data":{"resultType":"scalar","result":[100,"1"],)"
            R"("stats":{"timings":{"evalTotalTime":0.000065718,"resultSortTime":0,)"
            R"("queryPreparationTime":0.5,"innerEvalTime":0,"execQueueTime":0,)"
            R"("execTotalTime":1e-07},"samples":{"totalQueryableSamples":12,"peakSamples":3}}}})");
}

}  // namespace
}  // namespace vigil::api::query
