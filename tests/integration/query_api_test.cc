// The query API of the real binary: the --query.* flags reach the engine and
// /api/v1/status/flags, the status pages describe the running process, and
// queries answer over data written by remote_write (GET and form POST).
#include <gtest/gtest.h>

#include <fstream>

#include "tests/integration/harness.h"

namespace vigil::itest {
namespace {

constexpr int64_t kT0 = 1'700'000'000'000;

// Two series of the job "q", a sample every 15 s for ten minutes.
std::vector<TestSeries> Data() {
  std::vector<TestSeries> out;
  for (int i = 0; i < 2; ++i) {
    TestSeries s;
    s.labels = {{"__name__", "q_metric"}, {"i", std::to_string(i)}, {"job", "q"}};
    for (int k = 0; k <= 40; ++k) s.samples.push_back({kT0 + k * 15'000, k * 0.5 + i});
    out.push_back(std::move(s));
  }
  return out;
}

std::string Query(const Vigil& v, const std::string& q, int64_t at_ms) {
  return v.Url("/api/v1/query?" +
               FormEncode({{"query", q}, {"time", std::to_string(at_ms / 1000)}}));
}

TEST(QueryApiTest, InstantAndRangeQueriesOverWrittenData) {
  TempDir dir;
  auto v = Vigil::Start(dir.path() + "/data");
  ASSERT_EQ(RemoteWrite(*v, Data()).status, 204);

  HttpResult r = HttpGet(Query(*v, "sum(q_metric)", kT0 + 600'000));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"status":"success","data":{"resultType":"vector","result":[)"
                    R"({"metric":{},"value":[1700000600,"41"]}]}})");
  EXPECT_EQ(r.headers["content-type"], "application/json");

  std::string form = FormEncode({{"query", "q_metric{i=\"1\"}"},
                                 {"start", "1700000000"},
                                 {"end", "1700000030.5"},
                                 {"step", "15s"}});
  r = HttpPost(v->Url("/api/v1/query_range"), form,
               {"Content-Type: application/x-www-form-urlencoded"});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"status":"success","data":{"resultType":"matrix","result":[)"
                    R"({"metric":{"__name__":"q_metric","i":"1","job":"q"},)"
                    R"("values":[[1700000000,"1"],[1700000015,"1.5"],[1700000030,"2"]]}]}})");

  r = HttpGet(v->Url("/api/v1/format_query?" + FormEncode({{"query", "sum(q_metric)by(job)"}})));
  EXPECT_EQ(r.body, R"js({"status":"success","data":"sum by (job) (q_metric)"})js");
}

TEST(QueryApiTest, QueryFlagsReachTheEngineAndTheFlagsPage) {
  TempDir dir;
  auto v = Vigil::Start(dir.path() + "/data", {"--query.max-samples=1", "--query.lookback-delta=1m",
                                               "--query.timeout=30s", "--query.max-concurrency=3"});
  ASSERT_EQ(RemoteWrite(*v, Data()).status, 204);

  // Two series: two samples in memory, one more than allowed.
  HttpResult r = HttpGet(Query(*v, "q_metric", kT0 + 600'000));
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(r.body, R"({"status":"error","errorType":"execution","error":"query processing )"
                    R"(would load too many samples into memory in query execution"})");
  // The newest sample is 90 s old: beyond a 1m lookback.
  r = HttpGet(Query(*v, "count(q_metric{i=\"0\"})", kT0 + 690'000));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"status":"success","data":{"resultType":"vector","result":[]}})");

  r = HttpGet(v->Url("/api/v1/status/flags"));
  EXPECT_EQ(r.status, 200);
  for (const char* kv : {R"("query.lookback-delta":"1m")", R"("query.max-concurrency":"3")",
                         R"("query.max-samples":"1")", R"("query.timeout":"30s")",
                         R"("web.enable-admin-api":"false")"}) {
    EXPECT_NE(r.body.find(kv), std::string::npos) << kv << " in " << r.body;
  }
}

TEST(QueryApiTest, ZeroConcurrencyIsRefusedAtStart) {
  TempDir dir;
  EXPECT_THROW(Vigil::Start(dir.path() + "/data", {"--query.max-concurrency=0"}),
               std::runtime_error);
  EXPECT_NE(ReadFileOrEmpty(dir.path() + "/data.log").find("--query.max-concurrency"),
            std::string::npos);
}

TEST(QueryApiTest, StatusPagesDescribeTheProcess) {
  TempDir dir;
  std::string cfg = dir.path() + "/vigil.yml";
  std::ofstream(cfg) << "remote_write:\n  - url: http://127.0.0.1:1/w\n    basic_auth:\n"
                     << "      username: u\n      password: hunter2\n"
                     << "vigil:\n  query:\n    max_samples: 1000\n";
  auto v = Vigil::Start(dir.path() + "/data", {"--config.file=" + cfg});
  ASSERT_EQ(RemoteWrite(*v, Data()).status, 204);

  HttpResult r = HttpGet(v->Url("/api/v1/status/buildinfo"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body.rfind(R"({"status":"success","data":{"version":")", 0), 0u) << r.body;
  r = HttpGet(v->Url("/api/v1/status/runtimeinfo"));
  EXPECT_NE(r.body.find(R"("storageRetention":"15d")"), std::string::npos) << r.body;
  r = HttpGet(v->Url("/api/v1/status/config"));
  EXPECT_EQ(r.body,
            R"({"status":"success","data":{"yaml":"remote_write:\n  - url: )"
            R"(http://127.0.0.1:1/w\n    basic_auth:\n      username: u\n      )"
            R"(password: \u003csecret\u003e\nvigil:\n  query:\n    max_samples: 1000\n"}})");
  r = HttpGet(v->Url("/api/v1/status/tsdb"));
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find(R"("headStats":{"numSeries":2,)"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(R"("seriesCountByMetricName":[{"name":"q_metric","value":2}])"),
            std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find(R"({"name":"job=q","value":2})"), std::string::npos) << r.body;
  r = HttpGet(v->Url("/api/v1/status/tsdb?limit=0"));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, R"({"status":"error","errorType":"bad_data","error":"limit must be a )"
                    R"(positive number"})");
  r = HttpGet(v->Url("/api/v1/query_exemplars?query=q_metric"));
  EXPECT_EQ(r.body, R"({"status":"success","data":[]})");
  r = HttpGet(v->Url("/api/v1/metadata"));
  EXPECT_EQ(r.status, 200);
}

}  // namespace
}  // namespace vigil::itest
