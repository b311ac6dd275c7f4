#include "base/metrics.h"

#include <gtest/gtest.h>

#include <cmath>

namespace vigil::metrics {
namespace {

TEST(MetricsTest, ExposesCountersWithLabelsInTextFormat) {
  Registry r;
  auto& rejected =
      r.CounterFamily("vigil_tsdb_samples_rejected_total", "Samples rejected.", {"reason"});
  rejected.With({"out_of_order"})->Inc(3);
  rejected.With({"too_old"})->Inc();
  std::string text = r.Expose();
  EXPECT_NE(text.find("# TYPE vigil_tsdb_samples_rejected_total counter\n"), std::string::npos);
  EXPECT_NE(text.find("vigil_tsdb_samples_rejected_total{reason=\"out_of_order\"} 3\n"),
            std::string::npos);
  EXPECT_EQ(r.Get("vigil_tsdb_samples_rejected_total", {{"reason", "too_old"}}), 1);
}

TEST(MetricsTest, HistogramBucketsAreCumulative) {
  Registry r;
  Histogram* h = r.NewHistogram("lat_seconds", "Latency.", {0.1, 1});
  h->Observe(0.05);
  h->Observe(0.5);
  h->Observe(5);
  std::string text = r.Expose();
  EXPECT_NE(text.find("lat_seconds_bucket{le=\"0.1\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("lat_seconds_bucket{le=\"1\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("lat_seconds_bucket{le=\"+Inf\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("lat_seconds_count 3\n"), std::string::npos);
  EXPECT_NE(text.find("lat_seconds_sum 5.55\n"), std::string::npos);
}

TEST(MetricsTest, FuncHandleUnregistersOnDestruction) {
  Registry r;
  {
    FuncHandle h = r.NewFunc(Type::kGauge, "head_series", "Series.", {}, [] { return 7.0; });
    EXPECT_EQ(r.Get("head_series"), 7);
  }
  EXPECT_TRUE(std::isnan(r.Get("head_series")));
}

TEST(MetricsTest, EscapesLabelValues) {
  Registry r;
  r.CounterFamily("c_total", "help", {"path"}).With({"a\"b\\c\nd"})->Inc();
  EXPECT_NE(r.Expose().find("c_total{path=\"a\\\"b\\\\c\\nd\"} 1"), std::string::npos);
}

}  // namespace
}  // namespace vigil::metrics
