// Tests of the Azure collector against a fake Azure (Entra ID, managed
// identity, ARM, metric definitions, getBatch) on testing_http_server.h.
#include <gtest/gtest.h>
#include <simdjson.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "base/time.h"
#include "collect/cloud/azure/arm.h"
#include "collect/cloud/azure/batch.h"
#include "collect/cloud/azure/collector.h"
#include "collect/cloud/azure/json_util.h"
#include "collect/cloud/azure/naming.h"
#include "collect/cloud/azure/token.h"
#include "collect/cloud/azure/transport.h"
#include "collect/httpclient/testing_http_server.h"

namespace vigil::cloud::azure {
namespace {

using httpclient::testing::Reply;
using httpclient::testing::TestConn;
using httpclient::testing::TestRequest;
using httpclient::testing::TestServer;

constexpr const char* kTenant = "00000000-0000-0000-0000-000000000000";
constexpr const char* kClient = "11111111-2222-3333-4444-555555555555";
constexpr const char* kSecret = "fake~client~secret";
constexpr const char* kSub = "12345678-abcd-1234-abcd-123456789abc";
constexpr const char* kVmType = "Microsoft.Compute/virtualMachines";

std::string PercentDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else if (s[i] == '+') {
      out += ' ';
    } else {
      out += s[i];
    }
  }
  return out;
}

