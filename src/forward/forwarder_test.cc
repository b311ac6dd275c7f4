#include "forward/forwarder.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "base/file.h"
#include "collect/logs/push/push_decode.h"
#include "forward/disk_queue.h"
#include "forward/testing_receiver.h"

namespace vigil::forward {
namespace {

using testing::HttpReply;
using testing::HttpRequest;
using testing::RestartableHttpServer;

// Polls cond for up to 10 s.
template <typename F>
bool Eventually(F cond) {
  auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < end) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return cond();
}

model::LogBatch Lines(int from, int to, size_t pad = 0) {
  model::LogBatch b;
  for (int i = from; i < to; ++i) {
    model::LogRecord r;
    r.time_ns = 1700000000000000000 + i;
    r.observed_time_ns = r.time_ns;
    r.body = fmt::format("line-{}{}", i, std::string(pad, '.'));
    r.stream = model::Labels::FromStrings({"job", "fwdtest"});
    b.records.push_back(std::move(r));
  }
  return b;
}

std::vector<std::string> ExpectedLines(int from, int to) {
  std::vector<std::string> out;
  for (int i = from; i < to; ++i) out.push_back(fmt::format("line-{}", i));
  return out;
}

// A Loki push receiver: decodes every request and keeps the bodies in order.
class LokiReceiver {
 public:
  LokiReceiver() : server_([this](const HttpRequest& req) { return Handle(req); }) {}
  bool Start() { return server_.Start(); }
  void Stop() { server_.Stop(); }
  std::string URL() const { return server_.URL("/loki/api/v1/push"); }
  std::vector<std::string> lines() const {
    std::lock_guard<std::mutex> l(mu_);
    return lines_;
  }
  size_t count() const {
    std::lock_guard<std::mutex> l(mu_);
    return lines_.size();
  }
  int requests() const {
    std::lock_guard<std::mutex> l(mu_);
    return requests_;
  }
  void FailNext(int n, int status) {
    std::lock_guard<std::mutex> l(mu_);
    fail_next_ = n;
    fail_status_ = status;
  }
  HttpRequest last_request() const {
    std::lock_guard<std::mutex> l(mu_);
    return last_;
  }

 private:
  HttpReply Handle(const HttpRequest& req) {
    std::lock_guard<std::mutex> l(mu_);
    ++requests_;
    last_ = req;
    last_.body.clear();
    if (fail_next_ > 0) {
      --fail_next_;
      return HttpReply{fail_status_, {}, "try later"};
    }
    std::vector<model::LogRecord> records;
    Status s = logs::DecodeLokiPush(req.Header("content-type"), req.Header("content-encoding"),
                                    req.body, {}, &records);
    if (!s.ok()) return HttpReply{400, {}, s.message()};
    for (auto& r : records) lines_.push_back(r.body);
    return HttpReply{204, {}, ""};
  }

