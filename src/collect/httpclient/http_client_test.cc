#include "collect/httpclient/http_client.h"

#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <zlib.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <mutex>
#include <thread>

#include "base/file.h"
#include "collect/httpclient/testing_http_server.h"

namespace vigil::httpclient {
namespace {

using testing::Reply;
using testing::TestConn;
using testing::TestRequest;
using testing::TestServer;

std::string Gzip(std::string_view in) {
  z_stream zs{};
  deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, 31, 9, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&zs, in.size()) + 32, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

// Records the requests a server saw.
struct Seen {
  std::mutex mu;
  std::vector<TestRequest> reqs;
  void Add(const TestRequest& r) {
    std::lock_guard<std::mutex> l(mu);
    reqs.push_back(r);
  }
  TestRequest Last() {
    std::lock_guard<std::mutex> l(mu);
    return reqs.empty() ? TestRequest{} : reqs.back();
  }
};

std::unique_ptr<Client> NewClient(const config::HTTPClientConfig& cfg = {}) {
  auto c = Client::New(cfg);
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return std::move(c).value();
}

Request Req(const std::string& url, int64_t timeout_ms = 2000) {
  Request r;
  r.url = url;
  r.timeout_ms = timeout_ms;
  return r;
}

TEST(HttpClientTest, PlainGetReturnsBodyContentTypeAndStatus) {
  TestServer srv([](const TestRequest&, TestConn& c) {
    c.Write(Reply(200, "hello", {{"Content-Type", "text/plain; version=0.0.4"}}, "OK"));
  });
  auto client = NewClient();
  auto r = client->Get(Req(srv.URL("/metrics")));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status_code, 200);
  EXPECT_EQ(r->body, "hello");
  EXPECT_EQ(r->content_type, "text/plain; version=0.0.4");
  EXPECT_EQ(r->wire_bytes, 5u);
}

TEST(HttpClientTest, ErrorStatusIsAResponseNotAnError) {
  TestServer srv([](const TestRequest& q, TestConn& c) {
    c.Write(q.target == "/missing" ? Reply(404, "nope") : Reply(500, "boom"));
  });
  auto client = NewClient();
  auto r = client->Get(Req(srv.URL("/missing")));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status_code, 404);
  r = client->Get(Req(srv.URL("/other")));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status_code, 500);
  EXPECT_EQ(r->body, "boom");
}

TEST(HttpClientTest, PostSendsBodyAndReturnsResponseHeaders) {
  TestServer srv([](const TestRequest& q, TestConn& c) {
    c.Write(Reply(200,
                  q.method + " " + q.body + " " + q.Header("content-type") + q.Header("expect"),
                  {{"X-Amzn-RequestId", "r-1"}, {"Retry-After", "3"}}, "OK"));
  });
  auto client = NewClient();
  Request req = Req(srv.URL("/"));
  req.method = "POST";
  req.body = std::string(5000, 'x');  // large enough that curl would ask for 100-continue
  req.headers = {{"Content-Type", "application/x-amz-json-1.0"}};
  auto r = client->Do(req);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->body, "POST " + std::string(5000, 'x') + " application/x-amz-json-1.0");
  EXPECT_EQ(r->Header("x-amzn-requestid"), "r-1");
  EXPECT_EQ(r->Header("retry-after"), "3");
  // The same client then does a GET on the kept-alive connection.
  r = client->Get(Req(srv.URL("/")));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->body, "GET  ");
  EXPECT_EQ(srv.connections(), 1);
}

TEST(HttpClientTest, PostErrorsAreNamedAfterTheMethod) {
  auto client = NewClient();
  Request req = Req("http://127.0.0.1:1/");
  req.method = "POST";
  auto r = client->Do(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message().substr(0, 5), "Post ");
}

