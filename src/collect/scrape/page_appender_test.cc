#include "collect/scrape/page_appender.h"

#include <gtest/gtest.h>

#include <cmath>

#include "collect/scrape/scrape_test_util.h"
#include "model/sample.h"

namespace vigil::scrape {
namespace {

using testing::RecordingStorage;

class PageAppenderTest : public ::testing::Test {
 protected:
  PageAppenderTest() : target_(model::Labels::FromStrings({"instance", "h:9100", "job", "node"})) {}

  std::unique_ptr<PageAppender> New(AppendOptions o = {}) {
    return std::make_unique<PageAppender>(&storage_, target_, std::move(o), &registry_);
  }
  ScrapeReport Scrape(PageAppender* a, std::string_view body, int64_t ts,
                      textparse::Format f = textparse::Format::kPrometheusText) {
    Page p;
    p.body = body;
    p.format = f;
    return a->Scrape(Status::OK(), p, ts, std::chrono::steady_clock::now());
  }
  double Last(const std::string& series) {
    auto s = storage_.Of(series);
    return s.empty() ? -12345 : s.back().v;
  }

  RecordingStorage storage_;
  metrics::Registry registry_;
  model::Labels target_;
};

TEST_F(PageAppenderTest, SamplesGetTargetLabelsAndTheScrapeTimestamp) {
  auto a = New();
  auto rep = Scrape(a.get(), "# TYPE m counter\nm{a=\"1\"} 5\nm{a=\"2\"} 6\n", 1000);
  ASSERT_TRUE(rep.error.ok()) << rep.error.ToString();
  EXPECT_EQ(rep.scraped, 2u);
  EXPECT_EQ(rep.post_relabel, 2u);
  EXPECT_EQ(rep.series_added, 2u);
  auto s = storage_.Of(R"({__name__="m", a="1", instance="h:9100", job="node"})");
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].t, 1000);
  EXPECT_EQ(s[0].v, 5);
  EXPECT_EQ(Last(R"({__name__="up", instance="h:9100", job="node"})"), 1);
  EXPECT_EQ(Last(R"({__name__="scrape_samples_scraped", instance="h:9100", job="node"})"), 2);
  EXPECT_EQ(Last(R"({__name__="scrape_series_added", instance="h:9100", job="node"})"), 2);
  EXPECT_EQ(
      Last(R"({__name__="scrape_samples_post_metric_relabeling", instance="h:9100", job="node"})"),
      2);

  // The second scrape finds both series in the cache: no new series.
  rep = Scrape(a.get(), "# TYPE m counter\nm{a=\"1\"} 7\nm{a=\"2\"} 8\n", 2000);
  EXPECT_EQ(rep.series_added, 0u);
  EXPECT_EQ(Last(R"({__name__="m", a="1", instance="h:9100", job="node"})"), 7);
}

TEST_F(PageAppenderTest, ClashingPageLabelsBecomeExportedUnlessHonorLabels) {
  auto a = New();
  ASSERT_TRUE(Scrape(a.get(), "m{job=\"app\",exported_job=\"x\"} 1\n", 1000).error.ok());
  EXPECT_EQ(storage_
                .Of(R"({__name__="m", exported_exported_job="app", exported_job="x", )"
                    R"(instance="h:9100", job="node"})")
                .size(),
            1u);

  AppendOptions honor;
  honor.honor_labels = true;
  auto b = New(honor);
  ASSERT_TRUE(Scrape(b.get(), "n{job=\"app\"} 1\n", 1000).error.ok());
  EXPECT_EQ(storage_.Of(R"({__name__="n", instance="h:9100", job="app"})").size(), 1u);
}

TEST_F(PageAppenderTest, EmptyLabelValuesAreDroppedAsInPrometheus) {
  auto a = New();
  ASSERT_TRUE(Scrape(a.get(), "m{a=\"\",b=\"x\"} 1\n", 1000).error.ok());
  EXPECT_EQ(storage_.Of(R"({__name__="m", b="x", instance="h:9100", job="node"})").size(), 1u);
}

