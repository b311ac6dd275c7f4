#include "collect/cloud/aws/sigv4.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace vigil::aws {
namespace {

namespace fs = std::filesystem;
using Code = VerifyResult::Code;

constexpr char kAkid[] = "AKIDEXAMPLE";
constexpr char kSecret[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr char kMismatch[] =
    "The request signature we calculated does not match the signature you provided. Check your "
    "AWS Secret Access Key and signing method. Consult the service documentation for details.";

Credentials TestCreds() {
  Credentials c;
  c.access_key_id = kAkid;
  c.secret_access_key = kSecret;
  return c;
}

VerifyOptions TestVerifyOptions(int64_t now_ms) {
  VerifyOptions o;
  o.secret_for = [](std::string_view akid) {
    return akid == kAkid ? std::string(kSecret) : std::string();
  };
  o.now_ms = now_ms;
  return o;
}

std::string HeaderValue(const SignableRequest& req, std::string_view lower) {
  for (const auto& [k, v] : req.headers) {
    std::string n = k;
    std::transform(n.begin(), n.end(), n.begin(), ::tolower);
    if (n == lower) return v;
  }
  return "";
}

fs::path CapturesDir() {
#ifdef VIGIL_SHARED_DIR
  return fs::path(VIGIL_SHARED_DIR) / "reference/cloud-examples/sdk-captures/aws";
#else
  return {};
#endif
}

std::string ReadAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Verifies one capture as recorded and with its body's last byte changed.
void CheckCapture(const std::string& name) {
  SCOPED_TRACE(name);
  std::string raw = ReadAll(CapturesDir() / (name + ".request.http"));
  ASSERT_FALSE(raw.empty());
  auto req = ParseRawRequest(raw);
  ASSERT_TRUE(req.ok()) << req.status().ToString();
  auto signed_at = ParseAmzDate(HeaderValue(*req, "x-amz-date"));
  ASSERT_TRUE(signed_at.ok());
  VerifyResult r = Verify(*req, TestVerifyOptions(*signed_at));
  EXPECT_EQ(r.code, Code::kOk) << r.message;
  EXPECT_EQ(r.access_key_id, kAkid);
  EXPECT_EQ(r.region, "us-east-1");
  ASSERT_FALSE(req->body.empty());
  std::string body(req->body);
  body.back() = static_cast<char>(body.back() ^ 1);
  req->body = body;
  r = Verify(*req, TestVerifyOptions(*signed_at));
  EXPECT_EQ(r.code, Code::kSignatureDoesNotMatch);
  EXPECT_EQ(r.message, kMismatch);
}

class CaptureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::is_directory(CapturesDir())) GTEST_SKIP() << "no captures at " << CapturesDir();
  }
};

TEST_F(CaptureTest, VerifyAcceptsEachClientsSignedHeadersAndHeaderCase) {
  for (const char* name : {
           "awscli-v2-ListMetrics",       // query, capitalised names, 3 signed headers
           "boto3-deb-GetMetricData",     // query, lower-case host
           "boto3-pip-ListMetrics",       // JSON 1.0, x-amz-target + x-amzn-query-mode
           "js-v3-ListMetrics",           // JSON, x-amz-content-sha256, content-length signed
           "js-v3-query-GetMetricData",   // query from JS
           "boto3-pip-cbor-ListMetrics",  // CBOR, path /service/.../operation/ListMetrics
           "js-v3-cbor-GetMetricData",    // CBOR from JS
           "awscli-v1-FilterLogEvents",   // Logs, JSON 1.1, service "logs"
           "js-v3-GetResources",          // Tagging, service "tagging"
       }) {
    CheckCapture(name);
  }
}

TEST_F(CaptureTest, VerifyHashesGzipBodiesAsSent) {
  for (const char* name : {"boto3-pip-PutMetricData-large", "boto3-pip-cbor-PutMetricData-large",
                           "js-v3-PutMetricData-large", "js-v3-query-PutMetricData-large",
                           "boto3-deb-PutMetricData-large"}) {
    CheckCapture(name);
  }
}

