// The Azure collector end to end against `vigil cloudsim` (the simulator
// started in-process): Entra ID token over HTTPS with the simulator's CA,
// ARM discovery, metric definitions and getBatch, values checked against the
// simulated fleet.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <cmath>
#include <map>
#include <set>
#include <string>

#include <fmt/format.h>

#include "base/file.h"
#include "base/time.h"
#include "collect/cloud/azure/batch.h"
#include "collect/cloud/azure/collector.h"
#include "tools/cloudsim/cloudsim.h"
#include "tools/cloudsim/fleet.h"

namespace vigil::cloud::azure {
namespace {

constexpr const char* kVmType = "Microsoft.Compute/virtualMachines";

struct Sample {
  model::Labels labels;
  double v;
};

class VecSink : public Sink {
 public:
  void Add(const model::Labels& labels, int64_t, double v) override {
    samples.push_back({labels, v});
  }
  std::vector<Sample> samples;
};

class AzureSimTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/vigil-azure-sim-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    cloudsim::SimOptions opts;
    opts.listen = "127.0.0.1:0";
    opts.tls_listen = "127.0.0.1:0";
    opts.state_dir = dir_ + "/state";
    opts.fleet.scale = 20;  // 120 virtual machines
    auto sim = cloudsim::Simulator::Start(opts);
    ASSERT_TRUE(sim.ok()) << sim.status().ToString();
    sim_ = std::move(sim).value();
    ASSERT_TRUE(sim_->WriteCredentials(dir_ + "/creds").ok());
  }
  void TearDown() override {
    if (sim_) sim_->Shutdown();
    (void)fs::RemoveAll(dir_);
  }

  config::AzureCloudConfig Config(bool tls) const {
    std::string base = tls ? fmt::format("https://127.0.0.1:{}", sim_->tls_port())
                           : fmt::format("http://127.0.0.1:{}", sim_->port());
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
    config::AzureResourceQuery q;
    q.resource_type = kVmType;
    q.metrics = {"Percentage CPU", "Network In Total"};
    q.aggregations = {"average", "maximum"};
    cfg.resources = {q};
    return cfg;
  }

  // The VMs with at least one datapoint in the window a poll at now_ms
  // asks for: the fleet has gaps, and a VM inside one gets no sample.
  static size_t VmsWithData(int64_t now_ms) {
    cloudsim::Fleet fleet(cloudsim::FleetOptions{42, 20});
    QueryWindow w = ComputeWindow(now_ms, 0, kMinute, 0);
    size_t n = 0;
    for (const cloudsim::Resource* r : fleet.ByCloud("azure")) {
      if (r->type != kVmType) continue;
      bool any = false;
      for (int64_t t = w.start_ms; t < w.end_ms && !any; t += kMinute) any = fleet.HasData(*r, t);
      n += any;
    }
    return n;
  }

  std::string dir_;
  std::unique_ptr<cloudsim::Simulator> sim_;
};

TEST_F(AzureSimTest, PollsEveryVirtualMachineOverHttpsWithFleetValues) {
  metrics::Registry reg;
  auto c = NewAzureCollector(Config(true), &reg);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  const int64_t now = NowMillis();
  VecSink sink;
  Status s = (*c)->Poll(now, &sink);
  ASSERT_TRUE(s.ok()) << s.ToString();

  cloudsim::Fleet fleet(cloudsim::FleetOptions{42, 20});
  std::map<std::string, const cloudsim::Resource*> vms;
  for (const cloudsim::Resource* r : fleet.ByCloud("azure"))
    if (r->type == kVmType) vms[r->name] = r;
  ASSERT_EQ(vms.size(), 120u);
  // 120 VMs in two regions (80 eastus, 40 westeurope): 2 + 1 getBatch calls.
  EXPECT_EQ(sim_->Calls("azure", "getBatch"), 3u);
  EXPECT_EQ(sim_->Calls("azure", "metricDefinitions"), 1u);

  std::set<std::string> seen;
  QueryWindow w = ComputeWindow(now, 0, kMinute, 0);
  int checked = 0;
  for (const Sample& smp : sink.samples) {
    EXPECT_EQ(smp.labels.MetricName(), "azurerm_resource_metric");
    std::string name(smp.labels.Get("resourceName"));
    seen.insert(name);
    ASSERT_TRUE(vms.count(name)) << smp.labels.ToString();
    if (smp.labels.Get("metric") != "Percentage CPU" || smp.labels.Get("aggregation") != "average")
      continue;
    EXPECT_EQ(smp.labels.Get("unit"), "Percent");
    EXPECT_EQ(smp.labels.Get("resourceGroup"), "rg-web");
    // The latest grain with data: the last one, or an earlier one when the
    // fleet has a gap there.
    const cloudsim::Resource* r = vms[name];
    const cloudsim::MetricDef* def = r->metrics[0];
    bool matched = false;
    for (int64_t t = w.end_ms - kMinute; t >= w.start_ms && !matched; t -= kMinute) {
      if (!fleet.HasData(*r, t)) continue;
      EXPECT_NEAR(smp.v, fleet.Aggregate(*r, *def, t, kMinute).average, 1e-9) << name;
      matched = true;
    }
    checked += matched;
  }
  EXPECT_EQ(seen.size(), VmsWithData(now));
  EXPECT_GT(checked, 100);
  CollectorHealth h = (*c)->Health();
  EXPECT_EQ(h.state, CollectorHealth::State::kUp);
  EXPECT_EQ(h.metrics_requested, 240u);
}

TEST_F(AzureSimTest, WrongSecretIsAClearErrorOverPlainHttp) {
  metrics::Registry reg;
  auto cfg = Config(false);
  cfg.client_secret.value = "wrong";
  auto c = NewAzureCollector(cfg, &reg);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  VecSink sink;
  Status s = (*c)->Poll(NowMillis(), &sink);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("invalid_client"), std::string::npos) << s.ToString();
  EXPECT_TRUE(sink.samples.empty());
}

TEST_F(AzureSimTest, ThrottlingIsRetriedUntilTheCallsGoThrough) {
  cloudsim::Faults f;
  f.throttle_rate = 0.3;
  sim_->SetFaults(f);
  metrics::Registry reg;
  CollectorOptions opts;
  opts.sleep = [](int64_t) { return true; };  // the simulator's Retry-After, not waited for
  opts.max_attempts = 10;
  auto c = NewCollector(Config(false), &reg, opts);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  VecSink sink;
  const int64_t now = NowMillis();
  Status s = (*c)->Poll(now, &sink);
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(sink.samples.size(), VmsWithData(now) * 4);
  // 2 tokens, 1 listing, 1 definitions and 3 getBatch calls without throttling.
  EXPECT_GT((*c)->Health().api_calls, 7u);
}

TEST_F(AzureSimTest, ManagedIdentityTokenIsAcceptedByArmAndGetBatch) {
  metrics::Registry reg;
  auto cfg = Config(false);
  cfg.use_managed_identity = true;
  cfg.managed_identity_endpoint =
      fmt::format("http://127.0.0.1:{}/metadata/identity/oauth2/token", sim_->port());
  cfg.client_secret.value.clear();
  auto c = NewAzureCollector(cfg, &reg);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  VecSink sink;
  const int64_t now = NowMillis();
  Status s = (*c)->Poll(now, &sink);
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(sink.samples.size(), VmsWithData(now) * 4);
  EXPECT_EQ(sim_->Calls("azure", "managedIdentityToken"), 2u);
}

}  // namespace
}  // namespace vigil::cloud::azure
