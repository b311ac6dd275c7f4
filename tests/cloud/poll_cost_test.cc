// What a poll costs in API calls, counted by the simulator: CloudWatch's
// GetMetricData batches 500 metrics per call (10,000 metrics cost at most
// 20 calls per period, plus one per extra region for its partial batch), and
// Azure's getBatch is used at its 50-resource width. The collectors run
// in-process against an in-process `vigil cloudsim`.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "base/file.h"
#include "base/time.h"
#include "collect/cloud/aws/collector.h"
#include "collect/cloud/azure/collector.h"
#include "tools/cloudsim/cloudsim.h"
#include "tools/cloudsim/fleet.h"

namespace vigil::cloud {
namespace {

class CountingSink : public Sink {
 public:
  void Add(const model::Labels& labels, int64_t, double) override {
    ++samples;
    names.insert(std::string(labels.MetricName()));
  }
  size_t samples = 0;
  std::set<std::string> names;
};

class PollCostTest : public ::testing::Test {
 protected:
  void Start(int scale) {
    dir_ = std::make_unique<fs::TempDir>("vigil-poll-cost");
    cloudsim::SimOptions opts;
    opts.listen = "127.0.0.1:0";
    opts.tls_listen = "";
    opts.state_dir = dir_->path() + "/state";
    opts.fleet.scale = scale;
    auto sim = cloudsim::Simulator::Start(opts);
    ASSERT_TRUE(sim.ok()) << sim.status().ToString();
    sim_ = std::move(sim).value();
    fleet_ = std::make_unique<cloudsim::Fleet>(opts.fleet);
  }
  void TearDown() override {
    if (sim_) sim_->Shutdown();
  }
  std::string Base() const { return "http://127.0.0.1:" + std::to_string(sim_->port()); }

  std::unique_ptr<fs::TempDir> dir_;
  std::unique_ptr<cloudsim::Simulator> sim_;
  std::unique_ptr<cloudsim::Fleet> fleet_;
};

TEST_F(PollCostTest, TenThousandCloudWatchMetricsCostAtMostTwentyCallsPerRegionBatch) {
  Start(100);
  // Every metric of every AWS resource, one statistic each: one query per
  // (metric, dimensions), in the regions the fleet has.
  std::map<std::string, std::set<std::string>> metrics_by_ns;
  std::map<std::string, size_t> per_region;
  size_t total = 0;
  for (const cloudsim::Resource* r : fleet_->ByCloud("aws")) {
    for (const cloudsim::MetricDef* m : r->metrics) metrics_by_ns[r->type].insert(m->name);
    per_region[r->region] += r->metrics.size();
    total += r->metrics.size();
  }
  ASSERT_GE(total, 10'000u);
  config::AWSCloudConfig cfg;
  cfg.name = "cost";
  for (const auto& [region, n] : per_region) cfg.regions.push_back(region);
  cfg.endpoint = Base();
  cfg.credentials.access_key_id = cloudsim::kAwsAccessKeyId;
  cfg.credentials.secret_access_key.value = cloudsim::kAwsSecretAccessKey;
  for (const auto& [ns, names] : metrics_by_ns) {
    config::AWSDiscoveryJob job;
    job.type = ns;
    job.namespace_ = ns;
    job.statistics = {"Average"};
    job.period_ms = 300'000;
    job.length_ms = 300'000;
    for (const auto& n : names) {
      config::AWSMetricConfig m;
      m.name = n;
      m.statistics = {"Average"};
      m.period_ms = 300'000;
      m.length_ms = 300'000;
      m.delay_ms = 0;
      m.nil_to_zero = true;  // a sample per query even in the fleet's gaps
      m.add_cloudwatch_timestamp = false;
      job.metrics.push_back(m);
    }
    cfg.discovery.push_back(job);
  }
  metrics::Registry registry;
  auto c = aws::NewAwsCollector(cfg, &registry, nullptr);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  CountingSink sink;
  Status st = (*c)->Poll(NowMillis(), &sink);
  ASSERT_TRUE(st.ok()) << st.ToString();

  uint64_t calls = sim_->Calls("aws", "GetMetricData");
  size_t want = 0;  // full batches of 500, one partial batch per region
  for (const auto& [region, n] : per_region) want += (n + 499) / 500;
  EXPECT_EQ(calls, want) << total << " metrics";
  EXPECT_LE(calls, total / 500 + per_region.size());
  EXPECT_EQ((*c)->Health().metrics_requested, total);
  // Every query gave a sample (nil_to_zero), plus the info series.
  EXPECT_GE(sink.samples, total);
  std::printf("%zu CloudWatch metrics in %zu regions: %llu GetMetricData calls (%.0f per call)\n",
              total, per_region.size(), static_cast<unsigned long long>(calls),
              static_cast<double>(total) / static_cast<double>(calls));
}

TEST_F(PollCostTest, AzureGetBatchIsUsedAtItsFiftyResourceWidth) {
  Start(20);
  std::map<std::string, size_t> vms_per_region;
  for (const cloudsim::Resource* r : fleet_->ByCloud("azure")) {
    if (r->type == "Microsoft.Compute/virtualMachines") vms_per_region[r->region]++;
  }
  config::AzureCloudConfig cfg;
  cfg.name = "cost";
  cfg.subscriptions = {cloudsim::kAzureSubscriptionId};
  cfg.tenant_id = cloudsim::kAzureTenantId;
  cfg.client_id = cloudsim::kAzureClientId;
  cfg.client_secret.value = cloudsim::kAzureClientSecret;
  cfg.authority_host = Base();
  cfg.resource_manager_endpoint = Base();
  cfg.metrics_endpoint = Base();
  config::AzureResourceQuery q;
  q.resource_type = "Microsoft.Compute/virtualMachines";
  q.metric_namespace = q.resource_type;
  q.metrics = {"Percentage CPU"};
  q.aggregations = {"average"};
  cfg.resources = {q};
  metrics::Registry registry;
  auto c = NewAzureCollector(cfg, &registry);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  CountingSink sink;
  ASSERT_TRUE((*c)->Poll(NowMillis(), &sink).ok());
  size_t want = 0;
  for (const auto& [region, n] : vms_per_region) want += (n + 49) / 50;
  EXPECT_EQ(sim_->Calls("azure", "getBatch"), want);
}

}  // namespace
}  // namespace vigil::cloud
