#include "api/http/server.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <optional>
#include <thread>

namespace vigil::http {
namespace {

using std::chrono::milliseconds;
using ::testing::HasSubstr;
using ::testing::StartsWith;

struct RawResponse {
  std::string version;  // "HTTP/1.1"
  int status = 0;
  Params headers;  // names lower-cased
  std::string body;

  std::string Header(std::string_view name) const {
    for (const auto& [k, v] : headers) {
      if (k == name) return v;
    }
    return "";
  }
  bool HasHeader(std::string_view name) const {
    for (const auto& h : headers) {
      if (h.first == name) return true;
    }
    return false;
  }
};

// A blocking HTTP/1.x client over a plain socket, so tests control exactly
// which bytes go out and when.
class Conn {
 public:
  explicit Conn(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~Conn() {
    if (fd_ >= 0) ::close(fd_);
  }
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  bool connected() const { return fd_ >= 0; }

  bool Send(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // Reads one response (Content-Length framed, or until EOF without one).
  // Empty on timeout or when the connection closes first.
  std::optional<RawResponse> Read(milliseconds timeout = milliseconds(5000),
                                  bool head_request = false) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill(deadline)) return std::nullopt;
    }
    RawResponse r;
    std::string_view head(buf_.data(), end);
    size_t line_end = head.find("\r\n");
    std::string_view status_line = head.substr(0, line_end);
    r.version = std::string(status_line.substr(0, status_line.find(' ')));
    r.status = std::atoi(std::string(status_line.substr(r.version.size() + 1, 3)).c_str());
    while (line_end != std::string_view::npos) {
      head.remove_prefix(line_end + 2);
      line_end = head.find("\r\n");
      std::string_view line = head.substr(0, line_end);
      size_t colon = line.find(':');
      std::string name(line.substr(0, colon));
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      std::string_view value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      r.headers.emplace_back(name, std::string(value));
    }
    buf_.erase(0, end + 4);
    if (r.status / 100 == 1 || r.status == 204 || r.status == 304) return r;
    if (r.HasHeader("content-length")) {
      size_t length = head_request ? 0 : std::stoul(r.Header("content-length"));
      while (buf_.size() < length) {
        if (!Fill(deadline)) return std::nullopt;
      }
      r.body = buf_.substr(0, length);
      buf_.erase(0, length);
    } else {
      while (Fill(deadline)) {
      }
      r.body = std::move(buf_);
      buf_.clear();
    }
    return r;
  }

  // True when the server closes the connection within the timeout.
  bool WaitClosed(milliseconds timeout = milliseconds(5000)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (Fill(deadline)) {
    }
    return eof_;
  }

 private:
  // Reads more bytes; false on EOF, error or the deadline.
  bool Fill(std::chrono::steady_clock::time_point deadline) {
    if (eof_) return false;
    auto left =
        std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char tmp[16384];
    ssize_t n = ::recv(fd_, tmp, sizeof(tmp), 0);
    if (n <= 0) {
      eof_ = true;
      return false;
    }
    buf_.append(tmp, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  std::string buf_;
  bool eof_ = false;
};

std::string Get(std::string_view target, std::string_view extra_headers = "") {
  return fmt::format("GET {} HTTP/1.1\r\nHost: test\r\n{}\r\n", target, extra_headers);
}

std::string Post(std::string_view target, std::string_view content_type, std::string_view body) {
  return fmt::format(
      "POST {} HTTP/1.1\r\nHost: test\r\nContent-Type: {}\r\nContent-Length: {}\r\n\r\n{}", target,
      content_type, body.size(), body);
}

// Formats what a handler saw, for the echo route.
std::string Describe(const Request& req) {
  std::string out = fmt::format("method={} path={} target={}\n", req.method, req.path, req.target);
  for (const auto& [k, v] : req.query) out += fmt::format("query {}={}\n", k, v);
  for (const auto& [k, v] : req.form) out += fmt::format("form {}={}\n", k, v);
  out += fmt::format("body={}\n", req.body);
  return out;
}

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.Handle(
        Route{{"GET", "POST"}, "/echo", false, "echo", 0, [](const Request& req, Response& res) {
                res.Text(200, Describe(req));
              }});
    router_.Handle(Route{{"GET"}, "/param", false, "", 0, [](const Request& req, Response& res) {
                           std::string out = fmt::format("{}", req.Param("a"));
                           for (const auto& v : req.ParamValues("a")) out += "," + v;
                           res.Text(200, out);
                         }});
    router_.Handle({"POST"}, "/form", [](const Request& req, Response& res) {
      std::string out = std::string(req.Param("a"));
      for (const auto& v : req.ParamValues("a")) out += "," + v;
      res.Text(200, out);
    });
    router_.Handle(Route{{}, "/static/", true, "static", 0, [](const Request& req, Response& res) {
                           res.Text(200, "prefix:" + req.path);
                         }});
    router_.Handle(Route{{}, "/static/app.js", false, "app", 0, [](const Request&, Response& res) {
                           res.Text(200, "exact");
                         }});
    router_.Handle(
        Route{{"POST"}, "/small", false, "small", 1024, [this](const Request& req, Response& res) {
                small_calls_++;
                res.Text(200, fmt::format("got {} bytes", req.body.size()));
              }});
    router_.Handle({"GET"}, "/throw",
                   [](const Request&, Response&) { throw std::runtime_error("boom"); });
    router_.Handle({"GET"}, "/slow", [this](const Request&, Response& res) {
      slow_started_ = true;
      std::this_thread::sleep_for(milliseconds(300));
      res.Text(200, "slow done");
    });
    router_.Handle({"GET"}, "/remote",
                   [](const Request& req, Response& res) { res.Text(200, req.remote_addr); });
    router_.Handle({"GET"}, "/headers", [](const Request& req, Response& res) {
      res.SetHeader("X-Seen", std::string(req.Header("X-Custom")));
      res.SetHeader("Content-Encoding", "identity");
      res.Text(200, "ok");
    });
    router_.Handle({"GET"}, "/nocontent", [](const Request&, Response& res) { res.status = 204; });
  }

