// The Cloud Logging entries:list API end to end against `vigil cloudsim`
// started in-process (the simulator's service-account key, its token
// endpoint verifying our JWT): windows against the simulator's audit-log
// cadence, adjacent windows without overlap or gap, nextPageToken paging,
// the entry mapping, the extra filter (parenthesised), errors, throttling
// and Cancel.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "base/metrics.h"
#include "base/time.h"
#include "collect/cloud/gcp/test_util.h"
#include "collect/logs/cloud/cloud_log_apis.h"
#include "tools/cloudsim/cloudsim.h"
#include "tools/cloudsim/fleet.h"

namespace vigil::cloudlogs {
namespace {

constexpr int64_t kHourMs = 3600'000;
constexpr int64_t kT0 = 1704067200000;  // 2024-01-01T00:00:00Z: settled, in the past
constexpr const char* kSourceName = "gcp-logging-test";
constexpr int kFleetScale = 20;  // 340 resources: about 57 entries an hour

std::string Attr(const std::vector<model::LogAttribute>& attrs, std::string_view key) {
  for (const auto& a : attrs) {
    if (a.key == key) return a.value;
  }
  return "";
}

// One entry as the tests compare them: its time and insertId.
using EntryKey = std::pair<int64_t, std::string>;

EntryKey KeyOf(const model::LogRecord& r) {
  return {r.time_ns / 1'000'000, Attr(r.attributes, "event.id")};
}

uint64_t StableHash(std::string_view s, uint64_t seed) {
  uint64_t h = 0xcbf29ce484222325ULL ^ seed;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

struct Expected {
  int64_t t_ms;
  std::string resource_id;
  std::string resource_type;
  std::string insert_id;
  bool error;
};

// The simulator's audit-log cadence (gcp_api.cc, EntriesList): about one
// entry per resource every six hours, at a time within the hour that a
// hash of the resource id and the hour picks; one in eight is an ERROR.
// Sorted as the simulator sends them: by time, then resource id.
std::vector<Expected> ExpectedEntries(const cloudsim::Fleet& fleet, int64_t start, int64_t end) {
  std::vector<Expected> out;
  for (int64_t hour = start / kHourMs; hour * kHourMs < end; ++hour) {
    for (const cloudsim::Resource* r : fleet.ByCloud("gcp")) {
      uint64_t h = StableHash(r->id, static_cast<uint64_t>(hour) * 0x9e3779b97f4a7c15ULL + 7);
      if (h % 6 != 0) continue;
      int64_t t = hour * kHourMs + static_cast<int64_t>((h >> 8) % 3600) * 1000;
      if (t < start || t >= end) continue;
      out.push_back({t, r->id, r->type, fmt::format("{:x}", h), (h >> 32) % 8 == 0});
    }
  }
  std::sort(out.begin(), out.end(), [](const Expected& a, const Expected& b) {
    return a.t_ms != b.t_ms ? a.t_ms < b.t_ms : a.resource_id < b.resource_id;
  });
  return out;
}

std::vector<EntryKey> KeysOf(const std::vector<Expected>& entries) {
  std::vector<EntryKey> keys;
  for (const Expected& e : entries) keys.emplace_back(e.t_ms, e.insert_id);
  return keys;
}

std::vector<EntryKey> KeysOf(const std::vector<model::LogRecord>& records) {
  std::vector<EntryKey> keys;
  for (const auto& r : records) keys.push_back(KeyOf(r));
  return keys;
}

class GcpLoggingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cloudsim::SimOptions opts;
    opts.listen = "127.0.0.1:0";
    opts.tls_listen = "";
    opts.state_dir = dir_.path() + "/state";
    opts.fleet.scale = kFleetScale;
    auto sim = cloudsim::Simulator::Start(opts);
    ASSERT_TRUE(sim.ok()) << sim.status().ToString();
    sim_ = std::move(sim).value();
    ASSERT_TRUE(sim_->WriteCredentials(dir_.path()).ok());
  }
  void TearDown() override {
    if (sim_) sim_->Shutdown();
  }

  std::string SimBase() const { return fmt::format("http://127.0.0.1:{}", sim_->port()); }

  config::GCPCloudConfig Cloud() const {
    config::GCPCloudConfig cfg;
    cfg.name = "gcp-sim";
    cfg.project_ids = {cloudsim::kGcpProjectId};
    cfg.credentials_file = dir_.path() + "/gcp-service-account.json";
    cfg.endpoint = SimBase();  // the simulator serves Monitoring and Logging
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
    return deps;
  }

  std::unique_ptr<CloudLogApi> OneApi(const config::CloudLogSourceConfig& source,
                                      const config::GCPCloudConfig& cloud,
                                      const CloudLogApiDeps& deps) {
    auto apis = NewGcpLoggingApis(source, cloud, deps);
    EXPECT_TRUE(apis.ok()) << apis.status().ToString();
    if (!apis.ok() || apis->size() != 1) return nullptr;
    return std::move((*apis)[0]);
  }

