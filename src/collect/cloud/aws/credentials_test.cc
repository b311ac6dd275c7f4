#include "collect/cloud/aws/credentials.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>
#include <vector>

#include "base/time.h"
#include "collect/httpclient/testing_http_server.h"

namespace vigil::aws {
namespace {

namespace fs = std::filesystem;
using httpclient::testing::Reply;
using httpclient::testing::TestConn;
using httpclient::testing::TestRequest;
using httpclient::testing::TestServer;

constexpr char kAkid[] = "AKIDEXAMPLE";
constexpr char kSecret[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr int64_t kExpiry = 1'796'150'000'000;  // 2026-12-01T18:33:20Z

std::string StsAnswer(std::string_view action, std::string_view akid) {
  return fmt::format(
      "<{0}Response xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><{0}Result>"
      "<Credentials><AccessKeyId>{1}</AccessKeyId><SecretAccessKey>rolesecret</SecretAccessKey>"
      "<SessionToken>tok+/=&amp;1</SessionToken><Expiration>{2}</Expiration></Credentials>"
      "<AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/r/vigil</Arn>"
      "</AssumedRoleUser></{0}Result><ResponseMetadata><RequestId>1</RequestId>"
      "</ResponseMetadata></{0}Response>",
      action, akid, FormatRFC3339(kExpiry));
}

std::string JsonCredentials(std::string_view akid, int64_t expiry = kExpiry) {
  return fmt::format(
      R"({{"Code":"Success","Type":"AWS-HMAC","AccessKeyId":"{}","SecretAccessKey":"s3cr3t",)"
      R"("Token":"sessiontoken","Expiration":"{}"}})",
      akid, FormatRFC3339(expiry));
}

// Verifies a request the fake STS received, as AWS would.
VerifyResult VerifyTestRequest(const TestRequest& r) {
  SignableRequest req;
  req.method = r.method;
  size_t q = r.target.find('?');
  req.path = r.target.substr(0, q);
  if (q != std::string::npos) req.query = r.target.substr(q + 1);
  for (const auto& [k, v] : r.headers) req.headers.emplace_back(k, v);
  req.body = r.body;
  VerifyOptions o;
  o.secret_for = [](std::string_view akid) {
    return akid == kAkid ? std::string(kSecret) : std::string();
  };
  return Verify(req, o);
}

class CredentialsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/vigil-awscreds-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    env_.home = dir_;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Write(const std::string& rel, const std::string& text) {
    fs::path p = fs::path(dir_) / rel;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
    return p.string();
  }

  Result<Credentials> Resolve(const config::AWSCredentialsConfig& cfg,
                              const std::string& endpoint = "") {
    auto chain = NewDefaultChain(cfg, "us-east-1", endpoint, env_);
    if (!chain.ok()) return chain.status();
    return (*chain)->Get(0);
  }

  std::string dir_;
  ChainEnv env_;
  config::AWSCredentialsConfig cfg_;
};

TEST_F(CredentialsTest, ConfigKeysComeBeforeEnvironment) {
  cfg_.access_key_id = "AKIDCONFIG";
  cfg_.secret_access_key.value = "configsecret";
  env_.vars = {{"AWS_ACCESS_KEY_ID", "AKIDENV"}, {"AWS_SECRET_ACCESS_KEY", "envsecret"}};
  auto c = Resolve(cfg_);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->access_key_id, "AKIDCONFIG");
  EXPECT_EQ(c->source, "config");
}

TEST_F(CredentialsTest, EnvironmentKeysWithSessionToken) {
  env_.vars = {{"AWS_ACCESS_KEY_ID", "AKIDENV"},
               {"AWS_SECRET_ACCESS_KEY", "envsecret"},
               {"AWS_SESSION_TOKEN", "envtoken"}};
  Write(".aws/credentials", "[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = x\n");
  auto c = Resolve(cfg_);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->access_key_id, "AKIDENV");
  EXPECT_EQ(c->secret_access_key, "envsecret");
  EXPECT_EQ(c->session_token, "envtoken");
  EXPECT_EQ(c->source, "environment");
}

TEST_F(CredentialsTest, AccessKeyWithoutSecretIsAnError) {
  cfg_.access_key_id = "AKIDCONFIG";
  auto chain = NewDefaultChain(cfg_, "us-east-1", "", env_);
  ASSERT_FALSE(chain.ok());
  EXPECT_NE(chain.status().message().find("secret_access_key"), std::string::npos);
}