  void StartServer(ServerOptions opts = {}) {
    opts.listen = "127.0.0.1:0";
    opts.threads = 4;
    if (opts.registry == nullptr) opts.registry = &registry_;
    auto s = Server::Start(opts, &router_);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server_ = std::move(s).value();
    port_ = server_->port();
  }

  // One request on a fresh connection.
  RawResponse Do(const std::string& request) {
    Conn c(port_);
    EXPECT_TRUE(c.connected());
    EXPECT_TRUE(c.Send(request));
    auto r = c.Read();
    EXPECT_TRUE(r.has_value());
    return r.value_or(RawResponse());
  }

  double Counter(const std::string& handler, const std::string& code) {
    return registry_.Get("vigil_http_requests_total", {{"handler", handler}, {"code", code}});
  }

  // Metrics are counted after the response is written, so the client can see
  // the response a moment before the counter moves.
  void WaitForCounter(const std::string& handler, const std::string& code, double want) {
    for (int i = 0; i < 500 && Counter(handler, code) != want; ++i) {
      std::this_thread::sleep_for(milliseconds(2));
    }
    EXPECT_EQ(Counter(handler, code), want) << handler << " " << code;
  }

  metrics::Registry registry_;
  Router router_;
  std::unique_ptr<Server> server_;
  uint16_t port_ = 0;
  std::atomic<int> small_calls_{0};
  std::atomic<bool> slow_started_{false};
};

TEST_F(ServerTest, GetDecodesPathAndQueryParams) {
  StartServer();
  RawResponse r = Do(Get("/ech%6F?a=1&b=x%20y&b=z+w&c=%ZZ&match%5B%5D=up%7Bjob%3D%22x%22%7D"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("content-type"), "text/plain; charset=utf-8");
  EXPECT_THAT(r.body, HasSubstr("method=GET path=/echo target=/ech%6F?a=1"));
  EXPECT_THAT(r.body, HasSubstr("query a=1\nquery b=x y\nquery b=z w\nquery c=%ZZ\n"
                                "query match[]=up{job=\"x\"}\n"));
}

TEST_F(ServerTest, ParamLooksAtQueryForGet) {
  StartServer();
  RawResponse r = Do(Get("/param?a=1&a=2"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "1,1,2");
}

TEST_F(ServerTest, PostFormIsParsedAndComesBeforeQuery) {
  StartServer();
  RawResponse r =
      Do(Post("/form?a=query", "application/x-www-form-urlencoded", "a=form1&a=form+2%21"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "form1,form1,form 2!,query");
  // With a charset parameter and odd case the body is still a form.
  r = Do(Post("/form", "Application/X-WWW-Form-Urlencoded; charset=UTF-8", "a=x"));
  EXPECT_EQ(r.body, "x,x");
}

TEST_F(ServerTest, NonFormPostBodyIsNotParsed) {
  StartServer();
  RawResponse r = Do(Post("/echo?a=q", "text/plain", "a=body"));
  EXPECT_EQ(r.status, 200);
  EXPECT_THAT(r.body, HasSubstr("query a=q\nbody=a=body\n"));
  EXPECT_THAT(r.body, ::testing::Not(HasSubstr("form ")));
}

TEST_F(ServerTest, ExactRouteWinsOverPrefixRoute) {
  StartServer();
  EXPECT_EQ(Do(Get("/static/app.js")).body, "exact");
  EXPECT_EQ(Do(Get("/static/app.css")).body, "prefix:/static/app.css");
  EXPECT_EQ(Do(Get("/static/")).body, "prefix:/static/");
}

TEST_F(ServerTest, UnknownPathGets404WithTextBody) {
  StartServer();
  RawResponse r = Do(Get("/nope?x=1"));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.Header("content-type"), "text/plain; charset=utf-8");
  EXPECT_THAT(r.body, HasSubstr("not found"));
}

TEST_F(ServerTest, WrongMethodGets405WithAllow) {
  StartServer();
  RawResponse r = Do("DELETE /echo HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.Header("allow"), "GET, POST, HEAD");
  r = Do(Get("/small"));
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.Header("allow"), "POST");
}

TEST_F(ServerTest, OversizedContentLengthGets413BeforeTheBodyIsSent) {
  StartServer();
  Conn c(port_);
  // Only the header: the 413 must come without the server waiting for the body.
  ASSERT_TRUE(c.Send("POST /small HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n"));
  auto r = c.Read(milliseconds(3000));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 413);
  EXPECT_THAT(r->body, HasSubstr("100000 bytes exceeds the limit of 1024 bytes"));
  EXPECT_EQ(r->Header("connection"), "close");
  EXPECT_EQ(small_calls_.load(), 0);
  WaitForCounter("small", "413", 1);
}

TEST_F(ServerTest, OversizedContentLengthGets413UnderTheServerDefault) {
  ServerOptions opts;
  opts.max_body_bytes = 100;
  StartServer(opts);
  RawResponse r = Do(Post("/echo", "text/plain", std::string(101, 'x')));
  EXPECT_EQ(r.status, 413);
  r = Do(Post("/echo", "text/plain", std::string(100, 'x')));
  EXPECT_EQ(r.status, 200);
}

TEST_F(ServerTest, ClientSendingTheWholeOversizedBodyStillSees413) {
  StartServer();
  Conn c(port_);
  std::string body(200000, 'x');
  ASSERT_TRUE(c.Send(
      fmt::format("POST /small HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n", body.size())));
  c.Send(body);  // may fail part-way once the server has closed
  auto r = c.Read();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 413);
}

TEST_F(ServerTest, OversizedChunkedBodyGets413) {
  StartServer();
  Conn c(port_);
  std::string req = "POST /small HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 4; ++i) req += "200\r\n" + std::string(0x200, 'a') + "\r\n";
  req += "0\r\n\r\n";
  ASSERT_TRUE(c.Send(req));
  auto r = c.Read();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 413);
  EXPECT_THAT(r->body, HasSubstr("limit of 1024 bytes"));
  EXPECT_EQ(small_calls_.load(), 0);
  EXPECT_TRUE(c.WaitClosed());
}