std::map<std::string, std::string> ParseForm(std::string_view s) {
  std::map<std::string, std::string> out;
  while (!s.empty()) {
    size_t amp = s.find('&');
    std::string_view kv = s.substr(0, amp);
    size_t eq = kv.find('=');
    if (eq != std::string_view::npos)
      out[PercentDecode(kv.substr(0, eq))] = PercentDecode(kv.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    s.remove_prefix(amp + 1);
  }
  return out;
}

std::string PathOf(const std::string& target) { return target.substr(0, target.find('?')); }
std::map<std::string, std::string> QueryOf(const std::string& target) {
  size_t q = target.find('?');
  return q == std::string::npos ? std::map<std::string, std::string>{}
                                : ParseForm(std::string_view(target).substr(q + 1));
}

std::string VmId(int i, const std::string& rg = "rg-demo") {
  return fmt::format(
      "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.Compute/virtualMachines/vm-{}", kSub,
      rg, i);
}

// A fake Azure: every API the collector calls, with counters and faults.
class FakeAzure {
 public:
  struct Vm {
    std::string id;
    std::string location = "eastus";
    std::map<std::string, std::string> tags;
  };

  FakeAzure() : server_([this](const TestRequest& r, TestConn& c) { Handle(r, c); }) {}

  std::string url() const { return server_.URL(""); }

  // State (set before polling).
  std::vector<Vm> vms;
  int page_size = 1000;
  int64_t token_expires_in = 3599;
  bool token_error = false;
  bool mi_expires_as_string = true;
  std::vector<std::string> defined_metrics = {"Percentage CPU", "Network In Total"};
  int throttle_batches = 0;  // first N getBatch calls get 429
  int retry_after_s = 2;
  int expire_batches = 0;                                       // first N getBatch calls get 401
  int batch_delay_ms = 0;                                       // getBatch answers after this long
  std::string batch_override;                                   // raw body for getBatch
  std::vector<std::pair<std::string, std::string>> dimensions;  // per series

  // Observations.
  std::mutex mu;
  std::vector<TestRequest> requests;
  std::map<std::string, int> token_calls;  // by scope/resource
  std::vector<std::vector<std::string>> batch_ids;
  std::vector<std::string> batch_targets;
  std::vector<std::string> resource_targets;
  int definition_calls = 0;
  int tokens_issued = 0;

 private:
  void Handle(const TestRequest& r, TestConn& c) {
    std::lock_guard<std::mutex> l(mu);
    requests.push_back(r);
    std::string path = PathOf(r.target);
    auto query = QueryOf(r.target);
    if (path == fmt::format("/{}/oauth2/v2.0/token", kTenant) && r.method == "POST") {
      auto form = ParseForm(r.body);
      if (token_error || form["client_secret"] != kSecret || form["client_id"] != kClient ||
          form["grant_type"] != "client_credentials") {
        c.Write(Reply(
            401,
            R"({"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided.","error_codes":[7000215]})",
            {{"Content-Type", "application/json"}}));
        return;
      }
      token_calls[form["scope"]]++;
      c.Write(Reply(
          200,
          fmt::format(
              R"({{"token_type":"Bearer","expires_in":{},"ext_expires_in":{},"access_token":"tok-{}"}})",
              token_expires_in, token_expires_in, ++tokens_issued),
          {{"Content-Type", "application/json"}}));
      return;
    }
    if (path == "/metadata/identity/oauth2/token") {
      if (r.Header("metadata") != "true" || query["api-version"] != "2018-02-01") {
        c.Write(Reply(
            400,
            R"({"error":"invalid_request","error_description":"Required metadata header not specified"})"));
        return;
      }
      token_calls[query["resource"] + "|" + query["client_id"]]++;
      std::string expires = mi_expires_as_string ? "\"3599\"" : "3599";
      c.Write(Reply(
          200,
          fmt::format(
              R"({{"access_token":"mi-{}","expires_in":{},"expires_on":"1704070799","resource":"{}","token_type":"Bearer"}})",
              ++tokens_issued, expires, query["resource"])));
      return;
    }
    if (r.Header("authorization").rfind("Bearer ", 0) != 0) {
      c.Write(Reply(401, R"({"error":{"code":"AuthenticationFailed","message":"no token"}})"));
      return;
    }
    if (path == fmt::format("/subscriptions/{}/resources", kSub)) {
      resource_targets.push_back(r.target);
      int skip = query.count("$skiptoken") ? std::stoi(query["$skiptoken"]) : 0;
      std::string body = R"({"value":[)";
      int end = std::min<int>(static_cast<int>(vms.size()), skip + page_size);
      for (int i = skip; i < end; ++i) {
        if (i > skip) body += ',';
        std::string tags;
        for (const auto& [k, v] : vms[i].tags)
          tags += fmt::format("{}\"{}\":\"{}\"", tags.empty() ? "" : ",", k, v);
        body +=
            fmt::format(R"({{"id":"{}","name":"{}","type":"{}","location":"{}","tags":{{{}}}}})",
                        vms[i].id, ParseResourceId(vms[i].id).name, kVmType, vms[i].location, tags);
      }
      body += "]";
      if (end < static_cast<int>(vms.size())) {
        body += fmt::format(
            R"(,"nextLink":"{}/subscriptions/{}/resources?api-version=2021-04-01&%24skiptoken={}&%24filter=resourceType%20eq%20%27Microsoft.Compute%2FvirtualMachines%27")",
            url(), kSub, end);
      }
      body += "}";
      c.Write(Reply(200, body, {{"x-ms-ratelimit-remaining-subscription-reads", "11999"}}));
      return;
    }
    if (path.find("/providers/Microsoft.Insights/metricDefinitions") != std::string::npos) {
      ++definition_calls;
      std::string body = R"({"value":[)";
      for (size_t i = 0; i < defined_metrics.size(); ++i) {
        body += fmt::format(
            R"({}{{"name":{{"value":"{}","localizedValue":"{}"}},"unit":"{}","primaryAggregationType":"Average","supportedAggregationTypes":["Average","Maximum"]}})",
            i ? "," : "", defined_metrics[i], defined_metrics[i], i == 0 ? "Percent" : "Bytes");
      }
      body += "]}";
      c.Write(Reply(200, body));
      return;
    }
    if (path == fmt::format("/subscriptions/{}/metrics:getBatch", kSub) && r.method == "POST") {
      batch_targets.push_back(r.target);
      if (batch_delay_ms > 0 && !c.Sleep(batch_delay_ms)) return;
      if (throttle_batches > 0) {
        --throttle_batches;
        c.Write(Reply(429, R"({"error":{"code":"TooManyRequests","message":"throttled"}})",
                      {{"Retry-After", std::to_string(retry_after_s)}}));
        return;
      }
      if (expire_batches > 0) {
        --expire_batches;
        c.Write(Reply(
            401,
            R"({"error":{"code":"ExpiredAuthenticationToken","message":"The access token expiry UTC time is earlier than current UTC time."}})"));
        return;
      }
      if (!batch_override.empty()) {
        c.Write(Reply(200, batch_override));
        return;
      }
      simdjson::dom::parser p;
      simdjson::dom::element doc;
      std::vector<std::string> ids;
      if (!p.parse(r.body).get(doc)) {
        for (auto id : doc["resourceids"].get_array())
          ids.emplace_back(std::string_view(id.get_string()));
      }
      batch_ids.push_back(ids);
      std::string names = query["metricnames"];
      std::vector<std::string> metrics;
      for (size_t pos = 0; pos <= names.size();) {
        size_t comma = names.find(',', pos);
        if (comma == std::string::npos) comma = names.size();
        metrics.push_back(names.substr(pos, comma - pos));
        pos = comma + 1;
      }
      int64_t start = ParseTimestamp(query["starttime"]).value();
      int64_t end = ParseTimestamp(query["endtime"]).value();
      std::string body = R"({"values":[)";
      for (size_t i = 0; i < ids.size(); ++i) {
        int vm = std::stoi(ids[i].substr(ids[i].rfind('-') + 1));
        body += i ? "," : "";
        body += fmt::format(
            R"({{"starttime":"{}","endtime":"{}","interval":"PT1M","namespace":"microsoft.compute/virtualmachines","resourceregion":"eastus","resourceid":"{}","value":[)",
            FormatRFC3339(start), FormatRFC3339(end), ids[i]);
        for (size_t m = 0; m < metrics.size(); ++m) {
          body += m ? "," : "";
          std::string md;
          for (const auto& [k, v] : dimensions)
            md += fmt::format(R"({}{{"name":{{"value":"{}","localizedValue":"{}"}},"value":"{}"}})",
                              md.empty() ? "" : ",", k, k, v);
          std::string data;
          for (int64_t t = start; t < end; t += kMinute) {
            data += data.empty() ? "" : ",";
            if (t + kMinute == end) {
              data += fmt::format(R"({{"timeStamp":"{}"}})", FormatRFC3339(t));  // no data yet
            } else {
              data +=
                  fmt::format(R"({{"timeStamp":"{}","average":{},"maximum":{}}})", FormatRFC3339(t),
                              vm * 10 + m + (t - start) / kMinute, vm * 100 + m);
            }
          }
          body += fmt::format(
              R"({{"id":"{}/providers/Microsoft.Insights/metrics/{}","type":"Microsoft.Insights/metrics","name":{{"value":"{}","localizedValue":"{}"}},"unit":"{}","timeseries":[{{"metadatavalues":[{}],"data":[{}]}}],"errorCode":"Success"}})",
              ids[i], metrics[m], metrics[m], metrics[m], m == 0 ? "Percent" : "Bytes", md, data);
        }
        body += "]}";
      }
      body += "]}";
      c.Write(Reply(200, body, {{"Content-Type", "application/json; charset=utf-8"}}));
      return;
    }
    c.Write(Reply(404, R"({"error":{"code":"NotFound","message":"no such API"}})"));
  }

  TestServer server_;
};

struct Sample {
  model::Labels labels;
  int64_t t;
  double v;
};

class VecSink : public Sink {
 public:
  void Add(const model::Labels& labels, int64_t t_ms, double v) override {
    samples.push_back({labels, t_ms, v});
  }
  const Sample* Find(std::string_view resource_name, std::string_view metric,
                     std::string_view aggregation) const {
    for (const auto& s : samples) {
      if (s.labels.Get("resourceName") == resource_name && s.labels.Get("metric") == metric &&
          s.labels.Get("aggregation") == aggregation)
        return &s;
    }
    return nullptr;
  }
  std::vector<Sample> samples;
};

config::AzureCloudConfig BaseConfig(const FakeAzure& fake) {
  config::AzureCloudConfig cfg;
  cfg.name = "azure-test";
  cfg.subscriptions = {kSub};
  cfg.tenant_id = kTenant;
  cfg.client_id = kClient;
  cfg.client_secret.value = kSecret;
  cfg.authority_host = fake.url();
  cfg.resource_manager_endpoint = fake.url();
  cfg.metrics_endpoint = fake.url();
  cfg.request_timeout_ms = 5000;
  config::AzureResourceQuery q;
  q.resource_type = kVmType;
  q.metrics = {"Percentage CPU", "Network In Total"};
  q.aggregations = {"average", "maximum"};
  cfg.resources = {q};
  return cfg;
}

struct Harness {
  explicit Harness(FakeAzure* fake, config::AzureCloudConfig cfg) {
    CollectorOptions opts;
    opts.clock = [this] { return now.load(); };
    opts.sleep = [this](int64_t ms) {
      std::lock_guard<std::mutex> l(mu);
      sleeps.push_back(ms);
      return true;
    };
    opts.getenv = [](const char*) -> const char* { return nullptr; };
    auto c = NewCollector(cfg, &registry, opts);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    if (c.ok()) collector = std::move(c).value();
    (void)fake;
  }
  Status Poll(VecSink* sink) { return collector->Poll(now.load(), sink); }

  std::atomic<int64_t> now{1'704'067'230'000};  // 2024-01-01T00:00:30Z
  metrics::Registry registry;
  std::unique_ptr<Collector> collector;
  std::mutex mu;
  std::vector<int64_t> sleeps;
};

std::vector<FakeAzure::Vm> Vms(int n) {
  std::vector<FakeAzure::Vm> out;
  for (int i = 0; i < n; ++i) out.push_back({VmId(i), "eastus", {}});
  return out;
}

// ---- end to end -----------------------------------------------------------

TEST(AzureCollectorTest, PollsLatestPointOfEverySeriesWithExporterLabels) {
  FakeAzure fake;
  fake.vms = Vms(2);
  Harness h(&fake, BaseConfig(fake));
  VecSink sink;
  ASSERT_TRUE(h.Poll(&sink).ok());
  ASSERT_EQ(sink.samples.size(), 8u);  // 2 VMs x 2 metrics x 2 aggregations
  const Sample* s = sink.Find("vm-1", "Percentage CPU", "average");
  ASSERT_NE(s, nullptr);
  // Window: end = 00:00:00 (rounded down), start = end - 5m; the last grain
  // has no data, so the latest point is the 4th (value 10 + 0 + 3).
  EXPECT_DOUBLE_EQ(s->v, 13);
  EXPECT_EQ(s->t, h.now.load());
  EXPECT_EQ(
      s->labels.ToString(),
      "{__name__=\"azurerm_resource_metric\", aggregation=\"average\", interval=\"PT1M\", "
      "metric=\"Percentage CPU\", resourceGroup=\"rg-demo\", "
      "resourceID=\"/subscriptions/12345678-abcd-1234-abcd-123456789abc/resourcegroups/rg-demo/"
      "providers/microsoft.compute/virtualmachines/vm-1\", resourceName=\"vm-1\", "
      "resourceType=\"Microsoft.Compute/virtualMachines\", "
      "subscriptionID=\"12345678-abcd-1234-abcd-123456789abc\", timespan=\"PT5M\", "
      "unit=\"Percent\"}");
  const Sample* max = sink.Find("vm-0", "Network In Total", "maximum");
  ASSERT_NE(max, nullptr);
  EXPECT_DOUBLE_EQ(max->v, 1);
  CollectorHealth health = h.collector->Health();
  EXPECT_EQ(health.state, CollectorHealth::State::kUp);
  EXPECT_EQ(health.series_last_poll, 8u);
  EXPECT_EQ(health.metrics_requested, 4u);  // 2 resources x 2 metric names
  EXPECT_GT(health.estimated_cost_usd, 0);
  EXPECT_EQ(health.api_calls, 5u);  // 2 tokens, resources, definitions, getBatch
  EXPECT_EQ(h.registry.Get("vigil_cloud_azure_ratelimit_remaining",
                           {{"collector", "azure-test"}, {"type", "subscription-reads"}}),
            11999);
}

TEST(AzureCollectorTest, GetBatchRequestLooksLikeTheSdks) {
  FakeAzure fake;
  fake.vms = Vms(1);
  Harness h(&fake, BaseConfig(fake));
  VecSink sink;
  ASSERT_TRUE(h.Poll(&sink).ok());
  ASSERT_EQ(fake.batch_targets.size(), 1u);
  EXPECT_EQ(fake.batch_targets[0],
            fmt::format("/subscriptions/{}/metrics:getBatch?starttime=2023-12-31T23%3A55%3A00.000Z"
                        "&endtime=2024-01-01T00%3A00%3A00.000Z&interval=PT1M"
                        "&metricnamespace=Microsoft.Compute%2FvirtualMachines"
                        "&metricnames=Percentage%20CPU,Network%20In%20Total"
                        "&aggregation=average,maximum&api-version=2024-02-01",
                        kSub));
  ASSERT_EQ(fake.resource_targets.size(), 1u);
  EXPECT_EQ(
      fake.resource_targets[0],
      fmt::format("/subscriptions/{}/resources?api-version=2021-04-01&$filter=resourceType%20eq%20"
                  "%27Microsoft.Compute%2FvirtualMachines%27",
                  kSub));
  for (const auto& r : fake.requests) {
    if (PathOf(r.target).find("getBatch") != std::string::npos) {
      EXPECT_EQ(r.Header("content-type"), "application/json");
      EXPECT_EQ(r.body, fmt::format("{{\"resourceids\":[\"{}\"]}}", VmId(0)));
      EXPECT_EQ(r.Header("authorization"), "Bearer tok-2");  // the metrics-scope token
    }
  }
  EXPECT_EQ(fake.token_calls[kArmScope], 1);
  EXPECT_EQ(fake.token_calls[kMetricsScope], 1);
}

TEST(AzureCollectorTest, Batching120VmsMakesThreeGetBatchCallsOf50) {
  FakeAzure fake;
  fake.vms = Vms(120);
  Harness h(&fake, BaseConfig(fake));
  VecSink sink;
  ASSERT_TRUE(h.Poll(&sink).ok());
  ASSERT_EQ(fake.batch_ids.size(), 3u);
  EXPECT_EQ(fake.batch_ids[0].size(), 50u);
  EXPECT_EQ(fake.batch_ids[1].size(), 50u);
  EXPECT_EQ(fake.batch_ids[2].size(), 20u);
  EXPECT_EQ(sink.samples.size(), 120u * 4);
  EXPECT_EQ(h.collector->Health().metrics_requested, 240u);
  EXPECT_EQ(h.registry.Get("vigil_cloud_api_calls_total", {{"provider", "azure"},
                                                           {"collector", "azure-test"},
                                                           {"api", "getBatch"},
                                                           {"region", "eastus"},
                                                           {"result", "success"}}),
            3);
}

TEST(AzureCollectorTest, ResourcesOfTwoRegionsGoToSeparateBatches) {
  FakeAzure fake;
  fake.vms = Vms(4);
  fake.vms[1].location = "westeurope";
  fake.vms[3].location = "WestEurope";
  auto cfg = BaseConfig(fake);
  Harness h(&fake, cfg);
  VecSink sink;
  ASSERT_TRUE(h.Poll(&sink).ok());
  ASSERT_EQ(fake.batch_ids.size(), 2u);
  EXPECT_EQ(fake.batch_ids[0].size(), 2u);
  EXPECT_EQ(fake.batch_ids[1].size(), 2u);
}

TEST(AzureCollectorTest, ArmPagingFollowsNextLinkVerbatim) {
  FakeAzure fake;
  fake.vms = Vms(7);
  fake.page_size = 3;
  Harness h(&fake, BaseConfig(fake));
  VecSink sink;
  ASSERT_TRUE(h.Poll(&sink).ok());
  ASSERT_EQ(fake.resource_targets.size(), 3u);
  EXPECT_EQ(
      fake.resource_targets[1],
      fmt::format("/subscriptions/{}/resources?api-version=2021-04-01&%24skiptoken=3&%24filter="
                  "resourceType%20eq%20%27Microsoft.Compute%2FvirtualMachines%27",
                  kSub));
  ASSERT_EQ(fake.batch_ids.size(), 1u);
  EXPECT_EQ(fake.batch_ids[0].size(), 7u);
}

TEST(AzureCollectorTest, DiscoveryIsCachedForTheDiscoveryInterval) {
  FakeAzure fake;
  fake.vms = Vms(2);
  auto cfg = BaseConfig(fake);
  cfg.discovery_interval_ms = 10 * kMinute;
  Harness h(&fake, cfg);
  VecSink sink;
  ASSERT_TRUE(h.Poll(&sink).ok());
  h.now += kMinute;
  ASSERT_TRUE(h.Poll(&sink).ok());
  EXPECT_EQ(fake.resource_targets.size(), 1u);
  EXPECT_EQ(fake.definition_calls, 1);  // once per resource type
  EXPECT_EQ(fake.batch_targets.size(), 2u);
  h.now += 10 * kMinute;
  ASSERT_TRUE(h.Poll(&sink).ok());
  EXPECT_EQ(fake.resource_targets.size(), 2u);
  EXPECT_EQ(fake.definition_calls, 1);
}

TEST(AzureCollectorTest, ResourceGroupAndTagFiltersSelectResources) {
  FakeAzure fake;
  fake.vms = {{VmId(0, "RG-Demo"), "eastus", {{"env", "prod"}}},
              {VmId(1, "rg-demo"), "eastus", {{"Env", "prod"}, {"team", "core"}}},
              {VmId(2, "rg-demo"), "eastus", {{"env", "dev"}}},
              {VmId(3, "rg-other"), "eastus", {{"env", "prod"}}}};
  auto cfg = BaseConfig(fake);
  cfg.resources[0].resource_groups = {"rg-DEMO"};
  cfg.resources[0].tags = {{"env", "prod"}};
  Harness h(&fake, cfg);
  VecSink sink;
  ASSERT_TRUE(h.Poll(&sink).ok());
  ASSERT_EQ(fake.batch_ids.size(), 1u);
  EXPECT_EQ(fake.batch_ids[0], (std::vector<std::string>{VmId(0, "RG-Demo"), VmId(1)}));
}

TEST(AzureCollectorTest, UnknownMetricNameIsAnErrorAndTheOthersArePolled) {
  FakeAzure fake;
  fake.vms = Vms(1);
  auto cfg = BaseConfig(fake);
  cfg.resources[0].metrics = {"Percentage CPU", "Percentage Cpu Typo"};
  Harness h(&fake, cfg);
  VecSink sink;
  Status s = h.Poll(&sink);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("has no metric \"Percentage Cpu Typo\""), std::string::npos)
      << s.ToString();
  EXPECT_NE(h.collector->Health().last_error.find("Percentage Cpu Typo"), std::string::npos);
  ASSERT_EQ(fake.batch_targets.size(), 1u);
  EXPECT_NE(fake.batch_targets[0].find("metricnames=Percentage%20CPU&"), std::string::npos);
  EXPECT_EQ(sink.samples.size(), 2u);
}

