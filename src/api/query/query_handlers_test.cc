#include <gtest/gtest.h>

#include "api/go_json.h"
#include "api/query/test_fixture.h"
#include "query/promql/engine.h"
#include "query/promql/parser.h"

namespace vigil::api::query {
namespace {

class QueryHandlersTest : public testing::QueryApiTest {
 protected:
  void SetUp() override {
    QueryApiTest::SetUp();
    Append({"__name__", "up", "instance", "a", "job", "node"}, 1'699'999'990'000, 1);
    Append({"__name__", "up", "instance", "b", "job", "node"}, 1'699'999'990'000, 0);
    Append({"__name__", "up", "instance", "b", "job", "node"}, 1'700'000'000'500, 1);
  }

  // Builds the engine from engine_options_ and registers the routes.
  void Start() {
    engine_ = std::make_unique<promql::Engine>(engine_options_);
    options_.engine = engine_.get();
    Register();
  }

  std::string BadData(std::string_view message) {
    return R"({"status":"error","errorType":"bad_data","error":)" + Quoted(message) + "}";
  }
  static std::string Quoted(std::string_view s) {
    std::string out;
    AppendJsonString(&out, s, GoEscape::kHtml);
    return out;
  }
  // The parser's message for an invalid query.
  std::string ParseError(std::string_view q) {
    auto r = promql::ParseExpr(q);
    EXPECT_FALSE(r.ok()) << q;
    return r.ok() ? "" : r.status().message();
  }

  promql::EngineOptions engine_options_;
  std::unique_ptr<promql::Engine> engine_;
};

TEST_F(QueryHandlersTest, InstantVectorInPrometheusJson) {
  Start();
  auto res = Do("GET", "/api/v1/query", {{"query", "up"}, {"time", "1700000001"}});
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(
      res.body,
      R"({"status":"success","data":{"resultType":"vector","result":[)"
      R"({"metric":{"__name__":"up","instance":"a","job":"node"},"value":[1700000001,"1"]},)"
      R"({"metric":{"__name__":"up","instance":"b","job":"node"},"value":[1700000001,"1"]}]}})");
}

// lookback_delta narrows what an instant selector sees for this query only
// (instance a's sample is 11 s old, b's 0.5 s); Prometheus 3.x honours it.
TEST_F(QueryHandlersTest, LookbackDeltaParameterAppliesToThatQueryOnly) {
  Start();
  auto count = [&](http::Params extra) {
    http::Params p = {{"query", "count(up)"}, {"time", "1700000001"}};
    for (auto& kv : extra) p.push_back(kv);
    auto res = Do("GET", "/api/v1/query", p);
    EXPECT_EQ(res.status, 200) << res.body;
    return res.body;
  };
  EXPECT_NE(count({}).find(R"("value":[1700000001,"2"])"), std::string::npos) << count({});
  EXPECT_NE(count({{"lookback_delta", "5s"}}).find(R"("value":[1700000001,"1"])"),
            std::string::npos);
  EXPECT_NE(count({}).find(R"("value":[1700000001,"2"])"), std::string::npos);
}

TEST_F(QueryHandlersTest, InstantQueryWithoutTimeUsesTheClockAndAcceptsPost) {
  now_ms_ = 1'700'000'000'250;
  Start();
  auto res = Do("POST", "/api/v1/query", {{"query", "up{instance=\"b\"}"}});
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(
      res.body,
      R"({"status":"success","data":{"resultType":"vector","result":[)"
      R"({"metric":{"__name__":"up","instance":"b","job":"node"},"value":[1700000000.250,"0"]}]}})");
}

TEST_F(QueryHandlersTest, ReadinessProbeQueryAnswersAScalar) {
  Start();
  auto res = Do("GET", "/api/v1/query", {{"query", "1"}, {"time", "1700000000.5"}});
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body,
            R"({"status":"success","data":{"resultType":"scalar","result":[1700000000.5,"1"]}})");
  ready_ = false;
  res = Do("GET", "/api/v1/query", {{"query", "1"}});
  EXPECT_EQ(res.status, 503);
}

TEST_F(QueryHandlersTest, StringAndMatrixResults) {
  Start();
  EXPECT_EQ(
      Do("GET", "/api/v1/query", {{"query", "\"<hi>\""}, {"time", "100"}}).body,
      R"({"status":"success","data":{"resultType":"string","result":[100,"\u003chi\u003e"]}})");
  EXPECT_EQ(
      Do("GET", "/api/v1/query", {{"query", "up{instance=\"b\"}[1m]"}, {"time", "1700000001"}})
          .body,
      R"({"status":"success","data":{"resultType":"matrix","result":[)"
      R"({"metric":{"__name__":"up","instance":"b","job":"node"},)"
      R"("values":[[1699999990,"0"],[1700000000.500,"1"]]}]}})");
}

TEST_F(QueryHandlersTest, RangeQueryMatrix) {
  Start();
  auto res = Do("GET", "/api/v1/query_range",
                {{"query", "up{instance=\"b\"}"},
                 {"start", "1699999995"},
                 {"end", "1700000005"},
                 {"step", "5"}});
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body, R"({"status":"success","data":{"resultType":"matrix","result":[)"
                      R"({"metric":{"__name__":"up","instance":"b","job":"node"},)"
                      R"("values":[[1699999995,"0"],[1700000000,"0"],[1700000005,"1"]]}]}})");
  res = Do("POST", "/api/v1/query_range",
           {{"query", "time()"}, {"start", "1.5"}, {"end", "3"}, {"step", "500ms"}});
  EXPECT_EQ(res.body, R"({"status":"success","data":{"resultType":"matrix","result":[{"metric":{},)"
                      R"("values":[[1.500,"1.5"],[2,"2"],[2.500,"2.5"],[3,"3"]]}]}})");
}