TEST(HttpClientTest, StatusTextMatchesGo) {
  EXPECT_EQ(StatusText(200), "200 OK");
  EXPECT_EQ(StatusText(404), "404 Not Found");
  EXPECT_EQ(StatusText(500), "500 Internal Server Error");
  EXPECT_EQ(StatusText(503), "503 Service Unavailable");
  EXPECT_EQ(StatusText(302), "302 Found");
  EXPECT_EQ(StatusText(599), "599");
}

TEST(HttpClientTest, KeepAliveReusesOneConnection) {
  TestServer srv([](const TestRequest&, TestConn& c) { c.Write(Reply(200, "x")); });
  auto client = NewClient();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(client->Get(Req(srv.URL("/"))).ok());
  EXPECT_EQ(srv.requests(), 3);
  EXPECT_EQ(srv.connections(), 1);
}

TEST(HttpClientTest, BasicAuthFromFilesIsRereadOnEveryRequest) {
  fs::TempDir dir("vigil-httpclient");
  std::string pw = dir.Join("pw");
  ASSERT_TRUE(fs::WriteFileAtomic(pw, "secret1\n").ok());
  Seen seen;
  TestServer srv([&](const TestRequest& q, TestConn& c) {
    seen.Add(q);
    c.Write(Reply(200, ""));
  });
  config::HTTPClientConfig cfg;
  cfg.basic_auth = config::BasicAuth{};
  cfg.basic_auth->username = "user";
  cfg.basic_auth->password_file = pw;
  auto client = NewClient(cfg);
  ASSERT_TRUE(client->Get(Req(srv.URL("/"))).ok());
  EXPECT_EQ(seen.Last().Header("authorization"), "Basic dXNlcjpzZWNyZXQx");  // user:secret1
  ASSERT_TRUE(fs::WriteFileAtomic(pw, "secret2").ok());
  ASSERT_TRUE(client->Get(Req(srv.URL("/"))).ok());
  EXPECT_EQ(seen.Last().Header("authorization"), "Basic dXNlcjpzZWNyZXQy");  // user:secret2
}

TEST(HttpClientTest, MissingPasswordFileIsAnErrorNamingIt) {
  TestServer srv([](const TestRequest&, TestConn& c) { c.Write(Reply(200, "")); });
  config::HTTPClientConfig cfg;
  cfg.basic_auth = config::BasicAuth{};
  cfg.basic_auth->username = "u";
  cfg.basic_auth->password_file = "/nonexistent/vigil-pw";
  auto client = NewClient(cfg);
  auto r = client->Get(Req(srv.URL("/")));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(
      r.status().message().find("unable to read basic auth password file /nonexistent/vigil-pw"),
      std::string::npos)
      << r.status().message();
  EXPECT_EQ(srv.requests(), 0);
}

TEST(HttpClientTest, AuthorizationHeaderFromCredentialsFile) {
  fs::TempDir dir("vigil-httpclient");
  std::string cred = dir.Join("token");
  ASSERT_TRUE(fs::WriteFileAtomic(cred, "  tok123 \n").ok());
  Seen seen;
  TestServer srv([&](const TestRequest& q, TestConn& c) {
    seen.Add(q);
    c.Write(Reply(200, ""));
  });
  config::HTTPClientConfig cfg;
  cfg.authorization = config::Authorization{};
  cfg.authorization->credentials_file = cred;
  auto client = NewClient(cfg);
  ASSERT_TRUE(client->Get(Req(srv.URL("/"))).ok());
  EXPECT_EQ(seen.Last().Header("authorization"), "Bearer tok123");

  cfg.authorization->type = "Custom";
  cfg.authorization->credentials_file.clear();
  cfg.authorization->credentials.value = "abc";
  client = NewClient(cfg);
  ASSERT_TRUE(client->Get(Req(srv.URL("/"))).ok());
  EXPECT_EQ(seen.Last().Header("authorization"), "Custom abc");
}