TEST(AzureCollectorTest, ThrottledGetBatchHonoursRetryAfter) {
  FakeAzure fake;
  fake.vms = Vms(1);
  fake.throttle_batches = 2;
  fake.retry_after_s = 3;
  Harness h(&fake, BaseConfig(fake));
  VecSink sink;
  ASSERT_TRUE(h.Poll(&sink).ok());
  EXPECT_EQ(h.sleeps, (std::vector<int64_t>{3000, 3000}));
  EXPECT_EQ(sink.samples.size(), 4u);
  EXPECT_EQ(h.registry.Get("vigil_cloud_api_calls_total", {{"provider", "azure"},
                                                           {"collector", "azure-test"},
                                                           {"api", "getBatch"},
                                                           {"region", "eastus"},
                                                           {"result", "throttled"}}),
            2);
  EXPECT_EQ(
      h.registry.Get("vigil_cloud_api_retries_total",
                     {{"provider", "azure"}, {"collector", "azure-test"}, {"api", "getBatch"}}),
      2);
}

TEST(AzureCollectorTest, ThrottlingThatNeverEndsFailsThePollAfterTheAttempts) {
  FakeAzure fake;
  fake.vms = Vms(1);
  fake.throttle_batches = 1000;
  Harness h(&fake, BaseConfig(fake));
  VecSink sink;
  Status s = h.Poll(&sink);
  EXPECT_TRUE(s.IsResourceExhausted()) << s.ToString();
  EXPECT_NE(s.message().find("429"), std::string::npos);
  EXPECT_EQ(h.sleeps.size(), 4u);  // 5 attempts
  EXPECT_EQ(h.collector->Health().state, CollectorHealth::State::kDown);
}