TEST_F(PageAppenderTest, MetricRelabelingDropsAndRewritesSeries) {
  relabel::RelabelConfig drop;
  drop.source_labels = {"__name__"};
  drop.source_labels_set = true;
  drop.regex = "go_.*";
  drop.regex_set = true;
  drop.action = relabel::Action::kDrop;
  auto rl = relabel::Relabeler::Compile({drop});
  ASSERT_TRUE(rl.ok());
  AppendOptions o;
  o.metric_relabeler = *rl;
  auto a = New(o);
  auto rep = Scrape(a.get(), "go_threads 5\nm 1\n", 1000);
  ASSERT_TRUE(rep.error.ok());
  EXPECT_EQ(rep.scraped, 2u);
  EXPECT_EQ(rep.post_relabel, 1u);
  EXPECT_TRUE(storage_.Of(R"({__name__="go_threads", instance="h:9100", job="node"})").empty());
  // Dropped series stay dropped from the cache on later scrapes.
  rep = Scrape(a.get(), "go_threads 6\nm 2\n", 2000);
  EXPECT_EQ(rep.post_relabel, 1u);
  EXPECT_EQ(rep.stale_markers, 0u);
}

TEST_F(PageAppenderTest, VanishedSeriesGetAStalenessMarker) {
  auto a = New();
  ASSERT_TRUE(Scrape(a.get(), "m{a=\"1\"} 1\nm{a=\"2\"} 2\n", 1000).error.ok());
  auto rep = Scrape(a.get(), "m{a=\"1\"} 1\n", 2000);
  ASSERT_TRUE(rep.error.ok());
  EXPECT_EQ(rep.stale_markers, 1u);
  auto gone = storage_.Of(R"({__name__="m", a="2", instance="h:9100", job="node"})");
  ASSERT_EQ(gone.size(), 2u);
  EXPECT_EQ(gone[1].t, 2000);
  EXPECT_TRUE(model::IsStaleNaN(gone[1].v));
  // Only once: the third scrape does not mark it again.
  rep = Scrape(a.get(), "m{a=\"1\"} 1\n", 3000);
  EXPECT_EQ(rep.stale_markers, 0u);
  // And a series that comes back is a new series again.
  rep = Scrape(a.get(), "m{a=\"1\"} 1\nm{a=\"2\"} 3\n", 4000);
  EXPECT_EQ(rep.series_added, 1u);
}

TEST_F(PageAppenderTest, FailedScrapeMarksEverySeriesStaleAndReportsDown) {
  auto a = New();
  ASSERT_TRUE(Scrape(a.get(), "m{a=\"1\"} 1\nm{a=\"2\"} 2\n", 1000).error.ok());
  Page p;
  auto rep = a->Scrape(Status::Unavailable("connection refused"), p, 2000,
                       std::chrono::steady_clock::now());
  EXPECT_FALSE(rep.error.ok());
  EXPECT_EQ(rep.stale_markers, 2u);
  EXPECT_EQ(Last(R"({__name__="up", instance="h:9100", job="node"})"), 0);
  EXPECT_TRUE(model::IsStaleNaN(Last(R"({__name__="m", a="1", instance="h:9100", job="node"})")));
  // Recovery: values flow again, no second round of markers.
  rep = Scrape(a.get(), "m{a=\"1\"} 5\n", 3000);
  ASSERT_TRUE(rep.error.ok());
  EXPECT_EQ(rep.stale_markers, 0u);
  EXPECT_EQ(Last(R"({__name__="m", a="1", instance="h:9100", job="node"})"), 5);
}

TEST_F(PageAppenderTest, ParseErrorFailsTheWholeScrapeAndKeepsNothingOfIt) {
  auto a = New();
  auto rep = Scrape(a.get(), "m{a=\"1\"} 1\nm{a=\"2\" 2\n", 1000);
  EXPECT_FALSE(rep.error.ok());
  EXPECT_TRUE(storage_.Of(R"({__name__="m", a="1", instance="h:9100", job="node"})").empty());
  EXPECT_EQ(Last(R"({__name__="up", instance="h:9100", job="node"})"), 0);
}

