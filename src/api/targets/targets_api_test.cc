#include "api/targets/targets_api.h"

#include <gtest/gtest.h>

#include <thread>

#include "collect/scrape/scrape_test_util.h"

namespace vigil::api::targets {
namespace {

http::Response Do(const http::Router& router, const std::string& path, http::Params query = {}) {
  http::Request req;
  req.method = "GET";
  req.path = path;
  req.query = std::move(query);
  http::Response res = router.Serve(req);
  EXPECT_NE(res.status, 404) << path;
  return res;
}

TEST(FormatGoTimeTest, AsGoMarshalsATime) {
  EXPECT_EQ(FormatGoTime(0), "0001-01-01T00:00:00Z");
  EXPECT_EQ(FormatGoTime(1764601200000), "2025-12-01T15:00:00Z");
  EXPECT_EQ(FormatGoTime(1764601200120), "2025-12-01T15:00:00.12Z");
}

class TargetsApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config::Config c;
    config::ScrapeConfig sc;
    sc.job_name = "down";
    sc.scrape_interval_ms = 100;
    sc.scrape_timeout_ms = 100;
    config::TargetGroup g;
    g.targets = {model::Labels::FromStrings({"__address__", "127.0.0.1:1"}),
                 model::Labels::FromStrings({"__address__", "127.0.0.1:2", "drop", "yes"})};
    sc.static_configs = {g};
    relabel::RelabelConfig drop;
    drop.source_labels = {"drop"};
    drop.source_labels_set = true;
    drop.regex = "yes";
    drop.regex_set = true;
    drop.action = relabel::Action::kDrop;
    sc.relabel_configs = {drop};
    c.scrape_configs = {sc};
    scrape::ManagerOptions o;
    o.discovery.update_interval_ms = 10;
    manager_ = std::make_unique<scrape::Manager>(&storage_, &registry_, o);
    ASSERT_TRUE(manager_->ApplyConfig(c).ok());
    TargetsApiOptions to;
    to.manager = manager_.get();
    to.hostname = "myhost";
    RegisterTargetsApi(&router_, to);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      auto t = manager_->ActiveTargets();
      if (t.size() == 1 && t[0].status.health != scrape::Health::kUnknown) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  void TearDown() override { manager_->Stop(); }

  scrape::testing::RecordingStorage storage_;
  metrics::Registry registry_;
  std::unique_ptr<scrape::Manager> manager_;
  http::Router router_;
};

TEST_F(TargetsApiTest, TargetsListActiveAndDroppedInPrometheusShape) {
  std::string body = Do(router_, "/api/v1/targets").body;
  EXPECT_NE(body.find(R"("labels":{"instance":"127.0.0.1:1","job":"down"})"), std::string::npos)
      << body;
  EXPECT_NE(body.find(R"("scrapePool":"down","scrapeUrl":"http://127.0.0.1:1/metrics",)"
                      R"("globalUrl":"http://myhost:1/metrics","lastError":")"),
            std::string::npos)
      << body;
  EXPECT_NE(body.find(R"("health":"down","scrapeInterval":"100ms","scrapeTimeout":"100ms"})"),
            std::string::npos)
      << body;
  EXPECT_NE(body.find(R"("droppedTargets":[{"discoveredLabels":{"__address__":"127.0.0.1:2",)"),
            std::string::npos)
      << body;
  EXPECT_NE(body.find(R"("droppedTargetCounts":{"down":1})"), std::string::npos) << body;

  body = Do(router_, "/api/v1/targets", {{"state", "active"}}).body;
  EXPECT_NE(body.find(R"("droppedTargets":[],"droppedTargetCounts":null)"), std::string::npos)
      << body;
  body = Do(router_, "/api/v1/targets", {{"scrapePool", "other"}}).body;
  EXPECT_NE(body.find(R"("activeTargets":[],)"), std::string::npos) << body;
}

TEST_F(TargetsApiTest, ScrapePoolsAndMetadata) {
  EXPECT_EQ(Do(router_, "/api/v1/scrape_pools").body,
            R"({"status":"success","data":{"scrapePools":["down"]}})");
  EXPECT_EQ(Do(router_, "/api/v1/targets/metadata").body, R"({"status":"success","data":[]})");
  auto res = Do(router_, "/api/v1/targets/metadata", {{"match_target", "{job="}});
  EXPECT_EQ(res.status, 400);
}

}  // namespace
}  // namespace vigil::api::targets
