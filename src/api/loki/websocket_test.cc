// The WebSocket support of http::Server (src/api/http/server.cc), tested
// here with a Beast client because the Loki tail endpoint is its user.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "api/http/http.h"
#include "api/http/server.h"

namespace vigil::http {
namespace {

namespace beast = boost::beast;
namespace bws = boost::beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;

// The handle a handler got, for the test to drive from its own thread.
struct Captured {
  std::mutex mu;
  std::condition_variable cv;
  std::shared_ptr<WebSocket> ws;
  std::string query;

  std::shared_ptr<WebSocket> Wait() {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait_for(lock, std::chrono::seconds(5), [&] { return ws != nullptr; });
    return ws;
  }
};

class WebSocketTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Route echo;
    echo.methods = {"GET"};
    echo.path = "/ws";
    echo.name = "ws";
    echo.handler = [](const Request&, Response& res) { res.Text(200, "plain"); };
    echo.websocket = [this](const Request& req, std::shared_ptr<WebSocket> ws) {
      std::lock_guard<std::mutex> lock(captured_.mu);
      captured_.query = std::string(req.Param("q"));
      captured_.ws = std::move(ws);
      captured_.cv.notify_all();
    };
    echo.websocket_check = [](const Request& req, Response& res) {
      if (req.Param("q") == "bad") {
        res.Text(400, "bad q");
        return false;
      }
      return true;
    };
    router_.Handle(std::move(echo));

    Route only_ws;
    only_ws.methods = {"GET"};
    only_ws.path = "/only-ws";
    only_ws.websocket = [](const Request&, std::shared_ptr<WebSocket> ws) {
      ws->Send("hello");
      ws->Close(1000, "bye");
    };
    router_.Handle(std::move(only_ws));

    ServerOptions o;
    o.listen = "127.0.0.1:0";
    o.threads = 2;
    auto s = Server::Start(o, &router_);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server_ = std::move(s.value());
  }

  void TearDown() override {
    if (server_) server_->Shutdown(std::chrono::milliseconds(500));
  }

  // A connected, handshaken client.
  std::unique_ptr<bws::stream<tcp::socket>> Connect(const std::string& target,
                                                    beast::error_code* ec) {
    auto ws = std::make_unique<bws::stream<tcp::socket>>(ioc_);
    ws->next_layer().connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), server_->port()));
    ws->handshake("127.0.0.1", target, *ec);
    return ws;
  }

  std::string Read(bws::stream<tcp::socket>& ws, beast::error_code* ec) {
    beast::flat_buffer buf;
    ws.read(buf, *ec);
    return beast::buffers_to_string(buf.data());
  }

  Router router_;
  std::unique_ptr<Server> server_;
  Captured captured_;
  net::io_context ioc_;
};

TEST_F(WebSocketTest, MessagesSentFromAnotherThreadArriveInOrder) {
  beast::error_code ec;
  auto client = Connect("/ws?q=hi", &ec);
  ASSERT_FALSE(ec) << ec.message();
  auto ws = captured_.Wait();
  ASSERT_NE(ws, nullptr);
  EXPECT_EQ(captured_.query, "hi");
  std::thread sender([ws] {
    for (int i = 0; i < 100; ++i) ASSERT_TRUE(ws->Send("m" + std::to_string(i)));
  });
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(Read(*client, &ec), "m" + std::to_string(i));
    ASSERT_FALSE(ec) << ec.message();
  }
  sender.join();
  EXPECT_TRUE(client->got_text());
}

TEST_F(WebSocketTest, ServerCloseSendsQueuedMessagesThenCodeAndReason) {
  beast::error_code ec;
  auto client = Connect("/only-ws", &ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(Read(*client, &ec), "hello");
  ASSERT_FALSE(ec);
  Read(*client, &ec);
  EXPECT_EQ(ec, bws::error::closed);
  EXPECT_EQ(client->reason().code, 1000);
  EXPECT_EQ(std::string(client->reason().reason.c_str()), "bye");
}

TEST_F(WebSocketTest, PeerCloseIsNoticedAndSendFailsAfterwards) {
  beast::error_code ec;
  auto client = Connect("/ws", &ec);
  ASSERT_FALSE(ec);
  auto ws = captured_.Wait();
  ASSERT_NE(ws, nullptr);
  EXPECT_FALSE(ws->closed());
  client->close(bws::close_code::normal, ec);
  EXPECT_TRUE(ws->WaitClosed(5000));
  EXPECT_FALSE(ws->Send("late"));
}

TEST_F(WebSocketTest, DroppedTcpConnectionIsNoticed) {
  beast::error_code ec;
  auto client = Connect("/ws", &ec);
  ASSERT_FALSE(ec);
  auto ws = captured_.Wait();
  ASSERT_NE(ws, nullptr);
  client->next_layer().close();
  EXPECT_TRUE(ws->WaitClosed(5000));
}

TEST_F(WebSocketTest, CheckRefusingAnswersPlainHttp) {
  tcp::socket sock(ioc_);
  sock.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), server_->port()));
  beast::http::request<beast::http::empty_body> req{beast::http::verb::get, "/ws?q=bad", 11};
  req.set(beast::http::field::host, "127.0.0.1");
  req.set(beast::http::field::upgrade, "websocket");
  req.set(beast::http::field::connection, "upgrade");
  req.set(beast::http::field::sec_websocket_key, "dGhlIHNhbXBsZSBub25jZQ==");
  req.set(beast::http::field::sec_websocket_version, "13");
  beast::http::write(sock, req);
  beast::flat_buffer buf;
  beast::http::response<beast::http::string_body> res;
  beast::http::read(sock, buf, res);
  EXPECT_EQ(res.result_int(), 400u);
  EXPECT_EQ(res.body(), "bad q");
  EXPECT_EQ(captured_.ws, nullptr);
}

