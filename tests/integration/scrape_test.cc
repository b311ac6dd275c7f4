// Scraping end to end: the real vigil binary scrapes real targets (Debian's
// prometheus-node-exporter, and fixture servers of the test's own) next to a
// real Prometheus, and the results are compared through the HTTP APIs.
#include <gtest/gtest.h>
#include <signal.h>
#include <simdjson.h>

#include <atomic>
#include <fstream>
#include <set>
#include <thread>

#include "base/time.h"
#include "collect/httpclient/testing_http_server.h"
#include "tests/integration/harness.h"

namespace vigil::itest {
namespace {

using httpclient::testing::Reply;
using httpclient::testing::TestConn;
using httpclient::testing::TestRequest;
using httpclient::testing::TestServer;

std::string Escape(const std::string& q) { return FormEncode({{"query", q}}).substr(6); }

// The label sets of /api/v1/series (as sorted "a=b,c=d" strings).
std::set<std::string> SeriesSet(const std::string& base, const std::string& match, int64_t start,
                                int64_t end) {
  HttpResult r = HttpGet(
      base + "/api/v1/series?" +
      FormEncode(
          {{"match[]", match}, {"start", std::to_string(start)}, {"end", std::to_string(end)}}));
  std::set<std::string> out;
  simdjson::dom::parser p;
  simdjson::dom::element doc;
  if (r.status != 200 || p.parse(r.body).get(doc)) return {"error: " + r.body};
  for (simdjson::dom::object o : doc["data"].get_array()) {
    std::vector<std::string> kv;
    for (auto field : o) {
      kv.push_back(std::string(field.key) + "=" + std::string(field.value.get_string().value()));
    }
    std::sort(kv.begin(), kv.end());
    std::string s;
    for (auto& x : kv) s += x + ",";
    out.insert(s);
  }
  return out;
}

// The single value of an instant query's vector result (NaN if absent), and
// the number of elements.
std::pair<double, size_t> Instant(const std::string& base, const std::string& q, int64_t at = 0) {
  std::string url = base + "/api/v1/query?query=" + Escape(q);
  if (at != 0) url += "&time=" + std::to_string(at);
  HttpResult r = HttpGet(url);
  simdjson::dom::parser p;
  simdjson::dom::element doc;
  if (r.status != 200 || p.parse(r.body).get(doc)) return {std::nan(""), 0};
  simdjson::dom::array result = doc["data"]["result"].get_array();
  if (result.size() == 0) return {std::nan(""), 0};
  std::string_view v = (*result.begin())["value"].get_array().at(1).get_string().value();
  return {std::stod(std::string(v)), result.size()};
}

std::string Targets(const Vigil& v) { return HttpGet(v.Url("/api/v1/targets")).body; }

template <typename F>
bool WaitFor(F cond, int timeout_ms = 20000) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return cond();
}

HttpResult Reload(const Vigil& v) { return HttpPost(v.Url("/-/reload"), "", {}); }

TEST(ScrapeTest, NodeExporterGivesTheSameSeriesInVigilAndPrometheus) {
  std::string ne = FindExecutable({"/usr/bin/prometheus-node-exporter"});
  std::string prom = FindExecutable({"/usr/bin/prometheus"});
  if (ne.empty() || prom.empty()) GTEST_SKIP() << "needs prometheus-node-exporter and prometheus";
  TempDir dir;
  int ne_port = FreePort();
  std::string ne_addr = "127.0.0.1:" + std::to_string(ne_port);
  // Collectors whose series depend on the moment (new processes' threads,
  // arp entries...) are off so that both sides see one stable set.
  auto exporter = Process::Spawn({ne, "--web.listen-address=" + ne_addr}, dir.path() + "/ne.log");
  ASSERT_TRUE(WaitForHttp200("http://" + ne_addr + "/metrics", 20000)) << exporter->Log();

  std::string cfg = dir.path() + "/scrape.yml";
  WriteTextFile(cfg,
                "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
                "scrape_configs:\n  - job_name: node\n    static_configs:\n"
                "      - targets: ['" +
                    ne_addr + "']\n");
  auto v = Vigil::Start(dir.path() + "/vigil", {"--config", cfg});
  int prom_port = FreePort();
  std::string pbase = "http://127.0.0.1:" + std::to_string(prom_port);
  auto p =
      Process::Spawn({prom, "--config.file=" + cfg, "--storage.tsdb.path=" + dir.path() + "/prom",
                      "--web.listen-address=127.0.0.1:" + std::to_string(prom_port)},
                     dir.path() + "/prometheus.log");
  ASSERT_TRUE(WaitForHttp200(pbase + "/-/ready", 60000)) << p->Log();
  // Both scrape for a while; then compare the same window. Prometheus
  // starts scraping only at its discovery manager's first 5 s tick.
  const int64_t start = NowMillis() / 1000 + 7;
  std::this_thread::sleep_for(std::chrono::seconds(17));
  const int64_t end = NowMillis() / 1000 - 1;
  const std::string match =
      R"({__name__=~"node_.+",__name__!~"node_scrape_collector_duration_seconds"})";
  std::set<std::string> ours = SeriesSet(v->Url(""), match, start, end);
  std::set<std::string> theirs = SeriesSet(pbase, match, start, end);
  ASSERT_GT(theirs.size(), 100u);
  std::vector<std::string> only_ours, only_theirs;
  std::set_difference(ours.begin(), ours.end(), theirs.begin(), theirs.end(),
                      std::back_inserter(only_ours));
  std::set_difference(theirs.begin(), theirs.end(), ours.begin(), ours.end(),
                      std::back_inserter(only_theirs));
  EXPECT_TRUE(only_ours.empty() && only_theirs.empty())
      << only_ours.size() << " only in Vigil (first: " << (only_ours.empty() ? "" : only_ours[0])
      << "), " << only_theirs.size()
      << " only in Prometheus (first: " << (only_theirs.empty() ? "" : only_theirs[0]) << ")";
  // Sample counts over the window agree to within one scrape.
  const std::string q = "count_over_time(node_load1[" + std::to_string(end - start) + "s])";
  double n_ours = Instant(v->Url(""), q, end).first;
  double n_theirs = Instant(pbase, q, end).first;
  EXPECT_GE(n_ours, 5);
  EXPECT_NEAR(n_ours, n_theirs, 1.0);
  EXPECT_EQ(p->Terminate(), 0);
  exporter->Terminate();
}

// A target whose series change between scrapes.
class ChangingTarget {
 public:
  ChangingTarget()
      : server_([this](const TestRequest& req, TestConn& c) {
          std::string body;
          {
            std::lock_guard<std::mutex> lock(mu_);
            body = page_;
          }
          (void)req;
          c.Write(Reply(200, body, {{"Content-Type", "text/plain; version=0.0.4"}}, "OK"));
        }) {}
  void Set(std::string page) {
    std::lock_guard<std::mutex> lock(mu_);
    page_ = std::move(page);
  }
  std::string Addr() const { return "127.0.0.1:" + std::to_string(server_.port()); }

