#include <gtest/gtest.h>

#include "api/query/query_api.h"
#include "api/query/test_fixture.h"

namespace vigil::api::query {
namespace {

using StatusApiTest = testing::QueryApiTest;

TEST_F(StatusApiTest, BuildInfoKeepsPrometheusKeys) {
  options_.build = {"0.1.0", "abc123", "main", "ci", "20261201-08:00:00", "gcc 12.2.0"};
  Register();
  auto res = Do("GET", "/api/v1/status/buildinfo");
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body,
            R"({"status":"success","data":{"version":"0.1.0","revision":"abc123","branch":"main",)"
            R"("buildUser":"ci","buildDate":"20261201-08:00:00","goVersion":"gcc 12.2.0"}})");
}

TEST_F(StatusApiTest, RuntimeInfoInPrometheusOrder) {
  options_.runtime.start_time_ms = 1'700'000'000'123;
  options_.runtime.cwd = "/srv";
  options_.runtime.hostname = "box";
  options_.runtime.last_config_time_ms = 1'700'000'000'900;
  options_.runtime.storage_retention = FormatRetention(15 * kDay, 0);
  options_.runtime.gomaxprocs = 2;
  options_.runtime.corruption_count = [] { return int64_t{3}; };
  now_ms_ = 1'700'000'060'000;
  Register();
  auto res = Do("GET", "/api/v1/status/runtimeinfo");
  EXPECT_EQ(res.status, 200);
  std::string body = res.body;
  // goroutineCount is the live thread count: check around it.
  size_t g = body.find(R"("goroutineCount":)");
  ASSERT_NE(g, std::string::npos) << body;
  EXPECT_EQ(body.substr(0, g),
            R"({"status":"success","data":{"startTime":"2023-11-14T22:13:20.123Z","CWD":"/srv",)"
            R"("hostname":"box","serverTime":"2023-11-14T22:14:20Z","reloadConfigSuccess":true,)"
            R"("lastConfigTime":"2023-11-14T22:13:20Z","corruptionCount":3,)");
  EXPECT_NE(body.find(R"(,"GOMAXPROCS":2,"GOMEMLIMIT":9223372036854775807,"GOGC":"",)"
                      R"("GODEBUG":"","storageRetention":"15d"}})"),
            std::string::npos)
      << body;
}

TEST_F(StatusApiTest, RetentionSpelledAsPrometheus) {
  EXPECT_EQ(FormatRetention(15 * kDay, 0), "15d");
  EXPECT_EQ(FormatRetention(14 * kDay, 0), "2w");
  EXPECT_EQ(FormatRetention(90 * kDay, 0), "90d");
  EXPECT_EQ(FormatRetention(365 * kDay, 0), "1y");
  EXPECT_EQ(FormatRetention(kHour + 30 * kMinute, 0), "1h30m");
  EXPECT_EQ(FormatRetention(15 * kDay, 10ull << 30), "15d or 10GiB");
  EXPECT_EQ(FormatRetention(0, 1536), "1KiB512B");
  EXPECT_EQ(FormatRetention(0, 0), "");
}

TEST_F(StatusApiTest, FlagsAreSortedByName) {
  options_.flags = {{"storage.tsdb.path", "/data"}, {"query.timeout", "2m"}, {"a<b", "x&y"}};
  Register();
  EXPECT_EQ(Do("GET", "/api/v1/status/flags").body,
            R"({"status":"success","data":{"a\u003cb":"x\u0026y","query.timeout":"2m",)"
            R"("storage.tsdb.path":"/data"}})");
}

TEST_F(StatusApiTest, ConfigIsTheFileText) {
  options_.config_yaml = "global:\n  scrape_interval: 15s\n";
  Register();
  EXPECT_EQ(Do("GET", "/api/v1/status/config").body,
            R"({"status":"success","data":{"yaml":"global:\n  scrape_interval: 15s\n"}})");
}

TEST_F(StatusApiTest, TsdbStatusOfAnEmptyHeadUsesPrometheusSentinels) {
  Register();
  EXPECT_EQ(Do("GET", "/api/v1/status/tsdb").body,
            R"({"status":"success","data":{"headStats":{"numSeries":0,"numLabelPairs":0,)"
            R"("chunkCount":0,"minTime":9223372036854775807,"maxTime":-9223372036854775808},)"
            R"("seriesCountByMetricName":[],"labelValueCountByLabelName":[],)"
            R"("memoryInBytesByLabelName":[],"seriesCountByLabelValuePair":[]}})");
}

TEST_F(StatusApiTest, TsdbStatusCountsAndLimit) {
  Append({"__name__", "up", "job", "a"}, 1'000, 1);
  Append({"__name__", "up", "job", "b"}, 2'000, 1);
  Append({"__name__", "x", "job", "a"}, 3'000, 1);
  Register();
  auto res = Do("GET", "/api/v1/status/tsdb", {{"limit", "1"}});
  EXPECT_EQ(res.status, 200);
  EXPECT_NE(res.body.find(R"("headStats":{"numSeries":3,)"), std::string::npos) << res.body;
  EXPECT_NE(res.body.find(R"("minTime":1000,"maxTime":3000})"), std::string::npos) << res.body;
  EXPECT_NE(res.body.find(R"("seriesCountByMetricName":[{"name":"up","value":2}])"),
            std::string::npos)
      << res.body;
  EXPECT_NE(res.body.find(R"("seriesCountByLabelValuePair":[{"name":)"), std::string::npos)
      << res.body;
  for (const char* bad : {"0", "-1", "x"}) {
    res = Do("GET", "/api/v1/status/tsdb", {{"limit", bad}});
    EXPECT_EQ(res.status, 400);
    EXPECT_EQ(
        res.body,
        R"({"status":"error","errorType":"bad_data","error":"limit must be a positive number"})");
  }
}

TEST_F(StatusApiTest, MetadataPerMetricFamily) {
  auto app = db_->NewAppender();
  app->UpdateMetadata("http_requests_total",
                      {storage::MetricMetadata::Type::kCounter, "Requests <served>.", ""});
  app->UpdateMetadata("temp_celsius", {storage::MetricMetadata::Type::kGauge, "Temp.", "celsius"});
  ASSERT_TRUE(app->Commit().ok());
  Register();
  EXPECT_EQ(Do("GET", "/api/v1/metadata").body,
            R"({"status":"success","data":{"http_requests_total":[{"type":"counter",)"
            R"("help":"Requests \u003cserved\u003e.","unit":""}],)"
            R"("temp_celsius":[{"type":"gauge","help":"Temp.","unit":"celsius"}]}})");
  EXPECT_EQ(Do("GET", "/api/v1/metadata", {{"metric", "temp_celsius"}}).body,
            R"({"status":"success","data":{"temp_celsius":[{"type":"gauge","help":"Temp.",)"
            R"("unit":"celsius"}]}})");
  EXPECT_EQ(Do("GET", "/api/v1/metadata", {{"limit", "1"}}).body,
            R"({"status":"success","data":{"http_requests_total":[{"type":"counter",)"
            R"("help":"Requests \u003cserved\u003e.","unit":""}]}})");
  EXPECT_EQ(Do("GET", "/api/v1/metadata", {{"limit", "0"}}).body,
            R"({"status":"success","data":{}})");
  EXPECT_EQ(Do("GET", "/api/v1/metadata", {{"metric", "nope"}}).body,
            R"({"status":"success","data":{}})");
  auto res = Do("GET", "/api/v1/metadata", {{"limit", "x"}});
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(res.body,
            R"({"status":"error","errorType":"bad_data","error":"limit must be a number"})");
  res = Do("GET", "/api/v1/metadata", {{"limit_per_metric", "1.5"}});
  EXPECT_EQ(
      res.body,
      R"({"status":"error","errorType":"bad_data","error":"limit_per_metric must be a number"})");
}

TEST_F(StatusApiTest, PlaceholdersAreEmptyResultsInPrometheusShape) {
  Register();
  EXPECT_EQ(Do("GET", "/api/v1/rules").body, R"({"status":"success","data":{"groups":[]}})");
  EXPECT_EQ(Do("GET", "/api/v1/alerts").body, R"({"status":"success","data":{"alerts":[]}})");
  EXPECT_EQ(Do("GET", "/api/v1/alertmanagers").body,
            R"({"status":"success","data":{"activeAlertmanagers":[],"droppedAlertmanagers":[]}})");
  EXPECT_EQ(Do("GET", "/api/v1/status/walreplay").body,
            R"({"status":"success","data":{"min":0,"max":0,"current":0}})");
}

TEST_F(StatusApiTest, NotReadyAnswers503) {
  Register();
  ready_ = false;
  auto res = Do("GET", "/api/v1/status/buildinfo");
  EXPECT_EQ(res.status, 503);
  EXPECT_EQ(res.body, "Service Unavailable");
  ready_ = true;
  EXPECT_EQ(Do("GET", "/api/v1/status/buildinfo").status, 200);
}

}  // namespace
}  // namespace vigil::api::query
