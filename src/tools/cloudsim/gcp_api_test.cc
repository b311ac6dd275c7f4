// The Google Cloud handlers called directly with http::Request objects (no
// listener): the JWT-bearer token exchange and self-signed JWTs (good, bad,
// expired), timeSeries.list with named and numeric enums, paging and
// filters, metricDescriptors, entries:list, errors and faults.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <simdjson.h>

#include <memory>
#include <string>

#include "base/file.h"
#include "tools/cloudsim/azgcp_internal.h"
#include "tools/cloudsim/sim_state.h"

namespace vigil::cloudsim {
namespace {

constexpr int64_t kNow = 1704070800000;  // 2024-01-01T01:00:00Z
constexpr int64_t kNowSec = kNow / 1000;

http::Request MakeRequest(std::string method, std::string target, std::string body = "",
                          http::Params headers = {}) {
  http::Request req;
  req.method = std::move(method);
  req.target = target;
  size_t q = target.find('?');
  req.path = http::PercentDecode(target.substr(0, q), false);
  if (q != std::string::npos) req.query = http::ParseQueryString(target.substr(q + 1));
  req.headers = std::move(headers);
  req.headers.emplace_back("host", "127.0.0.1:9901");
  if (req.Header("content-type").find("x-www-form-urlencoded") != std::string_view::npos) {
    req.form = http::ParseQueryString(body);
  }
  req.body = std::move(body);
  return req;
}

std::string Sign(const std::string& private_pem, const std::string& input) {
  BIO* bio = BIO_new_mem_buf(private_pem.data(), static_cast<int>(private_pem.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  EXPECT_NE(key, nullptr);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  size_t len = 0;
  EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key);
  EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()),
                 input.size());
  std::string sig(len, '\0');
  EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len,
                 reinterpret_cast<const unsigned char*>(input.data()), input.size());
  sig.resize(len);
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(key);
  return sig;
}

// base64url with '=' padding kept, as python-google-auth writes it.
std::string PaddedB64(std::string_view s) {
  std::string out = internal::Base64UrlEncode(s);
  while (out.size() % 4 != 0) out += '=';
  return out;
}

class GcpApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char tmpl[] = "/tmp/vigil-gcp-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = new std::string(tmpl);
    keys_ = new Keys();
    ASSERT_TRUE(LoadOrCreateKeys(*dir_ + "/state", keys_).ok());
  }
  static void TearDownTestSuite() {
    (void)fs::RemoveAll(*dir_);
    delete dir_;
    delete keys_;
    delete other_;
    other_ = nullptr;
  }

  void SetUp() override {
    state_ = std::make_unique<SimState>(&fleet_, *keys_, Faults{});
    state_->http_base = "http://127.0.0.1:9901";
    state_->https_base = "https://127.0.0.1:9902";
  }

  std::string Jwt(const std::string& claims, bool padded = false, const Keys* key = nullptr,
                  std::string header = "") {
    const Keys& k = key != nullptr ? *key : *keys_;
    if (header.empty()) {
      header = fmt::format(R"({{"typ": "JWT", "alg": "RS256", "kid": "{}"}})",
                           keys_->gcp_private_key_id);
    }
    std::string input =
        padded ? PaddedB64(header) + "." + PaddedB64(claims)
               : internal::Base64UrlEncode(header) + "." + internal::Base64UrlEncode(claims);
    std::string sig = Sign(k.gcp_private_key_pem, input);
    return input + "." + (padded ? PaddedB64(sig) : internal::Base64UrlEncode(sig));
  }

  std::string Claims(int64_t iat, int64_t exp, std::string aud = "http://127.0.0.1:9901/token",
                     std::string iss = kGcpClientEmail) {
    std::string out = fmt::format(R"({{"iat": {}, "exp": {}, "iss": "{}")", iat, exp, iss);
    if (!aud.empty()) out += fmt::format(R"(, "aud": "{}")", aud);
    return out + R"(, "scope": "https://www.googleapis.com/auth/monitoring.read"})";
  }

  http::Response Serve(const http::Request& req, int64_t now = kNow) {
    http::Response resp;
    EXPECT_TRUE(ServeGcp(*state_, req, resp, now)) << req.target;
    return resp;
  }

  http::Response Exchange(const std::string& assertion) {
    std::string body = "assertion=" + internal::UrlEncode(assertion) +
                       "&grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer";
    return Serve(MakeRequest("POST", "/token", body,
                             {{"content-type", "application/x-www-form-urlencoded"}}));
  }

  std::string AccessToken() {
    http::Response resp = Exchange(Jwt(Claims(kNowSec, kNowSec + 3600)));
    EXPECT_EQ(resp.status, 200) << resp.body;
    std::string_view t;
    EXPECT_EQ(parser_.parse(resp.body)["access_token"].get(t), simdjson::SUCCESS);
    return std::string(t);
  }

  http::Response Get(const std::string& target, const std::string& token) {
    return Serve(MakeRequest("GET", target, "", {{"authorization", "Bearer " + token}}));
  }

  static std::string* dir_;
  static Keys* keys_;
  static Keys* other_;  // a key that is not the service account's; made on first use
  static const Keys* Other() {
    if (other_ == nullptr) {
      other_ = new Keys();
      EXPECT_TRUE(LoadOrCreateKeys(*dir_ + "/other", other_).ok());
    }
    return other_;
  }
  Fleet fleet_;
  std::unique_ptr<SimState> state_;
  simdjson::dom::parser parser_;
};