TEST(HttpClientTest, ConfigAndRequestHeadersAreSent) {
  Seen seen;
  TestServer srv([&](const TestRequest& q, TestConn& c) {
    seen.Add(q);
    c.Write(Reply(200, ""));
  });
  config::HTTPClientConfig cfg;
  cfg.http_headers["X-Team"] = {"infra"};
  auto client = NewClient(cfg);
  Request req = Req(srv.URL("/"));
  req.headers = {{"Accept", "text/plain"}, {"X-Prometheus-Scrape-Timeout-Seconds", "2"}};
  ASSERT_TRUE(client->Get(req).ok());
  TestRequest got = seen.Last();
  EXPECT_EQ(got.Header("x-team"), "infra");
  EXPECT_EQ(got.Header("accept"), "text/plain");
  EXPECT_EQ(got.Header("x-prometheus-scrape-timeout-seconds"), "2");
  EXPECT_EQ(got.Header("accept-encoding"), "gzip");
  EXPECT_EQ(got.Header("user-agent").rfind("Vigil/", 0), 0u);
}

TEST(HttpClientTest, GzipBodyIsDecompressedAndWireBytesAreCompressed) {
  std::string body(100000, 'a');
  std::string gz = Gzip(body);
  ASSERT_LT(gz.size(), 1000u);
  TestServer srv([&](const TestRequest& q, TestConn& c) {
    c.Write(Reply(200, gz, {{"Content-Encoding", "gzip"}, {"Content-Type", "text/plain"}}));
    (void)q;
  });
  auto client = NewClient();
  auto r = client->Get(Req(srv.URL("/")));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->body, body);
  EXPECT_EQ(r->wire_bytes, gz.size());
}

TEST(HttpClientTest, GzipSentEvenWithoutAcceptGzipIsDecompressed) {
  Seen seen;
  std::string gz = Gzip("plain text");
  TestServer srv([&](const TestRequest& q, TestConn& c) {
    seen.Add(q);
    c.Write(Reply(200, gz, {{"Content-Encoding", "gzip"}}));
  });
  auto client = NewClient();
  Request req = Req(srv.URL("/"));
  req.accept_gzip = false;
  auto r = client->Get(req);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(seen.Last().Header("accept-encoding"), "identity");
  EXPECT_EQ(r->body, "plain text");
}

TEST(HttpClientTest, BodyLimitAppliesToDecompressedSize) {
  std::string gz = Gzip(std::string(1 << 20, 'z'));  // 1 MiB that is ~1 KB on the wire
  TestServer srv([&](const TestRequest&, TestConn& c) {
    c.Write(Reply(200, gz, {{"Content-Encoding", "gzip"}}));
  });
  auto client = NewClient();
  Request req = Req(srv.URL("/"));
  req.max_body_bytes = 64 << 10;
  auto r = client->Get(req);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsResourceExhausted());
  EXPECT_EQ(r.status().message(), "body size limit exceeded (limit 65536 bytes)");
  // The client stays usable afterwards.
  req.max_body_bytes = 2 << 20;
  r = client->Get(req);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->body.size(), 1u << 20);
}

TEST(HttpClientTest, BodyExactlyAtLimitIsRefusedAsPrometheusDoes) {
  TestServer srv([&](const TestRequest&, TestConn& c) { c.Write(Reply(200, "12345")); });
  auto client = NewClient();
  Request req = Req(srv.URL("/"));
  req.max_body_bytes = 5;
  EXPECT_FALSE(client->Get(req).ok());
  req.max_body_bytes = 6;
  EXPECT_TRUE(client->Get(req).ok());
}

TEST(HttpClientTest, TricklingServerHitsTheTimeout) {
  TestServer srv([](const TestRequest&, TestConn& c) {
    c.Write("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n");
    while (c.Write("a") && c.Sleep(20)) {
    }
    c.CloseAfter();
  });
  auto client = NewClient();
  auto start = std::chrono::steady_clock::now();
  auto r = client->Get(Req(srv.URL("/metrics"), 300));
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsDeadlineExceeded());
  EXPECT_EQ(r.status().message(),
            "Get \"" + srv.URL("/metrics") + "\": context deadline exceeded (timeout 300ms)");
  EXPECT_LT(took, std::chrono::milliseconds(1500));
}