TEST(AzureCollectorTest, ExpiredTokenIsDroppedAndTheCallRetriedOnce) {
  FakeAzure fake;
  fake.vms = Vms(1);
  fake.expire_batches = 1;
  Harness h(&fake, BaseConfig(fake));
  VecSink sink;
  ASSERT_TRUE(h.Poll(&sink).ok());
  EXPECT_EQ(fake.token_calls[kMetricsScope], 2);
  EXPECT_EQ(sink.samples.size(), 4u);
  EXPECT_TRUE(h.sleeps.empty());

  // A 401 that persists is reported, not looped on.
  fake.expire_batches = 10;
  h.now += kMinute;
  Status s = h.Poll(&sink);
  EXPECT_TRUE(s.IsFailedPrecondition()) << s.ToString();
  EXPECT_NE(s.message().find("ExpiredAuthenticationToken"), std::string::npos);
  EXPECT_EQ(fake.expire_batches, 8);
}

TEST(AzureCollectorTest, BadClientSecretGivesTheEntraErrorInHealth) {
  FakeAzure fake;
  fake.vms = Vms(1);
  fake.token_error = true;
  Harness h(&fake, BaseConfig(fake));
  VecSink sink;
  Status s = h.Poll(&sink);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("invalid_client: AADSTS7000215: Invalid client secret provided."),
            std::string::npos)
      << s.ToString();
  CollectorHealth health = h.collector->Health();
  EXPECT_EQ(health.state, CollectorHealth::State::kDown);
  EXPECT_NE(health.last_error.find("AADSTS7000215"), std::string::npos);
  EXPECT_EQ(h.registry.Get("vigil_cloud_api_calls_total", {{"provider", "azure"},
                                                           {"collector", "azure-test"},
                                                           {"api", "token"},
                                                           {"region", "global"},
                                                           {"result", "error"}}),
            1);  // a 401 is not retried
  EXPECT_TRUE(sink.samples.empty());
}

