#include "api/api.h"

#include <gtest/gtest.h>

#include "api/remote/fake_storage_test_util.h"
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
  // A code point that is no rune leaves the name escaped, as model.UnescapeName.
  res = Do("GET", "/api/v1/label/U__a_110000_/values");
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body, R"({"status":"success","data":[]})");
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

// A Storage whose series bypass label validation (the TSDB refuses invalid
// UTF-8), so the API's escaping of any bytes can be checked.
class UncheckedStorage : public storage::Storage {
 public:
  remote::testing::FakeStorage data;

  std::unique_ptr<storage::Appender> NewAppender() override { return data.NewAppender(); }
  Result<std::unique_ptr<storage::Querier>> NewQuerier(int64_t mint, int64_t maxt) override {
    return data.NewQuerier(mint, maxt);
  }
  std::vector<std::pair<std::string, storage::MetricMetadata>> Metadata(std::string_view,
                                                                        size_t) override {
    return {};
  }
  Status Delete(int64_t, int64_t, const std::vector<model::Matcher>&) override {
    return Status::OK();
  }
  Status CleanTombstones() override { return Status::OK(); }
  storage::TsdbStatus HeadStatus(size_t) override { return {}; }
  int64_t MinTime() override { return kMaxTime; }
  int64_t MaxTime() override { return kMinTime; }
};

// Prometheus writes the label sets of /api/v1/series with its labels.Labels
// encoder (jsoniter's plain WriteString: no HTML escaping, bytes unchecked)
// and the []string of /labels and /label/<name>/values with jsoniter's
// standard string encoder (HTML escaping, invalid UTF-8 as \ufffd, U+2028
// escaped). A generic JSON writer gets both wrong.
TEST(ApiEscapingTest, SeriesAndLabelListsUsePrometheusEscaping) {
  const std::string value = "<a&b>\xe2\x80\xa8\x01\xff";
  UncheckedStorage st;
  st.data.Add(model::Labels::FromStrings({"__name__", "up", "x", value}), {{1000, 1}});
  http::Router router;
  StorageApiOptions o;
  o.storage = &st;
  RegisterStorageApi(&router, o);
  auto get = [&](const std::string& path, http::Params query) {
    http::Request req;
    req.method = "GET";
    req.path = path;
    req.query = std::move(query);
    http::Response res = router.Serve(req);
    EXPECT_NE(res.status, 404) << path;
    return res.body;
  };
  EXPECT_EQ(get("/api/v1/series", {{"match[]", "up"}}),
            "{\"status\":\"success\",\"data\":[{\"__name__\":\"up\",\"x\":\"<a&b>\xe2\x80\xa8"
            "\\u0001\xff\"}]}");
  EXPECT_EQ(get("/api/v1/label/x/values", {}),
            R"({"status":"success","data":["\u003ca\u0026b\u003e\u2028\u0001\ufffd"]})");
  st.data.Add(model::Labels::FromStrings({"__name__", "up", value, "1"}), {{1000, 1}});
  EXPECT_EQ(get("/api/v1/labels", {}),
            R"({"status":"success","data":["\u003ca\u0026b\u003e\u2028\u0001\ufffd",)"
            R"("__name__","x"]})");
}

}  // namespace
}  // namespace vigil::api