  mutable std::mutex mu_;
  std::vector<std::string> lines_;
  int requests_ = 0;
  int fail_next_ = 0;
  int fail_status_ = 503;
  HttpRequest last_;
  RestartableHttpServer server_;
};

config::LogForwarderConfig LokiConfig(const std::string& url) {
  config::LogForwarderConfig c;
  c.name = "loki-test";
  c.type = "loki";
  c.url = url;
  c.tenant_id = "team-a";
  c.batch_wait_ms = 5;
  c.batch_bytes = 2048;
  c.timeout_ms = 2000;
  c.min_backoff_ms = 10;
  c.max_backoff_ms = 50;
  c.queue_max_bytes = 64 << 20;
  return c;
}

std::unique_ptr<Forwarder> StartForwarder(const config::LogForwarderConfig& c,
                                          const std::string& dir, metrics::Registry* reg) {
  auto f = Forwarder::Start(c, dir, reg);
  EXPECT_TRUE(f.ok()) << f.status().ToString();
  return f.ok() ? std::move(f).value() : nullptr;
}

void ConsumeOk(Forwarder* f, model::LogBatch batch) {
  model::ConsumeResult r = f->Consume(batch);
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
}

TEST(Forwarder, ReceiverStoppedAndRestartedGetsEveryRecordOnceInOrder) {
  fs::TempDir tmp("fwd");
  LokiReceiver rx;
  ASSERT_TRUE(rx.Start());
  metrics::Registry reg;
  auto f = StartForwarder(LokiConfig(rx.URL()), tmp.path(), &reg);
  ASSERT_NE(f, nullptr);
  for (int i = 0; i < 100; i += 10) ConsumeOk(f.get(), Lines(i, i + 10));
  ASSERT_TRUE(Eventually([&] { return rx.count() == 100; })) << rx.count();

  rx.Stop();
  for (int i = 100; i < 300; i += 20) ConsumeOk(f.get(), Lines(i, i + 20));
  ASSERT_TRUE(Eventually([&] { return !f->status().up; }));
  EXPECT_GT(f->status().queued_records, 0u);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // several failed retries

  ASSERT_TRUE(rx.Start());
  ASSERT_TRUE(Eventually([&] { return rx.count() >= 300 && f->status().queued_records == 0; }))
      << rx.count();
  EXPECT_EQ(rx.lines(), ExpectedLines(0, 300));
  EXPECT_TRUE(f->status().up);
  EXPECT_EQ(f->status().sent_records, 300u);
  EXPECT_EQ(rx.last_request().Header("x-scope-orgid"), "team-a");
  EXPECT_EQ(rx.last_request().Header("content-type"), "application/x-protobuf");
  EXPECT_EQ(
      reg.Get("vigil_forward_records_total", {{"forwarder", "loki-test"}, {"result", "sent"}}),
      300);
  EXPECT_GT(reg.Get("vigil_forward_send_errors_total",
                    {{"forwarder", "loki-test"}, {"reason", "transport"}}),
            0);
  f->Stop(1000);
}

TEST(Forwarder, ServerErrorsAndTooManyRequestsAreRetriedWithoutDuplicates) {
  fs::TempDir tmp("fwd");
  LokiReceiver rx;
  ASSERT_TRUE(rx.Start());
  rx.FailNext(3, 503);
  metrics::Registry reg;
  auto f = StartForwarder(LokiConfig(rx.URL()), tmp.path(), &reg);
  ConsumeOk(f.get(), Lines(0, 30));
  ASSERT_TRUE(Eventually([&] { return rx.count() == 30; }));
  rx.FailNext(2, 429);
  ConsumeOk(f.get(), Lines(30, 60));
  ASSERT_TRUE(Eventually([&] { return rx.count() == 60; }));
  EXPECT_EQ(rx.lines(), ExpectedLines(0, 60));
  EXPECT_EQ(reg.Get("vigil_forward_send_errors_total",
                    {{"forwarder", "loki-test"}, {"reason", "http_5xx"}}),
            3);
  EXPECT_EQ(reg.Get("vigil_forward_send_errors_total",
                    {{"forwarder", "loki-test"}, {"reason", "http_429"}}),
            2);
}

TEST(Forwarder, ClientErrorDropsTheBatchAndCountsIt) {
  fs::TempDir tmp("fwd");
  LokiReceiver rx;
  ASSERT_TRUE(rx.Start());
  rx.FailNext(1, 400);
  metrics::Registry reg;
  auto cfg = LokiConfig(rx.URL());
  cfg.batch_bytes = 1 << 20;
  cfg.batch_wait_ms = 50;
  auto f = StartForwarder(cfg, tmp.path(), &reg);
  ConsumeOk(f.get(), Lines(0, 10));  // one batch, refused
  ASSERT_TRUE(Eventually([&] { return f->status().rejected_records == 10; }));
  ConsumeOk(f.get(), Lines(10, 20));
  ASSERT_TRUE(Eventually([&] { return rx.count() == 10; }));
  EXPECT_EQ(rx.lines(), ExpectedLines(10, 20));
  EXPECT_EQ(rx.requests(), 2);
  EXPECT_EQ(
      reg.Get("vigil_forward_records_total", {{"forwarder", "loki-test"}, {"result", "rejected"}}),
      10);
}

TEST(Forwarder, RestartedForwarderResumesFromTheCursor) {
  fs::TempDir tmp("fwd");
  LokiReceiver rx;
  ASSERT_TRUE(rx.Start());
  auto cfg = LokiConfig(rx.URL());
  {
    metrics::Registry reg;
    auto f = StartForwarder(cfg, tmp.path(), &reg);
    ConsumeOk(f.get(), Lines(0, 20));
    ASSERT_TRUE(Eventually([&] { return rx.count() == 20 && f->status().queued_records == 0; }));
    rx.Stop();
    ConsumeOk(f.get(), Lines(20, 50));
    f->Stop(0);
    EXPECT_EQ(f->status().queued_records, 30u);
  }
  metrics::Registry reg;
  auto f = StartForwarder(cfg, tmp.path(), &reg);
  EXPECT_EQ(f->status().queued_records, 30u);
  ASSERT_TRUE(rx.Start());
  ConsumeOk(f.get(), Lines(50, 60));
  ASSERT_TRUE(Eventually([&] { return rx.count() == 60; })) << rx.count();
  EXPECT_EQ(rx.lines(), ExpectedLines(0, 60));
}

TEST(Forwarder, StopWithGraceSendsWhatIsQueued) {
  fs::TempDir tmp("fwd");
  LokiReceiver rx;
  ASSERT_TRUE(rx.Start());
  auto cfg = LokiConfig(rx.URL());
  cfg.batch_wait_ms = 60'000;  // only Stop flushes
  cfg.batch_bytes = 1 << 20;
  metrics::Registry reg;
  auto f = StartForwarder(cfg, tmp.path(), &reg);
  ConsumeOk(f.get(), Lines(0, 10));
  f->Stop(5000);
  EXPECT_EQ(rx.lines(), ExpectedLines(0, 10));
  EXPECT_EQ(f->status().queued_records, 0u);
}

TEST(Forwarder, FullQueueMakesConsumeRefuse) {
  fs::TempDir tmp("fwd");
  LokiReceiver rx;
  ASSERT_TRUE(rx.Start());
  rx.Stop();  // nobody listens: everything stays queued
  auto cfg = LokiConfig(rx.URL());
  cfg.queue_max_bytes = 64 << 10;
  metrics::Registry reg;
  auto f = StartForwarder(cfg, tmp.path(), &reg);
  Status last;
  int accepted = 0;
  for (int i = 0; i < 1000 && last.ok(); ++i) {
    model::LogBatch b = Lines(i * 10, i * 10 + 10, 100);
    last = f->Consume(b).status;
    if (last.ok()) ++accepted;
  }
  EXPECT_TRUE(last.IsResourceExhausted()) << last.ToString();
  EXPECT_GT(accepted, 10);
  EXPECT_LE(f->status().queued_bytes, cfg.queue_max_bytes);
  EXPECT_EQ(f->status().queued_records, static_cast<uint64_t>(accepted) * 10);
  EXPECT_EQ(reg.Get("vigil_forward_queue_records", {{"forwarder", "loki-test"}}), accepted * 10.0);
  f->Stop(0);
}

TEST(Forwarder, QueuedRecordsStayOnDiskNotInMemory) {
  fs::TempDir tmp("fwd");
  LokiReceiver rx;
  ASSERT_TRUE(rx.Start());
  rx.Stop();
  auto cfg = LokiConfig(rx.URL());
  cfg.batch_bytes = 16 << 10;
  metrics::Registry reg;
  auto f = StartForwarder(cfg, tmp.path(), &reg);
  for (int i = 0; i < 40; ++i) ConsumeOk(f.get(), Lines(i * 100, i * 100 + 100, 1000));  // ~4 MB
  EXPECT_EQ(f->status().queued_records, 4000u);
  EXPECT_GT(f->status().queued_bytes, 4u << 20);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the sender holds one batch
  // One send batch plus the read buffer: independent of the 4 MB queued.
  EXPECT_LE(f->status().memory_bytes, 4 * cfg.batch_bytes + (64u << 10));
  f->Stop(0);
}

TEST(Forwarder, HttpJsonForwarderPostsAJsonArray) {
  fs::TempDir tmp("fwd");
  std::mutex mu;
  std::vector<HttpRequest> got;
  RestartableHttpServer server([&](const HttpRequest& req) {
    std::lock_guard<std::mutex> l(mu);
    got.push_back(req);
    return HttpReply{200, {}, "ok"};
  });
  ASSERT_TRUE(server.Start());
  config::LogForwarderConfig c = LokiConfig(server.URL("/events"));
  c.type = "http";
  c.headers = {{"Authorization", "Bearer abc"}};
  metrics::Registry reg;
  auto f = StartForwarder(c, tmp.path(), &reg);
  ConsumeOk(f.get(), Lines(0, 2));
  ASSERT_TRUE(Eventually([&] { return f->status().sent_records == 2; }));
  std::lock_guard<std::mutex> l(mu);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].target, "/events");
  EXPECT_EQ(got[0].Header("content-type"), "application/json");
  EXPECT_EQ(got[0].Header("authorization"), "Bearer abc");
  EXPECT_EQ(got[0].body.front(), '[');
  EXPECT_NE(got[0].body.find("\"body\":\"line-0\""), std::string::npos);
  EXPECT_NE(got[0].body.find("\"body\":\"line-1\""), std::string::npos);
  EXPECT_NE(got[0].body.find("\"labels\":{\"job\":\"fwdtest\"}"), std::string::npos);
}