TEST_F(CaptureTest, VerifyAcceptsRetriesWithRecomputedSignatures) {
  for (const char* name :
       {"boto3-pip-ListMetrics-error-Throttling.2", "boto3-deb-ListMetrics-error-Throttling.5",
        "js-v3-ListMetrics-error-Throttling.3", "awscli-v2-ListMetrics-error-Throttling.3"}) {
    CheckCapture(name);
  }
}

// Every request of every client verifies (the one the JS CBOR client never
// finished sending excepted: its Content-Length is the uncompressed size).
TEST_F(CaptureTest, VerifyAcceptsEveryCapturedRequest) {
  int checked = 0;
  for (const auto& entry : fs::directory_iterator(CapturesDir())) {
    std::string file = entry.path().filename().string();
    constexpr std::string_view kSuffix = ".request.http";
    if (file.size() <= kSuffix.size() ||
        file.compare(file.size() - kSuffix.size(), kSuffix.size(), kSuffix) != 0) {
      continue;
    }
    if (file.rfind("js-v3-cbor-PutMetricData-large", 0) == 0) continue;
    std::string raw = ReadAll(entry.path());
    auto req = ParseRawRequest(raw);
    ASSERT_TRUE(req.ok()) << file;
    auto signed_at = ParseAmzDate(HeaderValue(*req, "x-amz-date"));
    ASSERT_TRUE(signed_at.ok()) << file;
    VerifyResult r = Verify(*req, TestVerifyOptions(*signed_at));
    EXPECT_EQ(r.code, Code::kOk) << file << ": " << r.message;
    ++checked;
  }
  EXPECT_GT(checked, 100);
}

