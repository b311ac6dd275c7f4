// The Azure handlers called directly with http::Request objects (no
// listener): Entra ID token flow, ARM paging, getBatch limits, auth errors,
// faults and the written credentials.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <simdjson.h>

#include <memory>
#include <string>

#include "base/file.h"
#include "tools/cloudsim/sim_state.h"

namespace vigil::cloudsim {
namespace {

constexpr int64_t kNow = 1704070800000;  // 2024-01-01T01:00:00Z
const std::string kSub = std::string("/subscriptions/") + kAzureSubscriptionId;

http::Request MakeRequest(std::string method, std::string target, std::string body = "",
                          http::Params headers = {}) {
  http::Request req;
  req.method = std::move(method);
  req.target = target;
  size_t q = target.find('?');
  req.path = http::PercentDecode(target.substr(0, q), false);
  if (q != std::string::npos) req.query = http::ParseQueryString(target.substr(q + 1));
  req.headers = std::move(headers);
  if (req.Header("host").empty()) req.headers.emplace_back("host", "127.0.0.1:9902");
  if (req.Header("content-type").find("x-www-form-urlencoded") != std::string_view::npos) {
    req.form = http::ParseQueryString(body);
  }
  req.body = std::move(body);
  return req;
}

class AzureApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char tmpl[] = "/tmp/vigil-azure-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = new std::string(tmpl);
    keys_ = new Keys();
    ASSERT_TRUE(LoadOrCreateKeys(*dir_ + "/state", keys_).ok());
  }
  static void TearDownTestSuite() {
    (void)fs::RemoveAll(*dir_);
    delete dir_;
    delete keys_;
  }

  void SetUp() override {
    state_ = std::make_unique<SimState>(&fleet_, *keys_, Faults{});
    state_->http_base = "http://127.0.0.1:9901";
    state_->https_base = "https://127.0.0.1:9902";
  }

  http::Response Serve(const http::Request& req, int64_t now = kNow) {
    http::Response resp;
    EXPECT_TRUE(ServeAzure(*state_, req, resp, now)) << req.target;
    return resp;
  }

  std::string Token(std::string scope = "https://management.azure.com/.default",
                    std::string secret = kAzureClientSecret) {
    std::string body = "client_id=" + std::string(kAzureClientId) + "&scope=" + scope +
                       "&grant_type=client_credentials&client_secret=" + secret;
    http::Response resp = Serve(MakeRequest(
        "POST", std::string("/") + kAzureTenantId + "/oauth2/v2.0/token?client-request-id=x", body,
        {{"content-type", "application/x-www-form-urlencoded;charset=utf-8"}}));
    EXPECT_EQ(resp.status, 200) << resp.body;
    simdjson::dom::parser p;
    std::string_view token;
    EXPECT_EQ(p.parse(resp.body)["access_token"].get(token), simdjson::SUCCESS);
    return std::string(token);
  }

  http::Response Get(const std::string& target, const std::string& token, int64_t now = kNow) {
    return Serve(MakeRequest("GET", target, "", {{"authorization", "Bearer " + token}}), now);
  }

  static std::string* dir_;
  static Keys* keys_;
  Fleet fleet_;
  std::unique_ptr<SimState> state_;
  simdjson::dom::parser parser_;
};

std::string* AzureApiTest::dir_ = nullptr;
Keys* AzureApiTest::keys_ = nullptr;

TEST_F(AzureApiTest, OpenIdConfigurationPointsAtTheHttpsTokenEndpoint) {
  http::Response resp = Serve(MakeRequest(
      "GET", std::string("/") + kAzureTenantId + "/v2.0/.well-known/openid-configuration"));
  ASSERT_EQ(resp.status, 200);
  std::string_view endpoint;
  ASSERT_EQ(parser_.parse(resp.body)["token_endpoint"].get(endpoint), simdjson::SUCCESS);
  EXPECT_EQ(endpoint,
            std::string("https://127.0.0.1:9902/") + kAzureTenantId + "/oauth2/v2.0/token");
}