config::LogForwarderConfig SyslogConfig(int port) {
  config::LogForwarderConfig c = LokiConfig("");
  c.name = "syslog-test";
  c.type = "syslog";
  c.address = fmt::format("127.0.0.1:{}", port);
  return c;
}

TEST(Forwarder, SyslogTcpSendsOctetCountedFramesAndReconnects) {
  fs::TempDir tmp("fwd");
  auto rx = std::make_unique<testing::SyslogTcpListener>();
  int port = rx->port();
  metrics::Registry reg;
  auto f = StartForwarder(SyslogConfig(port), tmp.path(), &reg);
  model::LogBatch b = Lines(0, 3);
  b.records[1].body = "two\nlines";  // octet counting carries newlines
  ConsumeOk(f.get(), std::move(b));
  ASSERT_TRUE(Eventually([&] { return rx->count() == 3; }));
  auto msgs = rx->messages();
  EXPECT_EQ(msgs[0], "<13>1 2023-11-14T22:13:20.000000Z - fwdtest - - - line-0");
  EXPECT_EQ(msgs[1], "<13>1 2023-11-14T22:13:20.000000Z - fwdtest - - - two\nlines");

  rx.reset();  // the receiver goes away ...
  ConsumeOk(f.get(), Lines(3, 6));
  ASSERT_TRUE(Eventually([&] { return !f->status().up; }));
  rx = std::make_unique<testing::SyslogTcpListener>(port);  // ... and comes back
  ASSERT_TRUE(Eventually([&] { return rx->count() >= 3; }));
  msgs = rx->messages();
  EXPECT_EQ(msgs.back(), "<13>1 2023-11-14T22:13:20.000000Z - fwdtest - - - line-5");
  f->Stop(1000);
}