std::string* GcpApiTest::dir_ = nullptr;
Keys* GcpApiTest::keys_ = nullptr;
Keys* GcpApiTest::other_ = nullptr;

const char kCaptureQuery[] =
    "/v3/projects/example-project/timeSeries?filter=metric.type%20%3D%20%22compute.googleapis.com/"
    "instance/cpu/utilization%22%20AND%20resource.type%20%3D%20%22gce_instance%22"
    "&interval.endTime=2024-01-01T01%3A00%3A00.000Z&interval.startTime=2024-01-01T00%3A00%3A00.000Z"
    "&aggregation.groupByFields=resource.label.zone&aggregation.groupByFields=metric.label."
    "instance_"
    "name&aggregation.alignmentPeriod=300s&aggregation.perSeriesAligner=12"
    "&aggregation.crossSeriesReducer=1&view=0&pageSize=1000&$alt=json%3Benum-encoding=int";

TEST_F(GcpApiTest, PaddedPythonStyleAssertionIsExchangedForAToken) {
  http::Response resp = Exchange(Jwt(Claims(kNowSec, kNowSec + 3600), /*padded=*/true));
  ASSERT_EQ(resp.status, 200) << resp.body;
  simdjson::dom::object o;
  ASSERT_EQ(parser_.parse(resp.body).get(o), simdjson::SUCCESS);
  EXPECT_EQ(std::string_view(o["token_type"]), "Bearer");
  EXPECT_EQ(int64_t(o["expires_in"]), 3599);
  EXPECT_EQ(std::string_view(o["access_token"]).substr(0, 5), "ya29.");
  EXPECT_EQ(state_->Calls("gcp", "token"), 1u);
}

TEST_F(GcpApiTest, AssertionSignedByAnotherKeyIsInvalidJwtSignature) {
  http::Response resp = Exchange(Jwt(Claims(kNowSec, kNowSec + 3600), false, Other()));
  EXPECT_EQ(resp.status, 400);
  EXPECT_EQ(resp.body, R"({"error":"invalid_grant","error_description":"Invalid JWT Signature."})");
  // A tampered claims part fails the same way.
  std::string jwt = Jwt(Claims(kNowSec, kNowSec + 3600));
  size_t d1 = jwt.find('.'), d2 = jwt.find('.', d1 + 1);
  std::string forged = jwt.substr(0, d1 + 1) +
                       internal::Base64UrlEncode(Claims(kNowSec, kNowSec + 7200)) + jwt.substr(d2);
  EXPECT_EQ(Exchange(forged).status, 400);
}

TEST_F(GcpApiTest, ExpiredOrTooLongLivedAssertionIsRefused) {
  http::Response resp = Exchange(Jwt(Claims(kNowSec - 7200, kNowSec - 3600)));
  EXPECT_EQ(resp.status, 400);
  EXPECT_NE(resp.body.find("short-lived"), std::string::npos);
  EXPECT_EQ(Exchange(Jwt(Claims(kNowSec, kNowSec + 86400))).status, 400);
}

TEST_F(GcpApiTest, WrongAudienceOrIssuerIsRefused) {
  http::Response resp = Exchange(Jwt(Claims(kNowSec, kNowSec + 3600, "https://example.com/token")));
  EXPECT_EQ(resp.status, 400);
  EXPECT_NE(resp.body.find("audience"), std::string::npos);
  EXPECT_EQ(Exchange(Jwt(Claims(kNowSec, kNowSec + 3600, "http://127.0.0.1:9901/token",
                                "someone@else.iam.gserviceaccount.com")))
                .status,
            400);
  // The other listener and Google's own URL are ours too.
  EXPECT_EQ(Exchange(Jwt(Claims(kNowSec, kNowSec + 3600, "https://127.0.0.1:9902/token"))).status,
            200);
  EXPECT_EQ(
      Exchange(Jwt(Claims(kNowSec, kNowSec + 3600, "https://oauth2.googleapis.com/token"))).status,
      200);
}