TEST_F(CredentialsTest, SharedCredentialsFileDefaultProfile) {
  Write(".aws/credentials",
        "# comment\n[other]\naws_access_key_id=AKIDOTHER\naws_secret_access_key=o\n"
        "[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = filesecret\n"
        "aws_session_token = filetoken\n");
  auto c = Resolve(cfg_);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->access_key_id, "AKIDFILE");
  EXPECT_EQ(c->secret_access_key, "filesecret");
  EXPECT_EQ(c->session_token, "filetoken");
  EXPECT_EQ(c->source, "profile default");
}

TEST_F(CredentialsTest, AwsProfileSelectsConfigFileSectionAndCredentialsFileWins) {
  Write(".aws/config",
        "[default]\nregion = us-east-1\n[profile dev]\nregion = eu-west-1\n"
        "s3 =\n  max_concurrent_requests = 10\naws_access_key_id = AKIDCONFIGFILE\n"
        "aws_secret_access_key = configfilesecret\n[sso-session x]\nsso_region = us-east-1\n");
  env_.vars = {{"AWS_PROFILE", "dev"}};
  auto c = Resolve(cfg_);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->access_key_id, "AKIDCONFIGFILE");
  EXPECT_EQ(c->secret_access_key, "configfilesecret");

  Write(".aws/credentials", "[dev]\naws_secret_access_key = credfilesecret\n");
  c = Resolve(cfg_);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->access_key_id, "AKIDCONFIGFILE");
  EXPECT_EQ(c->secret_access_key, "credfilesecret");
}

TEST_F(CredentialsTest, ConfiguredFilesAndProfileOverrideEnvironment) {
  std::string creds =
      Write("elsewhere/creds", "[ops]\naws_access_key_id=AKIDOPS\naws_secret_access_key=s\n");
  cfg_.shared_credentials_file = creds;
  cfg_.profile = "ops";
  env_.vars = {{"AWS_PROFILE", "nope"}};
  auto c = Resolve(cfg_);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->access_key_id, "AKIDOPS");
}

TEST_F(CredentialsTest, NamedProfileThatDoesNotExistIsAnError) {
  Write(".aws/credentials", "[default]\naws_access_key_id=A\naws_secret_access_key=s\n");
  env_.vars = {{"AWS_PROFILE", "typo"}};
  auto chain = NewDefaultChain(cfg_, "us-east-1", "", env_);
  ASSERT_FALSE(chain.ok());
  EXPECT_NE(chain.status().message().find("failed to get shared config profile, typo"),
            std::string::npos)
      << chain.status().ToString();
}

TEST_F(CredentialsTest, ProfileRoleArnWithSourceProfileAssumesRoleSigned) {
  std::mutex mu;
  std::vector<TestRequest> seen;
  std::vector<VerifyResult> verdicts;
  TestServer sts([&](const TestRequest& r, TestConn& c) {
    {
      std::lock_guard<std::mutex> l(mu);
      seen.push_back(r);
      verdicts.push_back(VerifyTestRequest(r));
    }
    c.Write(Reply(200, StsAnswer("AssumeRole", "ASIAROLE"), {{"Content-Type", "text/xml"}}));
  });
  Write(".aws/config",
        "[profile base]\naws_access_key_id = AKIDEXAMPLE\n"
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY\n"
        "[profile app]\nrole_arn = arn:aws:iam::123456789012:role/app role\n"
        "source_profile = base\nrole_session_name = sess\n");
  cfg_.profile = "app";
  auto c = Resolve(cfg_, sts.URL(""));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->access_key_id, "ASIAROLE");
  EXPECT_EQ(c->secret_access_key, "rolesecret");
  EXPECT_EQ(c->session_token, "tok+/=&1");
  EXPECT_EQ(c->expiration_ms, kExpiry);
  EXPECT_EQ(c->source, "assume-role");
  std::lock_guard<std::mutex> l(mu);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "POST");
  EXPECT_EQ(seen[0].target, "/");
  EXPECT_EQ(seen[0].body,
            "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3A"
            "role%2Fapp%20role&RoleSessionName=sess");
  EXPECT_EQ(seen[0].Header("content-type"), "application/x-www-form-urlencoded; charset=utf-8");
  EXPECT_EQ(verdicts[0].code, VerifyResult::Code::kOk) << verdicts[0].message;
  EXPECT_EQ(verdicts[0].service, "sts");
  EXPECT_EQ(verdicts[0].region, "us-east-1");
}