TEST_F(ServerTest, ChunkedBodyWithinTheLimitIsDelivered) {
  StartServer();
  Conn c(port_);
  std::string req = "POST /small HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  req += "100\r\n" + std::string(0x100, 'a') + "\r\n";
  req += "100\r\n" + std::string(0x100, 'b') + "\r\n0\r\n\r\n";
  ASSERT_TRUE(c.Send(req));
  auto r = c.Read();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "got 512 bytes");
}

TEST_F(ServerTest, ExpectContinueGets100BeforeTheBody) {
  StartServer();
  Conn c(port_);
  ASSERT_TRUE(c.Send(
      "POST /small HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"));
  auto r = c.Read();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 100);
  ASSERT_TRUE(c.Send("hello"));
  r = c.Read();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "got 5 bytes");
}

TEST_F(ServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  StartServer();
  Conn c(port_);
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(c.Send(Get(fmt::format("/param?a={}", i))));
    auto r = c.Read();
    ASSERT_TRUE(r.has_value()) << i;
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->version, "HTTP/1.1");
    EXPECT_EQ(r->body, fmt::format("{0},{0}", i));
    EXPECT_NE(r->Header("connection"), "close");
  }
  EXPECT_EQ(registry_.Get("vigil_http_connections"), 1);
}