  Status ReadAll(CloudLogApi* api, int64_t start, int64_t end, std::vector<model::LogRecord>* out,
                 int* pages = nullptr) {
    return api->Read(start, end, [&](std::vector<model::LogRecord>& page) {
      if (pages) ++*pages;
      for (auto& r : page) out->push_back(std::move(r));
      return Status::OK();
    });
  }

  double Calls(const std::string& result) const {
    return registry_.Get("vigil_cloud_api_calls_total", {{"provider", "gcp"},
                                                         {"collector", kSourceName},
                                                         {"api", "entries.list"},
                                                         {"region", "global"},
                                                         {"result", result}});
  }

  gcp::testing::TempDir dir_;
  std::unique_ptr<cloudsim::Simulator> sim_;
  metrics::Registry registry_;
  std::vector<int64_t> sleeps_;
  cloudsim::Fleet fleet_{cloudsim::FleetOptions{42, kFleetScale}};
};

TEST_F(GcpLoggingTest, OneApiPerProjectOfTheEntryByDefault) {
  config::GCPCloudConfig cloud = Cloud();
  cloud.project_ids = {cloudsim::kGcpProjectId, "other-project"};
  auto apis = NewGcpLoggingApis(config::CloudLogSourceConfig{}, cloud, Deps());
  ASSERT_TRUE(apis.ok()) << apis.status().ToString();
  ASSERT_EQ(apis->size(), 2u);
  EXPECT_EQ((*apis)[0]->Key(), std::string("gcp-logging:") + cloudsim::kGcpProjectId);
  EXPECT_EQ((*apis)[1]->Key(), "gcp-logging:other-project");
}

TEST_F(GcpLoggingTest, AProjectNotInTheEntryIsRefusedAtBuild) {
  config::CloudLogSourceConfig source;
  source.project_ids = {"someone-elses-project"};
  auto apis = NewGcpLoggingApis(source, Cloud(), Deps());
  ASSERT_FALSE(apis.ok());
  EXPECT_TRUE(apis.status().IsInvalidArgument()) << apis.status().ToString();
  EXPECT_NE(apis.status().message().find("someone-elses-project"), std::string::npos)
      << apis.status().ToString();
}

TEST_F(GcpLoggingTest, AMissingKeyFileIsRefusedAtBuild) {
  config::GCPCloudConfig cloud = Cloud();
  cloud.credentials_file = dir_.path() + "/no-such-key.json";
  auto apis = NewGcpLoggingApis(config::CloudLogSourceConfig{}, cloud, Deps());
  ASSERT_FALSE(apis.ok());
  EXPECT_NE(apis.status().message().find("no-such-key.json"), std::string::npos)
      << apis.status().ToString();
}

TEST_F(GcpLoggingTest, AWindowHoldsTheSimulatorsEntriesInOrderOverSeveralPages) {
  auto api = OneApi({}, Cloud(), Deps());
  ASSERT_NE(api, nullptr);
  const int64_t start = kT0, end = kT0 + 48 * kHourMs;
  std::vector<Expected> want = ExpectedEntries(fleet_, start, end);
  ASSERT_GT(want.size(), 2000u);  // three pages of 1000

  std::vector<model::LogRecord> records;
  int pages = 0;
  Status s = ReadAll(api.get(), start, end, &records, &pages);
  ASSERT_TRUE(s.ok()) << s.ToString();
  // Oldest first, in the simulator's order (ties by resource).
  EXPECT_EQ(KeysOf(records), KeysOf(want));
  const int want_pages = static_cast<int>((want.size() + 999) / 1000);
  EXPECT_EQ(pages, want_pages);
  EXPECT_EQ(sim_->Calls("gcp", "entries.list"), static_cast<uint64_t>(want_pages));
  EXPECT_EQ(Calls("success"), want_pages);
  EXPECT_EQ(sim_->Calls("gcp", "token"), 1u);

  // The same window again: the same entries in the same order.
  std::vector<model::LogRecord> again;
  ASSERT_TRUE(ReadAll(api.get(), start, end, &again).ok());
  EXPECT_EQ(KeysOf(again), KeysOf(records));
}

TEST_F(GcpLoggingTest, AdjacentWindowsSplitExactlyAtTheirBoundary) {
  auto api = OneApi({}, Cloud(), Deps());
  ASSERT_NE(api, nullptr);
  const int64_t a = kT0, c = kT0 + 6 * kHourMs;
  std::vector<Expected> all = ExpectedEntries(fleet_, a, c);
  ASSERT_GT(all.size(), 10u);
  // b on an entry: that entry is in [b, c), not in [a, b).
  const Expected& on_b = all[all.size() / 2];
  const int64_t b = on_b.t_ms;

  std::vector<model::LogRecord> first, second, whole;
  ASSERT_TRUE(ReadAll(api.get(), a, b, &first).ok());
  ASSERT_TRUE(ReadAll(api.get(), b, c, &second).ok());
  ASSERT_TRUE(ReadAll(api.get(), a, c, &whole).ok());
  ASSERT_FALSE(second.empty());
  for (const auto& r : first) EXPECT_LT(r.time_ns, b * 1'000'000);
  for (const auto& r : second) EXPECT_GE(r.time_ns, b * 1'000'000);
  EXPECT_EQ(second.front().time_ns, b * 1'000'000);
  std::vector<EntryKey> joined = KeysOf(first);
  for (const EntryKey& k : KeysOf(second)) joined.push_back(k);
  EXPECT_EQ(joined, KeysOf(whole));
  EXPECT_EQ(joined, KeysOf(all));
}

TEST_F(GcpLoggingTest, EntriesAreMappedOntoTheEventSchema) {
  // The real clock (the default): the JWT's iat is checked against the
  // simulator's clock.
  auto api = OneApi({}, Cloud(), Deps());
  ASSERT_NE(api, nullptr);
  const int64_t start = kT0, end = kT0 + 6 * kHourMs;
  std::vector<Expected> want = ExpectedEntries(fleet_, start, end);
  std::vector<model::LogRecord> records;
  const int64_t before_ns = NowMillis() * 1'000'000;
  ASSERT_TRUE(ReadAll(api.get(), start, end, &records).ok());
  const int64_t after_ns = NowMillis() * 1'000'000;
  ASSERT_EQ(records.size(), want.size());
  int errors = 0;
  for (size_t i = 0; i < records.size(); ++i) {
    const model::LogRecord& r = records[i];
    const Expected& e = want[i];
    EXPECT_GE(r.observed_time_ns, before_ns);
    EXPECT_LE(r.observed_time_ns, after_ns);
    EXPECT_EQ(r.stream.Get("cloud_provider"), "gcp");
    EXPECT_EQ(r.stream.Get("project_id"), cloudsim::kGcpProjectId);
    EXPECT_EQ(r.stream.Get("log_name"), "cloudaudit.googleapis.com/activity");
    EXPECT_EQ(Attr(r.resource, "cloud.provider"), "gcp");
    EXPECT_EQ(Attr(r.resource, "cloud.account.id"), cloudsim::kGcpProjectId);
    EXPECT_EQ(Attr(r.resource, "gcp.resource.type"), e.resource_type);
    EXPECT_EQ(Attr(r.attributes, "enduser.id"), cloudsim::kGcpClientEmail);
    std::string method = Attr(r.attributes, "event.type");
    EXPECT_FALSE(method.empty());
    EXPECT_NE(Attr(r.attributes, "event.source").find(".googleapis.com"), std::string::npos);
    EXPECT_EQ(r.body.front(), '{');  // no textPayload: the whole entry
    if (e.error) {
      EXPECT_EQ(r.severity_text, "ERROR");
      EXPECT_EQ(r.severity_number, 17);
      ++errors;
    } else {
      EXPECT_EQ(r.severity_text, "NOTICE");
      EXPECT_EQ(r.severity_number, 10);
    }
  }
  EXPECT_GT(errors, 0);
}

TEST_F(GcpLoggingTest, TheExtraFilterIsAndedInParentheses) {
  config::CloudLogSourceConfig source;
  source.filter = R"(resource.type="gce_instance" AND severity>=ERROR)";
  auto api = OneApi(source, Cloud(), Deps());
  ASSERT_NE(api, nullptr);
  const int64_t start = kT0, end = kT0 + 24 * kHourMs;
  std::vector<Expected> want;
  for (const Expected& e : ExpectedEntries(fleet_, start, end)) {
    if (e.resource_type == "gce_instance" && e.error) want.push_back(e);
  }
  ASSERT_FALSE(want.empty());
  std::vector<model::LogRecord> records;
  Status s = ReadAll(api.get(), start, end, &records);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(KeysOf(records), KeysOf(want));
}

TEST_F(GcpLoggingTest, TheSourcesEndpointWinsOverGooglesMonitoringEndpoint) {
  config::GCPCloudConfig cloud = Cloud();
  cloud.endpoint = "https://monitoring.googleapis.com";
  config::CloudLogSourceConfig source;
  source.endpoint = SimBase() + "/";
  auto api = OneApi(source, cloud, Deps());
  ASSERT_NE(api, nullptr);
  std::vector<model::LogRecord> records;
  Status s = ReadAll(api.get(), kT0, kT0 + kHourMs, &records);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(KeysOf(records), KeysOf(ExpectedEntries(fleet_, kT0, kT0 + kHourMs)));
}

TEST_F(GcpLoggingTest, AProjectTheAccountCannotReadIsAPermissionError) {
  config::GCPCloudConfig cloud = Cloud();
  cloud.project_ids = {cloudsim::kGcpProjectId, "other-project"};
  config::CloudLogSourceConfig source;
  source.project_ids = {"other-project"};
  auto api = OneApi(source, cloud, Deps());
  ASSERT_NE(api, nullptr);
  std::vector<model::LogRecord> records;
  int pages = 0;
  Status s = ReadAll(api.get(), kT0, kT0 + kHourMs, &records, &pages);
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(s.IsFailedPrecondition()) << s.ToString();
  EXPECT_NE(s.message().find("gcp-logging:other-project"), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find("PERMISSION_DENIED"), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find("projects/other-project"), std::string::npos) << s.ToString();
  EXPECT_EQ(pages, 0);
  EXPECT_EQ(sim_->Calls("gcp", "entries.list"), 1u);  // not retried
}

TEST_F(GcpLoggingTest, ThrottlingIsRetried) {
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
  const int64_t start = kT0, end = kT0 + 2 * kHourMs;
  std::vector<model::LogRecord> records;
  Status s = ReadAll(api.get(), start, end, &records);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(KeysOf(records), KeysOf(ExpectedEntries(fleet_, start, end)));
  ASSERT_EQ(sleeps_.size(), 1u);
  EXPECT_EQ(sleeps_[0], 1000);  // the simulator's Retry-After: 1
  EXPECT_EQ(Calls("throttled"), 1);
  EXPECT_EQ(Calls("success"), 1);
}

TEST_F(GcpLoggingTest, PersistentThrottlingFailsAfterTheAttempts) {
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
  EXPECT_NE(s.message().find("RESOURCE_EXHAUSTED"), std::string::npos) << s.ToString();
  EXPECT_EQ(sim_->Calls("gcp", "entries.list"), 3u);
  EXPECT_EQ(sleeps_.size(), 2u);
}

TEST_F(GcpLoggingTest, AnExpiredTokenIsReplacedOnce) {
  auto api = OneApi({}, Cloud(), Deps());
  ASSERT_NE(api, nullptr);
  std::vector<model::LogRecord> records;
  ASSERT_TRUE(ReadAll(api.get(), kT0, kT0 + kHourMs, &records).ok());
  EXPECT_EQ(sim_->Calls("gcp", "token"), 1u);
  // Every token is refused now: one new token, one retry, then the error.
  cloudsim::Faults faults;
  faults.expire_tokens = true;
  sim_->SetFaults(faults);
  records.clear();
  Status s = ReadAll(api.get(), kT0, kT0 + kHourMs, &records);
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(s.IsFailedPrecondition()) << s.ToString();
  EXPECT_NE(s.message().find("UNAUTHENTICATED"), std::string::npos) << s.ToString();
  EXPECT_EQ(sim_->Calls("gcp", "token"), 2u);
}

TEST_F(GcpLoggingTest, APageErrorStopsTheRead) {
  auto api = OneApi({}, Cloud(), Deps());
  ASSERT_NE(api, nullptr);
  int pages = 0;
  Status s = api->Read(kT0, kT0 + 48 * kHourMs, [&](std::vector<model::LogRecord>&) {
    ++pages;
    return Status::Unavailable("sink full");
  });
  EXPECT_EQ(s.ToString(), Status::Unavailable("sink full").ToString());
  EXPECT_EQ(pages, 1);
  EXPECT_EQ(sim_->Calls("gcp", "entries.list"), 1u);
}

TEST_F(GcpLoggingTest, CancelStopsTheReadInProgressAndLaterOnes) {
  auto api = OneApi({}, Cloud(), Deps());
  ASSERT_NE(api, nullptr);
  int pages = 0;
  Status s = api->Read(kT0, kT0 + 48 * kHourMs, [&](std::vector<model::LogRecord>&) {
    ++pages;
    api->Cancel();
    return Status::OK();
  });
  EXPECT_TRUE(s.IsCancelled()) << s.ToString();
  EXPECT_EQ(pages, 1);
  EXPECT_EQ(sim_->Calls("gcp", "entries.list"), 1u);
  std::vector<model::LogRecord> records;
  EXPECT_TRUE(ReadAll(api.get(), kT0, kT0 + kHourMs, &records).IsCancelled());
  EXPECT_EQ(sim_->Calls("gcp", "entries.list"), 1u);
}

TEST_F(GcpLoggingTest, CancelDuringARetryWaitEndsTheRead) {
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
  EXPECT_EQ(sim_->Calls("gcp", "entries.list"), 1u);
}

}  // namespace
}  // namespace vigil::cloudlogs
