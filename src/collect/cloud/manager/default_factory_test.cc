// The default factory over the provider libraries of this build, and the
// manager driving real collectors against an endpoint that refuses
// connections: a clear error and up=0, never a crash.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <thread>

#include "collect/cloud/manager/cloud_manager.h"
#include "config/config.h"

namespace vigil::cloud {
namespace {

// Every provider, aimed at a port nothing listens on.
constexpr char kConfig[] = R"(
cloud_configs:
  aws:
    - name: aws-down
      regions: [us-east-1]
      endpoint: http://127.0.0.1:1
      request_timeout: 1s
      credentials:
        access_key_id: AKIDEXAMPLE
        secret_access_key: wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY
      discovery:
        - type: ec2
          metrics: [{name: CPUUtilization}]
  azure:
    - name: azure-down
      subscriptions: [00000000-0000-0000-0000-000000000000]
      tenant_id: t
      client_id: c
      client_secret: s
      authority_host: http://127.0.0.1:1
      resource_manager_endpoint: http://127.0.0.1:1
      metrics_endpoint: http://127.0.0.1:1
      request_timeout: 1s
      resources:
        - resource_type: Microsoft.Compute/virtualMachines
          metrics: [Percentage CPU]
  gcp:
    - name: gcp-down
      project_ids: [example-project]
      credentials_file: /nonexistent/key.json
      endpoint: http://127.0.0.1:1
      request_timeout: 1s
      metrics: [{type: compute.googleapis.com/instance/cpu/utilization}]
)";

class NullStorage : public storage::Appendable {
 public:
  class App : public storage::Appender {
   public:
    explicit App(NullStorage* s) : s_(s) {}
    storage::AppendResult Append(storage::SeriesRef, model::LabelsView labels, int64_t,
                                 double v) override {
      model::Labels l = model::Labels::FromView(labels);
      if (l.MetricName() == "up") {
        std::lock_guard<std::mutex> lock(s_->mu);
        s_->up[std::string(l.Get("job"))] = v;
      }
      return {};
    }
    void UpdateMetadata(std::string_view, const storage::MetricMetadata&) override {}
    Status Commit() override { return Status::OK(); }
    void Rollback() override {}

   private:
    NullStorage* s_;
  };
  std::unique_ptr<storage::Appender> NewAppender() override { return std::make_unique<App>(this); }
  std::mutex mu;
  std::map<std::string, double> up;
};

TEST(DefaultFactoryTest, BuildsTheCompiledInProvidersAndRefusesOthersClearly) {
  auto cfg = config::LoadString(kConfig, "test.yml");
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  metrics::Registry registry;
  std::vector<std::string> compiled = CompiledInProviders();
  for (const auto& e : CloudEntries(cfg->cloud_configs)) {
    auto c = DefaultCollectorFactory(e, &registry);
    bool in = std::find(compiled.begin(), compiled.end(), e.provider) != compiled.end();
    if (!in) {
      ASSERT_FALSE(c.ok());
      EXPECT_THAT(c.status().message(), ::testing::HasSubstr("not compiled into this build"));
    } else if (c.ok()) {
      EXPECT_EQ((*c)->Provider(), e.provider);
      EXPECT_EQ((*c)->Name(), e.name);
    } else {
      // Only the GCP key file is missing on purpose.
      EXPECT_EQ(e.provider, "gcp") << c.status().ToString();
    }
  }
}

TEST(DefaultFactoryTest, UnreachableCloudsShowAsDownWithAnError) {
  auto cfg = config::LoadString(kConfig, "test.yml");
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  NullStorage storage;
  metrics::Registry registry;
  CloudManagerOptions opts;
  opts.first_poll_spread_ms = 10;
  CloudManager m(&storage, &registry, DefaultCollectorFactory, opts);
  ASSERT_TRUE(m.ApplyConfig(*cfg).ok());
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  bool all_down = false;
  while (!all_down && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    all_down = true;
    for (const auto& s : m.Collectors()) {
      all_down = all_down && s.health.state == CollectorHealth::State::kDown;
    }
  }
  auto all = m.Collectors();
  ASSERT_EQ(all.size(), 3u);
  for (const auto& s : all) {
    EXPECT_EQ(s.health.state, CollectorHealth::State::kDown) << s.name;
    EXPECT_FALSE(s.health.last_error.empty()) << s.name;
  }
  auto start = std::chrono::steady_clock::now();
  m.Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  std::lock_guard<std::mutex> lock(storage.mu);
  for (const auto& s : all) {
    if (s.health.last_poll_ms > 0) {
      EXPECT_EQ(storage.up[s.name], 0) << s.name;
    }
  }
}

}  // namespace
}  // namespace vigil::cloud