TEST_F(QueryHandlersTest, InstantParameterErrors) {
  Start();
  auto check = [&](http::Params p, std::string_view message) {
    auto res = Do("GET", "/api/v1/query", std::move(p));
    EXPECT_EQ(res.status, 400);
    EXPECT_EQ(res.body, BadData(message));
  };
  check(
      {{"query", "up"}, {"time", "x"}},
      R"(invalid parameter "time": Invalid time value for 'time': cannot parse "x" to a valid timestamp)");
  check({{"query", "up"}, {"timeout", "soon"}},
        R"(invalid parameter "timeout": cannot parse "soon" to a valid duration)");
  check({{"query", "up"}, {"limit", "x"}},
        R"(invalid parameter "limit": strconv.Atoi: parsing "x": invalid syntax)");
  check({{"query", "up"}, {"limit", "-2"}},
        R"(invalid parameter "limit": limit must be non-negative)");
  check({{"query", "up"}, {"lookback_delta", "x"}},
        R"(error parsing lookback delta duration: cannot parse "x" to a valid duration)");
  check({{"query", "sum("}}, "invalid parameter \"query\": " + ParseError("sum("));
  check({}, "invalid parameter \"query\": " + ParseError(""));
}

TEST_F(QueryHandlersTest, RangeParameterErrors) {
  Start();
  auto check = [&](http::Params p, std::string_view message) {
    auto res = Do("GET", "/api/v1/query_range", std::move(p));
    EXPECT_EQ(res.status, 400);
    EXPECT_EQ(res.body, BadData(message));
  };
  check({{"query", "up"}, {"start", "x"}, {"end", "2"}, {"step", "1"}},
        R"(invalid parameter "start": cannot parse "x" to a valid timestamp)");
  check({{"query", "up"}, {"end", "2"}, {"step", "1"}},
        R"(invalid parameter "start": cannot parse "" to a valid timestamp)");
  check({{"query", "up"}, {"start", "1"}, {"end", "y"}, {"step", "1"}},
        R"(invalid parameter "end": cannot parse "y" to a valid timestamp)");
  check({{"query", "up"}, {"start", "3"}, {"end", "2"}, {"step", "1"}},
        R"(invalid parameter "end": end timestamp must not be before start time)");
  check({{"query", "up"}, {"start", "1"}, {"end", "2"}},
        R"(invalid parameter "step": cannot parse "" to a valid duration)");
  check({{"query", "up"}, {"start", "1"}, {"end", "2"}, {"step", "x"}},
        R"(invalid parameter "step": cannot parse "x" to a valid duration)");
  for (const char* step : {"0", "-1", "0s"}) {
    check({{"query", "up"}, {"start", "1"}, {"end", "2"}, {"step", step}},
          "invalid parameter \"step\": zero or negative query resolution step widths are not "
          "accepted. Try a positive integer");
  }
  check({{"query", "up"}, {"start", "0"}, {"end", "11001"}, {"step", "1"}},
        "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query "
        "resolution (?step=XX)");
  check({{"query", "up"}, {"start", "0"}, {"end", "1"}, {"step", "1"}, {"timeout", "-"}},
        R"(invalid parameter "timeout": cannot parse "-" to a valid duration)");
  check({{"query", "rate(up)"}, {"start", "0"}, {"end", "1"}, {"step", "1"}},
        "invalid parameter \"query\": " + ParseError("rate(up)"));
  check({{"query", "up[5m]"}, {"start", "0"}, {"end", "1"}, {"step", "1"}},
        "invalid parameter \"query\": invalid expression type \"range vector\" for range query, "
        "must be Scalar or instant Vector");
  check({{"query", "\"s\""}, {"start", "0"}, {"end", "1"}, {"step", "1"}},
        "invalid parameter \"query\": invalid expression type \"string\" for range query, "
        "must be Scalar or instant Vector");
  // 11,000 points exactly is allowed.
  EXPECT_EQ(Do("GET", "/api/v1/query_range",
               {{"query", "1"}, {"start", "0"}, {"end", "11000"}, {"step", "1"}})
                .status,
            200);
}