TEST(HttpClientTest, RedirectLoopStopsAfterTenRedirectsLikeGo) {
  TestServer srv([](const TestRequest& q, TestConn& c) {
    c.Write(Reply(302, "", {{"Location", q.target == "/a" ? "/b" : "/a"}}, "Found"));
  });
  auto client = NewClient();
  auto r = client->Get(Req(srv.URL("/a")));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "Get \"" + srv.URL("/a") + "\": stopped after 10 redirects");
  EXPECT_EQ(srv.requests(), 10);
}

TEST(HttpClientTest, RedirectFollowedOrReturnedPerConfig) {
  TestServer srv([](const TestRequest& q, TestConn& c) {
    if (q.target == "/old") {
      c.Write(Reply(301, "", {{"Location", "/new"}}, "Moved Permanently"));
    } else {
      c.Write(Reply(200, "new"));
    }
  });
  auto client = NewClient();
  auto r = client->Get(Req(srv.URL("/old")));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status_code, 200);
  EXPECT_EQ(r->body, "new");

  config::HTTPClientConfig cfg;
  cfg.follow_redirects = false;
  client = NewClient(cfg);
  r = client->Get(Req(srv.URL("/old")));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status_code, 301);
}

TEST(HttpClientTest, ConnectionRefusedReadsLikeGo) {
  int port;
  {
    TestServer srv([](const TestRequest&, TestConn&) {});
    port = srv.port();
  }
  auto client = NewClient();
  std::string url = fmt::format("http://127.0.0.1:{}/metrics", port);
  auto r = client->Get(Req(url));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(
      r.status().message(),
      fmt::format("Get \"{}\": dial tcp 127.0.0.1:{}: connect: connection refused", url, port));
}

TEST(HttpClientTest, EmptyReplyIsEOF) {
  TestServer srv([](const TestRequest&, TestConn& c) { c.CloseAfter(); });
  auto client = NewClient();
  auto r = client->Get(Req(srv.URL("/")));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "Get \"" + srv.URL("/") + "\": EOF");
}

TEST(HttpClientTest, UnsupportedSchemeIsRefused) {
  auto client = NewClient();
  auto r = client->Get(Req("ftp://127.0.0.1/x"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "Get \"ftp://127.0.0.1/x\": unsupported protocol scheme \"ftp\"");
}

TEST(HttpClientTest, CancelAbortsAGetBlockedOnASilentServer) {
  TestServer srv([](const TestRequest&, TestConn& c) {
    while (c.Sleep(10)) {
    }
  });
  auto client = NewClient();
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    client->Cancel();
  });
  auto start = std::chrono::steady_clock::now();
  auto r = client->Get(Req(srv.URL("/"), 30000));
  auto took = std::chrono::steady_clock::now() - start;
  canceller.join();
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsCancelled()) << r.status().ToString();
  EXPECT_LT(took, std::chrono::milliseconds(1000));
  EXPECT_TRUE(client->Get(Req(srv.URL("/"))).status().IsCancelled());
}

TEST(HttpClientTest, ProxyEnvironmentIgnoredUnlessProxyFromEnvironment) {
  Seen proxy_seen;
  TestServer proxy([&](const TestRequest& q, TestConn& c) {
    proxy_seen.Add(q);
    c.Write(Reply(200, "via proxy"));
  });
  TestServer direct([](const TestRequest&, TestConn& c) { c.Write(Reply(200, "direct")); });
  ::setenv("http_proxy", proxy.URL("").c_str(), 1);
  auto client = NewClient();
  auto r = client->Get(Req(direct.URL("/m")));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->body, "direct");

  config::HTTPClientConfig cfg;
  cfg.proxy_from_environment = true;
  client = NewClient(cfg);
  r = client->Get(Req(direct.URL("/m")));
  ::unsetenv("http_proxy");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->body, "via proxy");
  EXPECT_EQ(proxy_seen.Last().target, direct.URL("/m"));

  cfg = {};
  cfg.proxy_url = proxy.URL("");
  client = NewClient(cfg);
  r = client->Get(Req(direct.URL("/p")));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->body, "via proxy");
  EXPECT_EQ(proxy_seen.Last().target, direct.URL("/p"));
}