TEST(AzureCollectorTest, MalformedGetBatchBodyIsAnErrorNotACrash) {
  FakeAzure fake;
  fake.vms = Vms(1);
  fake.batch_override =
      R"({"values":[{"resourceid":"x","value":[{"name":{"value":"Percentage CPU"},"timeseries":[{"data":[{"timeStamp":"2024-01-01T00:00:00Z","average":1)";
  Harness h(&fake, BaseConfig(fake));
  VecSink sink;
  Status s = h.Poll(&sink);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find("malformed getBatch response"), std::string::npos);
}

TEST(AzureCollectorTest, DimensionsBecomeLabels) {
  FakeAzure fake;
  fake.vms = Vms(1);
  fake.dimensions = {{"LUN", "0"}};
  Harness h(&fake, BaseConfig(fake));
  VecSink sink;
  ASSERT_TRUE(h.Poll(&sink).ok());
  ASSERT_FALSE(sink.samples.empty());
  EXPECT_EQ(sink.samples[0].labels.Get("dimension"), "0");
}

TEST(AzureCollectorTest, NameTemplateMovesUsedLabelsIntoTheName) {
  FakeAzure fake;
  fake.vms = Vms(1);
  auto cfg = BaseConfig(fake);
  cfg.name_template = "azure_{metric}_{aggregation}_{unit}";
  Harness h(&fake, cfg);
  VecSink sink;
  ASSERT_TRUE(h.Poll(&sink).ok());
  std::set<std::string> names;
  for (const auto& s : sink.samples) {
    names.insert(std::string(s.labels.MetricName()));
    EXPECT_FALSE(s.labels.Has("metric"));
    EXPECT_FALSE(s.labels.Has("aggregation"));
    EXPECT_FALSE(s.labels.Has("unit"));
    EXPECT_TRUE(s.labels.Has("interval"));
  }
  EXPECT_EQ(names,
            (std::set<std::string>{
                "azure_percentage_cpu_average_percent", "azure_percentage_cpu_maximum_percent",
                "azure_network_in_total_average_bytes", "azure_network_in_total_maximum_bytes"}));
}

TEST(AzureCollectorTest, ManagedIdentityTokenRequest) {
  FakeAzure fake;
  fake.vms = Vms(1);
  auto cfg = BaseConfig(fake);
  cfg.client_secret.value.clear();
  cfg.use_managed_identity = true;
  cfg.managed_identity_endpoint = fake.url() + "/metadata/identity/oauth2/token";
  cfg.managed_identity_client_id = "user-assigned-id";
  Harness h(&fake, cfg);
  VecSink sink;
  ASSERT_TRUE(h.Poll(&sink).ok());
  EXPECT_EQ(fake.token_calls["https://management.azure.com/|user-assigned-id"], 1);
  EXPECT_EQ(fake.token_calls["https://metrics.monitor.azure.com/|user-assigned-id"], 1);
  EXPECT_EQ(sink.samples.size(), 4u);
  bool saw = false;
  for (const auto& r : fake.requests) {
    if (PathOf(r.target) == "/metadata/identity/oauth2/token") {
      saw = true;
      EXPECT_EQ(r.method, "GET");
      EXPECT_EQ(r.target,
                "/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https%3A%2F%2F"
                "management.azure.com%2F&client_id=user-assigned-id");
      break;
    }
  }
  EXPECT_TRUE(saw);
}

TEST(AzureCollectorTest, MissingCredentialsAreAConfigError) {
  FakeAzure fake;
  auto cfg = BaseConfig(fake);
  cfg.client_secret.value.clear();
  metrics::Registry reg;
  CollectorOptions opts;
  opts.getenv = [](const char*) -> const char* { return nullptr; };
  auto c = NewCollector(cfg, &reg, opts);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("AZURE_CLIENT_SECRET"), std::string::npos);
  // ... and the environment fills them in, as EnvironmentCredential.
  cfg.tenant_id.clear();
  opts.getenv = [](const char* n) -> const char* {
    std::string_view name(n);
    if (name == "AZURE_CLIENT_SECRET") return kSecret;
    if (name == "AZURE_TENANT_ID") return kTenant;
    return nullptr;
  };
  EXPECT_TRUE(NewCollector(cfg, &reg, opts).ok());
}

