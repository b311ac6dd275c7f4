#include "collect/scrape/manager.h"

#include <gtest/gtest.h>

#include <atomic>

#include "collect/httpclient/testing_http_server.h"
#include "collect/scrape/scrape_test_util.h"

namespace vigil::scrape {
namespace {

using httpclient::testing::Reply;
using httpclient::testing::TestConn;
using httpclient::testing::TestRequest;
using httpclient::testing::TestServer;
using testing::RecordingStorage;

// Waits up to 10 s for cond.
template <typename F>
bool WaitFor(F cond) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return cond();
}

class ManagerTest : public ::testing::Test {
 protected:
  ManagerTest()
      : server_([this](const TestRequest& req, TestConn& c) {
          ++hits_;
          last_accept_ = req.Header("accept");
          c.Write(Reply(200, "# TYPE m gauge\nm 1\n",
                        {{"Content-Type", "text/plain; version=0.0.4"}}, "OK"));
        }) {}

  config::Config Config(const std::string& job, int64_t interval_ms,
                        std::vector<std::string> addrs) {
    config::Config c;
    config::ScrapeConfig sc;
    sc.job_name = job;
    sc.scrape_interval_ms = interval_ms;
    sc.scrape_timeout_ms = interval_ms;
    config::TargetGroup g;
    for (auto& a : addrs) g.targets.push_back(model::Labels::FromStrings({"__address__", a}));
    g.source = "0";
    sc.static_configs.push_back(g);
    c.scrape_configs.push_back(sc);
    return c;
  }
  std::string Addr() const { return fmt::format("127.0.0.1:{}", server_.port()); }

  RecordingStorage storage_;
  metrics::Registry registry_;
  std::atomic<int> hits_{0};
  std::string last_accept_;
  TestServer server_;
};

ManagerOptions FastOptions() {
  ManagerOptions o;
  o.discovery.update_interval_ms = 20;
  o.discovery.file_check_interval_ms = 20;
  return o;
}

TEST_F(ManagerTest, StaticTargetsAreScrapedAndListed) {
  Manager m(&storage_, &registry_, FastOptions());
  ASSERT_TRUE(m.ApplyConfig(Config("app", 200, {Addr()})).ok());
  std::string series = fmt::format(R"({{__name__="up", instance="{}", job="app"}})", Addr());
  ASSERT_TRUE(WaitFor([&] { return !storage_.Of(series).empty(); }));
  EXPECT_EQ(storage_.Of(series).back().v, 1);
  auto active = m.ActiveTargets();
  ASSERT_EQ(active.size(), 1u);
  EXPECT_EQ(active[0].pool, "app");
  EXPECT_EQ(active[0].url, fmt::format("http://{}/metrics", Addr()));
  EXPECT_EQ(m.Pools(), std::vector<std::string>{"app"});
  m.Stop();
}

TEST_F(ManagerTest, ReloadWithTheSameJobKeepsItsSeriesAndRemovedJobsGoStale) {
  Manager m(&storage_, &registry_, FastOptions());
  ASSERT_TRUE(m.ApplyConfig(Config("app", 200, {Addr()})).ok());
  std::string series = fmt::format(R"({{__name__="m", instance="{}", job="app"}})", Addr());
  ASSERT_TRUE(WaitFor([&] { return storage_.Of(series).size() >= 2; }));
  // The same config again: nothing is restarted, no marker.
  ASSERT_TRUE(m.ApplyConfig(Config("app", 200, {Addr()})).ok());
  size_t before = storage_.Of(series).size();
  ASSERT_TRUE(WaitFor([&] { return storage_.Of(series).size() >= before + 2; }));
  for (const auto& s : storage_.Of(series)) EXPECT_FALSE(model::IsStaleNaN(s.v));
  // A config without the job: its series end with a marker.
  config::Config empty;
  ASSERT_TRUE(m.ApplyConfig(empty).ok());
  EXPECT_TRUE(model::IsStaleNaN(storage_.Of(series).back().v));
  EXPECT_TRUE(m.ActiveTargets().empty());
  m.Stop();
}

TEST_F(ManagerTest, TargetLimitFailsEveryScrapeOfTheJob) {
  Manager m(&storage_, &registry_, FastOptions());
  auto cfg = Config("app", 200, {Addr(), "127.0.0.1:1"});
  cfg.scrape_configs[0].target_limit = 1;
  ASSERT_TRUE(m.ApplyConfig(cfg).ok());
  ASSERT_TRUE(WaitFor([&] {
    auto t = m.ActiveTargets();
    return t.size() == 2 && t[0].status.health == Health::kDown &&
           t[1].status.health == Health::kDown;
  }));
  EXPECT_EQ(m.ActiveTargets()[0].status.last_error,
            "target_limit exceeded (number of targets: 2, limit: 1)");
  m.Stop();
}

TEST_F(ManagerTest, DroppedTargetsAreCounted) {
  Manager m(&storage_, &registry_, FastOptions());
  auto cfg = Config("app", 200, {Addr(), "127.0.0.1:2"});
  relabel::RelabelConfig drop;
  drop.source_labels = {"__address__"};
  drop.source_labels_set = true;
  drop.regex = ".*:2";
  drop.regex_set = true;
  drop.action = relabel::Action::kDrop;
  cfg.scrape_configs[0].relabel_configs.push_back(drop);
  ASSERT_TRUE(m.ApplyConfig(cfg).ok());
  ASSERT_TRUE(WaitFor([&] { return m.ActiveTargets().size() == 1; }));
  EXPECT_EQ(m.DroppedTargets().size(), 1u);
  EXPECT_EQ(m.DroppedTargetCounts().at("app"), 1u);
  m.Stop();
}

}  // namespace
}  // namespace vigil::scrape