TEST_F(CredentialsTest, ConfigRoleArnAssumesRoleWithExternalIdAtStsEndpoint) {
  std::mutex mu;
  std::string body, auth;
  TestServer sts([&](const TestRequest& r, TestConn& c) {
    {
      std::lock_guard<std::mutex> l(mu);
      body = r.body;
      auth = r.Header("authorization");
    }
    c.Write(Reply(200, StsAnswer("AssumeRole", "ASIACFG")));
  });
  cfg_.access_key_id = kAkid;
  cfg_.secret_access_key.value = kSecret;
  cfg_.role_arn = "arn:aws:iam::123456789012:role/r";
  cfg_.external_id = "ext-1";
  cfg_.sts_endpoint = sts.URL("/");
  auto c = Resolve(cfg_, "http://127.0.0.1:1");  // the sts_endpoint wins over the override
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->access_key_id, "ASIACFG");
  std::lock_guard<std::mutex> l(mu);
  EXPECT_NE(body.find("&RoleSessionName=vigil&ExternalId=ext-1"), std::string::npos) << body;
  EXPECT_NE(auth.find("Credential=AKIDEXAMPLE/"), std::string::npos) << auth;
  EXPECT_NE(auth.find("/us-east-1/sts/aws4_request"), std::string::npos) << auth;
}

TEST_F(CredentialsTest, StsErrorIsReportedWithItsCode) {
  TestServer sts([&](const TestRequest&, TestConn& c) {
    c.Write(Reply(403,
                  "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error>"
                  "<Type>Sender</Type><Code>AccessDenied</Code><Message>User is not authorized "
                  "to perform: sts:AssumeRole</Message></Error><RequestId>1</RequestId>"
                  "</ErrorResponse>"));
  });
  cfg_.access_key_id = kAkid;
  cfg_.secret_access_key.value = kSecret;
  cfg_.role_arn = "arn:aws:iam::123456789012:role/r";
  auto c = Resolve(cfg_, sts.URL(""));
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("HTTP 403: AccessDenied: User is not authorized"),
            std::string::npos)
      << c.status().ToString();
}

TEST_F(CredentialsTest, WebIdentityFromEnvironmentIsUnsigned) {
  std::mutex mu;
  TestRequest got;
  TestServer sts([&](const TestRequest& r, TestConn& c) {
    {
      std::lock_guard<std::mutex> l(mu);
      got = r;
    }
    c.Write(Reply(200, StsAnswer("AssumeRoleWithWebIdentity", "ASIAWEB")));
  });
  std::string token = Write("token", "eyJhbGciOiJSUzI1NiJ9.e30.sig\n");
  env_.vars = {{"AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/web"},
               {"AWS_WEB_IDENTITY_TOKEN_FILE", token},
               {"AWS_ROLE_SESSION_NAME", "pod-1"}};
  auto c = Resolve(cfg_, sts.URL(""));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->access_key_id, "ASIAWEB");
  EXPECT_EQ(c->source, "web-identity");
  std::lock_guard<std::mutex> l(mu);
  EXPECT_EQ(got.Header("authorization"), "");
  EXPECT_EQ(got.body,
            "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A"
            "123456789012%3Arole%2Fweb&RoleSessionName=pod-1&WebIdentityToken="
            "eyJhbGciOiJSUzI1NiJ9.e30.sig");
}

TEST_F(CredentialsTest, ContainerFullUriSendsTokenFromFile) {
  std::mutex mu;
  std::string auth, target;
  TestServer ecs([&](const TestRequest& r, TestConn& c) {
    {
      std::lock_guard<std::mutex> l(mu);
      auth = r.Header("authorization");
      target = r.target;
    }
    c.Write(Reply(200, JsonCredentials("ASIAECS"), {{"Content-Type", "application/json"}}));
  });
  env_.vars = {{"AWS_CONTAINER_CREDENTIALS_FULL_URI", ecs.URL("/v1/credentials")},
               {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "from-var"},
               {"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", Write("eks-token", "from-file\n")}};
  auto c = Resolve(cfg_);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->access_key_id, "ASIAECS");
  EXPECT_EQ(c->session_token, "sessiontoken");
  EXPECT_EQ(c->expiration_ms, kExpiry);
  EXPECT_EQ(c->source, "container");
  std::lock_guard<std::mutex> l(mu);
  EXPECT_EQ(auth, "from-file");
  EXPECT_EQ(target, "/v1/credentials");
}