TEST(AzureCollectorTest, CancelStopsAPollInProgress) {
  FakeAzure fake;
  fake.vms = Vms(1);
  fake.batch_delay_ms = 10'000;
  Harness h(&fake, BaseConfig(fake));
  VecSink sink;
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    h.collector->Cancel();
  });
  auto start = std::chrono::steady_clock::now();
  Status s = h.Poll(&sink);
  canceller.join();
  EXPECT_TRUE(s.IsCancelled()) << s.ToString();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(ScopeTest, PublicAndSovereignCloudScopes) {
  EXPECT_EQ(ArmScopeFor("https://management.azure.com/"), kArmScope);
  EXPECT_EQ(ArmScopeFor("http://127.0.0.1:9902"), kArmScope);
  EXPECT_EQ(ArmScopeFor("https://management.usgovcloudapi.net"),
            "https://management.usgovcloudapi.net/.default");
  EXPECT_EQ(MetricsScopeFor("https://{region}.metrics.monitor.azure.com"), kMetricsScope);
  EXPECT_EQ(MetricsScopeFor("https://{region}.metrics.monitor.azure.us"),
            "https://metrics.monitor.azure.us/.default");
  EXPECT_EQ(MetricsScopeFor("https://127.0.0.1:9902"), kMetricsScope);
  EXPECT_EQ(ScopeToResource(kArmScope), "https://management.azure.com/");
}

// ---- tokens -----------------------------------------------------------------

TEST(TokenSourceTest, CachesPerScopeAndRefreshesFiveMinutesBeforeExpiry) {
  int fetches = 0;
  int64_t now = 1'000'000;
  TokenCredentials creds;
  creds.authority_host = "http://login.example";
  creds.tenant_id = kTenant;
  creds.client_id = kClient;
  creds.client_secret = "s e/cret&";
  std::vector<httpclient::Request> sent;
  TokenSource tokens(
      creds,
      [&](httpclient::Request req) -> Result<httpclient::Response> {
        sent.push_back(req);
        httpclient::Response resp;
        resp.status_code = 200;
        resp.body = fmt::format(
            R"({{"token_type":"Bearer","expires_in":3600,"access_token":"t{}"}})", ++fetches);
        return resp;
      },
      [&] { return now; }, 1000);
  EXPECT_EQ(tokens.Get(kArmScope).value(), "t1");
  EXPECT_EQ(tokens.Get(kArmScope).value(), "t1");
  EXPECT_EQ(tokens.Get(kMetricsScope).value(), "t2");
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].method, "POST");
  EXPECT_EQ(sent[0].url, fmt::format("http://login.example/{}/oauth2/v2.0/token", kTenant));
  EXPECT_EQ(sent[0].body,
            fmt::format("client_id={}&scope=https%3A%2F%2Fmanagement.azure.com%2F.default&"
                        "client_secret=s%20e%2Fcret%26&grant_type=client_credentials",
                        kClient));
  now += 3600 * kSecond - kTokenRefreshMarginMs - 1;
  EXPECT_EQ(tokens.Get(kArmScope).value(), "t1");
  now += 1;
  EXPECT_EQ(tokens.Get(kArmScope).value(), "t3");
  tokens.Invalidate(kArmScope);
  EXPECT_EQ(tokens.Get(kArmScope).value(), "t4");
}

TEST(TokenSourceTest, ClientSecretFileIsReadAtEveryFetch) {
  char dir[] = "/tmp/vigil-azure-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  std::string path = std::string(dir) + "/secret";
  auto write = [&](const std::string& s) {
    FILE* f = fopen(path.c_str(), "w");
    fputs(s.c_str(), f);
    fclose(f);
  };
  write("first\n");
  TokenCredentials creds;
  creds.authority_host = "http://login.example";
  creds.tenant_id = kTenant;
  creds.client_id = kClient;
  creds.client_secret_file = path;
  std::vector<std::string> bodies;
  TokenSource tokens(
      creds,
      [&](httpclient::Request req) -> Result<httpclient::Response> {
        bodies.push_back(req.body);
        httpclient::Response resp;
        resp.status_code = 200;
        resp.body = R"({"access_token":"t","expires_in":3600})";
        return resp;
      },
      [] { return int64_t{0}; }, 1000);
  ASSERT_TRUE(tokens.Get(kArmScope).ok());
  write("second");
  tokens.Invalidate(kArmScope);
  ASSERT_TRUE(tokens.Get(kArmScope).ok());
  ASSERT_EQ(bodies.size(), 2u);
  EXPECT_NE(bodies[0].find("client_secret=first&"), std::string::npos);
  EXPECT_NE(bodies[1].find("client_secret=second&"), std::string::npos);
  unlink(path.c_str());
  rmdir(dir);
}

TEST(TokenParseTest, EntraAndManagedIdentityShapesAndErrors) {
  auto t =
      ParseTokenResponse(R"({"token_type":"Bearer","expires_in":3599,"access_token":"abc"})", 1000);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->value, "abc");
  EXPECT_EQ(t->expires_at_ms, 1000 + 3599 * kSecond);
  t = ParseTokenResponse(R"({"access_token":"mi","expires_in":"86399","expires_on":"1"})", 0);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->expires_at_ms, 86399 * kSecond);
  t = ParseTokenResponse(R"({"access_token":"mi","expires_on":"1704070799"})", 0);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->expires_at_ms, 1704070799 * kSecond);
  t = ParseTokenResponse(
      R"({"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided."})",
      0);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().message(),
            "token refused: invalid_client: AADSTS7000215: Invalid client secret provided.");
  EXPECT_TRUE(ParseTokenResponse(R"({"access_token":)", 0).status().IsCorruption());
  EXPECT_TRUE(ParseTokenResponse(R"({"expires_in":1})", 0).status().IsCorruption());
  EXPECT_TRUE(ParseTokenResponse("", 0).status().IsCorruption());
}

// ---- parsers -------------------------------------------------------------