TEST_F(ServerTest, PipelinedRequestsAreAnsweredInOrder) {
  StartServer();
  Conn c(port_);
  ASSERT_TRUE(c.Send(Get("/slow") + Post("/small", "text/plain", "abc") + Get("/nope") +
                     Get("/param?a=last")));
  std::vector<int> statuses;
  std::vector<std::string> bodies;
  for (int i = 0; i < 4; ++i) {
    auto r = c.Read();
    ASSERT_TRUE(r.has_value()) << i;
    statuses.push_back(r->status);
    bodies.push_back(r->body);
  }
  EXPECT_EQ(statuses, (std::vector<int>{200, 200, 404, 200}));
  EXPECT_EQ(bodies[0], "slow done");
  EXPECT_EQ(bodies[1], "got 3 bytes");
  EXPECT_EQ(bodies[3], "last,last");
}

TEST_F(ServerTest, ConnectionCloseRequestClosesAfterTheResponse) {
  StartServer();
  Conn c(port_);
  ASSERT_TRUE(c.Send(Get("/param?a=1", "Connection: close\r\n")));
  auto r = c.Read();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->Header("connection"), "close");
  EXPECT_TRUE(c.WaitClosed());
}

TEST_F(ServerTest, Http10ClosesUnlessKeepAliveIsAsked) {
  StartServer();
  {
    Conn c(port_);
    ASSERT_TRUE(c.Send("GET /param?a=1 HTTP/1.0\r\n\r\n"));
    auto r = c.Read();
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->version, "HTTP/1.0");
    EXPECT_EQ(r->body, "1,1");
    EXPECT_TRUE(c.WaitClosed());
  }
  Conn c(port_);
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(c.Send("GET /param?a=2 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
    auto r = c.Read();
    ASSERT_TRUE(r.has_value()) << i;
    EXPECT_EQ(r->version, "HTTP/1.0");
    EXPECT_EQ(r->Header("connection"), "keep-alive");
    EXPECT_EQ(r->body, "2,2");
  }
}

TEST_F(ServerTest, MalformedRequestGets400AndTheConnectionCloses) {
  StartServer();
  Conn c(port_);
  ASSERT_TRUE(c.Send("GET /echo HTTP/1.1\r\nBad Header\r\n\r\n"));
  auto r = c.Read();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 400);
  EXPECT_TRUE(c.WaitClosed());
  WaitForCounter("other", "400", 1);
}

TEST_F(ServerTest, OversizedHeaderGets431) {
  ServerOptions opts;
  opts.max_header_bytes = 1024;
  StartServer(opts);
  Conn c(port_);
  ASSERT_TRUE(c.Send(Get("/echo", "X-Big: " + std::string(2000, 'x') + "\r\n")));
  auto r = c.Read();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 431);
  EXPECT_TRUE(c.WaitClosed());
}

TEST_F(ServerTest, HandlerExceptionBecomes500AndTheServerKeepsServing) {
  StartServer();
  Conn c(port_);
  ASSERT_TRUE(c.Send(Get("/throw")));
  auto r = c.Read();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 500);
  EXPECT_THAT(r->body, HasSubstr("boom"));
  ASSERT_TRUE(c.Send(Get("/param?a=ok")));
  r = c.Read();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->body, "ok,ok");
}

TEST_F(ServerTest, HeadOnGetRouteHasLengthButNoBody) {
  StartServer();
  Conn c(port_);
  ASSERT_TRUE(c.Send("HEAD /param?a=abc HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto r = c.Read(milliseconds(5000), /*head_request=*/true);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->Header("content-length"), "7");
  // The next response must start right away: no stray body bytes in between.
  ASSERT_TRUE(c.Send(Get("/param?a=x")));
  r = c.Read();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->body, "x,x");
}

TEST_F(ServerTest, ResponseCarriesHandlerHeadersDateAndLength) {
  StartServer();
  RawResponse r = Do(Get("/headers", "X-Custom: hi\r\n"));
  EXPECT_EQ(r.Header("x-seen"), "hi");
  EXPECT_EQ(r.Header("content-encoding"), "identity");
  EXPECT_EQ(r.Header("content-length"), "2");
  EXPECT_THAT(r.Header("date"),
              ::testing::MatchesRegex("[A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} "
                                      "[0-9]{2}:[0-9]{2}:[0-9]{2} GMT"));
  r = Do(Get("/nocontent"));
  EXPECT_EQ(r.status, 204);
  EXPECT_FALSE(r.HasHeader("content-length"));
}

TEST_F(ServerTest, HandlerSeesRemoteAddress) {
  StartServer();
  EXPECT_THAT(Do(Get("/remote")).body, StartsWith("127.0.0.1:"));
}

TEST_F(ServerTest, ConcurrentClientsAreAllServed) {
  StartServer();
  constexpr int kThreads = 8, kRequests = 50;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      // Even threads reuse one connection, odd ones connect per request.
      std::optional<Conn> conn;
      for (int i = 0; i < kRequests; ++i) {
        if (!conn || t % 2 == 1) conn.emplace(port_);
        std::string want = fmt::format("{}-{}", t, i);
        if (!conn->Send(Get("/param?a=" + want))) continue;
        auto r = conn->Read();
        if (r && r->status == 200 && r->body == want + "," + want) ok++;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), kThreads * kRequests);
  WaitForCounter("/param", "200", kThreads * kRequests);
}

