#include "collect/scrape/scrape_loop.h"

#include <gtest/gtest.h>

#include "base/time.h"
#include "collect/scrape/scrape_test_util.h"

namespace vigil::scrape {
namespace {

using testing::RecordingStorage;
using testing::StaticFetcher;

TEST(AcceptHeaderTest, AsPrometheusBuildsItForTheDefaultProtocols) {
  EXPECT_EQ(AcceptHeader(config::DefaultScrapeProtocols()),
            "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,"
            "application/openmetrics-text;version=0.0.1;q=0.5,"
            "text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,"
            "text/plain;version=0.0.4;q=0.3,*/*;q=0.2");
}

class ScrapeLoopTest : public ::testing::Test {
 protected:
  std::unique_ptr<ScrapeLoop> New(std::shared_ptr<LoopConfig> cfg = nullptr) {
    if (!cfg) cfg = std::make_shared<LoopConfig>();
    TargetSpec spec;
    spec.labels = model::Labels::FromStrings({"__address__", "t:1", "instance", "t:1", "job", "j"});
    spec.url = "http://t:1/metrics";
    spec.interval_ms = 1000;
    spec.timeout_ms = 1000;
    auto loop = std::make_unique<ScrapeLoop>(&storage_, spec, cfg, 0, &registry_);
    loop->SetFetcherForTest(std::make_unique<StaticFetcher>(page_));
    return loop;
  }
  RecordingStorage storage_;
  metrics::Registry registry_;
  std::shared_ptr<StaticFetcher::State> page_ = std::make_shared<StaticFetcher::State>();
};

TEST_F(ScrapeLoopTest, StatusReflectsTheLastScrape) {
  auto loop = New();
  page_->body = "m 1\n";
  auto rep = loop->ScrapeOnce(NowMillis());
  ASSERT_TRUE(rep.error.ok()) << rep.error.ToString();
  EXPECT_EQ(loop->Status().health, Health::kUp);
  EXPECT_EQ(loop->Status().last_samples, 1u);

  page_->error = Status::Unavailable("server returned HTTP status 500 Internal Server Error");
  rep = loop->ScrapeOnce(NowMillis());
  EXPECT_EQ(loop->Status().health, Health::kDown);
  EXPECT_EQ(loop->Status().last_error, "server returned HTTP status 500 Internal Server Error");
}

TEST_F(ScrapeLoopTest, UnknownContentTypeFailsUnlessThereIsAFallback) {
  auto loop = New();
  page_->body = "m 1\n";
  page_->content_type = "application/json";
  auto rep = loop->ScrapeOnce(NowMillis());
  EXPECT_EQ(rep.error.message(),
            "received unsupported Content-Type \"application/json\" and no "
            "fallback_scrape_protocol specified for target");
  page_->content_type = "";
  rep = loop->ScrapeOnce(NowMillis());
  EXPECT_NE(rep.error.message().find("blank Content-Type"), std::string::npos);

  auto cfg = std::make_shared<LoopConfig>();
  cfg->fallback_format = textparse::Format::kPrometheusText;
  auto with_fallback = New(cfg);
  EXPECT_TRUE(with_fallback->ScrapeOnce(NowMillis()).error.ok());
}

TEST_F(ScrapeLoopTest, ForcedErrorFailsScrapesUntilCleared) {
  auto loop = New();
  page_->body = "m 1\n";
  loop->SetForcedError(Status::ResourceExhausted("target_limit exceeded"));
  EXPECT_EQ(loop->ScrapeOnce(NowMillis()).error.message(), "target_limit exceeded");
  loop->SetForcedError(Status::OK());
  EXPECT_TRUE(loop->ScrapeOnce(NowMillis()).error.ok());
}

TEST_F(ScrapeLoopTest, TheThreadScrapesOnItsScheduleAndStops) {
  auto loop = New();
  page_->body = "m 1\n";
  loop->Start();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < deadline) {
    {
      std::lock_guard<std::mutex> lock(page_->mu);
      if (page_->fetches >= 2) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  loop->RequestStop();
  loop->Join(/*mark_stale=*/true);
  EXPECT_GE(page_->fetches, 2);
  auto up = storage_.Of(R"({__name__="up", instance="t:1", job="j"})");
  ASSERT_FALSE(up.empty());
  EXPECT_TRUE(model::IsStaleNaN(up.back().v));
  // Scrapes are one interval apart.
  auto m = storage_.Of(R"({__name__="m", instance="t:1", job="j"})");
  ASSERT_GE(m.size(), 3u);  // two values and the marker
  EXPECT_NEAR(static_cast<double>(m[1].t - m[0].t), 1000, 250);
}

}  // namespace
}  // namespace vigil::scrape