TEST_F(WebSocketTest, PlainGetOnWebSocketRouteUsesHandlerOr400) {
  tcp::socket sock(ioc_);
  sock.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), server_->port()));
  for (const char* target : {"/ws", "/only-ws"}) {
    beast::http::request<beast::http::empty_body> req{beast::http::verb::get, target, 11};
    req.set(beast::http::field::host, "127.0.0.1");
    beast::http::write(sock, req);
    beast::flat_buffer buf;
    beast::http::response<beast::http::string_body> res;
    beast::http::read(sock, buf, res);
    if (std::string(target) == "/ws") {
      EXPECT_EQ(res.result_int(), 200u);
      EXPECT_EQ(res.body(), "plain");
    } else {
      EXPECT_EQ(res.result_int(), 400u);
    }
  }
}

TEST_F(WebSocketTest, ShutdownClosesOpenWebSocketsWithGoingAway) {
  beast::error_code ec;
  auto client = Connect("/ws", &ec);
  ASSERT_FALSE(ec);
  auto ws = captured_.Wait();
  ASSERT_NE(ws, nullptr);
  // The client must read for the close handshake to complete.
  std::thread reader([&] {
    beast::error_code rec;
    Read(*client, &rec);
    EXPECT_EQ(rec, bws::error::closed);
    EXPECT_EQ(client->reason().code, 1001);
  });
  auto begin = std::chrono::steady_clock::now();
  server_->Shutdown(std::chrono::milliseconds(3000));
  reader.join();
  EXPECT_LT(std::chrono::steady_clock::now() - begin, std::chrono::seconds(2));
  EXPECT_TRUE(ws->closed());
  // The handle outlives the server safely.
  EXPECT_FALSE(ws->Send("after shutdown"));
  ws->Close(1000, "");
  server_.reset();
}

TEST_F(WebSocketTest, HandleOutlivingAnUnclosedServerIsSafe) {
  beast::error_code ec;
  auto client = Connect("/ws", &ec);
  ASSERT_FALSE(ec);
  auto ws = captured_.Wait();
  ASSERT_NE(ws, nullptr);
  server_->Shutdown(std::chrono::milliseconds(0));
  server_.reset();
  EXPECT_TRUE(ws->closed());
  EXPECT_FALSE(ws->Send("x"));
}

// A throwaway self-signed EC certificate; the client below does not verify it.
std::pair<std::string, std::string> SelfSignedPem() {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  X509_sign(cert, key, EVP_sha256());
  auto text = [](BIO* bio) {
    char* data = nullptr;
    long n = BIO_get_mem_data(bio, &data);
    std::string out(data, static_cast<size_t>(n));
    BIO_free(bio);
    return out;
  };
  BIO* c = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(c, cert);
  BIO* k = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(k, key, nullptr, nullptr, 0, nullptr, nullptr);
  std::pair<std::string, std::string> out{text(c), text(k)};
  X509_free(cert);
  EVP_PKEY_free(key);
  return out;
}

TEST(WebSocketTlsTest, UpgradeWorksOverHttps) {
  Router router;
  Route r;
  r.methods = {"GET"};
  r.path = "/wss";
  r.websocket = [](const Request&, std::shared_ptr<WebSocket> ws) {
    ws->Send("secure hello");
    ws->Close(1000, "done");
  };
  router.Handle(std::move(r));
  ServerOptions o;
  o.listen = "127.0.0.1:0";
  o.threads = 2;
  std::tie(o.tls_cert_pem, o.tls_key_pem) = SelfSignedPem();
  auto s = Server::Start(o, &router);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  auto server = std::move(s.value());

  net::io_context ioc;
  net::ssl::context ctx(net::ssl::context::tls_client);
  ctx.set_verify_mode(net::ssl::verify_none);
  bws::stream<beast::ssl_stream<tcp::socket>> ws(ioc, ctx);
  beast::get_lowest_layer(ws).connect(
      tcp::endpoint(net::ip::make_address("127.0.0.1"), server->port()));
  beast::error_code ec;
  ws.next_layer().handshake(net::ssl::stream_base::client, ec);
  ASSERT_FALSE(ec) << ec.message();
  ws.handshake("127.0.0.1", "/wss", ec);
  ASSERT_FALSE(ec) << ec.message();
  beast::flat_buffer buf;
  ws.read(buf, ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(beast::buffers_to_string(buf.data()), "secure hello");
  buf.clear();
  ws.read(buf, ec);
  EXPECT_EQ(ec, bws::error::closed);
  EXPECT_EQ(ws.reason().code, 1000);
  server->Shutdown(std::chrono::milliseconds(500));
}

}  // namespace
}  // namespace vigil::http