TEST_F(QueryHandlersTest, LimitTruncatesWithAWarning) {
  Start();
  auto res = Do("GET", "/api/v1/query", {{"query", "up"}, {"time", "1700000001"}, {"limit", "1"}});
  EXPECT_EQ(
      res.body,
      R"({"status":"success","data":{"resultType":"vector","result":[)"
      R"({"metric":{"__name__":"up","instance":"a","job":"node"},"value":[1700000001,"1"]}]},)"
      R"("warnings":["results truncated due to limit"]})");
  res = Do("GET", "/api/v1/query", {{"query", "up"}, {"time", "1700000001"}, {"limit", "2"}});
  EXPECT_EQ(res.body.find("warnings"), std::string::npos) << res.body;
}

// Annotations name the expression they are about by line:col in the query
// text, as Prometheus' annotations.AsStrings(query, 10, 10) writes them.
TEST_F(QueryHandlersTest, AnnotationsCarryTheirQueryPosition) {
  Start();
  auto res = Do("GET", "/api/v1/query", {{"query", "rate(up[5m])"}, {"time", "1700000001"}});
  EXPECT_NE(
      res.body.find(R"x("infos":["PromQL info: metric might not be a counter, name does not )x"
                    R"x(end in _total/_sum/_count/_bucket: \"up\" (1:6)"])x"),
      std::string::npos)
      << res.body;
  res = Do("GET", "/api/v1/query", {{"query", "quantile(\n  2, up)"}, {"time", "1700000001"}});
  EXPECT_NE(res.body.find(R"x("warnings":["PromQL warning: quantile value should be between 0 )x"
                          R"x(and 1, got 2 (2:3)"])x"),
            std::string::npos)
      << res.body;
}

TEST_F(QueryHandlersTest, StatsOnRequest) {
  Start();
  auto res =
      Do("GET", "/api/v1/query", {{"query", "up"}, {"time", "1700000001"}, {"stats", "all"}});
  EXPECT_EQ(res.status, 200);
  EXPECT_NE(res.body.find(R"(}],"stats":{"timings":{"evalTotalTime":)"), std::string::npos)
      << res.body;
  EXPECT_NE(res.body.find(R"(,"execTotalTime":)"), std::string::npos) << res.body;
  EXPECT_NE(res.body.find(R"("samples":{"totalQueryableSamples":)"), std::string::npos) << res.body;
  EXPECT_EQ(Do("GET", "/api/v1/query", {{"query", "up"}}).body.find("stats"), std::string::npos);
}

TEST_F(QueryHandlersTest, EvaluationErrorsUseTheEngineErrorType) {
  Append({"__name__", "other", "instance", "a", "job", "node"}, 1'699'999'990'000, 1);
  Start();
  auto res = Do("GET", "/api/v1/query",
                {{"query", "-{__name__=~\"up|other\",instance=\"a\"}"}, {"time", "1700000001"}});
  EXPECT_EQ(res.status, 422) << res.body;
  EXPECT_NE(res.body.find(R"({"status":"error","errorType":"execution","error":)"),
            std::string::npos)
      << res.body;
}

TEST_F(QueryHandlersTest, TooManySamplesIsAnExecutionError) {
  engine_options_.max_samples = 1;
  Start();
  auto res = Do("GET", "/api/v1/query", {{"query", "up"}, {"time", "1700000001"}});
  EXPECT_EQ(res.status, 422) << res.body;
  EXPECT_EQ(res.body,
            R"({"status":"error","errorType":"execution","error":"query processing would load )"
            R"(too many samples into memory in query execution"})");
}

TEST_F(QueryHandlersTest, FormatQuery) {
  Start();
  auto res = Do("GET", "/api/v1/format_query", {{"query", "sum(rate(x[5m]))by(a)"}});
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body, R"js({"status":"success","data":"sum by (a) (rate(x[5m]))"})js");
  res = Do("POST", "/api/v1/format_query", {{"query", "x{a=\"<\"}"}});
  EXPECT_EQ(res.body, R"({"status":"success","data":"x{a=\"\u003c\"}"})");
  res = Do("GET", "/api/v1/format_query", {{"query", "sum("}});
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(res.body, BadData("invalid parameter \"query\": " + ParseError("sum(")));
}

TEST_F(QueryHandlersTest, QueryExemplarsAreEmptyButValidated) {
  Start();
  auto res = Do("GET", "/api/v1/query_exemplars", {{"query", "up"}});
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body, R"({"status":"success","data":[]})");
  res = Do("GET", "/api/v1/query_exemplars", {{"query", "1 + 1"}});
  EXPECT_EQ(res.status, 204);
  EXPECT_EQ(res.body, "");
  res = Do("GET", "/api/v1/query_exemplars", {{"query", "up("}});
  EXPECT_EQ(res.body, BadData(ParseError("up(")));
  res = Do("GET", "/api/v1/query_exemplars", {{"query", "up"}, {"start", "3"}, {"end", "2"}});
  EXPECT_EQ(res.body, BadData("end timestamp must not be before start timestamp"));
  res = Do("GET", "/api/v1/query_exemplars", {{"query", "up"}, {"start", "x"}});
  EXPECT_EQ(res.body, BadData(R"(invalid parameter "start": Invalid time value for 'start': )"
                              R"(cannot parse "x" to a valid timestamp)"));
}

}  // namespace
}  // namespace vigil::api::query