TEST(HttpClientTest, UnreadableCAFileFailsNew) {
  config::HTTPClientConfig cfg;
  cfg.tls_config.ca_file = "/nonexistent/ca.pem";
  auto c = Client::New(cfg);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("unable to load specified CA cert /nonexistent/ca.pem"),
            std::string::npos);
}

// ---------------------------------------------------------------------------
// TLS, against a one-thread OpenSSL server with a self-signed certificate
// made here (valid for DNS "vigil.test" only, so that server_name matters).

struct SelfSigned {
  std::string cert_pem, key_pem;
};

SelfSigned MakeSelfSigned(const char* dns_name) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 3600);
  X509_set_pubkey(x, key);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(dns_name), -1, -1, 0);
  X509_set_issuer_name(x, name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
  std::string san = std::string("DNS:") + dns_name;
  for (auto [nid, value] : {std::pair<int, const char*>{NID_subject_alt_name, san.c_str()},
                            {NID_basic_constraints, "critical,CA:TRUE"}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
  }
  X509_sign(x, key, EVP_sha256());
  auto to_string = [](BIO* b) {
    char* data = nullptr;
    long n = BIO_get_mem_data(b, &data);
    std::string s(data, static_cast<size_t>(n));
    BIO_free(b);
    return s;
  };
  BIO* cb = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(cb, x);
  BIO* kb = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(kb, key, nullptr, nullptr, 0, nullptr, nullptr);
  SelfSigned out{to_string(cb), to_string(kb)};
  X509_free(x);
  EVP_PKEY_free(key);
  return out;
}

class TLSServer {
 public:
  // require_client_cert: the client must present `client_ca` (a self-signed cert).
  TLSServer(const SelfSigned& server, const std::string& client_ca = "") {
    // SSL_write on a socket the client already closed (a refused handshake)
    // must fail, not kill the test; `vigil serve` ignores SIGPIPE likewise.
    ::signal(SIGPIPE, SIG_IGN);
    ctx_ = SSL_CTX_new(TLS_server_method());
    BIO* cb = BIO_new_mem_buf(server.cert_pem.data(), static_cast<int>(server.cert_pem.size()));
    X509* cert = PEM_read_bio_X509(cb, nullptr, nullptr, nullptr);
    BIO_free(cb);
    BIO* kb = BIO_new_mem_buf(server.key_pem.data(), static_cast<int>(server.key_pem.size()));
    EVP_PKEY* key = PEM_read_bio_PrivateKey(kb, nullptr, nullptr, nullptr);
    BIO_free(kb);
    SSL_CTX_use_certificate(ctx_, cert);
    SSL_CTX_use_PrivateKey(ctx_, key);
    X509_free(cert);
    EVP_PKEY_free(key);
    if (!client_ca.empty()) {
      BIO* ab = BIO_new_mem_buf(client_ca.data(), static_cast<int>(client_ca.size()));
      X509* ca = PEM_read_bio_X509(ab, nullptr, nullptr, nullptr);
      BIO_free(ab);
      X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx_), ca);
      X509_free(ca);
      SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
    }
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    ::listen(fd_, 16);
    socklen_t len = sizeof(addr);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Loop(); });
  }
  ~TLSServer() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
    SSL_CTX_free(ctx_);
  }
  std::string URL(const std::string& host = "127.0.0.1") const {
    return fmt::format("https://{}:{}/metrics", host, port_);
  }
  std::string last_sni() {
    std::lock_guard<std::mutex> l(mu_);
    return sni_;
  }
  std::string last_head() {
    std::lock_guard<std::mutex> l(mu_);
    return head_;
  }

 private:
  void Loop() {
    while (!stop_) {
      pollfd pfd{fd_, POLLIN, 0};
      if (::poll(&pfd, 1, 20) <= 0) continue;
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      timeval tv{2, 0};
      ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
      SSL* ssl = SSL_new(ctx_);
      SSL_set_fd(ssl, c);
      if (SSL_accept(ssl) == 1) {
        const char* sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
        std::string head;
        char buf[4096];
        while (head.find("\r\n\r\n") == std::string::npos) {
          int n = SSL_read(ssl, buf, sizeof(buf));
          if (n <= 0) break;
          head.append(buf, static_cast<size_t>(n));
        }
        {
          std::lock_guard<std::mutex> l(mu_);
          sni_ = sni ? sni : "";
          head_ = head;
        }
        std::string resp = Reply(200, "secure", {{"Connection", "close"}});
        SSL_write(ssl, resp.data(), static_cast<int>(resp.size()));
        SSL_shutdown(ssl);
      }
      ERR_clear_error();
      SSL_free(ssl);
      ::close(c);
    }
  }

  SSL_CTX* ctx_;
  int fd_;
  int port_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mu_;
  std::string sni_, head_;
};

