// Logs end to end through the real binary: real senders (util-linux logger,
// Debian's rsyslog, winston-loki, the OpenTelemetry JS log exporters) send to
// `vigil serve`, and every test reads the lines back through the Loki API.
// Also: a tailed file rotated by rename and by copytruncate while Vigil is
// killed with -9 (every line exactly once), and forwarding to a receiver that
// is stopped and restarted (every event arrives, once).
#include <gtest/gtest.h>
#include <simdjson.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/harness.h"

namespace vigil::itest {
namespace {

using namespace std::chrono_literals;

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string RunId() {
  return std::to_string(getpid()) + "x" + std::to_string(NowNs() % 1000000007);
}

std::string Logger() { return FindExecutable({"/usr/bin/logger", "/bin/logger"}); }

TEST(LogsIntegration, LoggerSendsRfc5424AndRfc3164OverTcpAndUdp) {
  std::string logger = Logger();
  if (logger.empty()) GTEST_SKIP() << "util-linux logger not installed";
  TempDir dir;
  int tcp = FreePort(), udp = FreePort();
  auto v =
      Vigil::Start(dir.Join("data"), {"--syslog-listen", "127.0.0.1:" + std::to_string(tcp),
                                      "--syslog-listen", "udp://127.0.0.1:" + std::to_string(udp)});
  std::string run = RunId();
  std::string out;
  ASSERT_EQ(
      RunCommand({logger, "--rfc5424", "-n", "127.0.0.1", "-P", std::to_string(tcp), "-T", "-t",
                  "billing", "-p", "local0.err", "--msgid", "INV", "invoice failed run=" + run},
                 &out),
      0)
      << out;
  ASSERT_EQ(RunCommand({logger, "--rfc3164", "-n", "127.0.0.1", "-P", std::to_string(udp), "-d",
                        "-t", "billing", "-p", "user.info", "invoice sent run=" + run},
                       &out),
            0)
      << out;
  ASSERT_EQ(RunCommand({logger, "--octet-count", "--rfc5424", "-n", "127.0.0.1", "-P",
                        std::to_string(tcp), "-T", "-t", "billing", "octet counted run=" + run},
                       &out),
            0)
      << out;
  auto streams = WaitForLines(*v, "{job=\"billing\"} |= \"run=" + run + "\"", 3);
  ASSERT_EQ(CountLines(streams), 3u);
  std::set<std::string> lines;
  for (const auto& s : streams) {
    EXPECT_EQ(s.labels.at("job"), "billing");
    EXPECT_TRUE(s.labels.count("host")) << "HOSTNAME becomes the host label";
    lines.insert(s.lines.begin(), s.lines.end());
  }
  EXPECT_TRUE(lines.count("invoice failed run=" + run));
  EXPECT_TRUE(lines.count("invoice sent run=" + run));
  EXPECT_TRUE(lines.count("octet counted run=" + run));
  // Severity from PRI is queryable through the structured metadata... and
  // a metric query over syslog works.
  int64_t now = NowNs();
  HttpResult r = HttpGet(v->Url(
      "/loki/api/v1/query?" +
      FormEncode({{"query", "sum(count_over_time({job=\"billing\"} |= \"run=" + run + "\" [1h]))"},
                  {"time", std::to_string(now)}})));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("\"3\""), std::string::npos) << r.body;
}

TEST(LogsIntegration, RsyslogForwardsOverTcpWithOctetCounting) {
  std::string rsyslogd = FindExecutable({"/usr/sbin/rsyslogd", "/sbin/rsyslogd"});
  if (rsyslogd.empty()) GTEST_SKIP() << "rsyslog not installed";
  TempDir dir;
  int port = FreePort();
  auto v = Vigil::Start(dir.Join("data"), {"--syslog-listen", "127.0.0.1:" + std::to_string(port)});
  std::string input = dir.Join("app.log");
  { std::ofstream(input).flush(); }
  std::string work = dir.Join("rsyslog");
  mkdir(work.c_str(), 0755);
  std::string conf = dir.Join("rsyslog.conf");
  {
    std::ofstream c(conf);
    c << "global(workDirectory=\"" << work << "\")\n"
      << "module(load=\"imfile\" mode=\"polling\" PollingInterval=\"1\")\n"
      << "input(type=\"imfile\" File=\"" << input << "\" Tag=\"shop\" Severity=\"warning\" "
      << "ruleset=\"fwd\")\n"
      << "ruleset(name=\"fwd\") {\n"
      << "  action(type=\"omfwd\" target=\"127.0.0.1\" port=\"" << port << "\" protocol=\"tcp\" "
      << "TCP_Framing=\"octet-counted\" template=\"RSYSLOG_SyslogProtocol23Format\")\n"
      << "}\n";
  }
  auto rs = Process::Spawn({rsyslogd, "-n", "-f", conf, "-i", dir.Join("rsyslog.pid")},
                           dir.Join("rsyslog.log"));
  std::string run = RunId();
  std::this_thread::sleep_for(1500ms);  // imfile picks the file up
  {
    std::ofstream f(input, std::ios::app);
    for (int i = 0; i < 20; ++i) f << "cart " << i << " checked out run=" << run << "\n";
  }
  auto streams = WaitForLines(*v, "{job=\"shop\"} |= \"run=" + run + "\"", 20, 20000);
  rs->Terminate(10000);
  ASSERT_EQ(CountLines(streams), 20u) << ReadFileOrEmpty(dir.Join("rsyslog.log"));
}

class LogsClients : public ::testing::Test {
 protected:
  void SetUp() override {
    node_ = FindExecutable({"/usr/bin/node", "/usr/local/bin/node"});
    clients_ = std::string(VIGIL_SOURCE_DIR) + "/tests/clients";
    if (node_.empty()) GTEST_SKIP() << "node not installed";
    if (!fs::IsDir(clients_ + "/node_modules/winston-loki")) {
      GTEST_SKIP() << "npm ci not run in tests/clients (scripts/setup.sh does it)";
    }
  }
  int Node(const std::vector<std::string>& args, std::string* out) {
    std::vector<std::string> argv = {node_};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunCommand(argv, out, 60000);
  }
  std::string node_, clients_;
};

TEST_F(LogsClients, WinstonLokiPushesProtobufAndJson) {
  TempDir dir;
  auto v = Vigil::Start(dir.Join("data"));
  for (std::string mode : {"proto", "json"}) {
    std::string run = RunId() + mode;
    std::string out;
    ASSERT_EQ(Node({clients_ + "/loki_winston.mjs", v->Url(""), run, mode}, &out), 0) << out;
    auto streams = WaitForLines(*v, "{job=\"winston\", run=\"" + run + "\"}", 6);
    ASSERT_EQ(CountLines(streams), 6u) << mode;
    bool saw_unicode = false;
    for (const auto& s : streams) {
      for (const auto& l : s.lines) saw_unicode |= l.find("ünïcode") != std::string::npos;
    }
    EXPECT_TRUE(saw_unicode) << "UTF-8 survives the " << mode << " push";
  }
}

TEST_F(LogsClients, OpenTelemetryExportersSendOtlpJsonAndProtobuf) {
  TempDir dir;
  auto v = Vigil::Start(dir.Join("data"));
  for (std::string kind : {"json", "proto"}) {
    std::string run = RunId() + kind;
    std::string out;
    ASSERT_EQ(Node({clients_ + "/otel_logs.mjs", v->Url(""), run, kind}, &out), 0) << out;
    auto streams = WaitForLines(*v, "{service_name=\"checkout\"} |= \"run " + run + "\"", 5);
    ASSERT_EQ(CountLines(streams), 5u) << kind;
  }
}

// A writer appends numbered lines; Vigil is killed with -9 while it reads
// them and while it is idle, the file is rotated by rename (and written to
// after the rename) and then by copytruncate. In the end every line is stored
// exactly once.
TEST(LogsIntegration, TailedFileRotatedWhileKilledKeepsEveryLineOnce) {
  TempDir dir;
  std::string logs = dir.Join("logs");
  mkdir(logs.c_str(), 0755);
  std::string path = logs + "/app.log";
  std::vector<std::string> args = {"--tail", logs + "/*.log", "--tail.label", "job=tailtest"};
  int next = 0;
  auto write_lines = [&](const std::string& file, int n) {
    std::ofstream f(file, std::ios::app);
    for (int i = 0; i < n; ++i) f << "line " << next++ << " of the tail test\n";
  };
  const std::string q = "{job=\"tailtest\"}";
  auto v = Vigil::Start(dir.Join("data"), args);
  write_lines(path, 3000);
  WaitForLines(*v, q, 1);
  v->process().Kill9();  // in the middle of reading, most likely
  write_lines(path, 300);
  v = Vigil::Start(dir.Join("data"), args);
  ASSERT_EQ(CountLines(WaitForLines(*v, q, 3300)), 3300u);
  // Rotation by rename; the old file still gets lines after the rename.
  ASSERT_EQ(std::rename(path.c_str(), (logs + "/app.log.1").c_str()), 0);
  write_lines(logs + "/app.log.1", 100);
  write_lines(path, 300);
  ASSERT_EQ(CountLines(WaitForLines(*v, q, 3700)), 3700u);
  v->process().Kill9();  // idle: nothing may be read twice after the restart
  v = Vigil::Start(dir.Join("data"), args);
  write_lines(path, 200);
  ASSERT_EQ(CountLines(WaitForLines(*v, q, 3900)), 3900u);
  // copytruncate: copy away, truncate in place, then keep writing.
  {
    std::ifstream in(path);
    std::ofstream out(logs + "/app.log.2.old");
    out << in.rdbuf();
  }
  ASSERT_EQ(truncate(path.c_str(), 0), 0);
  std::this_thread::sleep_for(1s);  // a tailer sees a truncation only as a shrink
  write_lines(path, 600);
  const size_t total = static_cast<size_t>(next);
  auto streams = WaitForLines(*v, q, total, 20000);
  std::map<std::string, int> seen;
  for (const auto& s : streams) {
    for (const auto& l : s.lines) seen[l]++;
  }
  EXPECT_EQ(seen.size(), total) << "lines lost";
  for (const auto& [line, count] : seen) {
    if (count != 1) ADD_FAILURE() << "repeated " << count << " times: " << line;
  }
  EXPECT_EQ(CountLines(streams), total);
}

// Bad input over the push API and syslog: each is refused with a clear
// reason or kept and tagged; the server stays up and keeps what was good.
TEST(LogsIntegration, BadInputIsRefusedWithReasonsOrTaggedNeverCrashes) {
  TempDir dir;
  std::string conf = dir.Join("v.yml");
  {
    std::ofstream c(conf);
    c << "logs:\n  store:\n    max_streams: 20\n    max_line_size: 1KB\n";
  }
  int port = FreePort();
  auto v = Vigil::Start(dir.Join("data"),
                        {"--config", conf, "--syslog-listen", "127.0.0.1:" + std::to_string(port)});
  const std::string push = v->Url("/loki/api/v1/push");
  const std::vector<std::string> json = {"Content-Type: application/json"};
  int64_t t = NowNs();
  // A line over max_line_size: 400 naming the reason; the good line is kept.
  std::string big(10 << 20, 'x');
  HttpResult r =
      HttpPost(push,
               "{\"streams\":[{\"stream\":{\"job\":\"bad\"},\"values\":[[\"" + std::to_string(t) +
                   "\",\"" + big + "\"],[\"" + std::to_string(t + 1) + "\",\"good line\"]]}]}",
               json);
  EXPECT_EQ(r.status, 400) << r.body.substr(0, 300);
  EXPECT_NE(r.body.find("line_too_long"), std::string::npos) << r.body.substr(0, 300);
  // Binary garbage as protobuf and as JSON: 400, not a crash.
  std::string garbage;
  for (int i = 0; i < 4096; ++i) garbage.push_back(static_cast<char>((i * 7919) & 0xff));
  r = HttpPost(push, garbage, {"Content-Type: application/x-protobuf"});
  EXPECT_EQ(r.status, 400) << r.body;
  r = HttpPost(push, garbage, json);
  EXPECT_EQ(r.status, 400) << r.body;
  // Malformed syslog and invalid UTF-8: kept and tagged.
  std::string logger = Logger();
  if (!logger.empty()) {
    std::string out;
    ASSERT_EQ(RunCommand({logger, "--rfc5424", "-n", "127.0.0.1", "-P", std::to_string(port), "-T",
                          "-t", "bad", "caf\xe9 au lait"},
                         &out),
              0)
        << out;
    auto streams = WaitForLines(*v, "{job=\"bad\"} |= \"au lait\"", 1);
    ASSERT_EQ(CountLines(streams), 1u);
    EXPECT_NE(streams[0].lines[0].find("\xef\xbf\xbd"), std::string::npos)
        << "the bad byte is kept as U+FFFD";
  }
  // A label explosion: streams past max_streams are refused by reason.
  std::string body = "{\"streams\":[";
  for (int i = 0; i < 50; ++i) {
    if (i > 0) body += ",";
    body += "{\"stream\":{\"job\":\"explode\",\"req\":\"" + std::to_string(i) +
            "\"},\"values\":[[\"" + std::to_string(t + i) + "\",\"x\"]]}";
  }
  body += "]}";
  r = HttpPost(push, body, json);
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_NE(r.body.find("too_many_streams"), std::string::npos) << r.body;
  // Still up, and the good line of the first request was stored.
  EXPECT_EQ(CountLines(WaitForLines(*v, "{job=\"bad\"} |= \"good line\"", 1)), 1u);
  EXPECT_TRUE(v->process().Running());
}

// Vigil A stores and forwards to Vigil B over Loki push. B is stopped while A
// takes lines, then started again on the same port: every line arrives once.
TEST(LogsIntegration, ForwardingSurvivesAStoppedReceiver) {
  TempDir dir;
  int b_port = FreePort();
  std::string b_listen = "127.0.0.1:" + std::to_string(b_port);
  auto b = Vigil::Start(dir.Join("b"), {}, b_listen);
  std::string conf = dir.Join("a.yml");
  {
    std::ofstream c(conf);
    c << "logs:\n"
      << "  pipelines:\n"
      << "    - name: default\n"
      << "      sinks: [store, central]\n"
      << "  forwarders:\n"
      << "    - name: central\n"
      << "      type: loki\n"
      << "      url: http://" << b_listen << "/loki/api/v1/push\n"
      << "      batch_wait: 100ms\n"
      << "      min_backoff: 100ms\n"
      << "      max_backoff: 500ms\n";
  }
  auto a = Vigil::Start(dir.Join("a"), {"--config", conf});
  std::string run = RunId();
  auto push = [&](int from, int to) {
    std::string body =
        "{\"streams\":[{\"stream\":{\"job\":\"fwd\",\"run\":\"" + run + "\"},\"values\":[";
    int64_t t = NowNs();
    for (int i = from; i < to; ++i) {
      if (i > from) body += ",";
      body += "[\"" + std::to_string(t + i) + "\",\"event " + std::to_string(i) + "\"]";
    }
    body += "]}]}";
    HttpResult r = HttpPost(a->Url("/loki/api/v1/push"), body, {"Content-Type: application/json"});
    ASSERT_EQ(r.status, 204) << r.body;
  };
  push(0, 100);
  std::string q = "{job=\"fwd\", run=\"" + run + "\"}";
  ASSERT_EQ(CountLines(WaitForLines(*b, q, 100)), 100u);
  ASSERT_EQ(b->process().Terminate(), 0);
  for (int k = 1; k < 5; ++k) push(k * 100, (k + 1) * 100);
  std::this_thread::sleep_for(1s);  // A retries against a closed port
  b = Vigil::Start(dir.Join("b"), {}, b_listen);
  auto streams = WaitForLines(*b, q, 500, 30000);
  std::map<std::string, int> seen;
  for (const auto& s : streams) {
    for (const auto& l : s.lines) seen[l]++;
  }
  EXPECT_EQ(seen.size(), 500u);
  for (const auto& [line, count] : seen) EXPECT_EQ(count, 1) << line;
  EXPECT_EQ(CountLines(QueryLogs(*a, q)), 500u) << "A keeps its own copy";
}

}  // namespace
}  // namespace vigil::itest
