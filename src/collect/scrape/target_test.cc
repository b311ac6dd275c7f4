#include "collect/scrape/target.h"

#include <gtest/gtest.h>

namespace vigil::scrape {
namespace {

config::ScrapeConfig Job() {
  config::ScrapeConfig c;
  c.job_name = "node";
  c.scrape_interval_ms = 15000;
  c.scrape_timeout_ms = 10000;
  return c;
}

TEST(PopulateTargetTest, DefaultsFillDiscoveredLabelsAndInstanceDefaultsToAddress) {
  auto r =
      PopulateTarget(model::Labels::FromStrings({"__address__", "h:9100"}),
                     model::Labels::FromStrings({"env", "prod", "__meta_x", "y"}), Job(), nullptr);
  ASSERT_TRUE(r.error.ok()) << r.error.ToString();
  ASSERT_FALSE(r.dropped);
  EXPECT_EQ(r.spec.discovered.ToString(),
            R"({__address__="h:9100", __meta_x="y", __metrics_path__="/metrics", )"
            R"(__scheme__="http", __scrape_interval__="15s", __scrape_timeout__="10s", )"
            R"(env="prod", job="node"})");
  EXPECT_EQ(r.spec.PublicLabels().ToString(), R"({env="prod", instance="h:9100", job="node"})");
  EXPECT_FALSE(r.spec.labels.Has("__meta_x"));
  EXPECT_EQ(r.spec.url, "http://h:9100/metrics");
  EXPECT_EQ(r.spec.interval_ms, 15000);
  EXPECT_EQ(r.spec.timeout_ms, 10000);
}

TEST(PopulateTargetTest, TargetLabelsWinOverGroupLabels) {
  auto r = PopulateTarget(model::Labels::FromStrings({"__address__", "h:1", "env", "a"}),
                          model::Labels::FromStrings({"env", "b"}), Job(), nullptr);
  EXPECT_EQ(r.spec.labels.Get("env"), "a");
}

TEST(PopulateTargetTest, ParamsAndParamLabelsBuildTheQueryString) {
  auto c = Job();
  c.params["module"] = {"http_2xx", "second"};
  c.params["a b"] = {"x&y"};
  auto r = PopulateTarget(
      model::Labels::FromStrings({"__address__", "h:1", "__param_target", "example.com"}), {}, c,
      nullptr);
  ASSERT_TRUE(r.error.ok());
  EXPECT_EQ(r.spec.url,
            "http://h:1/metrics?a+b=x%26y&module=http_2xx&module=second&target=example.com");
}

TEST(PopulateTargetTest, InvalidTargetsAreErrors) {
  EXPECT_EQ(PopulateTarget(model::Labels::FromStrings({"foo", "bar"}), {}, Job(), nullptr)
                .error.message(),
            "no address");
  EXPECT_EQ(
      PopulateTarget(model::Labels::FromStrings({"__address__", "http://h:1"}), {}, Job(), nullptr)
          .error.message(),
      "\"http://h:1\" is not a valid hostname");
  auto r = PopulateTarget(
      model::Labels::FromStrings({"__address__", "h:1", "__scrape_timeout__", "20s"}), {}, Job(),
      nullptr);
  EXPECT_EQ(r.error.message(),
            "scrape timeout cannot be greater than scrape interval (\"20s\" > \"15s\")");
  r = PopulateTarget(
      model::Labels::FromStrings({"__address__", "h:1", "__scrape_interval__", "abc"}), {}, Job(),
      nullptr);
  EXPECT_NE(r.error.message().find("error parsing scrape interval"), std::string::npos);
}

TEST(PopulateTargetTest, RelabelingCanDropAndRewrite) {
  relabel::RelabelConfig keep;
  keep.source_labels = {"env"};
  keep.source_labels_set = true;
  keep.regex = "prod";
  keep.regex_set = true;
  keep.action = relabel::Action::kKeep;
  relabel::RelabelConfig rewrite;
  rewrite.source_labels = {"__address__"};
  rewrite.source_labels_set = true;
  rewrite.regex = "([^:]+):.*";
  rewrite.regex_set = true;
  rewrite.target_label = "host";
  rewrite.target_label_set = true;
  auto rl = relabel::Relabeler::Compile({keep, rewrite});
  ASSERT_TRUE(rl.ok()) << rl.status().ToString();
  auto dropped = PopulateTarget(model::Labels::FromStrings({"__address__", "h:1", "env", "dev"}),
                                {}, Job(), rl->get());
  EXPECT_TRUE(dropped.dropped);
  EXPECT_EQ(dropped.spec.discovered.Get("env"), "dev");
  auto kept = PopulateTarget(model::Labels::FromStrings({"__address__", "h:1", "env", "prod"}), {},
                             Job(), rl->get());
  ASSERT_FALSE(kept.dropped);
  EXPECT_EQ(kept.spec.labels.Get("host"), "h");
}

TEST(QueryEscapeTest, MatchesGo) { EXPECT_EQ(QueryEscape("a b/c?d=e~f"), "a+b%2Fc%3Fd%3De~f"); }

}  // namespace
}  // namespace vigil::scrape
