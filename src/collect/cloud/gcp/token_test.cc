#include "collect/cloud/gcp/token.h"

#include <stdlib.h>

#include <atomic>
#include <mutex>

#include <gtest/gtest.h>

#include "collect/cloud/gcp/test_util.h"
#include "collect/httpclient/testing_http_server.h"

namespace vigil::gcp {
namespace {

using httpclient::testing::Reply;
using httpclient::testing::TestConn;
using httpclient::testing::TestRequest;
using httpclient::testing::TestServer;

// A token endpoint that checks the grant like Google does and records the
// claims it saw.
class FakeTokenServer {
 public:
  FakeTokenServer()
      : server_([this](const TestRequest& req, TestConn& conn) { Handle(req, conn); }) {}

  std::string uri() const { return server_.URL("/token"); }
  int requests() const { return server_.requests(); }
  JwtClaims last_claims() {
    std::lock_guard<std::mutex> l(mu_);
    return last_claims_;
  }
  std::string last_body() {
    std::lock_guard<std::mutex> l(mu_);
    return last_body_;
  }
  std::atomic<int> throttle_first{0};
  std::atomic<int> expires_in{3599};
  std::atomic<bool> refuse{false};

 private:
  void Handle(const TestRequest& req, TestConn& conn) {
    if (throttle_first.load() > 0) {
      throttle_first.fetch_sub(1);
      conn.Write(Reply(429, R"({"error":"rate_limit_exceeded"})", {{"Retry-After", "0"}}));
      return;
    }
    auto form = testing::ParseForm(req.body);
    std::string claims_json;
    Status st =
        VerifyJwtRS256(form["assertion"], testing::TestKey().public_key_pem, nullptr, &claims_json);
    if (refuse.load() || req.method != "POST" || req.target != "/token" ||
        form["grant_type"] != kJwtBearerGrantType || !st.ok()) {
      conn.Write(Reply(400,
                       R"({"error":"invalid_grant","error_description":"Invalid JWT Signature."})",
                       {{"Content-Type", "application/json"}}));
      return;
    }
    {
      std::lock_guard<std::mutex> l(mu_);
      last_claims_ = *ParseJwtClaims(claims_json);
      last_body_ = req.body;
    }
    conn.Write(Reply(
        200,
        fmt::format(
            R"({{"access_token": "ya29.token-{}", "expires_in": {}, "token_type": "Bearer"}})",
            server_.requests(), expires_in.load()),
        {{"Content-Type", "application/json; charset=utf-8"}}));
  }

  TestServer server_;
  std::mutex mu_;
  JwtClaims last_claims_;
  std::string last_body_;
};

class TokenSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    client_ = std::move(httpclient::Client::New(config::HTTPClientConfig{})).value();
    ctx_.client = client_.get();
    ctx_.backoff = &backoff_;
  }
  TokenSource MakeSource(const std::string& key_token_uri, const std::string& override_uri = "") {
    key_file_ = testing::WriteKeyFile(dir_, testing::TestServiceAccount(key_token_uri));
    TokenSource::Options o;
    o.credentials_file = key_file_;
    o.token_uri = override_uri;
    o.request_timeout_ms = 5000;
    return TokenSource(o, &ctx_);
  }

  testing::TempDir dir_;
  std::string key_file_;
  std::unique_ptr<httpclient::Client> client_;
  cloud::Backoff backoff_{1, 5, 1};
  CallContext ctx_;
  FakeTokenServer server_;
};

constexpr int64_t kNow = 1'795'630'548'000;