TEST_F(ServerTest, ShutdownLetsASlowRequestFinish) {
  StartServer();
  Conn c(port_);
  ASSERT_TRUE(c.Send(Get("/slow")));
  for (int i = 0; i < 1000 && !slow_started_; ++i) std::this_thread::sleep_for(milliseconds(1));
  ASSERT_TRUE(slow_started_);
  auto start = std::chrono::steady_clock::now();
  server_->Shutdown(milliseconds(5000));
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_LT(took, milliseconds(3000));
  auto r = c.Read();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "slow done");
  EXPECT_EQ(r->Header("connection"), "close");
  EXPECT_TRUE(c.WaitClosed());
  server_->Shutdown(milliseconds(5000));  // idempotent
}

TEST_F(ServerTest, ShutdownClosesIdleKeepAliveConnectionsPromptly) {
  StartServer();
  std::vector<std::unique_ptr<Conn>> conns;
  for (int i = 0; i < 4; ++i) {
    conns.push_back(std::make_unique<Conn>(port_));
    ASSERT_TRUE(conns.back()->Send(Get("/param?a=1")));
    ASSERT_TRUE(conns.back()->Read().has_value());
  }
  Conn never_sent(port_);  // connected, no request yet
  auto start = std::chrono::steady_clock::now();
  server_->Shutdown(milliseconds(10000));
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(2000));
  for (auto& c : conns) EXPECT_TRUE(c->WaitClosed(milliseconds(1000)));
  EXPECT_TRUE(never_sent.WaitClosed(milliseconds(1000)));
  EXPECT_FALSE(Conn(port_).connected());
  EXPECT_EQ(registry_.Get("vigil_http_connections"), 0);
}

TEST_F(ServerTest, ShutdownAfterGraceClosesAStuckRequest) {
  router_.Handle({"GET"}, "/stuck", [](const Request&, Response& res) {
    std::this_thread::sleep_for(milliseconds(500));
    res.Text(200, "late");
  });
  StartServer();
  Conn c(port_);
  ASSERT_TRUE(c.Send(Get("/stuck")));
  std::this_thread::sleep_for(milliseconds(100));
  auto start = std::chrono::steady_clock::now();
  server_->Shutdown(milliseconds(50));
  // The handler is waited for (it cannot be interrupted), nothing longer.
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(2000));
  EXPECT_TRUE(c.WaitClosed(milliseconds(1000)));
}

TEST_F(ServerTest, SecondServerOnTheSamePortFailsClearly) {
  StartServer();
  ServerOptions opts;
  opts.listen = fmt::format("127.0.0.1:{}", port_);
  metrics::Registry other;
  opts.registry = &other;
  auto second = Server::Start(opts, &router_);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().message(),
            fmt::format("listen tcp 127.0.0.1:{}: address already in use", port_));
}

TEST_F(ServerTest, BadListenAddressesFail) {
  for (const char* listen : {"127.0.0.1", "127.0.0.1:99999", "127.0.0.1:x", "256.1.1.1:80:"}) {
    ServerOptions opts;
    opts.listen = listen;
    auto s = Server::Start(opts, &router_);
    EXPECT_FALSE(s.ok()) << listen;
    if (!s.ok()) {
      EXPECT_THAT(s.status().message(), StartsWith(fmt::format("listen tcp {}: ", listen)));
    }
  }
}

