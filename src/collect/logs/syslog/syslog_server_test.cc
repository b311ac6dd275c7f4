#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "collect/logs/syslog/syslog.h"

namespace vigil::logs {
namespace {

using model::LogRecord;

class FakeSink : public model::LogSink {
 public:
  model::ConsumeResult Consume(model::LogBatch& batch) override {
    std::unique_lock<std::mutex> lock(mu_);
    ++calls_;
    if (fail_next_ > 0) {
      --fail_next_;
      return {Status::Unavailable("busy"), {}};
    }
    for (LogRecord& r : batch.records) records_.push_back(std::move(r));
    max_batch_ = std::max(max_batch_, batch.records.size());
    cv_.notify_all();
    return {};
  }

  bool WaitFor(size_t n, int timeout_ms = 10000) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                        [&] { return records_.size() >= n; });
  }
  std::vector<LogRecord> records() {
    std::lock_guard<std::mutex> lock(mu_);
    return records_;
  }
  size_t size() {
    std::lock_guard<std::mutex> lock(mu_);
    return records_.size();
  }
  void FailNext(int n) {
    std::lock_guard<std::mutex> lock(mu_);
    fail_next_ = n;
  }
  int calls() {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<LogRecord> records_;
  int fail_next_ = 0;
  int calls_ = 0;
  size_t max_batch_ = 0;
};

std::unique_ptr<SyslogServer> StartServer(FakeSink* sink, SyslogServerOptions opts = {},
                                          metrics::Registry* reg = nullptr) {
  opts.listen = "127.0.0.1:0";
  opts.registry = reg;
  auto server = SyslogServer::Start(std::move(opts), sink);
  EXPECT_TRUE(server.ok()) << server.status().ToString();
  return std::move(server).value();
}

int Connect(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  return fd;
}

void WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = write(fd, data.data(), data.size());
    ASSERT_GT(n, 0);
    data.remove_prefix(static_cast<size_t>(n));
  }
}

// Half-closes and waits for the server to close its end, as the bench's
// senders do.
void HalfCloseAndWait(int fd) {
  shutdown(fd, SHUT_WR);
  char buf[64];
  while (read(fd, buf, sizeof(buf)) > 0) {
  }
  close(fd);
}

std::string Msg(int conn, int i) {
  return "<134>1 2026-11-25T18:00:00." + std::to_string(100000 + i) + "Z gen-" +
         std::to_string(conn) + " logbench - nginx - line " + std::to_string(i);
}

TEST(SyslogServerTest, TcpNewlineFramingDeliversEveryMessage) {
  FakeSink sink;
  metrics::Registry reg;
  auto server = StartServer(&sink, {}, &reg);
  int fd = Connect(server->port());
  std::string data;
  for (int i = 0; i < 5000; ++i) data += Msg(1, i) + "\n";
  WriteAll(fd, data);
  HalfCloseAndWait(fd);
  ASSERT_TRUE(sink.WaitFor(5000));
  auto recs = sink.records();
  ASSERT_EQ(recs.size(), 5000u);
  EXPECT_EQ(recs[0].body, "line 0");
  EXPECT_EQ(recs[4999].body, "line 4999");
  EXPECT_EQ(recs[0].stream, model::Labels::FromStrings({"host", "gen-1", "job", "logbench"}));
  EXPECT_GT(recs[0].observed_time_ns, 0);
  EXPECT_EQ(
      reg.Get("vigil_syslog_messages_total", {{"listener", "syslog"}, {"result", "accepted"}}),
      5000);
}

TEST(SyslogServerTest, TcpOctetCountingAndConfiguredLabels) {
  FakeSink sink;
  SyslogServerOptions opts;
  opts.labels = model::Labels::FromStrings({"env", "test"});
  auto server = StartServer(&sink, opts);
  int fd = Connect(server->port());
  std::string data;
  for (int i = 0; i < 1000; ++i) {
    std::string m = Msg(2, i) + (i % 2 ? "\nwith newline" : "");
    data += std::to_string(m.size()) + " " + m;
  }
  // Trickle it in odd-sized writes so frames straddle reads.
  for (size_t i = 0; i < data.size(); i += 4093) WriteAll(fd, data.substr(i, 4093));
  HalfCloseAndWait(fd);
  ASSERT_TRUE(sink.WaitFor(1000));
  auto recs = sink.records();
  ASSERT_EQ(recs.size(), 1000u);
  EXPECT_EQ(recs[1].body, "line 1\nwith newline");
  EXPECT_EQ(recs[1].stream,
            model::Labels::FromStrings({"env", "test", "host", "gen-2", "job", "logbench"}));
}