SignableRequest QueryRequest(std::string_view body) {
  SignableRequest req;
  req.method = "POST";
  req.path = "/";
  req.headers = {{"Host", "127.0.0.1:9901"},
                 {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
                 {"User-Agent", "vigil/test"}};
  req.body = body;
  return req;
}

constexpr int64_t kNow = 1440938160000;  // 20150830T123600Z

TEST(SigV4, SignThenVerifyRoundTrip) {
  std::string body = "Action=ListMetrics&Version=2010-08-01&Namespace=AWS%2FEC2";
  SignableRequest req = QueryRequest(body);
  SignOptions opts;
  opts.region = "eu-west-1";
  opts.service = "monitoring";
  opts.now_ms = kNow;
  auto parts = Sign(&req, TestCreds(), opts);
  ASSERT_TRUE(parts.ok()) << parts.status().ToString();
  EXPECT_EQ(parts->amz_date, "20150830T123600Z");
  EXPECT_EQ(HeaderValue(req, "x-amz-date"), "20150830T123600Z");
  EXPECT_EQ(parts->signed_headers, "content-type;host;user-agent;x-amz-date");
  EXPECT_EQ(HeaderValue(req, "authorization"), parts->authorization);
  VerifyResult r = Verify(req, TestVerifyOptions(kNow + 60'000));
  EXPECT_EQ(r.code, Code::kOk) << r.message;
  EXPECT_EQ(r.region, "eu-west-1");
  EXPECT_EQ(r.service, "monitoring");
  EXPECT_EQ(r.date, "20150830");
}

TEST(SigV4, SignWithSessionTokenAndChosenHeadersSignsHostAndAmzHeaders) {
  SignableRequest req = QueryRequest("Action=GetCallerIdentity&Version=2011-06-15");
  Credentials creds = TestCreds();
  creds.session_token = "FwoGZXIvYXdzEXAMPLE/+=";
  SignOptions opts;
  opts.region = "us-east-1";
  opts.service = "sts";
  opts.now_ms = kNow;
  opts.signed_headers = {"content-type"};
  opts.add_content_sha256_header = true;
  auto parts = Sign(&req, creds, opts);
  ASSERT_TRUE(parts.ok());
  EXPECT_EQ(parts->signed_headers,
            "content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token");
  EXPECT_EQ(HeaderValue(req, "x-amz-security-token"), creds.session_token);
  EXPECT_EQ(Verify(req, TestVerifyOptions(kNow)).code, Code::kOk);
  // The user agent is not signed: changing it does not matter.
  for (auto& [k, v] : req.headers) {
    if (k == "User-Agent") v = "other/1.0";
  }
  EXPECT_EQ(Verify(req, TestVerifyOptions(kNow)).code, Code::kOk);
  // The token is: a different one breaks the signature.
  for (auto& [k, v] : req.headers) {
    if (k == "X-Amz-Security-Token") v = "other";
  }
  EXPECT_EQ(Verify(req, TestVerifyOptions(kNow)).code, Code::kSignatureDoesNotMatch);
}

TEST(SigV4, ResigningARetryReplacesDateAndAuthorization) {
  SignableRequest req = QueryRequest("Action=ListMetrics&Version=2010-08-01");
  SignOptions opts;
  opts.region = "us-east-1";
  opts.service = "monitoring";
  opts.now_ms = kNow;
  ASSERT_TRUE(Sign(&req, TestCreds(), opts).ok());
  opts.now_ms = kNow + 5'000;
  ASSERT_TRUE(Sign(&req, TestCreds(), opts).ok());
  int dates = 0, auths = 0;
  for (const auto& [k, v] : req.headers) {
    dates += k == "X-Amz-Date";
    auths += k == "Authorization";
  }
  EXPECT_EQ(dates, 1);
  EXPECT_EQ(auths, 1);
  EXPECT_EQ(HeaderValue(req, "x-amz-date"), "20150830T123605Z");
  EXPECT_EQ(Verify(req, TestVerifyOptions(kNow)).code, Code::kOk);
}

TEST(SigV4, ClockSkewBeyondFifteenMinutesIsRequestExpired) {
  SignableRequest req = QueryRequest("Action=ListMetrics&Version=2010-08-01");
  SignOptions opts{"us-east-1", "monitoring", kNow, {}, false};
  ASSERT_TRUE(Sign(&req, TestCreds(), opts).ok());
  EXPECT_EQ(Verify(req, TestVerifyOptions(kNow + 15 * 60'000)).code, Code::kOk);
  VerifyResult r = Verify(req, TestVerifyOptions(kNow + 16 * 60'000));
  EXPECT_EQ(r.code, Code::kRequestExpired);
  EXPECT_EQ(r.message,
            "Signature expired: 20150830T123600Z is now earlier than 20150830T123700Z "
            "(20150830T125200Z - 15 min.)");
  r = Verify(req, TestVerifyOptions(kNow - 16 * 60'000));
  EXPECT_EQ(r.code, Code::kRequestExpired);
  EXPECT_EQ(r.message,
            "Signature not yet current: 20150830T123600Z is still later than 20150830T123500Z "
            "(20150830T122000Z + 15 min.)");
}

TEST(SigV4, UnknownAccessKeyIsInvalidClientTokenId) {
  SignableRequest req = QueryRequest("Action=ListMetrics&Version=2010-08-01");
  Credentials creds = TestCreds();
  creds.access_key_id = "AKIDUNKNOWN";
  ASSERT_TRUE(Sign(&req, creds, {"us-east-1", "monitoring", kNow, {}, false}).ok());
  VerifyResult r = Verify(req, TestVerifyOptions(kNow));
  EXPECT_EQ(r.code, Code::kInvalidClientTokenId);
  EXPECT_EQ(r.message, "The security token included in the request is invalid.");
  EXPECT_EQ(r.access_key_id, "AKIDUNKNOWN");
}

TEST(SigV4, WrongSecretIsSignatureDoesNotMatch) {
  SignableRequest req = QueryRequest("Action=ListMetrics&Version=2010-08-01");
  Credentials creds = TestCreds();
  creds.secret_access_key = "not-the-secret";
  ASSERT_TRUE(Sign(&req, creds, {"us-east-1", "monitoring", kNow, {}, false}).ok());
  VerifyResult r = Verify(req, TestVerifyOptions(kNow));
  EXPECT_EQ(r.code, Code::kSignatureDoesNotMatch);
  EXPECT_EQ(r.message, kMismatch);
}

TEST(SigV4, SessionTokenJudgedByTheCallback) {
  SignableRequest req = QueryRequest("Action=ListMetrics&Version=2010-08-01");
  Credentials creds = TestCreds();
  creds.session_token = "tok";
  ASSERT_TRUE(Sign(&req, creds, {"us-east-1", "monitoring", kNow, {}, false}).ok());
  VerifyOptions o = TestVerifyOptions(kNow);
  o.check_session_token = [](std::string_view, std::string_view token) {
    return token == "tok" ? Code::kExpiredToken : Code::kOk;
  };
  VerifyResult r = Verify(req, o);
  EXPECT_EQ(r.code, Code::kExpiredToken);
  EXPECT_EQ(r.message, "The security token included in the request is expired");
}

TEST(SigV4, MissingOrMalformedAuthorization) {
  SignableRequest req = QueryRequest("x");
  req.headers.emplace_back("X-Amz-Date", "20150830T123600Z");
  VerifyResult r = Verify(req, TestVerifyOptions(kNow));
  EXPECT_EQ(r.code, Code::kMissingAuthenticationToken);
  EXPECT_EQ(r.message, "Request is missing Authentication Token");

  req.headers.emplace_back(
      "Authorization",
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/monitoring/aws4_request");
  r = Verify(req, TestVerifyOptions(kNow));
  EXPECT_EQ(r.code, Code::kIncompleteSignature);
  EXPECT_NE(r.message.find("Authorization header requires 'Signature' parameter."),
            std::string::npos)
      << r.message;

  req.headers.back().second = "Bearer abc";
  EXPECT_EQ(Verify(req, TestVerifyOptions(kNow)).code, Code::kIncompleteSignature);

  req.headers.back().second =
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/monitoring/aws4_request, "
      "SignedHeaders=x-amz-date, Signature=00";
  r = Verify(req, TestVerifyOptions(kNow));
  EXPECT_EQ(r.code, Code::kSignatureDoesNotMatch);  // host must be signed
}

TEST(SigV4, ScopeDateMustMatchAmzDate) {
  SignableRequest req = QueryRequest("Action=ListMetrics&Version=2010-08-01");
  ASSERT_TRUE(Sign(&req, TestCreds(), {"us-east-1", "monitoring", kNow, {}, false}).ok());
  for (auto& [k, v] : req.headers) {
    if (k == "Authorization") v.replace(v.find("20150830"), 8, "20150829");
  }
  VerifyResult r = Verify(req, TestVerifyOptions(kNow));
  EXPECT_EQ(r.code, Code::kSignatureDoesNotMatch);
  EXPECT_NE(r.message.find("Date in Credential scope does not match"), std::string::npos);
}

// The suite's get-vanilla case, checked here too (ctest also runs the whole
// suite through vigil_sigv4_conformance).
TEST(SigV4, SuiteVanillaSignature) {
  auto req =
      ParseRawRequest("GET / HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z");
  ASSERT_TRUE(req.ok());
  auto parts = ComputeSignature(*req, TestCreds(), "us-east-1", "service", "20150830T123600Z");
  ASSERT_TRUE(parts.ok());
  EXPECT_EQ(parts->signature, "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
  EXPECT_EQ(parts->authorization,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
            "SignedHeaders=host;x-amz-date, "
            "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

TEST(SigV4, ParseRawRequestKeepsRawSpaceAndJoinsFoldedLines) {
  std::string raw = "GET /a b/?x=1 HTTP/1.1\r\nHost: h\r\nMy-H: v1\r\n   v2\r\n\r\nbody\r\n";
  auto req = ParseRawRequest(raw);
  ASSERT_TRUE(req.ok());
  EXPECT_EQ(req->method, "GET");
  EXPECT_EQ(req->path, "/a b/");
  EXPECT_EQ(req->query, "x=1");
  ASSERT_EQ(req->headers.size(), 2u);
  EXPECT_EQ(req->headers[1].second, "v1 v2");
  EXPECT_EQ(req->body, "body\r\n");
  EXPECT_FALSE(ParseRawRequest("").ok());
}

TEST(SigV4, Helpers) {
  EXPECT_EQ(UriEncode("a b/c~*", false), "a%20b/c~%2A");
  EXPECT_EQ(UriEncode("a/b", true), "a%2Fb");
  EXPECT_EQ(AmzDate(kNow), "20150830T123600Z");
  EXPECT_EQ(*ParseAmzDate("20150830T123600Z"), kNow);
  EXPECT_FALSE(ParseAmzDate("2015-08-30T12:36:00Z").ok());
  EXPECT_FALSE(ParseAmzDate("20151330T123600Z").ok());
  EXPECT_EQ(HexSha256(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

}  // namespace
}  // namespace vigil::aws
