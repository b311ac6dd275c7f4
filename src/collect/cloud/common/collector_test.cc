#include "collect/cloud/common/collector.h"

#include <gtest/gtest.h>

#include <set>

namespace vigil::cloud {
namespace {

TEST(BackoffTest, DelayStaysWithinTheDoublingCapAndHonoursRetryAfter) {
  Backoff b(100, 1000, 7);
  for (int attempt = 0; attempt < 8; ++attempt) {
    int64_t cap = std::min<int64_t>(1000, 100LL << attempt);
    for (int i = 0; i < 50; ++i) {
      int64_t d = b.DelayMs(attempt);
      EXPECT_GE(d, 0);
      EXPECT_LE(d, cap);
    }
  }
  EXPECT_EQ(b.DelayMs(0, 300), 300);
  EXPECT_EQ(b.DelayMs(0, 5000), 1000);  // capped
}

TEST(BackoffTest, JitterSpreadsDelays) {
  Backoff b(1000, 100000, 3);
  std::set<int64_t> seen;
  for (int i = 0; i < 20; ++i) seen.insert(b.DelayMs(3));
  EXPECT_GT(seen.size(), 10u);
}

TEST(ApiStatsTest, CountsCallsMetricsAndCostInTheRegistry) {
  metrics::Registry reg;
  ApiStats s(&reg, "aws", "prod");
  s.Call("GetMetricData", "us-east-1", "success");
  s.Call("GetMetricData", "us-east-1", "throttled");
  s.Retry("GetMetricData");
  s.MetricsRequested("us-east-1", 500, 0.005);
  EXPECT_EQ(s.calls(), 2u);
  EXPECT_EQ(s.metrics_requested(), 500u);
  EXPECT_DOUBLE_EQ(s.cost_usd(), 0.005);
  EXPECT_EQ(reg.Get("vigil_cloud_api_calls_total", {{"provider", "aws"},
                                                    {"collector", "prod"},
                                                    {"api", "GetMetricData"},
                                                    {"region", "us-east-1"},
                                                    {"result", "throttled"}}),
            1);
  EXPECT_EQ(reg.Get("vigil_cloud_metrics_requested_total",
                    {{"provider", "aws"}, {"collector", "prod"}, {"region", "us-east-1"}}),
            500);
  EXPECT_DOUBLE_EQ(reg.Get("vigil_cloud_estimated_cost_dollars_total",
                           {{"provider", "aws"}, {"collector", "prod"}}),
                   0.005);
}

TEST(SanitizeTest, InvalidCharactersBecomeOneUnderscore) {
  EXPECT_EQ(SanitizeMetricName("compute.googleapis.com/instance/cpu"),
            "compute_googleapis_com_instance_cpu");
  EXPECT_EQ(SanitizeMetricName("a::b"), "a::b");
  EXPECT_EQ(SanitizeLabelName("a:b"), "a_b");
  EXPECT_EQ(SanitizeLabelName("9lives"), "_9lives");
  EXPECT_EQ(SanitizeLabelName("Percentage CPU"), "Percentage_CPU");
}

}  // namespace
}  // namespace vigil::cloud