TEST(ParseTest, TruncatedBodiesAreErrorsAtEveryLength) {
  const std::string list =
      R"({"value":[{"id":"/subscriptions/s/resourceGroups/g/providers/T/x","name":"x","type":"T","location":"eastus","tags":{"a":"b"}}],"nextLink":"http://h/next"})";
  const std::string defs =
      R"({"value":[{"name":{"value":"Percentage CPU"},"unit":"Percent","supportedAggregationTypes":["Average"],"dimensions":[{"value":"LUN"}]}]})";
  const std::string batch =
      R"({"values":[{"resourceid":"/r","resourceregion":"eastus","value":[{"name":{"value":"m"},"unit":"Count","timeseries":[{"metadatavalues":[{"name":{"value":"d"},"value":"v"}],"data":[{"timeStamp":"2024-01-01T00:00:00Z","total":5}]}],"errorCode":"Success"}]}]})";
  ASSERT_TRUE(ParseResourceList(list).ok());
  ASSERT_TRUE(ParseMetricDefinitions(defs).ok());
  ASSERT_TRUE(ParseBatchResponse(batch).ok());
  for (size_t n = 0; n < list.size(); ++n)
    EXPECT_FALSE(ParseResourceList(list.substr(0, n)).ok()) << n;
  for (size_t n = 0; n < defs.size(); ++n)
    EXPECT_FALSE(ParseMetricDefinitions(defs.substr(0, n)).ok()) << n;
  for (size_t n = 0; n < batch.size(); ++n)
    EXPECT_FALSE(ParseBatchResponse(batch.substr(0, n)).ok()) << n;
}

TEST(ParseTest, WrongShapesAreErrorsOrIgnored) {
  EXPECT_TRUE(ParseResourceList("[]").status().IsCorruption());
  EXPECT_TRUE(ParseResourceList(R"({"value":{}})").status().IsCorruption());
  auto page = ParseResourceList(
      R"({"value":[1,"x",{"id":5},{"id":"/subscriptions/a/resourceGroups/b/providers/c/d/e","tags":{"k":1}}]})");
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->resources.size(), 1u);
  EXPECT_EQ(page->resources[0].name, "e");
  EXPECT_EQ(page->resources[0].subscription, "a");
  EXPECT_EQ(page->resources[0].resource_group, "b");
  EXPECT_TRUE(page->resources[0].tags.empty());
  auto err =
      ParseBatchResponse(R"({"error":{"code":"BadRequest","message":"Metric names are invalid"}})");
  EXPECT_TRUE(err.status().IsFailedPrecondition());
  EXPECT_EQ(err.status().message(), "getBatch: BadRequest: Metric names are invalid");
  auto partial = ParseBatchResponse(
      R"({"values":[{"resourceid":"/r","value":[{"name":{"value":"m"},"errorCode":"ResourceNotFound","errorMessage":"gone"}]}]})");
  ASSERT_TRUE(partial.ok());
  EXPECT_TRUE(partial->series.empty());
  ASSERT_EQ(partial->errors.size(), 1u);
  EXPECT_EQ(partial->errors[0], "/r metric \"m\": ResourceNotFound: gone");
}

TEST(ParseTest, BatchKeepsTheLatestPointWithDataPerAggregation) {
  auto r = ParseBatchResponse(R"({"values":[{"resourceid":"/r","resourceregion":"eastus","value":[
    {"name":{"value":"Ingress","localizedValue":"x"},"unit":"Bytes","timeseries":[
      {"metadatavalues":[{"name":{"value":"apiname"},"value":"GetBlob"},{"name":{"value":"authentication"},"value":"SAS"}],
       "data":[{"timeStamp":"2024-01-01T00:00:00Z","average":1,"maximum":9},
               {"timeStamp":"2024-01-01T00:01:00Z","average":2},
               {"timeStamp":"2024-01-01T00:02:00Z"}]}]}]}]})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->series.size(), 1u);
  const BatchSeries& s = r->series[0];
  EXPECT_EQ(s.metric, "Ingress");
  EXPECT_EQ(s.unit, "Bytes");
  EXPECT_EQ(s.resource_region, "eastus");
  ASSERT_EQ(s.dimensions.size(), 2u);
  EXPECT_EQ(s.dimensions[1], (std::pair<std::string, std::string>{"authentication", "SAS"}));
  EXPECT_DOUBLE_EQ(s.latest.at("average").value, 2);
  EXPECT_EQ(s.latest.at("average").t_ms, 1704067260000);
  EXPECT_DOUBLE_EQ(s.latest.at("maximum").value, 9);
  EXPECT_EQ(s.latest.count("total"), 0u);
}

TEST(ParseTest, MetricDefinitionsGiveUnitsAndNames) {
  auto d = ParseMetricDefinitions(
      R"({"value":[{"id":"x","name":{"value":"Percentage CPU","localizedValue":"Percentage CPU"},"unit":"Percent","primaryAggregationType":"Average","supportedAggregationTypes":["None","Average","Minimum","Maximum","Total","Count"],"metricAvailabilities":[{"timeGrain":"PT1M","retention":"P93D"}],"dimensions":[{"value":"LUN","localizedValue":"LUN"}]}]})");
  ASSERT_TRUE(d.ok());
  ASSERT_EQ(d->size(), 1u);
  EXPECT_EQ((*d)[0].name, "Percentage CPU");
  EXPECT_EQ((*d)[0].unit, "Percent");
  EXPECT_EQ((*d)[0].aggregations.size(), 6u);
  EXPECT_EQ((*d)[0].dimensions, std::vector<std::string>{"LUN"});
}

TEST(ParseTest, AzureErrorMessageReadsBothShapes) {
  EXPECT_EQ(
      AzureErrorMessage(R"({"error":"invalid_client","error_description":"AADSTS7000215: bad"})"),
      "invalid_client: AADSTS7000215: bad");
  EXPECT_EQ(AzureErrorMessage(R"({"error":{"code":"AuthorizationFailed","message":"no access"}})"),
            "AuthorizationFailed: no access");
  EXPECT_EQ(AzureErrorMessage(R"({"value":[]})"), "");
  EXPECT_EQ(AzureErrorMessage("<html>"), "");
}

// ---- URLs, durations, windows -----------------------------------------------