TEST_F(GcpApiTest, CaptureQueryWithNumericEnumsIsAnsweredWithStringEnums) {
  http::Response resp = Get(kCaptureQuery, AccessToken());
  ASSERT_EQ(resp.status, 200) << resp.body;
  simdjson::dom::object o;
  ASSERT_EQ(parser_.parse(resp.body).get(o), simdjson::SUCCESS);
  simdjson::dom::array series = o["timeSeries"];
  // Grouped by zone and instance name: one series per GCE instance.
  EXPECT_EQ(series.size(), fleet_.MetricsOf("gce_instance").empty() ? 0u : 7u);
  for (simdjson::dom::element ts : series) {
    EXPECT_EQ(std::string_view(ts["metricKind"]), "GAUGE");
    EXPECT_EQ(std::string_view(ts["valueType"]), "DOUBLE");
    EXPECT_EQ(std::string_view(ts["unit"]), "10^2.%");
    simdjson::dom::object labels = ts["resource"]["labels"];
    EXPECT_EQ(std::string_view(labels["project_id"]), "example-project");
    std::string_view zone;
    EXPECT_EQ(labels["zone"].get(zone), simdjson::SUCCESS);
    std::string_view name;
    EXPECT_EQ(ts["metric"]["labels"]["instance_name"].get(name), simdjson::SUCCESS);
    simdjson::dom::array points = ts["points"];
    EXPECT_LE(points.size(), 12u);
    EXPECT_GE(points.size(), 8u);  // a resource may have a gap
    // Newest first, aligned to the end of the interval.
    EXPECT_EQ(std::string_view(points.at(0)["interval"]["endTime"]), "2024-01-01T01:00:00Z");
    double v;
    EXPECT_EQ(points.at(0)["value"]["doubleValue"].get(v), simdjson::SUCCESS);
    EXPECT_GE(v, 0);
    EXPECT_LE(v, 1);
  }
  std::string_view token;
  EXPECT_NE(o["nextPageToken"].get(token), simdjson::SUCCESS);
  EXPECT_EQ(state_->Calls("gcp", "timeSeries.list"), 1u);
}

TEST_F(GcpApiTest, NamedAndNumericEnumsGiveTheSameAnswer) {
  std::string token = AccessToken();
  std::string named = kCaptureQuery;
  named.replace(named.find("perSeriesAligner=12"), 19, "perSeriesAligner=ALIGN_MEAN");
  named.replace(named.find("crossSeriesReducer=1"), 20, "crossSeriesReducer=REDUCE_MEAN");
  named.replace(named.find("view=0"), 6, "view=FULL");
  EXPECT_EQ(Get(kCaptureQuery, token).body, Get(named, token).body);
  std::string bad = kCaptureQuery;
  bad.replace(bad.find("perSeriesAligner=12"), 19, "perSeriesAligner=ALIGN_BOGUS");
  EXPECT_EQ(Get(bad, token).status, 400);
}

TEST_F(GcpApiTest, SelfSignedJwtWithoutAudienceIsAcceptedAsBearer) {
  std::string jwt =
      Jwt(fmt::format(R"({{"iss":"{0}","sub":"{0}","scope":"x","exp":{1},"iat":{2}}})",
                      kGcpClientEmail, kNowSec + 3600, kNowSec));
  EXPECT_EQ(Get(kCaptureQuery, jwt).status, 200);
  std::string expired = Jwt(fmt::format(R"({{"iss":"{}","exp":{},"iat":{}}})", kGcpClientEmail,
                                        kNowSec - 3600, kNowSec - 7200));
  http::Response resp = Get(kCaptureQuery, expired);
  EXPECT_EQ(resp.status, 401);
  EXPECT_NE(resp.body.find(R"("code":401)"), std::string::npos);
  EXPECT_NE(resp.body.find(R"("status":"UNAUTHENTICATED")"), std::string::npos);
  std::string foreign = Jwt(
      fmt::format(R"({{"iss":"{}","exp":{},"iat":{}}})", kGcpClientEmail, kNowSec + 3600, kNowSec),
      false, Other());
  EXPECT_EQ(Get(kCaptureQuery, foreign).status, 401);
}