TEST_F(PageAppenderTest, SampleLimitFailsTheScrapeWithPrometheusMessage) {
  AppendOptions o;
  o.sample_limit = 2;
  auto a = New(o);
  auto rep = Scrape(a.get(), "a 1\nb 2\nc 3\n", 1000);
  EXPECT_EQ(rep.error.message(), "sample limit exceeded");
  EXPECT_TRUE(storage_.Of(R"({__name__="a", instance="h:9100", job="node"})").empty());
  EXPECT_EQ(Last(R"({__name__="up", instance="h:9100", job="node"})"), 0);
  EXPECT_EQ(Last(R"({__name__="scrape_samples_scraped", instance="h:9100", job="node"})"), 3);
}

TEST_F(PageAppenderTest, LabelLimitsFailTheScrape) {
  AppendOptions o;
  o.label_limit = 3;
  auto a = New(o);
  auto rep = Scrape(a.get(), "m{x=\"1\",y=\"2\"} 1\n", 1000);
  EXPECT_EQ(rep.error.message(), "label_limit exceeded (metric: m, number of labels: 5, limit: 3)");
  AppendOptions v;
  v.label_value_length_limit = 3;
  auto b = New(v);
  rep = Scrape(b.get(), "m{x=\"long\"} 1\n", 1000);
  EXPECT_NE(rep.error.message().find("label_value_length_limit exceeded"), std::string::npos)
      << rep.error.message();
}

TEST_F(PageAppenderTest, OwnTimestampsAreHonoredAndNotTrackedForStaleness) {
  auto a = New();
  ASSERT_TRUE(Scrape(a.get(), "m 1 500\nn 2\n", 1000).error.ok());
  EXPECT_EQ(storage_.Of(R"({__name__="m", instance="h:9100", job="node"})")[0].t, 500);
  auto rep = Scrape(a.get(), "", 2000);
  EXPECT_EQ(rep.stale_markers, 1u);  // n only

  AppendOptions o;
  o.honor_timestamps = false;
  auto b = New(o);
  storage_.Clear();
  ASSERT_TRUE(Scrape(b.get(), "m 1 500\n", 1000).error.ok());
  EXPECT_EQ(storage_.Of(R"({__name__="m", instance="h:9100", job="node"})")[0].t, 1000);
}

TEST_F(PageAppenderTest, MarkAllStaleCoversSeriesAndSyntheticSeries) {
  auto a = New();
  ASSERT_TRUE(Scrape(a.get(), "m 1\n", 1000).error.ok());
  a->MarkAllStale(1500);
  EXPECT_TRUE(model::IsStaleNaN(Last(R"({__name__="m", instance="h:9100", job="node"})")));
  EXPECT_TRUE(model::IsStaleNaN(Last(R"({__name__="up", instance="h:9100", job="node"})")));
}

TEST_F(PageAppenderTest, MetadataIsKeptPerFamily) {
  auto a = New();
  ASSERT_TRUE(
      Scrape(a.get(), "# HELP m Some help.\n# TYPE m gauge\nm 1\n# TYPE c counter\nc 2\n", 1000)
          .error.ok());
  auto md = a->Metadata();
  ASSERT_EQ(md.size(), 2u);
  EXPECT_EQ(md[0].first, "c");
  EXPECT_EQ(md[0].second.type, storage::MetricMetadata::Type::kCounter);
  EXPECT_EQ(md[1].first, "m");
  EXPECT_EQ(md[1].second.help, "Some help.");
  // The storage gets each family once (for /api/v1/metadata), and again
  // only when it changes.
  auto updates = storage_.MetadataUpdates();
  ASSERT_EQ(updates.size(), 2u);
  EXPECT_EQ(updates[0].first, "m");
  EXPECT_EQ(updates[0].second.help, "Some help.");
  ASSERT_TRUE(
      Scrape(a.get(), "# HELP m Some help.\n# TYPE m gauge\nm 1\n# TYPE c counter\nc 2\n", 2000)
          .error.ok());
  EXPECT_EQ(storage_.MetadataUpdates().size(), 2u);
  ASSERT_TRUE(Scrape(a.get(), "# HELP m New help.\n# TYPE m gauge\nm 1\n", 3000).error.ok());
  ASSERT_EQ(storage_.MetadataUpdates().size(), 3u);
  EXPECT_EQ(storage_.MetadataUpdates()[2].second.help, "New help.");
}

}  // namespace
}  // namespace vigil::scrape