TEST(UrlTest, PercentEncodingAsTheSdks) {
  EXPECT_EQ(PercentEncode("resourceType eq 'Microsoft.Compute/virtualMachines'"),
            "resourceType%20eq%20%27Microsoft.Compute%2FvirtualMachines%27");
  EXPECT_EQ(PercentEncode("a-b_c.d~e*f,g"), "a-b_c.d~e%2Af%2Cg");
  EXPECT_EQ(MetricDefinitionsUrl("https://management.azure.com/", VmId(1)),
            "https://management.azure.com" + VmId(1) +
                "/providers/Microsoft.Insights/metricDefinitions?api-version=2018-01-01");
  BatchQuery q;
  q.subscription = "s";
  q.region = "westeurope";
  q.metric_namespace = "Microsoft.Storage/storageAccounts";
  q.metric_names = {"Ingress"};
  q.aggregations = {"total"};
  q.interval = "PT15M";
  q.window = {0, 15 * kMinute};
  q.filter = "ApiName eq '*'";
  q.top = 10;
  q.resource_ids = {"/a\"b"};
  EXPECT_EQ(
      BatchUrl("https://{region}.metrics.monitor.azure.com", q),
      "https://westeurope.metrics.monitor.azure.com/subscriptions/s/metrics:getBatch?"
      "starttime=1970-01-01T00%3A00%3A00.000Z&endtime=1970-01-01T00%3A15%3A00.000Z"
      "&interval=PT15M&metricnamespace=Microsoft.Storage%2FstorageAccounts&metricnames=Ingress"
      "&aggregation=total&top=10&filter=ApiName%20eq%20%27%2A%27&api-version=2024-02-01");
  EXPECT_EQ(BatchBody(q), R"({"resourceids":["/a\"b"]})");
}

TEST(DurationTest, IsoDurationsRoundTrip) {
  EXPECT_EQ(ParseIsoDuration("PT1M").value(), kMinute);
  EXPECT_EQ(ParseIsoDuration("PT1H30M").value(), 90 * kMinute);
  EXPECT_EQ(ParseIsoDuration("P1D").value(), kDay);
  EXPECT_EQ(ParseIsoDuration("PT0.5S").value(), 500);
  EXPECT_EQ(ParseIsoDuration("P1DT12H").value(), 36 * kHour);
  for (const char* bad : {"", "P", "PT", "1M", "PT1", "P1M", "PT-1M", "PTM", "PT1X", "FULL", "P1Y"})
    EXPECT_FALSE(ParseIsoDuration(bad).ok()) << bad;
  EXPECT_EQ(FormatIsoDuration(5 * kMinute), "PT5M");
  EXPECT_EQ(FormatIsoDuration(kHour), "PT1H");
  EXPECT_EQ(FormatIsoDuration(kDay), "P1D");
  EXPECT_EQ(FormatIsoDuration(90 * kSecond), "PT1M30S");
  EXPECT_EQ(FormatIsoDuration(kDay + kHour), "P1DT1H");
}

TEST(WindowTest, EndIsRoundedDownAfterTheDelayAndSpansFiveGrains) {
  QueryWindow w = ComputeWindow(10 * kMinute + 30 * kSecond, 0, kMinute, 0);
  EXPECT_EQ(w.end_ms, 10 * kMinute);
  EXPECT_EQ(w.start_ms, 5 * kMinute);
  w = ComputeWindow(10 * kMinute + 30 * kSecond, 3 * kMinute, 5 * kMinute, 30 * kMinute);
  EXPECT_EQ(w.end_ms, 5 * kMinute);
  EXPECT_EQ(w.start_ms, -25 * kMinute);
}

// ---- naming -------------------------------------------------------------------

TEST(NamingTest, ExporterNamingTable) {
  SeriesIdentity id;
  id.resource_id = VmId(1, "RG-Demo");
  id.subscription = kSub;
  id.resource_group = "RG-Demo";
  id.resource_name = "vm-1";
  id.resource_type = kVmType;
  id.metric = "Percentage CPU";
  id.aggregation = "average";
  id.unit = "Percent";
  id.interval = "PT1M";
  id.timespan = "PT5M";
  struct Case {
    std::string tmpl;
    std::string name;
    std::vector<std::string> removed;
  } cases[] = {
      {"azurerm_resource_metric", "azurerm_resource_metric", {}},
      {"", "azurerm_resource_metric", {}},
      {"{name}_{metric}_{aggregation}_{unit}",
       "azure_prod_percentage_cpu_average_percent",
       {"metric", "aggregation", "unit"}},
      {"azure_{type}_{metric}",
       "azure_microsoft_compute_virtualmachines_percentage_cpu",
       {"metric"}},
      {"x_{metric}_{interval}", "x_percentage_cpu_pt1m", {"metric", "interval"}},
      {"{resourceGroup}.{nope}-{metric}", "rg_demo__percentage_cpu", {"resourceGroup", "metric"}},
      {"Azure {metric} (%)", "azure_percentage_cpu_", {"metric"}},
      {"9{metric}", "_9percentage_cpu", {"metric"}},
  };
  for (const auto& c : cases) {
    NamingContext ctx{c.tmpl, "azure-prod", kVmType};
    model::Labels l = SeriesLabels(ctx, id);
    EXPECT_EQ(l.MetricName(), c.name) << c.tmpl;
    for (const auto& gone : c.removed) EXPECT_FALSE(l.Has(gone)) << c.tmpl << " " << gone;
    EXPECT_EQ(l.Get("resourceID"), ToLower(VmId(1, "RG-Demo"))) << c.tmpl;
  }
  id.dimensions = {{"LUN", "0"}};
  model::Labels one = SeriesLabels(NamingContext{}, id);
  EXPECT_EQ(one.Get("dimension"), "0");
  id.dimensions = {{"apiname", "GetBlob"}, {"Response Type", "Success"}};
  model::Labels two = SeriesLabels(NamingContext{}, id);
  EXPECT_FALSE(two.Has("dimension"));
  EXPECT_EQ(two.Get("dimensionApiname"), "GetBlob");
  EXPECT_EQ(two.Get("dimensionResponseType"), "Success");
}

}  // namespace
}  // namespace vigil::cloud::azure
