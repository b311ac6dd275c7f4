// The Azure Activity Log API end to end against `vigil cloudsim` started
// in-process (HTTPS with the simulator's CA, Entra ID client credentials):
// windows against the simulator's event cadence, adjacent windows without
// overlap or gap, nextLink paging, the event mapping, the extra $filter,
// errors, throttling and Cancel.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "base/file.h"
#include "base/metrics.h"
#include "collect/logs/cloud/cloud_log_apis.h"
#include "tools/cloudsim/cloudsim.h"
#include "tools/cloudsim/fleet.h"

namespace vigil::cloudlogs {
namespace {

constexpr int64_t kHourMs = 3600'000;
constexpr int64_t kT0 = 1704067200000;  // 2024-01-01T00:00:00Z: settled, in the past
constexpr const char* kSourceName = "azure-activity-test";

std::string Attr(const std::vector<model::LogAttribute>& attrs, std::string_view key) {
  for (const auto& a : attrs) {
    if (a.key == key) return a.value;
  }
  return "";
}

// One event as the tests compare them: its time and the resource it is about.
using EventKey = std::pair<int64_t, std::string>;

EventKey KeyOf(const model::LogRecord& r) {
  return {r.time_ns / 1'000'000, Attr(r.attributes, "cloud.resource_id")};
}

// The simulator's activity-log cadence (azure_api.cc, ActivityLog): about
// one event per resource every six hours, at a time within the hour that a
// hash of the resource id and the hour picks.
uint64_t StableHash(std::string_view s, uint64_t seed) {
  uint64_t h = 0xcbf29ce484222325ULL ^ seed;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

// The events of [start, end), optionally of one resource group only.
std::vector<EventKey> ExpectedEvents(const cloudsim::Fleet& fleet, int64_t start, int64_t end,
                                     std::string_view group = "") {
  std::vector<EventKey> out;
  for (int64_t hour = start / kHourMs; hour * kHourMs < end; ++hour) {
    for (const cloudsim::Resource* r : fleet.ByCloud("azure")) {
      uint64_t h = StableHash(r->id, static_cast<uint64_t>(hour) * 0x9e3779b97f4a7c15ULL);
      if (h % 6 != 0) continue;
      int64_t t = hour * kHourMs + static_cast<int64_t>((h >> 8) % 3600) * 1000;
      if (t < start || t >= end) continue;
      if (!group.empty() && r->group != group) continue;
      out.emplace_back(t, r->id);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

class AzureActivityLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/vigil-azure-activity-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    cloudsim::SimOptions opts;
    opts.listen = "127.0.0.1:0";
    opts.tls_listen = "127.0.0.1:0";
    opts.state_dir = dir_ + "/state";
    auto sim = cloudsim::Simulator::Start(opts);
    ASSERT_TRUE(sim.ok()) << sim.status().ToString();
    sim_ = std::move(sim).value();
    ASSERT_TRUE(sim_->WriteCredentials(dir_ + "/creds").ok());
  }
  void TearDown() override {
    if (sim_) sim_->Shutdown();
    (void)fs::RemoveAll(dir_);
  }

  config::AzureCloudConfig Cloud() const {
    std::string base = fmt::format("https://127.0.0.1:{}", sim_->tls_port());
    config::AzureCloudConfig cfg;
    cfg.name = "azure-sim";
    cfg.subscriptions = {cloudsim::kAzureSubscriptionId};
    cfg.tenant_id = cloudsim::kAzureTenantId;
    cfg.client_id = cloudsim::kAzureClientId;
    cfg.client_secret.value = cloudsim::kAzureClientSecret;
    cfg.authority_host = base;
    cfg.resource_manager_endpoint = base;
    cfg.metrics_endpoint = base;
    cfg.ca_file = dir_ + "/creds/ca.pem";
    cfg.request_timeout_ms = 10'000;
    return cfg;
  }

  CloudLogApiDeps Deps() {
    CloudLogApiDeps deps;
    deps.source_name = kSourceName;
    deps.registry = &registry_;
    deps.sleep = [this](int64_t ms) {
      sleeps_.push_back(ms);
      return true;
    };
    deps.now_ms = [] { return kT0 + 24 * kHourMs; };
    return deps;
  }

  std::unique_ptr<CloudLogApi> OneApi(const config::CloudLogSourceConfig& source,
                                      const config::AzureCloudConfig& cloud,
                                      const CloudLogApiDeps& deps) {
    auto apis = NewAzureActivityLogApis(source, cloud, deps);
    EXPECT_TRUE(apis.ok()) << apis.status().ToString();
    if (!apis.ok() || apis->size() != 1) return nullptr;
    return std::move((*apis)[0]);
  }

  // Reads [start, end) and returns the records; pages counts the calls of `page`.
  Status ReadAll(CloudLogApi* api, int64_t start, int64_t end, std::vector<model::LogRecord>* out,
                 int* pages = nullptr) {
    return api->Read(start, end, [&](std::vector<model::LogRecord>& page) {
      if (pages) ++*pages;
      for (auto& r : page) out->push_back(std::move(r));
      return Status::OK();
    });
  }

  static std::vector<EventKey> Keys(const std::vector<model::LogRecord>& records) {
    std::vector<EventKey> keys;
    for (const auto& r : records) keys.push_back(KeyOf(r));
    std::sort(keys.begin(), keys.end());
    return keys;
  }

  std::string dir_;
  std::unique_ptr<cloudsim::Simulator> sim_;
  metrics::Registry registry_;
  std::vector<int64_t> sleeps_;
  cloudsim::Fleet fleet_{cloudsim::FleetOptions{}};
};

TEST_F(AzureActivityLogTest, OneApiPerSubscriptionOfTheEntryByDefault) {
  config::AzureCloudConfig cloud = Cloud();
  cloud.subscriptions = {cloudsim::kAzureSubscriptionId, "11111111-0000-0000-0000-000000000000"};
  auto apis = NewAzureActivityLogApis(config::CloudLogSourceConfig{}, cloud, Deps());
  ASSERT_TRUE(apis.ok()) << apis.status().ToString();
  ASSERT_EQ(apis->size(), 2u);
  EXPECT_EQ((*apis)[0]->Key(), std::string("azure-activity:") + cloudsim::kAzureSubscriptionId);
  EXPECT_EQ((*apis)[1]->Key(), "azure-activity:11111111-0000-0000-0000-000000000000");

  config::CloudLogSourceConfig source;
  source.subscriptions = {"11111111-0000-0000-0000-000000000000"};
  apis = NewAzureActivityLogApis(source, cloud, Deps());
  ASSERT_TRUE(apis.ok()) << apis.status().ToString();
  ASSERT_EQ(apis->size(), 1u);
  EXPECT_EQ((*apis)[0]->Key(), "azure-activity:11111111-0000-0000-0000-000000000000");
}

TEST_F(AzureActivityLogTest, ASubscriptionNotInTheEntryIsRefusedAtBuild) {
  config::CloudLogSourceConfig source;
  source.subscriptions = {"99999999-0000-0000-0000-000000000000"};
  auto apis = NewAzureActivityLogApis(source, Cloud(), Deps());
  ASSERT_FALSE(apis.ok());
  EXPECT_TRUE(apis.status().IsInvalidArgument()) << apis.status().ToString();
  EXPECT_NE(apis.status().message().find("99999999-0000-0000-0000-000000000000"), std::string::npos)
      << apis.status().ToString();
  EXPECT_EQ(sim_->Calls("azure", "token"), 0u);
}

TEST_F(AzureActivityLogTest, AWindowHoldsTheSimulatorsEventsOverSeveralPages) {
  auto api = OneApi({}, Cloud(), Deps());
  ASSERT_NE(api, nullptr);
  const int64_t start = kT0, end = kT0 + 12 * kHourMs;
  std::vector<EventKey> want = ExpectedEvents(fleet_, start, end);
  ASSERT_GT(want.size(), 20u);  // more than two of the simulator's pages of 10

  std::vector<model::LogRecord> records;
  int pages = 0;
  Status s = ReadAll(api.get(), start, end, &records, &pages);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(Keys(records), want);
  const int want_pages = static_cast<int>((want.size() + 9) / 10);
  EXPECT_EQ(pages, want_pages);
  EXPECT_EQ(sim_->Calls("azure", "activityLog"), static_cast<uint64_t>(want_pages));
  EXPECT_EQ(registry_.Get("vigil_cloud_api_calls_total", {{"provider", "azure"},
                                                          {"collector", kSourceName},
                                                          {"api", "ActivityLogs"},
                                                          {"region", "global"},
                                                          {"result", "success"}}),
            want_pages);

  // The same window again: the same events in the same order.
  std::vector<model::LogRecord> again;
  ASSERT_TRUE(ReadAll(api.get(), start, end, &again).ok());
  ASSERT_EQ(again.size(), records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    EXPECT_EQ(Attr(again[i].attributes, "event.id"), Attr(records[i].attributes, "event.id"));
  }
}

TEST_F(AzureActivityLogTest, AdjacentWindowsSplitExactlyAtTheirBoundary) {
  auto api = OneApi({}, Cloud(), Deps());
  ASSERT_NE(api, nullptr);
  const int64_t a = kT0, c = kT0 + 12 * kHourMs;
  std::vector<EventKey> all = ExpectedEvents(fleet_, a, c);
  ASSERT_GT(all.size(), 4u);
  // b on an event: that event is in [b, c), not in [a, b).
  const int64_t b = all[all.size() / 2].first;

  std::vector<model::LogRecord> first, second, whole;
  ASSERT_TRUE(ReadAll(api.get(), a, b, &first).ok());
  ASSERT_TRUE(ReadAll(api.get(), b, c, &second).ok());
  ASSERT_TRUE(ReadAll(api.get(), a, c, &whole).ok());
  for (const auto& r : first) EXPECT_LT(r.time_ns, b * 1'000'000);
  for (const auto& r : second) EXPECT_GE(r.time_ns, b * 1'000'000);
  const std::vector<EventKey> second_keys = Keys(second);
  EXPECT_TRUE(std::find(second_keys.begin(), second_keys.end(), all[all.size() / 2]) !=
              second_keys.end());
  std::vector<EventKey> joined = Keys(first);
  joined.insert(joined.end(), second_keys.begin(), second_keys.end());
  std::sort(joined.begin(), joined.end());
  EXPECT_EQ(joined, Keys(whole));
  EXPECT_EQ(joined, all);
}

TEST_F(AzureActivityLogTest, RecordsAreMappedOntoTheEventSchema) {
  auto api = OneApi({}, Cloud(), Deps());
  ASSERT_NE(api, nullptr);
  std::vector<model::LogRecord> records;
  ASSERT_TRUE(ReadAll(api.get(), kT0, kT0 + 12 * kHourMs, &records).ok());
  ASSERT_FALSE(records.empty());
  int errors = 0;
  for (const model::LogRecord& r : records) {
    EXPECT_EQ(r.observed_time_ns, (kT0 + 24 * kHourMs) * 1'000'000);
    EXPECT_EQ(r.stream.Get("cloud_provider"), "azure");
    EXPECT_EQ(r.stream.Get("subscription_id"), cloudsim::kAzureSubscriptionId);
    EXPECT_EQ(Attr(r.resource, "cloud.provider"), "azure");
    EXPECT_EQ(Attr(r.resource, "cloud.account.id"), cloudsim::kAzureSubscriptionId);
    std::string type = Attr(r.attributes, "event.type");
    EXPECT_TRUE(type.find("/write") != std::string::npos ||
                type.find("/action") != std::string::npos)
        << type;
    EXPECT_FALSE(Attr(r.attributes, "event.id").empty());
    EXPECT_FALSE(Attr(r.attributes, "event.source").empty());
    EXPECT_EQ(Attr(r.attributes, "enduser.id"), cloudsim::kAzureClientId);
    // The body is the event's JSON.
    EXPECT_EQ(r.body.front(), '{');
    EXPECT_NE(r.body.find("\"eventDataId\""), std::string::npos);
    if (r.severity_text == "Error") {
      EXPECT_EQ(r.severity_number, 17);
      ++errors;
    } else {
      EXPECT_EQ(r.severity_text, "Informational");
      EXPECT_EQ(r.severity_number, 9);
    }
  }
  // One event in eight fails in the simulator: some, not all.
  EXPECT_LT(errors, static_cast<int>(records.size()));
}

TEST_F(AzureActivityLogTest, TheExtraFilterIsAndedWithTheWindow) {
  config::CloudLogSourceConfig source;
  source.filter = "resourceGroupName eq 'rg-web'";
  auto api = OneApi(source, Cloud(), Deps());
  ASSERT_NE(api, nullptr);
  const int64_t start = kT0, end = kT0 + 12 * kHourMs;
  std::vector<EventKey> want = ExpectedEvents(fleet_, start, end, "rg-web");
  ASSERT_FALSE(want.empty());
  ASSERT_LT(want.size(), ExpectedEvents(fleet_, start, end).size());
  std::vector<model::LogRecord> records;
  Status s = ReadAll(api.get(), start, end, &records);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(Keys(records), want);
}

TEST_F(AzureActivityLogTest, AnEmptyWindowAsksNothing) {
  auto api = OneApi({}, Cloud(), Deps());
  ASSERT_NE(api, nullptr);
  std::vector<model::LogRecord> records;
  int pages = 0;
  EXPECT_TRUE(ReadAll(api.get(), kT0, kT0, &records, &pages).ok());
  EXPECT_EQ(pages, 0);
  EXPECT_EQ(sim_->Calls("azure", "activityLog"), 0u);
}

TEST_F(AzureActivityLogTest, AnUnknownSubscriptionIsAClearError) {
  config::AzureCloudConfig cloud = Cloud();
  cloud.subscriptions = {"99999999-0000-0000-0000-000000000000"};
  auto api = OneApi({}, cloud, Deps());
  ASSERT_NE(api, nullptr);
  std::vector<model::LogRecord> records;
  Status s = ReadAll(api.get(), kT0, kT0 + kHourMs, &records);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("azure-activity:99999999-0000-0000-0000-000000000000"),
            std::string::npos)
      << s.ToString();
  EXPECT_NE(s.message().find("SubscriptionNotFound"), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find("ActivityLogs"), std::string::npos) << s.ToString();
}

TEST_F(AzureActivityLogTest, AWrongClientSecretIsAFailedPrecondition) {
  config::AzureCloudConfig cloud = Cloud();
  cloud.client_secret.value = "not-the-secret";
  auto api = OneApi({}, cloud, Deps());
  ASSERT_NE(api, nullptr);
  std::vector<model::LogRecord> records;
  Status s = ReadAll(api.get(), kT0, kT0 + kHourMs, &records);
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(s.IsFailedPrecondition()) << s.ToString();
  EXPECT_NE(s.message().find("invalid_client"), std::string::npos) << s.ToString();
  EXPECT_EQ(sim_->Calls("azure", "activityLog"), 0u);
}

TEST_F(AzureActivityLogTest, ThrottlingIsRetriedAfterRetryAfter) {
  CloudLogApiDeps deps = Deps();
  // Throttled until the first retry wait, fine after it.
  deps.sleep = [this](int64_t ms) {
    sleeps_.push_back(ms);
    sim_->SetFaults(cloudsim::Faults{});
    return true;
  };
  auto api = OneApi({}, Cloud(), deps);
  ASSERT_NE(api, nullptr);
  cloudsim::Faults faults;
  faults.throttle_rate = 1;
  sim_->SetFaults(faults);
  const int64_t start = kT0, end = kT0 + 6 * kHourMs;
  std::vector<model::LogRecord> records;
  Status s = ReadAll(api.get(), start, end, &records);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(Keys(records), ExpectedEvents(fleet_, start, end));
  ASSERT_EQ(sleeps_.size(), 1u);
  EXPECT_EQ(sleeps_[0], 1000);  // the simulator's Retry-After: 1
  EXPECT_EQ(registry_.Get("vigil_cloud_api_calls_total", {{"provider", "azure"},
                                                          {"collector", kSourceName},
                                                          {"api", "ActivityLogs"},
                                                          {"region", "global"},
                                                          {"result", "throttled"}}),
            1);
}

TEST_F(AzureActivityLogTest, PersistentThrottlingFailsAfterTheAttempts) {
  CloudLogApiDeps deps = Deps();
  deps.max_attempts = 3;
  auto api = OneApi({}, Cloud(), deps);
  ASSERT_NE(api, nullptr);
  cloudsim::Faults faults;
  faults.throttle_rate = 1;
  sim_->SetFaults(faults);
  std::vector<model::LogRecord> records;
  Status s = ReadAll(api.get(), kT0, kT0 + kHourMs, &records);
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(s.IsResourceExhausted()) << s.ToString();
  EXPECT_NE(s.message().find("TooManyRequests"), std::string::npos) << s.ToString();
  EXPECT_EQ(sim_->Calls("azure", "activityLog"), 3u);
  EXPECT_EQ(sleeps_.size(), 2u);
}

TEST_F(AzureActivityLogTest, APageErrorStopsTheRead) {
  auto api = OneApi({}, Cloud(), Deps());
  ASSERT_NE(api, nullptr);
  int pages = 0;
  Status s = api->Read(kT0, kT0 + 12 * kHourMs, [&](std::vector<model::LogRecord>&) {
    ++pages;
    return Status::Unavailable("sink full");
  });
  EXPECT_EQ(s.ToString(), Status::Unavailable("sink full").ToString());
  EXPECT_EQ(pages, 1);
  EXPECT_EQ(sim_->Calls("azure", "activityLog"), 1u);
}

TEST_F(AzureActivityLogTest, CancelStopsTheReadInProgressAndLaterOnes) {
  auto api = OneApi({}, Cloud(), Deps());
  ASSERT_NE(api, nullptr);
  int pages = 0;
  Status s = api->Read(kT0, kT0 + 12 * kHourMs, [&](std::vector<model::LogRecord>&) {
    ++pages;
    api->Cancel();
    return Status::OK();
  });
  EXPECT_TRUE(s.IsCancelled()) << s.ToString();
  EXPECT_EQ(pages, 1);
  EXPECT_EQ(sim_->Calls("azure", "activityLog"), 1u);
  std::vector<model::LogRecord> records;
  EXPECT_TRUE(ReadAll(api.get(), kT0, kT0 + kHourMs, &records).IsCancelled());
  EXPECT_EQ(sim_->Calls("azure", "activityLog"), 1u);
}

TEST_F(AzureActivityLogTest, CancelDuringARetryWaitEndsTheRead) {
  CloudLogApiDeps deps = Deps();
  CloudLogApi* target = nullptr;
  deps.sleep = [&target](int64_t) {
    target->Cancel();
    return false;
  };
  auto api = OneApi({}, Cloud(), deps);
  ASSERT_NE(api, nullptr);
  target = api.get();
  cloudsim::Faults faults;
  faults.throttle_rate = 1;
  sim_->SetFaults(faults);
  std::vector<model::LogRecord> records;
  Status s = ReadAll(api.get(), kT0, kT0 + kHourMs, &records);
  EXPECT_TRUE(s.IsCancelled()) << s.ToString();
  EXPECT_EQ(sim_->Calls("azure", "activityLog"), 1u);
}

}  // namespace
}  // namespace vigil::cloudlogs
