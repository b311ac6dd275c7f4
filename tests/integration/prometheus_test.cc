// Interop with the real Prometheus (Debian's package, 2.42): a Prometheus
// whose remote_read points at Vigil answers PromQL over Vigil's data.
#include <gtest/gtest.h>

#include <fstream>

#include "tests/integration/harness.h"

namespace vigil::itest {
namespace {

std::string FindPrometheus() {
  for (const char* p : {"/usr/bin/prometheus", "/usr/local/bin/prometheus"}) {
    if (access(p, X_OK) == 0) return p;
  }
  return "";
}

// The value of a one-element instant-query result, as text.
std::string ScalarResult(const std::string& body) {
  // ... "value":[1700003600,"7200"] ...
  size_t at = body.find("\"value\":[");
  size_t q1 = at == std::string::npos ? at : body.find(",\"", at);
  size_t q2 = q1 == std::string::npos ? q1 : body.find('"', q1 + 2);
  if (q2 == std::string::npos) return "no value in " + body;
  return body.substr(q1 + 2, q2 - q1 - 2);
}

TEST(PrometheusInteropTest, RemoteReadAnswersPromQLOverVigilsData) {
  std::string prom = FindPrometheus();
  ASSERT_FALSE(prom.empty()) << "prometheus is not installed (scripts/setup.sh installs it)";
  TempDir dir;
  auto v = Vigil::Start(dir.path() + "/vigil");

  // 30 series x 240 samples at 15 s, all within the hour before t_end.
  const int64_t t_end = 1'700'003'600'000;
  const int64_t t0 = t_end - 10'000 - 239 * 15'000;
  std::vector<TestSeries> batch;
  for (int i = 0; i < 30; ++i) {
    TestSeries s;
    s.labels = {{"__name__", "x"}, {"instance", "host-" + std::to_string(i)}, {"job", "interop"}};
    for (int k = 0; k < 240; ++k) s.samples.push_back({t0 + k * 15'000, static_cast<double>(k)});
    batch.push_back(std::move(s));
  }
  ASSERT_EQ(RemoteWrite(*v, batch).status, 204);

  std::string cfg = dir.path() + "/prometheus.yml";
  std::ofstream(cfg) << "global:\n  scrape_interval: 1h\n"
                     << "remote_read:\n  - url: " << v->Url("/api/v1/read") << "\n"
                     << "    read_recent: true\n";
  int port = FreePort();
  std::string base = "http://127.0.0.1:" + std::to_string(port);
  auto p =
      Process::Spawn({prom, "--config.file=" + cfg, "--storage.tsdb.path=" + dir.path() + "/prom",
                      "--web.listen-address=127.0.0.1:" + std::to_string(port)},
                     dir.path() + "/prometheus.log");
  ASSERT_TRUE(WaitForHttp200(base + "/-/ready", 60000)) << p->Log();

  std::string at = std::to_string(t_end / 1000);
  HttpResult r = HttpGet(base + "/api/v1/query?query=sum(count_over_time(x%5B1h%5D))&time=" + at);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(ScalarResult(r.body), std::to_string(30 * 240)) << r.body;

  r = HttpGet(base + "/api/v1/query?query=count(x)&time=" + at);
  EXPECT_EQ(ScalarResult(r.body), "30") << r.body;
  r = HttpGet(base + "/api/v1/query?query=max(x%7Binstance%3D%22host-7%22%7D)&time=" + at);
  EXPECT_EQ(ScalarResult(r.body), "239") << r.body;
  EXPECT_EQ(p->Terminate(), 0);
}

}  // namespace
}  // namespace vigil::itest