TEST_F(GcpApiTest, MissingOrUnknownBearerIs401) {
  EXPECT_EQ(Serve(MakeRequest("GET", kCaptureQuery)).status, 401);
  EXPECT_EQ(Get(kCaptureQuery, "ya29.sim-gcp-unknown").status, 401);
  EXPECT_EQ(state_->AllCalls()["gcp\ttimeSeries.list\tdenied"], 2u);
}

TEST_F(GcpApiTest, RawPointsAndPagingByPoints) {
  std::string token = AccessToken();
  std::string base =
      "/v3/projects/example-project/timeSeries?filter=metric.type%3D%22compute.googleapis.com/"
      "instance/network/received_bytes_count%22&interval.startTime=2024-01-01T00:50:00Z"
      "&interval.endTime=2024-01-01T01:00:00Z&pageSize=25";
  std::string target = base;
  int series = 0, pages = 0;
  while (pages < 20) {
    http::Response resp = Get(target, token);
    ASSERT_EQ(resp.status, 200) << resp.body;
    simdjson::dom::object o = parser_.parse(resp.body);
    for (simdjson::dom::element ts : o["timeSeries"].get_array()) {
      ++series;
      EXPECT_EQ(std::string_view(ts["metricKind"]), "DELTA");
      EXPECT_EQ(std::string_view(ts["valueType"]), "INT64");
      simdjson::dom::element p = ts["points"].at(0);
      std::string_view v;
      EXPECT_EQ(p["value"]["int64Value"].get(v), simdjson::SUCCESS);  // a JSON string
      EXPECT_NE(std::string_view(p["interval"]["startTime"]),
                std::string_view(p["interval"]["endTime"]));
    }
    ++pages;
    std::string_view next;
    if (o["nextPageToken"].get(next) != simdjson::SUCCESS) break;
    target = base + "&pageToken=" + std::string(next);
  }
  EXPECT_EQ(series, 7);
  EXPECT_GE(pages, 3);  // 10 points per series, 25 per page
}

TEST_F(GcpApiTest, FilterOnLabelsWithOneOfAndStartsWith) {
  std::string token = AccessToken();
  std::string target =
      "/v3/projects/example-project/timeSeries?filter=" +
      internal::UrlEncode(
          R"(metric.type = "compute.googleapis.com/instance/cpu/utilization" AND )"
          R"(resource.labels.zone = one_of("europe-west1-b") AND metric.label.instance_name = )"
          R"(starts_with("gce-"))") +
      "&interval.endTime=2024-01-01T01:00:00Z&interval.startTime=2024-01-01T00:00:00Z"
      "&aggregation.alignmentPeriod=3600s&aggregation.perSeriesAligner=ALIGN_MAX&view=HEADERS";
  http::Response resp = Get(target, token);
  ASSERT_EQ(resp.status, 200) << resp.body;
  simdjson::dom::array series = parser_.parse(resp.body)["timeSeries"];
  EXPECT_EQ(series.size(), 2u);  // gce-03 and gce-06 are in europe-west1-b
  for (simdjson::dom::element ts : series) {
    EXPECT_EQ(std::string_view(ts["resource"]["labels"]["zone"]), "europe-west1-b");
    simdjson::dom::element points;
    EXPECT_NE(ts["points"].get(points), simdjson::SUCCESS);  // HEADERS: no points
  }
}

TEST_F(GcpApiTest, BadQueriesAreInvalidArgument) {
  std::string token = AccessToken();
  for (const char* target : {
           "/v3/projects/example-project/timeSeries?interval.endTime=2024-01-01T01:00:00Z",
           "/v3/projects/example-project/timeSeries?filter=resource.type%3D%22gce_instance%22"
           "&interval.endTime=2024-01-01T01:00:00Z",
           "/v3/projects/example-project/timeSeries?filter=metric.type%3D%22x%22",
           "/v3/projects/example-project/timeSeries?filter=metric.type%3D%22x%22"
           "&interval.endTime=2024-01-01T01:00:00Z&aggregation.crossSeriesReducer=REDUCE_SUM",
       }) {
    http::Response resp = Get(target, token);
    EXPECT_EQ(resp.status, 400) << target;
    EXPECT_NE(resp.body.find(R"("status":"INVALID_ARGUMENT")"), std::string::npos) << resp.body;
  }
  http::Response resp = Get("/v3/projects/other-project/timeSeries?filter=x", token);
  EXPECT_EQ(resp.status, 403);
  EXPECT_NE(resp.body.find("PERMISSION_DENIED"), std::string::npos);
}