TEST(SyslogServerTest, UdpOneMessagePerDatagram) {
  FakeSink sink;
  SyslogServerOptions opts;
  opts.protocol = SyslogServerOptions::Protocol::kUdp;
  auto server = StartServer(&sink, opts);
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(server->port());
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  for (int i = 0; i < 200; ++i) {
    std::string m = "<13>Dec  1 21:33:54 vm myapp[1]: udp " + std::to_string(i) + "\n";
    ASSERT_GT(sendto(fd, m.data(), m.size(), 0, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)),
              0);
  }
  close(fd);
  ASSERT_TRUE(sink.WaitFor(200));
  auto recs = sink.records();
  EXPECT_EQ(recs[0].body, "udp 0");
  EXPECT_EQ(recs[0].stream.Get("job"), "myapp");
}

TEST(SyslogServerTest, ManyConnectionsInParallel) {
  FakeSink sink;
  SyslogServerOptions opts;
  opts.threads = 2;
  auto server = StartServer(&sink, opts);
  constexpr int kConns = 32, kPer = 500;
  std::vector<std::thread> senders;
  for (int c = 0; c < kConns; ++c) {
    senders.emplace_back([&, c] {
      int fd = Connect(server->port());
      std::string data;
      for (int i = 0; i < kPer; ++i) data += Msg(c, i) + "\n";
      WriteAll(fd, data);
      HalfCloseAndWait(fd);
    });
  }
  for (auto& t : senders) t.join();
  ASSERT_TRUE(sink.WaitFor(kConns * kPer));
  EXPECT_EQ(sink.size(), size_t{kConns * kPer});
}

TEST(SyslogServerTest, SinkFailureIsRetriedWithoutLoss) {
  FakeSink sink;
  sink.FailNext(3);
  auto server = StartServer(&sink);
  int fd = Connect(server->port());
  WriteAll(fd, Msg(1, 1) + "\n" + Msg(1, 2) + "\n");
  HalfCloseAndWait(fd);
  ASSERT_TRUE(sink.WaitFor(2));
  EXPECT_EQ(sink.size(), 2u);
  EXPECT_GE(sink.calls(), 4);
}

TEST(SyslogServerTest, OverlongFrameIsCutTaggedAndCounted) {
  FakeSink sink;
  metrics::Registry reg;
  SyslogServerOptions opts;
  opts.max_message_bytes = 1024;
  auto server = StartServer(&sink, opts, &reg);
  int fd = Connect(server->port());
  WriteAll(fd, "<13>1 - h a - - - " + std::string(10 << 20, 'x') + "\n<13>1 - h a - - - after\n");
  HalfCloseAndWait(fd);
  ASSERT_TRUE(sink.WaitFor(2));
  auto recs = sink.records();
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[0].body.size(), 1024u - 18);
  bool tagged = false;
  for (auto& a : recs[0].attributes) tagged |= a.key == "syslog.truncated" && a.value == "true";
  EXPECT_TRUE(tagged);
  EXPECT_EQ(recs[1].body, "after");
  EXPECT_EQ(
      reg.Get("vigil_syslog_messages_total", {{"listener", "syslog"}, {"result", "truncated"}}), 1);
}

TEST(SyslogServerTest, StopFlushesAnUnterminatedLastMessage) {
  FakeSink sink;
  auto server = StartServer(&sink);
  int fd = Connect(server->port());
  WriteAll(fd, Msg(1, 1) + "\n" + Msg(1, 2));
  ASSERT_TRUE(sink.WaitFor(1));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  server->Stop();
  server->Stop();  // idempotent
  EXPECT_EQ(sink.size(), 2u);
  close(fd);
}

TEST(SyslogServerTest, BadListenAddressIsAnError) {
  FakeSink sink;
  SyslogServerOptions opts;
  opts.listen = "127.0.0.1:notaport";
  EXPECT_FALSE(SyslogServer::Start(opts, &sink).ok());
  opts.listen = "nohostport";
  EXPECT_FALSE(SyslogServer::Start(opts, &sink).ok());
}

