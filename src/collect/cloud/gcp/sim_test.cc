// The GCP collector against the cloud simulator (src/tools/cloudsim): the
// simulator issues the service-account key, verifies our JWT assertion,
// hands out the token and serves timeSeries.list / metricDescriptors.list
// over its simulated fleet. Catches any disagreement between the two on
// the wire (URL encoding, enums, paging, token claims).
#include <algorithm>
#include <atomic>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "base/time.h"
#include "collect/cloud/gcp/collector.h"
#include "collect/cloud/gcp/test_util.h"
#include "tools/cloudsim/cloudsim.h"

namespace vigil::gcp {
namespace {

class CountingSink : public cloud::Sink {
 public:
  void Add(const model::Labels& labels, int64_t t_ms, double v) override {
    (void)t_ms;
    (void)v;
    names.push_back(std::string(labels.MetricName()));
    last = labels;
  }
  std::vector<std::string> names;
  model::Labels last;
};

class SimulatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cloudsim::SimOptions opts;
    opts.listen = "127.0.0.1:0";
    opts.tls_listen = "";
    opts.state_dir = dir_.path() + "/state";
    auto sim = cloudsim::Simulator::Start(opts);
    ASSERT_TRUE(sim.ok()) << sim.status().ToString();
    sim_ = std::move(sim).value();
    ASSERT_TRUE(sim_->WriteCredentials(dir_.path()).ok());
  }
  void TearDown() override {
    if (sim_) sim_->Shutdown();
  }
  config::GCPCloudConfig Config() {
    config::GCPCloudConfig cfg;
    cfg.name = "gcp-sim";
    cfg.project_ids = {cloudsim::kGcpProjectId};
    cfg.credentials_file = dir_.path() + "/gcp-service-account.json";
    cfg.endpoint = fmt::format("http://127.0.0.1:{}", sim_->port());
    cfg.request_timeout_ms = 10'000;
    return cfg;
  }

  testing::TempDir dir_;
  std::unique_ptr<cloudsim::Simulator> sim_;
  metrics::Registry registry_;
};

TEST_F(SimulatorTest, CollectsGceCpuUtilizationWithTheSimulatorsKey) {
  config::GCPCloudConfig cfg = Config();
  config::GCPMetricQuery q;
  q.type = "compute.googleapis.com/instance/cpu/utilization";
  q.filter = R"(resource.type = "gce_instance")";
  cfg.metrics = {q};
  GcpCollectorOptions opts;
  opts.backoff_base_ms = 1;
  opts.backoff_max_ms = 10;
  auto c = NewGcpCollector(cfg, &registry_, opts);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  CountingSink sink;
  Status st = (*c)->Poll(NowMillis(), &sink);
  ASSERT_TRUE(st.ok()) << st.ToString();
  ASSERT_FALSE(sink.names.empty());
  EXPECT_EQ(sink.names[0],
            "stackdriver_gce_instance_compute_googleapis_com_instance_cpu_utilization");
  EXPECT_EQ(sink.last.Get("project_id"), cloudsim::kGcpProjectId);
  EXPECT_GE(sim_->Calls("gcp", "token"), 1u);
}

TEST_F(SimulatorTest, ExpandsAPrefixAndAlignsUnderThrottling) {
  config::GCPCloudConfig cfg = Config();
  config::GCPMetricQuery q;
  q.type_prefix = "compute.googleapis.com/";
  q.aligner = "ALIGN_MEAN";
  cfg.metrics = {q};
  GcpCollectorOptions opts;
  opts.backoff_base_ms = 1;
  opts.backoff_max_ms = 10;
  opts.max_attempts = 10;
  auto c = NewGcpCollector(cfg, &registry_, opts);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  cloudsim::Faults faults;
  faults.throttle_rate = 0.3;
  sim_->SetFaults(faults);
  CountingSink sink;
  int64_t now = NowMillis();
  Status st = (*c)->Poll(now, &sink);
  ASSERT_TRUE(st.ok()) << st.ToString();
  auto has = [&sink](std::string_view name) {
    return std::find(sink.names.begin(), sink.names.end(), name) != sink.names.end();
  };
  EXPECT_TRUE(has("stackdriver_gce_instance_compute_googleapis_com_instance_cpu_utilization"));
  EXPECT_TRUE(
      has("stackdriver_gce_instance_compute_googleapis_com_instance_network_received_bytes_count"));
  // The next poll continues the window; the simulator accepts it.
  st = (*c)->Poll(now + 60'000, &sink);
  EXPECT_TRUE(st.ok()) << st.ToString();
}

}  // namespace
}  // namespace vigil::gcp