TEST_F(AzureApiTest, UrlsKeepTheHostNameTheClientUsed) {
  http::Response resp = Serve(MakeRequest(
      "GET", std::string("/") + kAzureTenantId + "/v2.0/.well-known/openid-configuration", "",
      {{"host", "localhost:9902"}}));
  std::string_view endpoint;
  ASSERT_EQ(parser_.parse(resp.body)["token_endpoint"].get(endpoint), simdjson::SUCCESS);
  EXPECT_EQ(endpoint.substr(0, 23), "https://localhost:9902/");
  // The plain listener's port gives http links (our own collectors' tests).
  std::string token = Token();
  resp = Serve(MakeRequest("GET", kSub + "/resources?api-version=1", "",
                           {{"host", "localhost:9901"}, {"authorization", "Bearer " + token}}));
  ASSERT_EQ(resp.status, 200) << resp.body;
  EXPECT_NE(resp.body.find(R"("nextLink":"http://localhost:9901/subscriptions/)"),
            std::string::npos)
      << resp.body;
}

TEST_F(AzureApiTest, TokenResponseHasTheShapeMsalAccepts) {
  std::string body = "client_id=" + std::string(kAzureClientId) +
                     "&scope=https%3A%2F%2Fmanagement.azure.com%2F.default"
                     "&grant_type=client_credentials&client_secret=" +
                     kAzureClientSecret;
  http::Response resp =
      Serve(MakeRequest("POST", std::string("/") + kAzureTenantId + "/oauth2/v2.0/token", body,
                        {{"content-type", "application/x-www-form-urlencoded;charset=utf-8"}}));
  ASSERT_EQ(resp.status, 200) << resp.body;
  simdjson::dom::object o;
  ASSERT_EQ(parser_.parse(resp.body).get(o), simdjson::SUCCESS);
  EXPECT_EQ(std::string_view(o["token_type"]), "Bearer");
  EXPECT_EQ(int64_t(o["expires_in"]), 3599);
  EXPECT_EQ(int64_t(o["ext_expires_in"]), 3599);
  EXPECT_EQ(state_->Calls("azure", "token"), 1u);
}

TEST_F(AzureApiTest, WrongClientSecretIs401InvalidClient) {
  std::string body = "client_id=" + std::string(kAzureClientId) +
                     "&scope=https://management.azure.com/.default"
                     "&grant_type=client_credentials&client_secret=nope";
  http::Response resp =
      Serve(MakeRequest("POST", std::string("/") + kAzureTenantId + "/oauth2/v2.0/token", body,
                        {{"content-type", "application/x-www-form-urlencoded"}}));
  EXPECT_EQ(resp.status, 401);
  simdjson::dom::object o;
  ASSERT_EQ(parser_.parse(resp.body).get(o), simdjson::SUCCESS);
  EXPECT_EQ(std::string_view(o["error"]), "invalid_client");
  EXPECT_EQ(std::string_view(o["error_description"]).substr(0, 52),
            "AADSTS7000215: Invalid client secret provided. Ensur");
}

TEST_F(AzureApiTest, UnknownTenantAndClientAreRefused) {
  std::string body =
      "client_id=nobody&scope=https://management.azure.com/.default"
      "&grant_type=client_credentials&client_secret=x";
  http::Params form = {{"content-type", "application/x-www-form-urlencoded"}};
  EXPECT_EQ(Serve(MakeRequest("POST", "/other-tenant/oauth2/v2.0/token", body, form)).status, 400);
  EXPECT_EQ(Serve(MakeRequest("POST", std::string("/") + kAzureTenantId + "/oauth2/v2.0/token",
                              body, form))
                .status,
            400);
}

TEST_F(AzureApiTest, ResourcesListPagesThroughNextLink) {
  std::string token = Token();
  std::string target = kSub +
                       "/resources?api-version=2025-04-01&$filter=resourceType%20eq%20%27"
                       "Microsoft.Compute%2FvirtualMachines%27";
  int pages = 0, vms = 0;
  while (!target.empty()) {
    http::Response resp = Get(target, token);
    ASSERT_EQ(resp.status, 200) << resp.body;
    simdjson::dom::object o;
    ASSERT_EQ(parser_.parse(resp.body).get(o), simdjson::SUCCESS);
    for (simdjson::dom::element r : o["value"].get_array()) {
      EXPECT_EQ(std::string_view(r["type"]), "Microsoft.Compute/virtualMachines");
      ++vms;
    }
    ++pages;
    std::string_view next;
    target.clear();
    if (o["nextLink"].get(next) == simdjson::SUCCESS) {
      // Followed verbatim, as the SDK does: strip the base URL.
      ASSERT_EQ(next.substr(0, 22), "https://127.0.0.1:9902");
      target = std::string(next.substr(22));
    }
    ASSERT_LT(pages, 10);
  }
  EXPECT_EQ(vms, 6);
  EXPECT_EQ(pages, 2);
  EXPECT_EQ(state_->Calls("azure", "resources"), 2u);
}

TEST_F(AzureApiTest, ResourceGroupScopeAndFilterSelectTheGroup) {
  std::string token = Token();
  http::Response a =
      Get(kSub + "/resourceGroups/rg-data/resources?api-version=2021-04-01&%24top=100", token);
  ASSERT_EQ(a.status, 200) << a.body;
  http::Response b =
      Get(kSub + "/resources?api-version=2021-04-01&$filter=resourceGroup%20eq%20'rg-data'", token);
  ASSERT_EQ(b.status, 200) << b.body;
  EXPECT_NE(a.body.find("Microsoft.Sql/servers/databases"), std::string::npos);
  EXPECT_EQ(a.body.find("rg-web"), std::string::npos);
  EXPECT_EQ(b.body.find("rg-web"), std::string::npos);
  // A database's ARM name includes its server.
  EXPECT_NE(a.body.find(R"("name":"sql-main/db01")"), std::string::npos) << a.body;
}

TEST_F(AzureApiTest, BadFilterAndMissingApiVersionAre400) {
  std::string token = Token();
  EXPECT_EQ(Get(kSub + "/resources?api-version=1&$filter=bogus", token).status, 400);
  http::Response resp = Get(kSub + "/resources", token);
  EXPECT_EQ(resp.status, 400);
  EXPECT_NE(resp.body.find("MissingApiVersionParameter"), std::string::npos);
}

TEST_F(AzureApiTest, MissingOrForgedBearerIs401InvalidAuthenticationToken) {
  http::Response resp = Serve(MakeRequest("GET", kSub + "/resources?api-version=2021-04-01"));
  EXPECT_EQ(resp.status, 401);
  EXPECT_NE(resp.body.find(R"("code":"InvalidAuthenticationToken")"), std::string::npos);
  bool has_www = false;
  for (const auto& [k, v] : resp.headers) has_www |= k == "WWW-Authenticate";
  EXPECT_TRUE(has_www);
  resp = Get(kSub + "/resources?api-version=2021-04-01", "a.b.sim-azure-forged");
  EXPECT_EQ(resp.status, 401);
  EXPECT_NE(resp.body.find("InvalidAuthenticationToken"), std::string::npos);
  EXPECT_EQ(state_->Calls("azure", "resources"), 2u);
}

TEST_F(AzureApiTest, ExpiredTokenAndExpireFaultAre401Expired) {
  std::string token = Token();
  http::Response resp = Get(kSub + "/resources?api-version=2021-04-01", token, kNow + 2 * 3600000);
  EXPECT_EQ(resp.status, 401);
  EXPECT_NE(resp.body.find("ExpiredAuthenticationToken"), std::string::npos);
  Faults f;
  f.expire_tokens = true;
  state_->set_faults(f);
  resp = Get(kSub + "/resources?api-version=2021-04-01", token);
  EXPECT_EQ(resp.status, 401);
  EXPECT_NE(resp.body.find("ExpiredAuthenticationToken"), std::string::npos);
}

TEST_F(AzureApiTest, MetricsScopeTokenIsForGetBatchOnly) {
  std::string token = Token("https://metrics.monitor.azure.com/.default");
  EXPECT_EQ(Get(kSub + "/resources?api-version=2021-04-01", token).status, 401);
  std::string id =
      kSub + "/resourceGroups/rg-web/providers/Microsoft.Compute/virtualMachines/vm-web-01";
  http::Response resp = Serve(MakeRequest(
      "POST",
      kSub + "/metrics:getBatch?api%2Dversion=2024-02-01&metricnamespace=Microsoft.Compute%2F"
             "virtualMachines&metricnames=Percentage%20CPU",
      R"({"resourceids":[")" + id + R"("]})", {{"authorization", "Bearer " + token}}));
  EXPECT_EQ(resp.status, 200) << resp.body;
}

std::string VmId(int i) {
  return fmt::format(
      "{}/resourceGroups/rg-web/providers/Microsoft.Compute/virtualMachines/vm-web-{:02d}", kSub,
      i);
}

http::Request Batch(
    const std::string& token, const std::vector<std::string>& ids,
    std::string query =
        "&starttime=2024-01-01T00%3A00%3A00.000Z&endtime=2024-01-01T00%3A05%3A00.000Z"
        "&interval=PT1M&metricnames=Percentage%20CPU,Network%20In%20Total"
        "&aggregation=Average") {
  std::string body = R"({"resourceids":[)";
  for (size_t i = 0; i < ids.size(); ++i) body += (i ? ",\"" : "\"") + ids[i] + "\"";
  body += "]}";
  return MakeRequest("POST",
                     kSub +
                         "/metrics:getBatch?api%2Dversion=2024-02-01&metricnamespace="
                         "Microsoft.Compute%2FvirtualMachines" +
                         query,
                     body,
                     {{"authorization", "Bearer " + token}, {"content-type", "application/json"}});
}

TEST_F(AzureApiTest, GetBatchAnswersEachResourceWithFleetValues) {
  std::string token = Token();
  // vm-web-01 and vm-web-02 are both in eastus.
  http::Response resp = Serve(Batch(token, {VmId(1), VmId(2)}));
  ASSERT_EQ(resp.status, 200) << resp.body;
  simdjson::dom::array values;
  ASSERT_EQ(parser_.parse(resp.body)["values"].get(values), simdjson::SUCCESS);
  ASSERT_EQ(values.size(), 2u);
  const Resource* vm1 = fleet_.Find("azure", VmId(1));
  ASSERT_NE(vm1, nullptr);
  for (simdjson::dom::element v : values) {
    EXPECT_EQ(std::string_view(v["namespace"]), "microsoft.compute/virtualmachines");
    EXPECT_EQ(std::string_view(v["resourceregion"]), "eastus");
    EXPECT_EQ(std::string_view(v["interval"]), "PT1M");
    EXPECT_EQ(std::string_view(v["starttime"]), "2024-01-01T00:00:00.000Z");
    simdjson::dom::array metrics = v["value"];
    ASSERT_EQ(metrics.size(), 2u);
    for (simdjson::dom::element m : metrics) {
      EXPECT_EQ(std::string_view(m["errorCode"]), "Success");
      simdjson::dom::array data = m["timeseries"].at(0)["data"];
      EXPECT_EQ(data.size(), 5u);
    }
  }
  // The first resource's first CPU point is the fleet's 1-minute average.
  simdjson::dom::element first = values.at(0)["value"].at(0)["timeseries"].at(0)["data"].at(0);
  EXPECT_EQ(std::string_view(first["timeStamp"]), "2024-01-01T00:00:00Z");
  Stats st = fleet_.Aggregate(*vm1, *vm1->metrics[0], 1704067200000, 60000);
  double avg;
  if (st.sample_count > 0) {
    ASSERT_EQ(first["average"].get(avg), simdjson::SUCCESS);
    EXPECT_DOUBLE_EQ(avg, st.average);
  } else {
    EXPECT_NE(first["average"].get(avg), simdjson::SUCCESS);
  }
  EXPECT_EQ(state_->Calls("azure", "getBatch"), 1u);
}

TEST_F(AzureApiTest, GetBatchRefusesMoreThanFiftyResources) {
  std::vector<std::string> ids(51, VmId(1));
  http::Response resp = Serve(Batch(Token(), ids));
  EXPECT_EQ(resp.status, 400);
  EXPECT_NE(resp.body.find(R"("error":{"code":"BadRequest")"), std::string::npos) << resp.body;
  EXPECT_NE(resp.body.find("50"), std::string::npos);
}

TEST_F(AzureApiTest, GetBatchRefusesMixedRegions) {
  // vm-web-03 is in westeurope.
  http::Response resp = Serve(Batch(Token(), {VmId(1), VmId(3)}));
  EXPECT_EQ(resp.status, 400);
  EXPECT_NE(resp.body.find("same"), std::string::npos);
}

TEST_F(AzureApiTest, GetBatchRefusesUnknownMetricAndBadInterval) {
  std::string token = Token();
  EXPECT_EQ(Serve(Batch(token, {VmId(1)}, "&metricnames=No%20Such%20Metric")).status, 400);
  EXPECT_EQ(Serve(Batch(token, {VmId(1)}, "&metricnames=Percentage%20CPU&interval=PT1X")).status,
            400);
}

TEST_F(AzureApiTest, GetBatchAggregationsAndCounterTotals) {
  std::string token = Token();
  http::Response resp =
      Serve(Batch(token, {VmId(1)},
                  "&starttime=2024-01-01T00:00:00Z&endtime=2024-01-01T01:00:00Z&interval=PT1H"
                  "&metricnames=Network%20In%20Total&aggregation=total,count,maximum"));
  ASSERT_EQ(resp.status, 200) << resp.body;
  simdjson::dom::element point =
      parser_.parse(resp.body)["values"].at(0)["value"].at(0)["timeseries"].at(0)["data"].at(0);
  const Resource* vm1 = fleet_.Find("azure", VmId(1));
  const MetricDef* net = vm1->metrics[1];
  ASSERT_EQ(net->name, "Network In Total");
  Stats st = fleet_.Aggregate(*vm1, *net, 1704067200000, 3600000);
  ASSERT_GT(st.sample_count, 0);
  EXPECT_DOUBLE_EQ(double(point["total"]), st.sum);
  EXPECT_DOUBLE_EQ(double(point["count"]), st.sample_count);
  EXPECT_DOUBLE_EQ(double(point["maximum"]), st.maximum);
}

TEST_F(AzureApiTest, PerResourceMetricsApiAnswersTheTimespan) {
  std::string token = Token();
  http::Response resp = Get(VmId(2) +
                                "/providers/Microsoft.Insights/metrics?api-version=2018-01-01"
                                "&metricnames=Percentage%20CPU&aggregation=Average,Maximum"
                                "&interval=PT5M&timespan=2024-01-01T00:00:00Z/2024-01-01T01:00:00Z",
                            token);
  ASSERT_EQ(resp.status, 200) << resp.body;
  simdjson::dom::object o;
  ASSERT_EQ(parser_.parse(resp.body).get(o), simdjson::SUCCESS);
  EXPECT_EQ(std::string_view(o["timespan"]), "2024-01-01T00:00:00Z/2024-01-01T01:00:00Z");
  EXPECT_EQ(std::string_view(o["interval"]), "PT5M");
  EXPECT_EQ(o["value"].at(0)["timeseries"].at(0)["data"].get_array().size(), 12u);
  EXPECT_EQ(state_->Calls("azure", "metrics"), 1u);
  // An unknown resource is 404.
  EXPECT_EQ(Get(kSub + "/resourceGroups/rg-web/providers/Microsoft.Compute/virtualMachines/nope"
                       "/providers/Microsoft.Insights/metrics?api-version=2018-01-01",
                token)
                .status,
            404);
}

TEST_F(AzureApiTest, SubscriptionScopeMetricsSplitByResourceId) {
  std::string token = Token();
  std::string base =
      kSub +
      "/providers/Microsoft.Insights/metrics?api-version=2021-05-01&region=eastus"
      "&metricnamespace=Microsoft.Compute%2FvirtualMachines&metricnames=Percentage%20CPU"
      "&aggregation=average&interval=PT1M"
      "&timespan=2024-01-01T00:00:00Z/2024-01-01T00:10:00Z";
  http::Response resp = Get(base + "&$filter=Microsoft.ResourceId%20eq%20'*'", token);
  ASSERT_EQ(resp.status, 200) << resp.body;
  simdjson::dom::array series = parser_.parse(resp.body)["value"].at(0)["timeseries"];
  EXPECT_EQ(series.size(), 4u);  // vm-web-01, 02, 04, 05 are in eastus
  for (simdjson::dom::element ts : series) {
    std::string_view id = ts["metadatavalues"].at(0)["value"];
    const Resource* r = fleet_.Find("azure", std::string(id));
    ASSERT_NE(r, nullptr) << id;
    EXPECT_EQ(r->region, "eastus");
    EXPECT_EQ(ts["data"].get_array().size(), 10u);
  }
  // Without the split: one series; without a region: 400.
  resp = Get(base, token);
  ASSERT_EQ(resp.status, 200) << resp.body;
  EXPECT_EQ(parser_.parse(resp.body)["value"].at(0)["timeseries"].get_array().size(), 1u);
  EXPECT_EQ(
      Get(kSub + "/providers/Microsoft.Insights/metrics?api-version=2021-05-01", token).status,
      400);
}

TEST_F(AzureApiTest, MetricDefinitionsListEveryMetricOfTheType) {
  http::Response resp = Get(
      VmId(1) + "/providers/Microsoft.Insights/metricDefinitions?api-version=2018-01-01", Token());
  ASSERT_EQ(resp.status, 200) << resp.body;
  simdjson::dom::array defs = parser_.parse(resp.body)["value"];
  EXPECT_EQ(defs.size(), fleet_.MetricsOf("Microsoft.Compute/virtualMachines").size());
  EXPECT_EQ(std::string_view(defs.at(0)["name"]["value"]), "Percentage CPU");
  EXPECT_EQ(std::string_view(defs.at(0)["primaryAggregationType"]), "Average");
}

TEST_F(AzureApiTest, ActivityLogIsDeterministicAndPages) {
  std::string token = Token();
  std::string target = kSub +
                       "/providers/Microsoft.Insights/eventtypes/management/values?api-version="
                       "2015-04-01&$filter=eventTimestamp%20ge%20'2024-01-01T00:00:00Z'%20and%20"
                       "eventTimestamp%20le%20'2024-01-02T00:00:00Z'";
  std::vector<std::string> ids;
  for (int round = 0; round < 2; ++round) {
    std::vector<std::string> seen;
    std::string t = target;
    int pages = 0;
    while (!t.empty() && pages < 50) {
      http::Response resp = Get(t, token);
      ASSERT_EQ(resp.status, 200) << resp.body;
      simdjson::dom::object o = parser_.parse(resp.body);
      for (simdjson::dom::element e : o["value"].get_array()) {
        seen.emplace_back(std::string_view(e["eventDataId"]));
        EXPECT_EQ(std::string_view(e["subscriptionId"]), kAzureSubscriptionId);
      }
      std::string_view next;
      t = o["nextLink"].get(next) == simdjson::SUCCESS ? std::string(next.substr(22)) : "";
      ++pages;
    }
    EXPECT_GT(pages, 1);
    if (round == 0) ids = seen;
    EXPECT_EQ(seen, ids);
  }
  EXPECT_GT(ids.size(), 10u);
  // The window is required.
  EXPECT_EQ(
      Get(kSub + "/providers/Microsoft.Insights/eventtypes/management/values?api-version=1", token)
          .status,
      400);
}

TEST_F(AzureApiTest, ManagedIdentityNeedsTheMetadataHeader) {
  std::string target =
      "/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://"
      "management.azure.com/";
  EXPECT_EQ(Serve(MakeRequest("GET", target)).status, 400);
  http::Response resp = Serve(MakeRequest("GET", target, "", {{"metadata", "true"}}));
  ASSERT_EQ(resp.status, 200) << resp.body;
  std::string_view token;
  ASSERT_EQ(parser_.parse(resp.body)["access_token"].get(token), simdjson::SUCCESS);
  EXPECT_EQ(Get(kSub + "/resources?api-version=2021-04-01", std::string(token)).status, 200);
}

TEST_F(AzureApiTest, ThrottleAndErrorFaults) {
  std::string token = Token();
  Faults f;
  f.throttle_rate = 1;
  state_->set_faults(f);
  http::Response resp = Get(kSub + "/resources?api-version=2021-04-01", token);
  EXPECT_EQ(resp.status, 429);
  std::string retry;
  for (const auto& [k, v] : resp.headers) {
    if (k == "Retry-After") retry = v;
  }
  EXPECT_EQ(retry, "1");
  f.throttle_rate = 0;
  f.error_rate = 1;
  state_->set_faults(f);
  EXPECT_EQ(Get(kSub + "/resources?api-version=2021-04-01", token).status, 503);
  auto calls = state_->AllCalls();
  EXPECT_EQ(calls["azure\tresources\tthrottled"], 1u);
  EXPECT_EQ(calls["azure\tresources\terror"], 1u);
}

TEST_F(AzureApiTest, OtherCloudsPathsAreNotAnswered) {
  http::Response resp;
  EXPECT_FALSE(ServeAzure(*state_, MakeRequest("POST", "/"), resp, kNow));
  EXPECT_FALSE(ServeAzure(*state_, MakeRequest("GET", "/v3/projects/p/timeSeries"), resp, kNow));
  EXPECT_FALSE(ServeAzure(*state_, MakeRequest("POST", "/token"), resp, kNow));
}

TEST_F(AzureApiTest, WrittenCredentialsNameTheHttpsAuthority) {
  ASSERT_TRUE(WriteAzureCredentials(*state_, *dir_).ok());
  auto env = fs::ReadFile(*dir_ + "/azure.env");
  ASSERT_TRUE(env.ok());
  EXPECT_NE(env->find("AZURE_AUTHORITY_HOST=https://127.0.0.1:9902\n"), std::string::npos);
  EXPECT_NE(env->find(std::string("AZURE_CLIENT_SECRET=") + kAzureClientSecret), std::string::npos);
  auto json = fs::ReadFile(*dir_ + "/azure-credentials.json");
  ASSERT_TRUE(json.ok());
  simdjson::dom::object o;
  ASSERT_EQ(parser_.parse(*json).get(o), simdjson::SUCCESS);
  EXPECT_EQ(std::string_view(o["tenantId"]), kAzureTenantId);
}

}  // namespace
}  // namespace vigil::cloudsim