// The real util-linux logger, over TCP (both framings) and UDP.
TEST(SyslogServerTest, RealLoggerBinary) {
  if (system("command -v logger >/dev/null 2>&1") != 0) GTEST_SKIP() << "no logger binary";
  FakeSink tcp_sink, udp_sink;
  auto tcp = StartServer(&tcp_sink);
  SyslogServerOptions uopts;
  uopts.protocol = SyslogServerOptions::Protocol::kUdp;
  auto udp = StartServer(&udp_sink, uopts);
  std::string tp = std::to_string(tcp->port()), up = std::to_string(udp->port());
  ASSERT_EQ(system(("logger --rfc5424 -n 127.0.0.1 -P " + tp +
                    " -T -t vigiltest -p local0.err "
                    "--msgid MID 'hello tcp 5424'")
                       .c_str()),
            0);
  ASSERT_EQ(system(("logger --rfc3164 -n 127.0.0.1 -P " + tp +
                    " -T --octet-count -t vigiltest -i 'hello tcp 3164'")
                       .c_str()),
            0);
  ASSERT_EQ(
      system(("logger --rfc3164 -n 127.0.0.1 -P " + up + " -d -t vigiltest 'hello udp'").c_str()),
      0);
  ASSERT_TRUE(tcp_sink.WaitFor(2));
  ASSERT_TRUE(udp_sink.WaitFor(1));
  auto recs = tcp_sink.records();
  std::sort(recs.begin(), recs.end(),
            [](const LogRecord& a, const LogRecord& b) { return a.body < b.body; });
  EXPECT_EQ(recs[0].body, "hello tcp 3164");
  EXPECT_EQ(recs[0].stream.Get("job"), "vigiltest");
  EXPECT_FALSE(recs[0].stream.Get("host").empty());
  EXPECT_EQ(recs[1].body, "hello tcp 5424");
  EXPECT_EQ(recs[1].severity_text, "err");
  EXPECT_EQ(recs[1].stream.Get("job"), "vigiltest");
  EXPECT_GT(recs[1].time_ns, 0);
  auto urecs = udp_sink.records();
  EXPECT_EQ(urecs[0].body, "hello udp");
  EXPECT_EQ(urecs[0].stream.Get("job"), "vigiltest");
}

}  // namespace
}  // namespace vigil::logs

namespace vigil::logs {
namespace {

// Throughput, run by hand in a release build:
//   vigil_logs_syslog_server_test --gtest_also_run_disabled_tests
//       --gtest_filter='*DISABLED_Throughput*'
// 4 connections x 250k RFC 5424 lines of ~260 bytes, written in 1 MiB
// blocks, into a sink that only counts (so: framing + parsing + batching).
class CountingSink : public model::LogSink {
 public:
  model::ConsumeResult Consume(model::LogBatch& batch) override {
    count_.fetch_add(batch.records.size());
    return {};
  }
  std::atomic<size_t> count_{0};
};

TEST(SyslogServerTest, DISABLED_Throughput) {
  CountingSink sink;
  SyslogServerOptions opts;
  opts.listen = "127.0.0.1:0";
  opts.threads = 2;
  auto server = SyslogServer::Start(opts, &sink);
  ASSERT_TRUE(server.ok());
  constexpr int kConns = 4, kPer = 250000;
  std::vector<std::string> data(kConns);
  for (int c = 0; c < kConns; ++c) {
    for (int i = 0; i < kPer; ++i) {
      data[c] += Msg(c, i) + " 10.1.2.3 - - [25/Nov/2026:18:00:00 +0000] \"GET /api/v1/orders/" +
                 std::to_string(i) +
                 "?page=2 HTTP/1.1\" 200 5124 \"https://example.com/\" \"Mozilla/5.0 (X11; "
                 "Linux x86_64) AppleWebKit/537.36\" rt=0.012\n";
    }
  }
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> senders;
  for (int c = 0; c < kConns; ++c) {
    senders.emplace_back([&, c] {
      int fd = Connect((*server)->port());
      std::string_view d = data[c];
      for (size_t i = 0; i < d.size(); i += 1 << 20) WriteAll(fd, d.substr(i, 1 << 20));
      HalfCloseAndWait(fd);
    });
  }
  for (auto& t : senders) t.join();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(sink.count_.load(), size_t{kConns} * kPer);
  std::printf("%zu messages (%.0f bytes each) in %.3f s: %.0f msgs/s\n", sink.count_.load(),
              static_cast<double>(data[0].size()) / kPer, secs, kConns * kPer / secs);
}

}  // namespace
}  // namespace vigil::logs