TEST(HttpClientTLSTest, UnknownAuthorityIsRefusedAndInsecureSkipVerifyAccepts) {
  SelfSigned cert = MakeSelfSigned("vigil.test");
  TLSServer srv(cert);
  auto client = NewClient();
  auto r = client->Get(Req(srv.URL()));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("tls: failed to verify certificate"), std::string::npos)
      << r.status().message();

  config::HTTPClientConfig cfg;
  cfg.tls_config.insecure_skip_verify = true;
  client = NewClient(cfg);
  r = client->Get(Req(srv.URL()));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->body, "secure");
}

TEST(HttpClientTLSTest, ServerNameSetsSNIAndVerificationNameButNotHost) {
  SelfSigned cert = MakeSelfSigned("vigil.test");
  TLSServer srv(cert);
  config::HTTPClientConfig cfg;
  cfg.tls_config.ca = cert.cert_pem;
  // The certificate does not name 127.0.0.1.
  auto r = NewClient(cfg)->Get(Req(srv.URL()));
  ASSERT_FALSE(r.ok());

  cfg.tls_config.server_name = "vigil.test";
  r = NewClient(cfg)->Get(Req(srv.URL()));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->body, "secure");
  EXPECT_EQ(srv.last_sni(), "vigil.test");
  std::string url = srv.URL();
  std::string hostport = url.substr(8, url.find('/', 8) - 8);
  EXPECT_NE(srv.last_head().find("Host: " + hostport + "\r\n"), std::string::npos)
      << srv.last_head();
}

TEST(HttpClientTLSTest, CAAndClientCertFromFiles) {
  SelfSigned server_cert = MakeSelfSigned("vigil.test");
  SelfSigned client_cert = MakeSelfSigned("client.vigil.test");
  TLSServer srv(server_cert, client_cert.cert_pem);
  fs::TempDir dir("vigil-httpclient");
  ASSERT_TRUE(fs::WriteFileAtomic(dir.Join("ca.pem"), server_cert.cert_pem).ok());
  ASSERT_TRUE(fs::WriteFileAtomic(dir.Join("c.pem"), client_cert.cert_pem).ok());
  ASSERT_TRUE(fs::WriteFileAtomic(dir.Join("c.key"), client_cert.key_pem).ok());
  config::HTTPClientConfig cfg;
  cfg.tls_config.ca_file = dir.Join("ca.pem");
  cfg.tls_config.server_name = "vigil.test";
  // Without a client certificate the server refuses the handshake.
  auto r = NewClient(cfg)->Get(Req(srv.URL()));
  EXPECT_FALSE(r.ok());
  cfg.tls_config.cert_file = dir.Join("c.pem");
  cfg.tls_config.key_file = dir.Join("c.key");
  r = NewClient(cfg)->Get(Req(srv.URL()));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->body, "secure");
}

}  // namespace
}  // namespace vigil::httpclient