TEST_F(ServerTest, ListensOnIpv6LoopbackAndAllInterfaces) {
  ServerOptions opts;
  opts.listen = "[::1]:0";
  opts.registry = &registry_;
  auto s = Server::Start(opts, &router_);
  if (!s.ok()) GTEST_SKIP() << "no IPv6 loopback: " << s.status().ToString();
  EXPECT_THAT((*s)->address(), StartsWith("[::1]:"));
  (*s)->Shutdown(milliseconds(100));

  opts.listen = ":0";
  auto any = Server::Start(opts, &router_);
  ASSERT_TRUE(any.ok()) << any.status().ToString();
  Conn c((*any)->port());  // IPv4 loopback reaches the all-interfaces listener
  ASSERT_TRUE(c.Send(Get("/remote")));
  auto r = c.Read();
  ASSERT_TRUE(r.has_value());
  EXPECT_THAT(r->body, StartsWith("127.0.0.1:"));
}

TEST_F(ServerTest, AddressNamesTheBoundPort) {
  StartServer();
  EXPECT_NE(port_, 0);
  EXPECT_EQ(server_->address(), fmt::format("127.0.0.1:{}", port_));
}

TEST_F(ServerTest, IncompleteRequestIsCutOffAfterReadTimeout) {
  ServerOptions opts;
  opts.read_timeout_ms = 200;
  StartServer(opts);
  Conn c(port_);
  auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(c.Send("GET /echo HTTP/1.1\r\nHost: x\r\n"));  // header never ends
  std::this_thread::sleep_for(milliseconds(100));
  c.Send("X-Drip: 1\r\n");  // trickling bytes does not extend the deadline
  EXPECT_TRUE(c.WaitClosed(milliseconds(3000)));
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(2000));
}

TEST_F(ServerTest, IdleKeepAliveConnectionIsClosedAfterIdleTimeout) {
  ServerOptions opts;
  opts.idle_timeout_ms = 200;
  StartServer(opts);
  Conn c(port_);
  ASSERT_TRUE(c.Send(Get("/param?a=1")));
  ASSERT_TRUE(c.Read().has_value());
  EXPECT_TRUE(c.WaitClosed(milliseconds(3000)));
}

TEST_F(ServerTest, ConnectionsBeyondTheLimitAreClosed) {
  ServerOptions opts;
  opts.max_connections = 2;
  StartServer(opts);
  Conn a(port_), b(port_);
  ASSERT_TRUE(a.Send(Get("/param?a=1")));
  ASSERT_TRUE(a.Read().has_value());
  ASSERT_TRUE(b.Send(Get("/param?a=1")));
  ASSERT_TRUE(b.Read().has_value());
  Conn third(port_);
  EXPECT_TRUE(third.WaitClosed(milliseconds(2000)));
  ASSERT_TRUE(a.Send(Get("/param?a=2")));
  EXPECT_TRUE(a.Read().has_value());
}

TEST_F(ServerTest, MetricsCountRequestsByHandlerAndCode) {
  StartServer();
  Conn c(port_);
  for (const char* target : {"/echo", "/echo", "/param", "/nope1", "/nope2", "/throw"}) {
    ASSERT_TRUE(c.Send(Get(target)));
    ASSERT_TRUE(c.Read().has_value());
  }
  ASSERT_TRUE(c.Send(Post("/small", "text/plain", "12345")));
  ASSERT_TRUE(c.Read().has_value());
  WaitForCounter("small", "200", 1);
  WaitForCounter("echo", "200", 2);
  WaitForCounter("/param", "200", 1);
  WaitForCounter("other", "404", 2);
  WaitForCounter("/throw", "500", 1);
  EXPECT_EQ(registry_.Get("vigil_http_request_body_bytes_total", {{"handler", "small"}}), 5);
  EXPECT_EQ(registry_.Get("vigil_http_requests_in_flight"), 0);
  EXPECT_EQ(registry_.Get("vigil_http_connections"), 1);
  std::string text = registry_.Expose();
  EXPECT_THAT(text, HasSubstr("vigil_http_request_duration_seconds_count{handler=\"echo\"} 2"));
  EXPECT_THAT(text, HasSubstr("vigil_http_request_duration_seconds_count{handler=\"other\"} 2"));
}

TEST_F(ServerTest, PrivateRegistryIsUsedWhenNoneIsGiven) {
  ServerOptions opts;
  opts.listen = "127.0.0.1:0";
  auto s = Server::Start(opts, &router_);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  Conn c((*s)->port());
  ASSERT_TRUE(c.Send(Get("/param?a=1")));
  EXPECT_TRUE(c.Read().has_value());
}

}  // namespace
}  // namespace vigil::http
