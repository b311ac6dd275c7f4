// HTTPS in http::Server: a self-signed certificate made here with OpenSSL,
// and GETs over TLS through the collectors' HTTP client trusting it.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <chrono>
#include <memory>
#include <string>

#include "api/http/server.h"
#include "collect/httpclient/http_client.h"

namespace vigil::http {
namespace {

struct CertAndKey {
  std::string cert_pem, key_pem;
};

std::string BioText(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(n));
}

void AddExt(X509* cert, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  ASSERT_NE(ext, nullptr);
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

// A self-signed EC P-256 certificate for 127.0.0.1 and localhost.
CertAndKey MakeSelfSigned() {
  CertAndKey out;
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 7);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 24 * 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  AddExt(cert, NID_basic_constraints, "critical,CA:TRUE");
  AddExt(cert, NID_subject_key_identifier, "hash");
  AddExt(cert, NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost");
  X509_sign(cert, key, EVP_sha256());

  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, cert);
  out.cert_pem = BioText(bio);
  BIO_free(bio);
  bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  out.key_pem = BioText(bio);
  BIO_free(bio);
  X509_free(cert);
  EVP_PKEY_free(key);
  return out;
}

class TlsServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    creds_ = MakeSelfSigned();
    router_.Handle({"GET", "POST"}, "/hello", [](const Request& req, Response& resp) {
      resp.Text(200, "hello " + std::string(req.Param("who")) + " " + req.body);
    });
  }

  std::unique_ptr<Server> StartTls() {
    ServerOptions opts;
    opts.listen = "127.0.0.1:0";
    opts.threads = 2;
    opts.tls_cert_pem = creds_.cert_pem;
    opts.tls_key_pem = creds_.key_pem;
    auto s = Server::Start(opts, &router_);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(s).value() : nullptr;
  }

  std::unique_ptr<httpclient::Client> Client(bool trust) {
    config::HTTPClientConfig cfg;
    if (trust) cfg.tls_config.ca = creds_.cert_pem;
    auto c = httpclient::Client::New(cfg);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return std::move(c).value();
  }

  CertAndKey creds_;
  Router router_;
};

TEST_F(TlsServerTest, GetOverHttpsWithTrustedCertificateIsServed) {
  auto server = StartTls();
  ASSERT_NE(server, nullptr);
  auto client = Client(true);
  for (const char* host : {"127.0.0.1", "localhost"}) {
    httpclient::Request req;
    req.url = fmt::format("https://{}:{}/hello?who=tls", host, server->port());
    auto resp = client->Do(req);
    ASSERT_TRUE(resp.ok()) << host << ": " << resp.status().ToString();
    EXPECT_EQ(resp->status_code, 200);
    EXPECT_EQ(resp->body, "hello tls ");
  }
  // Keep-alive and a body over the same TLS connection.
  httpclient::Request post;
  post.method = "POST";
  post.url = fmt::format("https://127.0.0.1:{}/hello", server->port());
  post.body = "with body";
  auto resp = client->Do(post);
  ASSERT_TRUE(resp.ok()) << resp.status().ToString();
  EXPECT_EQ(resp->body, "hello  with body");
  server->Shutdown(std::chrono::milliseconds(500));
}

TEST_F(TlsServerTest, UntrustedCertificateIsRefusedByTheClient) {
  auto server = StartTls();
  ASSERT_NE(server, nullptr);
  httpclient::Request req;
  req.url = fmt::format("https://127.0.0.1:{}/hello", server->port());
  EXPECT_FALSE(Client(false)->Do(req).ok());
  // The server survives the failed handshake.
  auto resp = Client(true)->Do(req);
  ASSERT_TRUE(resp.ok()) << resp.status().ToString();
  EXPECT_EQ(resp->status_code, 200);
}

TEST_F(TlsServerTest, PlainHttpOnTheTlsPortGetsNoResponse) {
  auto server = StartTls();
  ASSERT_NE(server, nullptr);
  httpclient::Request req;
  req.url = fmt::format("http://127.0.0.1:{}/hello", server->port());
  req.timeout_ms = 3000;
  auto resp = Client(false)->Do(req);
  EXPECT_FALSE(resp.ok() && resp->status_code == 200);
}

TEST_F(TlsServerTest, MismatchedOrMissingKeyFailsStart) {
  ServerOptions opts;
  opts.listen = "127.0.0.1:0";
  opts.tls_cert_pem = creds_.cert_pem;
  opts.tls_key_pem = MakeSelfSigned().key_pem;
  auto s = Server::Start(opts, &router_);
  EXPECT_FALSE(s.ok());
  opts.tls_key_pem = "";
  EXPECT_FALSE(Server::Start(opts, &router_).ok());
  opts.tls_key_pem = "not a pem";
  EXPECT_FALSE(Server::Start(opts, &router_).ok());
}

}  // namespace
}  // namespace vigil::http