TEST_F(GcpApiTest, ThrottleIsResourceExhausted) {
  std::string token = AccessToken();
  Faults f;
  f.throttle_rate = 1;
  state_->set_faults(f);
  http::Response resp = Get(kCaptureQuery, token);
  EXPECT_EQ(resp.status, 429);
  EXPECT_NE(resp.body.find(R"("status":"RESOURCE_EXHAUSTED")"), std::string::npos);
}

TEST_F(GcpApiTest, MetricDescriptorsFilterByPrefix) {
  http::Response resp = Get(
      "/v3/projects/example-project/metricDescriptors?filter=metric.type%20%3D%20starts_with(%22"
      "compute.googleapis.com/%22)",
      AccessToken());
  ASSERT_EQ(resp.status, 200) << resp.body;
  simdjson::dom::array d = parser_.parse(resp.body)["metricDescriptors"];
  EXPECT_EQ(d.size(), fleet_.MetricsOf("gce_instance").size());
  for (simdjson::dom::element e : d) {
    EXPECT_EQ(std::string_view(e["type"]).substr(0, 23), "compute.googleapis.com/");
    EXPECT_EQ(std::string_view(e["monitoredResourceTypes"].at(0)), "gce_instance");
  }
}

TEST_F(GcpApiTest, EntriesListReturnsAuditEntriesInTheWindowWithPaging) {
  std::string token = AccessToken();
  std::string filter =
      R"(timestamp >= \"2024-01-01T00:00:00Z\" AND timestamp < \"2024-01-02T00:00:00Z\")";
  std::string page_token;
  std::vector<std::string> ids;
  for (int pages = 0; pages < 50; ++pages) {
    std::string body = R"({"resourceNames":["projects/example-project"],"filter":")" + filter +
                       R"(","pageSize":20)";
    if (!page_token.empty()) body += R"(,"pageToken":")" + page_token + "\"";
    body += "}";
    http::Response resp = Serve(
        MakeRequest("POST", "/v2/entries:list", body,
                    {{"authorization", "Bearer " + token}, {"content-type", "application/json"}}));
    ASSERT_EQ(resp.status, 200) << resp.body;
    simdjson::dom::object o = parser_.parse(resp.body);
    for (simdjson::dom::element e : o["entries"].get_array()) {
      ids.emplace_back(std::string_view(e["insertId"]));
      std::string_view ts = e["timestamp"];
      EXPECT_GE(ts, "2024-01-01T00:00:00");
      EXPECT_LT(ts, "2024-01-02T00:00:00");
      EXPECT_EQ(std::string_view(e["protoPayload"]["@type"]),
                "type.googleapis.com/google.cloud.audit.AuditLog");
    }
    std::string_view next;
    if (o["nextPageToken"].get(next) != simdjson::SUCCESS) break;
    page_token = std::string(next);
  }
  EXPECT_GT(ids.size(), 20u);
  std::vector<std::string> sorted = ids;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(std::unique(sorted.begin(), sorted.end()), sorted.end());
}

TEST_F(GcpApiTest, WrittenServiceAccountKeyMintsUsableAssertions) {
  ASSERT_TRUE(WriteGcpCredentials(*state_, *dir_).ok());
  auto json = fs::ReadFile(*dir_ + "/gcp-service-account.json");
  ASSERT_TRUE(json.ok());
  simdjson::dom::object o;
  ASSERT_EQ(parser_.parse(*json).get(o), simdjson::SUCCESS);
  EXPECT_EQ(std::string_view(o["type"]), "service_account");
  EXPECT_EQ(std::string_view(o["project_id"]), kGcpProjectId);
  EXPECT_EQ(std::string_view(o["client_email"]), kGcpClientEmail);
  EXPECT_EQ(std::string_view(o["token_uri"]), "http://127.0.0.1:9901/token");
  EXPECT_EQ(std::string_view(o["private_key_id"]), keys_->gcp_private_key_id);
  EXPECT_EQ(std::string_view(o["private_key"]), keys_->gcp_private_key_pem);
}

TEST_F(GcpApiTest, OtherCloudsPathsAreNotAnswered) {
  http::Response resp;
  EXPECT_FALSE(ServeGcp(*state_, MakeRequest("POST", "/"), resp, kNow));
  EXPECT_FALSE(ServeGcp(*state_, MakeRequest("GET", "/subscriptions/x/resources"), resp, kNow));
}

}  // namespace
}  // namespace vigil::cloudsim