TEST_F(TokenSourceTest, SendsSignedJwtBearerGrantAndCachesTheToken) {
  TokenSource src = MakeSource(server_.uri());
  ASSERT_TRUE(src.Init().ok());
  auto t1 = src.Token(kNow);
  ASSERT_TRUE(t1.ok()) << t1.status().ToString();
  EXPECT_EQ(*t1, "ya29.token-1");
  auto t2 = src.Token(kNow + 60'000);
  ASSERT_TRUE(t2.ok());
  EXPECT_EQ(*t2, *t1);
  EXPECT_EQ(server_.requests(), 1);
  EXPECT_EQ(src.fetches(), 1);
  JwtClaims c = server_.last_claims();
  EXPECT_EQ(c.iss, "vigil-test@example-project.iam.gserviceaccount.com");
  EXPECT_EQ(c.scope, "https://www.googleapis.com/auth/monitoring.read");
  EXPECT_EQ(c.aud, server_.uri());
  EXPECT_EQ(c.iat, kNow / 1000);
  EXPECT_EQ(c.exp, c.iat + 3600);
  EXPECT_EQ(server_.last_body().rfind(
                "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=", 0),
            0u);
}

TEST_F(TokenSourceTest, RefreshesFiveMinutesBeforeExpiry) {
  TokenSource src = MakeSource(server_.uri());
  ASSERT_TRUE(src.Init().ok());
  ASSERT_TRUE(src.Token(kNow).ok());
  EXPECT_EQ(src.Token(kNow + (3599 - 301) * 1000).value(), "ya29.token-1");
  EXPECT_EQ(src.Token(kNow + (3599 - 299) * 1000).value(), "ya29.token-2");
  EXPECT_EQ(server_.requests(), 2);
}

TEST_F(TokenSourceTest, ShortLivedTokensAreNotFetchedOnEveryCall) {
  server_.expires_in = 60;
  TokenSource src = MakeSource(server_.uri());
  ASSERT_TRUE(src.Init().ok());
  ASSERT_TRUE(src.Token(kNow).ok());
  ASSERT_TRUE(src.Token(kNow + 29'000).ok());
  EXPECT_EQ(server_.requests(), 1);
  ASSERT_TRUE(src.Token(kNow + 31'000).ok());
  EXPECT_EQ(server_.requests(), 2);
}

TEST_F(TokenSourceTest, InvalidateForcesANewToken) {
  TokenSource src = MakeSource(server_.uri());
  ASSERT_TRUE(src.Init().ok());
  ASSERT_TRUE(src.Token(kNow).ok());
  src.Invalidate();
  EXPECT_EQ(src.Token(kNow).value(), "ya29.token-2");
}

TEST_F(TokenSourceTest, ConfigTokenUriOverridesTheKeyFiles) {
  TokenSource src = MakeSource("http://127.0.0.1:1/never", server_.uri());
  ASSERT_TRUE(src.Init().ok());
  ASSERT_TRUE(src.Token(kNow).ok());
  EXPECT_EQ(server_.last_claims().aud, server_.uri());
}

TEST_F(TokenSourceTest, RetriesAThrottledTokenRequest) {
  server_.throttle_first = 2;
  TokenSource src = MakeSource(server_.uri());
  ASSERT_TRUE(src.Init().ok());
  auto t = src.Token(kNow);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(server_.requests(), 3);
}

TEST_F(TokenSourceTest, RefusedGrantIsAnErrorNamingGooglesReason) {
  server_.refuse = true;
  TokenSource src = MakeSource(server_.uri());
  ASSERT_TRUE(src.Init().ok());
  auto t = src.Token(kNow);
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("invalid_grant"), std::string::npos) << t.status().ToString();
  EXPECT_NE(t.status().message().find("Invalid JWT Signature."), std::string::npos);
  EXPECT_EQ(server_.requests(), 1);  // a 400 is not retried
}

TEST_F(TokenSourceTest, MissingKeyFileFailsInit) {
  TokenSource::Options o;
  o.credentials_file = dir_.path() + "/absent.json";
  TokenSource src(o, &ctx_);
  EXPECT_FALSE(src.Init().ok());
}

TEST(TokenResponse, ParsesGoogleAnswerAndRefusesMalformedOnes) {
  auto r = ParseTokenResponse(
      R"({"access_token": "ya29.x", "expires_in": 3599, "token_type": "Bearer"})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->access_token, "ya29.x");
  EXPECT_EQ(r->expires_in_s, 3599);
  EXPECT_EQ(ParseTokenResponse(R"({"access_token":"a","expires_in":"120"})")->expires_in_s, 120);
  EXPECT_FALSE(ParseTokenResponse(R"({"expires_in": 3599})").ok());
  EXPECT_FALSE(ParseTokenResponse(R"({"access_token": "ya29.x", )").ok());
  EXPECT_FALSE(ParseTokenResponse("").ok());
  EXPECT_FALSE(ParseTokenResponse("[]").ok());
}

TEST(CredentialsFile, ConfigWinsOverEnvironmentWhichWinsOverNothing) {
  ::setenv("GOOGLE_APPLICATION_CREDENTIALS", "/env/key.json", 1);
  EXPECT_EQ(*ResolveCredentialsFile("/cfg/key.json"), "/cfg/key.json");
  EXPECT_EQ(*ResolveCredentialsFile(""), "/env/key.json");
  ::unsetenv("GOOGLE_APPLICATION_CREDENTIALS");
  EXPECT_FALSE(ResolveCredentialsFile("").ok());
}

TEST(FormEncode, EncodesReservedCharacters) {
  EXPECT_EQ(FormEncode("a b+c/d=e&f~g.h_i-j"), "a%20b%2Bc%2Fd%3De%26f~g.h_i-j");
  EXPECT_EQ(FormEncode(kJwtBearerGrantType),
            "urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer");
}

}  // namespace
}  // namespace vigil::gcp
