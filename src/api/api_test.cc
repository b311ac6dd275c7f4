#include "api/api.h"

#include <gtest/gtest.h>

#include "api/json.h"
#include "storage/tsdb/db.h"
#include "storage/tsdb/test_util.h"

namespace vigil::api {
namespace {

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tsdb::DbOptions o;
    o.compaction_interval_ms = 0;
    o.registry = &registry_;
    auto db = tsdb::DB::Open(dir_.path(), o);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
    StorageApiOptions ao;
    ao.storage = db_.get();
    ao.registry = &registry_;
    ao.ready = &ready_;
    ao.enable_admin_api = true;
    RegisterStorageApi(&router_, ao);
    for (auto ls : {tsdb::testing::L({"__name__", "up", "job", "a"}),
                    tsdb::testing::L({"__name__", "up", "job", "b"}),
                    tsdb::testing::L({"__name__", "my.metric", "a.b", "ü"})}) {
      tsdb::testing::AppendOne(db_.get(), ls, 1'700'000'000'000, 1);
    }
  }

  http::Response Do(std::string method, std::string path, http::Params query = {}) {
    http::Request req;
    req.method = method;
    req.path = path;
    req.query = std::move(query);
    http::Response res;
    auto m = router_.Find(method, path);
    EXPECT_NE(m.route, nullptr) << path;
    if (m.route != nullptr) m.route->handler(req, res);
    return res;
  }

  tsdb::testing::TempDir dir_;
  metrics::Registry registry_;
  std::atomic<bool> ready_{true};
  std::unique_ptr<tsdb::DB> db_;
  http::Router router_;
};

TEST_F(ApiTest, SeriesAreSortedAndUnionedAcrossMatchers) {
  auto res =
      Do("GET", "/api/v1/series", {{"match[]", "up{job=\"b\"}"}, {"match[]", "{job=~\"a|b\"}"}});
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(
      res.body,
      R"({"status":"success","data":[{"__name__":"up","job":"a"},{"__name__":"up","job":"b"}]})");
}

TEST_F(ApiTest, Utf8NamesInSelectorsAndEscapedPaths) {
  auto res = Do("GET", "/api/v1/series", {{"match[]", R"({"my.metric"})"}});
  EXPECT_EQ(res.body, R"({"status":"success","data":[{"__name__":"my.metric","a.b":"ü"}]})");
  // Prometheus 3's U__ escaping of label names in URL paths: "a.b" is U__a_2e_b.
  res = Do("GET", "/api/v1/label/U__a_2e_b/values");
  EXPECT_EQ(res.body, R"({"status":"success","data":["ü"]})");
}

TEST_F(ApiTest, ErrorsUsePrometheusEnvelope) {
  auto res = Do("GET", "/api/v1/series");
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(res.body,
            R"({"status":"error","errorType":"bad_data","error":"no match[] parameter provided"})");
  res = Do("GET", "/api/v1/labels", {{"start", "yesterday"}});
  EXPECT_EQ(res.status, 400);
  EXPECT_NE(res.body.find(R"(invalid parameter \"start\": cannot parse \"yesterday\")"),
            std::string::npos)
      << res.body;
  res = Do("GET", "/api/v1/series", {{"match[]", "up"}, {"limit", "-1"}});
  EXPECT_EQ(res.status, 400);
  res = Do("GET", "/api/v1/label/job/other");
  EXPECT_EQ(res.status, 404);
}

TEST_F(ApiTest, LabelsAndValuesHonourMatchersAndRanges) {
  auto res = Do("GET", "/api/v1/labels", {{"match[]", "up"}});
  EXPECT_EQ(res.body, R"({"status":"success","data":["__name__","job"]})");
  res = Do("GET", "/api/v1/label/job/values", {{"start", "0"}, {"end", "1000"}});
  EXPECT_EQ(res.body, R"({"status":"success","data":[]})");
}

TEST_F(ApiTest, DeleteSeriesRemovesFromQueries) {
  auto res = Do("POST", "/api/v1/admin/tsdb/delete_series", {{"match[]", "up{job=\"a\"}"}});
  EXPECT_EQ(res.status, 204);
  res = Do("GET", "/api/v1/series", {{"match[]", "up"}});
  EXPECT_EQ(res.body, R"({"status":"success","data":[{"__name__":"up","job":"b"}]})");
}

TEST_F(ApiTest, ReadinessAndMetrics) {
  ready_ = false;
  EXPECT_EQ(Do("GET", "/-/ready").status, 503);
  ready_ = true;
  EXPECT_EQ(Do("GET", "/-/ready").status, 200);
  EXPECT_EQ(Do("GET", "/-/healthy").status, 200);
  auto m = Do("GET", "/metrics");
  EXPECT_NE(m.body.find("vigil_tsdb_head_series 3"), std::string::npos);
}

TEST(JsonWriterTest, EscapesStrings) {
  JsonWriter w;
  w.StartObject();
  w.KV("k\"", "line\nbreak \x01 ü");
  w.Key("n");
  w.Double(0.1);
  w.EndObject();
  EXPECT_EQ(w.Take(), "{\"k\\\"\":\"line\\nbreak \\u0001 ü\",\"n\":0.1}");
}

}  // namespace
}  // namespace vigil::api