TEST_F(CredentialsTest, ContainerRelativeUriGoesToTheEcsAgent) {
  std::mutex mu;
  std::string target;
  TestServer ecs([&](const TestRequest& r, TestConn& c) {
    {
      std::lock_guard<std::mutex> l(mu);
      target = r.target;
    }
    c.Write(Reply(200, JsonCredentials("ASIAECS")));
  });
  env_.container_endpoint = ecs.URL("");
  env_.vars = {{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/abc"}};
  auto c = Resolve(cfg_);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  std::lock_guard<std::mutex> l(mu);
  EXPECT_EQ(target, "/v2/credentials/abc");
}

TEST_F(CredentialsTest, ContainerFullUriOverPlainHttpToARemoteHostIsRefused) {
  env_.vars = {{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://example.com/creds"}};
  auto chain = NewDefaultChain(cfg_, "us-east-1", "", env_);
  ASSERT_FALSE(chain.ok());
  EXPECT_NE(chain.status().message().find("loopback"), std::string::npos);
}

// A fake IMDS: IMDSv2 token, one role, its credentials; counts fetches.
class FakeImds {
 public:
  FakeImds() : server_([this](const TestRequest& r, TestConn& c) { Handle(r, c); }) {}
  std::string URL() const { return server_.URL(""); }
  std::atomic<int> credential_fetches{0};
  std::atomic<int> requests{0};
  std::atomic<bool> failing{false};
  std::atomic<bool> v1_only{false};
  std::atomic<int64_t> expiry{kExpiry};
  std::mutex mu;
  std::vector<std::string> tokens_seen;

 private:
  void Handle(const TestRequest& r, TestConn& c) {
    requests++;
    if (failing) {
      c.Write(Reply(500, "oops"));
      return;
    }
    if (r.method == "PUT" && r.target == "/latest/api/token") {
      if (v1_only) {
        c.Write(Reply(405, ""));
      } else if (r.Header("x-aws-ec2-metadata-token-ttl-seconds").empty()) {
        c.Write(Reply(400, ""));
      } else {
        c.Write(Reply(200, "imds-session-token"));
      }
      return;
    }
    {
      std::lock_guard<std::mutex> l(mu);
      tokens_seen.push_back(r.Header("x-aws-ec2-metadata-token"));
    }
    if (!v1_only && r.Header("x-aws-ec2-metadata-token") != "imds-session-token") {
      c.Write(Reply(401, ""));
      return;
    }
    if (r.target == "/latest/meta-data/iam/security-credentials/") {
      c.Write(Reply(200, "my-role"));
    } else if (r.target == "/latest/meta-data/iam/security-credentials/my-role") {
      credential_fetches++;
      c.Write(Reply(200, JsonCredentials("ASIAIMDS", expiry.load())));
    } else {
      c.Write(Reply(404, ""));
    }
  }
  TestServer server_;
};

TEST_F(CredentialsTest, ImdsV2FetchesATokenThenTheRoleCredentials) {
  FakeImds imds;
  cfg_.imds_endpoint = imds.URL();
  auto c = Resolve(cfg_);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->access_key_id, "ASIAIMDS");
  EXPECT_EQ(c->secret_access_key, "s3cr3t");
  EXPECT_EQ(c->source, "imds");
  std::lock_guard<std::mutex> l(imds.mu);
  ASSERT_EQ(imds.tokens_seen.size(), 2u);
  EXPECT_EQ(imds.tokens_seen[0], "imds-session-token");
}

TEST_F(CredentialsTest, ImdsFallsBackToV1WhenTokensAreNotSupported) {
  FakeImds imds;
  imds.v1_only = true;
  env_.vars = {{"AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.URL()}};
  auto c = Resolve(cfg_);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->access_key_id, "ASIAIMDS");
  std::lock_guard<std::mutex> l(imds.mu);
  EXPECT_EQ(imds.tokens_seen[0], "");
}

TEST_F(CredentialsTest, NothingFoundListsEverySourceTried) {
  env_.vars = {{"AWS_EC2_METADATA_DISABLED", "true"}};
  auto chain = NewDefaultChain(cfg_, "us-east-1", "", env_);
  ASSERT_FALSE(chain.ok());
  const std::string& m = chain.status().message();
  EXPECT_EQ(m.rfind("no valid credential sources found: ", 0), 0u) << m;
  for (const char* part : {"config:", "environment:", "web identity:", "shared files:",
                           "container:", "imds: disabled"}) {
    EXPECT_NE(m.find(part), std::string::npos) << part << " missing in " << m;
  }
}

TEST_F(CredentialsTest, ImdsFailureAsLastResortListsEverySource) {
  FakeImds imds;
  imds.failing = true;
  cfg_.imds_endpoint = imds.URL();
  auto c = Resolve(cfg_);
  ASSERT_FALSE(c.ok());
  const std::string& m = c.status().message();
  EXPECT_EQ(m.rfind("no valid credential sources found: ", 0), 0u) << m;
  EXPECT_NE(m.find("environment:"), std::string::npos) << m;
  EXPECT_NE(m.find("token request: HTTP 500"), std::string::npos) << m;
}

TEST_F(CredentialsTest, CachesUntilFiveMinutesBeforeExpiryThenRefreshes) {
  FakeImds imds;
  cfg_.imds_endpoint = imds.URL();
  auto chain = NewDefaultChain(cfg_, "us-east-1", "", env_);
  ASSERT_TRUE(chain.ok());
  CredentialsProvider& p = **chain;
  ASSERT_TRUE(p.Get(kExpiry - 30 * kMinute).ok());
  ASSERT_TRUE(p.Get(kExpiry - 6 * kMinute).ok());
  EXPECT_EQ(imds.credential_fetches.load(), 1);
  imds.expiry = kExpiry + kHour;
  auto c = p.Get(kExpiry - 4 * kMinute);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(imds.credential_fetches.load(), 2);
  EXPECT_EQ(c->expiration_ms, kExpiry + kHour);
}

TEST_F(CredentialsTest, FailedRefreshKeepsCachedCredentialsUntilTheyExpire) {
  FakeImds imds;
  cfg_.imds_endpoint = imds.URL();
  auto chain = NewDefaultChain(cfg_, "us-east-1", "", env_);
  ASSERT_TRUE(chain.ok());
  CredentialsProvider& p = **chain;
  ASSERT_TRUE(p.Get(kExpiry - 30 * kMinute).ok());
  imds.failing = true;
  auto c = p.Get(kExpiry - 2 * kMinute);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->access_key_id, "ASIAIMDS");
  // The failing server is not asked again at once.
  int asked = imds.requests.load();
  EXPECT_TRUE(p.Get(kExpiry - 2 * kMinute + 1000).ok());
  EXPECT_EQ(imds.requests.load(), asked);
  EXPECT_FALSE(p.Get(kExpiry + 1).ok());
}

TEST_F(CredentialsTest, ConcurrentGetsFetchOnce) {
  FakeImds imds;
  cfg_.imds_endpoint = imds.URL();
  auto chain = NewDefaultChain(cfg_, "us-east-1", "", env_);
  ASSERT_TRUE(chain.ok());
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back([&] {
      if ((*chain)->Get(kExpiry - kHour).ok()) ok++;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 6);
  EXPECT_EQ(imds.credential_fetches.load(), 1);
}

TEST(StsEndpoint, ConfigThenOverrideThenRegional) {
  config::AWSCredentialsConfig cfg;
  EXPECT_EQ(StsEndpoint(cfg, "eu-west-1", ""), "https://sts.eu-west-1.amazonaws.com");
  EXPECT_EQ(StsEndpoint(cfg, "eu-west-1", "http://127.0.0.1:9901"), "http://127.0.0.1:9901");
  cfg.sts_endpoint = "https://sts.example";
  EXPECT_EQ(StsEndpoint(cfg, "eu-west-1", "http://127.0.0.1:9901"), "https://sts.example");
}

TEST(ParseStsCredentials, MissingCredentialsIsAnError) {
  EXPECT_FALSE(ParseStsCredentials("<AssumeRoleResponse></AssumeRoleResponse>").ok());
  EXPECT_FALSE(ParseStsCredentials("").ok());
  auto c = ParseStsCredentials(StsAnswer("AssumeRole", "A"));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->session_token, "tok+/=&1");
}

}  // namespace
}  // namespace vigil::aws