 private:
  std::mutex mu_;
  std::string page_;
  TestServer server_;
};

TEST(ScrapeTest, SeriesThatVanishGetStaleAndLeaveInstantQueriesWithinAnInterval) {
  ChangingTarget target;
  target.Set("# TYPE m gauge\nm{a=\"1\"} 1\nm{a=\"2\"} 2\n");
  TempDir dir;
  std::string cfg = dir.path() + "/scrape.yml";
  WriteTextFile(cfg,
                "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
                "scrape_configs:\n  - job_name: fixture\n    static_configs:\n"
                "      - targets: ['" +
                    target.Addr() + "']\n");
  auto v = Vigil::Start(dir.path() + "/vigil", {"--config", cfg});
  ASSERT_TRUE(WaitFor([&] { return Instant(v->Url(""), "count(m)").first == 2; })) << Targets(*v);
  // The page's metadata reaches /api/v1/metadata, as in Prometheus.
  EXPECT_NE(HttpGet(v->Url("/api/v1/metadata?metric=m")).body.find("\"type\":\"gauge\""),
            std::string::npos);
  target.Set("# TYPE m gauge\nm{a=\"1\"} 1\n");
  auto changed = std::chrono::steady_clock::now();
  ASSERT_TRUE(WaitFor([&] { return Instant(v->Url(""), "count(m)").first == 1; }, 5000));
  // Gone within one interval of the next scrape (1 s), not after the 5 min lookback.
  EXPECT_LT(std::chrono::steady_clock::now() - changed, std::chrono::milliseconds(2500));
  // The marker is a real sample: the series has one more point than values.
  EXPECT_EQ(Instant(v->Url(""), "up{job=\"fixture\"}").first, 1);
}

TEST(ScrapeTest, BadTargetsGetUpZeroAndAReasonAndDoNotDisturbOthers) {
  std::atomic<bool> stop{false};
  TestServer bad([&](const TestRequest& req, TestConn& c) {
    const std::string& t = req.target;
    if (t == "/good") {
      c.Write(Reply(200, "ok_metric 1\n", {{"Content-Type", "text/plain; version=0.0.4"}}, "OK"));
    } else if (t == "/garbage") {
      c.Write(Reply(200, std::string("\x01\x02 {{{ not metrics\n", 20),
                    {{"Content-Type", "text/plain; version=0.0.4"}}, "OK"));
    } else if (t == "/badutf8") {
      c.Write(Reply(200, "m{a=\"\xff\xfe\"} 1\n", {{"Content-Type", "text/plain; version=0.0.4"}},
                    "OK"));
    } else if (t == "/huge") {
      // Claims 1 GB and streams until the scraper hangs up.
      c.Write(
          "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\n"
          "Content-Length: 1073741824\r\n\r\n");
      std::string chunk(64 * 1024, '#');
      for (int i = 0; i < 16384 && !c.stopping(); ++i) {
        if (!c.Write(chunk)) break;
      }
      c.CloseAfter();
    } else if (t == "/million") {
      std::string body;
      for (int i = 0; i < 1'000'000; ++i) body += "s{i=\"" + std::to_string(i) + "\"} 1\n";
      c.Write(Reply(200, body, {{"Content-Type", "text/plain; version=0.0.4"}}, "OK"));
    } else if (t == "/trickle") {
      c.Write(
          "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\n"
          "Content-Length: 100000\r\n\r\n");
      for (int i = 0; i < 100 && !stop.load(); ++i) {
        if (!c.Write("#") || !c.Sleep(100)) break;
      }
      c.CloseAfter();
    } else if (t == "/redirect") {
      c.Write(Reply(302, "", {{"Location", "/redirect"}}, "Found"));
    } else {
      c.Write(Reply(404, "no", {}, "Not Found"));
    }
  });
  TempDir dir;
  std::string cfg = dir.path() + "/scrape.yml";
  std::string addr = "127.0.0.1:" + std::to_string(bad.port());
  std::string jobs = "global:\n  scrape_interval: 2s\n  scrape_timeout: 1s\nscrape_configs:\n";
  for (std::string path :
       {"good", "garbage", "badutf8", "huge", "million", "trickle", "redirect"}) {
    jobs += "  - job_name: " + path + "\n    metrics_path: /" + path +
            "\n    body_size_limit: " + (path == "huge" ? "10MB" : "64MB") +
            "\n    sample_limit: 100000\n" + "    static_configs:\n      - targets: ['" + addr +
            "']\n";
  }
  WriteTextFile(cfg, jobs);
  auto v = Vigil::Start(dir.path() + "/vigil", {"--config", cfg});
  auto error_of = [&](const std::string& job) -> std::string {
    simdjson::dom::parser p;
    simdjson::dom::element doc;
    std::string body = Targets(*v);
    if (p.parse(body).get(doc)) return "unparsable";
    for (auto t : doc["data"]["activeTargets"].get_array()) {
      if (std::string_view(t["scrapePool"].get_string().value()) != job) continue;
      if (std::string_view(t["health"].get_string().value()) == "unknown") return "unknown";
      return std::string(t["lastError"].get_string().value());
    }
    return "missing";
  };
  ASSERT_TRUE(WaitFor([&] {
    for (std::string j : {"good", "garbage", "badutf8", "huge", "million", "trickle", "redirect"}) {
      if (error_of(j) == "unknown") return false;
    }
    return true;
  })) << Targets(*v);
  EXPECT_EQ(error_of("good"), "");
  EXPECT_NE(error_of("garbage"), "");
  EXPECT_NE(error_of("badutf8").find("UTF-8"), std::string::npos) << error_of("badutf8");
  EXPECT_NE(error_of("huge").find("body size limit"), std::string::npos) << error_of("huge");
  EXPECT_EQ(error_of("million"), "sample limit exceeded");
  EXPECT_NE(error_of("trickle").find("deadline"), std::string::npos) << error_of("trickle");
  EXPECT_NE(error_of("redirect").find("redirects"), std::string::npos) << error_of("redirect");
  EXPECT_EQ(Instant(v->Url(""), "up{job=\"good\"}").first, 1);
  EXPECT_EQ(Instant(v->Url(""), "sum(up)").first, 1);
  EXPECT_TRUE(v->process().Running());
  stop = true;
}

TEST(ScrapeTest, ReloadAddsJobsKeepsUnchangedOnesAndRefusesABadConfig) {
  ChangingTarget target;
  target.Set("m 1\n");
  TempDir dir;
  std::string cfg = dir.path() + "/vigil.yml";
  auto job = [&](const std::string& name) {
    return "  - job_name: " + name + "\n    static_configs:\n      - targets: ['" + target.Addr() +
           "']\n";
  };
  const std::string head =
      "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n";
  WriteTextFile(cfg, head + job("a"));
  auto v = Vigil::Start(dir.path() + "/vigil", {"--config", cfg});
  ASSERT_TRUE(WaitFor([&] { return Instant(v->Url(""), "up{job=\"a\"}").first == 1; }));

  WriteTextFile(cfg, head + job("a") + job("b"));
  HttpResult r = Reload(*v);
  EXPECT_EQ(r.status, 200) << r.body;
  ASSERT_TRUE(WaitFor([&] { return Instant(v->Url(""), "up{job=\"b\"}").first == 1; }));
  // Job a was not restarted: no staleness marker in its series, so its
  // samples are one per second without a gap.
  double n = Instant(v->Url(""),
                     "count_over_time(m{job=\"a\"}[1h]) - "
                     "count_over_time(up{job=\"a\"}[1h])")
                 .first;
  EXPECT_EQ(n, 0);

  WriteTextFile(cfg, head + "  - job_name: a\n    scrape_interval: nonsense\n");
  r = Reload(*v);
  EXPECT_EQ(r.status, 500);
  EXPECT_NE(r.body.find("vigil.yml:6:"), std::string::npos) << r.body;
  EXPECT_NE(HttpGet(v->Url("/metrics")).body.find("vigil_config_last_reload_successful 0"),
            std::string::npos);
  // Both jobs still run.
  EXPECT_NE(Targets(*v).find("\"scrapePool\":\"b\""), std::string::npos);

  // SIGHUP reloads as well: back to job a only; b's series go stale.
  WriteTextFile(cfg, head + job("a"));
  kill(v->process().pid(), SIGHUP);
  ASSERT_TRUE(WaitFor([&] { return Instant(v->Url(""), "up{job=\"b\"}").second == 0; }, 5000));
  EXPECT_EQ(Instant(v->Url(""), "up{job=\"a\"}").first, 1);
}

TEST(ScrapeTest, SelfAndHostScrapesShowThisMachine) {
  TempDir dir;
  std::string cfg = dir.path() + "/vigil.yml";
  WriteTextFile(cfg, "global:\n  scrape_interval: 1s\n");
  auto v = Vigil::Start(dir.path() + "/vigil", {"--config", cfg});
  // The port is known only now: the config the README ships, on this port.
  std::string self = "127.0.0.1:" + std::to_string(v->port());
  WriteTextFile(cfg,
                "global:\n  scrape_interval: 1s\nscrape_configs:\n"
                "  - job_name: node\n    metrics_path: /metrics/host\n    static_configs:\n"
                "      - targets: ['" +
                    self +
                    "']\n"
                    "  - job_name: vigil\n    static_configs:\n      - targets: ['" +
                    self + "']\n");
  ASSERT_EQ(Reload(*v).status, 200);
  ASSERT_TRUE(WaitFor([&] { return Instant(v->Url(""), "sum(up)").first == 2; })) << Targets(*v);
  EXPECT_GT(Instant(v->Url(""), "node_memory_MemAvailable_bytes").first, 0);
  EXPECT_GT(Instant(v->Url(""), "count(node_cpu_seconds_total{mode=\"idle\"})").first, 0);
  EXPECT_TRUE(WaitFor([&] { return Instant(v->Url(""), "vigil_tsdb_head_series").first > 0; }));
}

TEST(ScrapeTest, CheckConfigReportsLikePromtool) {
  TempDir dir;
  std::string good = dir.path() + "/good.yml";
  WriteTextFile(good,
                "scrape_configs:\n  - job_name: x\n    static_configs:\n"
                "      - targets: ['localhost:1']\n");
  std::string bad = dir.path() + "/bad.yml";
  WriteTextFile(bad, "scrape_configs:\n  - job_name: x\n    scrape_intervall: 5s\n");
  std::string out;
  std::string bin = std::getenv("VIGIL_BINARY");
  EXPECT_EQ(RunCommand({bin, "check", "config", good}, &out), 0) << out;
  EXPECT_NE(out.find("SUCCESS"), std::string::npos) << out;
  EXPECT_EQ(RunCommand({bin, "check", "config", bad}, &out), 1) << out;
  EXPECT_NE(out.find("bad.yml:3:5"), std::string::npos) << out;
  EXPECT_NE(out.find("scrape_intervall"), std::string::npos) << out;
}

}  // namespace
}  // namespace vigil::itest