TEST(Forwarder, SyslogUdpSendsOneDatagramPerRecordInRfc3164) {
  fs::TempDir tmp("fwd");
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  auto cfg = SyslogConfig(ntohs(addr.sin_port));
  cfg.protocol = "udp";
  cfg.syslog_format = "rfc3164";
  metrics::Registry reg;
  auto f = StartForwarder(cfg, tmp.path(), &reg);
  ConsumeOk(f.get(), Lines(0, 2));
  std::vector<std::string> got;
  char buf[2048];
  while (got.size() < 2) {
    pollfd p{fd, POLLIN, 0};
    ASSERT_GT(::poll(&p, 1, 5000), 0);
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    ASSERT_GT(n, 0);
    got.emplace_back(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  EXPECT_EQ(got[0], "<13>Nov 14 22:13:20 localhost fwdtest: line-0");
  EXPECT_EQ(got[1], "<13>Nov 14 22:13:20 localhost fwdtest: line-1");
  f->Stop(0);
}

TEST(Forwarder, RecordTooLargeForTheQueueIsRejectedAlone) {
  fs::TempDir tmp("fwd");
  LokiReceiver rx;
  ASSERT_TRUE(rx.Start());
  metrics::Registry reg;
  auto f = StartForwarder(LokiConfig(rx.URL()), tmp.path(), &reg);
  model::LogBatch b = Lines(0, 3);
  b.records[1].body.assign(kMaxQueueRecordBytes + 1, 'x');
  model::ConsumeResult r = f->Consume(b);
  ASSERT_TRUE(r.status.ok());
  ASSERT_EQ(r.rejected.size(), 1u);
  EXPECT_EQ(r.rejected[0].index, 1u);
  EXPECT_EQ(r.rejected[0].reason, "line_too_long");
  ASSERT_TRUE(Eventually([&] { return rx.count() == 2; }));
  EXPECT_EQ(rx.lines(), (std::vector<std::string>{"line-0", "line-2"}));
}

TEST(Forwarder, BadConfigIsRefusedAtStart) {
  fs::TempDir tmp("fwd");
  config::LogForwarderConfig c;
  c.name = "x";
  c.type = "kafka";
  EXPECT_TRUE(Forwarder::Start(c, tmp.path(), nullptr).status().IsInvalidArgument());
  c.type = "syslog";
  c.address = "no-port";
  EXPECT_TRUE(Forwarder::Start(c, tmp.path(), nullptr).status().IsInvalidArgument());
  c.type = "loki";
  c.url = "ftp://x";
  EXPECT_TRUE(Forwarder::Start(c, tmp.path(), nullptr).status().IsInvalidArgument());
}

}  // namespace
}  // namespace vigil::forward
