#include "collect/cloud/gcp/naming.h"

#include <cmath>

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace vigil::gcp {
namespace {

TEST(NormalizeMetricName, MatchesStackdriverExporterTable) {
  struct Case {
    const char* in;
    const char* want;
  } cases[] = {
      {"gce_instance", "gce_instance"},
      {"compute.googleapis.com/instance/cpu/utilization",
       "compute_googleapis_com_instance_cpu_utilization"},
      {"compute.googleapis.com/instance/cpu/usage_time",
       "compute_googleapis_com_instance_cpu_usage_time"},
      {"k8s_container", "k_8_s_container"},
      {"kubernetes.io/container/cpu/core_usage_time",
       "kubernetes_io_container_cpu_core_usage_time"},
      {"loadbalancing.googleapis.com/https/backend_latencies",
       "loadbalancing_googleapis_com_https_backend_latencies"},
      {"custom.googleapis.com/myApp/requestCount", "custom_googleapis_com_my_app_request_count"},
      {"HTTPServer", "http_server"},
      {"cloudsql_database", "cloudsql_database"},
      {"agent.googleapis.com/disk/percent_used", "agent_googleapis_com_disk_percent_used"},
      {"a--b", "a_b"},
      {"", ""},
  };
  for (const auto& c : cases) EXPECT_EQ(NormalizeMetricName(c.in), c.want) << c.in;
}

TEST(StackdriverMetricName, JoinsResourceAndMetricType) {
  EXPECT_EQ(
      StackdriverMetricName("gce_instance", "compute.googleapis.com/instance/cpu/utilization"),
      "stackdriver_gce_instance_compute_googleapis_com_instance_cpu_utilization");
  EXPECT_EQ(StackdriverMetricName("k8s_container", "kubernetes.io/container/restart_count"),
            "stackdriver_k_8_s_container_kubernetes_io_container_restart_count");
  EXPECT_EQ(StackdriverMetricName("", "x"), "stackdriver_x");
}

TimeSeries Series(std::string kind, std::string value_type, TypedValue v) {
  TimeSeries ts;
  ts.metric_type = "compute.googleapis.com/instance/cpu/usage_time";
  ts.resource_type = "gce_instance";
  ts.metric_kind = std::move(kind);
  ts.value_type = std::move(value_type);
  ts.unit = "s{CPU}";
  ts.metric_labels = {{"instance_name", "vm-1"}, {"zone", "metric-zone"}};
  ts.resource_labels = {
      {"project_id", "example-project"}, {"zone", "us-central1-a"}, {"instance_id", "1"}};
  Point older;
  older.end_ms = 1000;
  older.value = v;
  older.value.double_value = -1;
  older.value.int64_value = -1;
  Point newer;
  newer.end_ms = 61'000;
  newer.value = v;
  ts.points = {older, newer};  // the newest is picked by end time, not order
  return ts;
}

TEST(ConvertTimeSeries, GaugeDeltaAndCumulativeExportTheNewestPointWithoutSuffix) {
  for (const char* kind : {"GAUGE", "DELTA", "CUMULATIVE"}) {
    TypedValue v;
    v.kind = TypedValue::Kind::kDouble;
    v.double_value = 12.5;
    std::vector<ConvertedSample> out;
    ASSERT_TRUE(ConvertTimeSeries(Series(kind, "DOUBLE", v), "", "example-project", &out)) << kind;
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(
        out[0].labels.ToString(),
        "{__name__=\"stackdriver_gce_instance_compute_googleapis_com_instance_cpu_usage_time\", "
        "instance_id=\"1\", instance_name=\"vm-1\", project_id=\"example-project\", "
        "unit=\"s{CPU}\", zone=\"metric-zone\"}")
        << kind;
    EXPECT_EQ(out[0].t_ms, 61'000);
    EXPECT_EQ(out[0].v, 12.5);
  }
}

TEST(ConvertTimeSeries, BoolAndInt64Values) {
  TypedValue b;
  b.kind = TypedValue::Kind::kBool;
  b.bool_value = true;
  std::vector<ConvertedSample> out;
  ASSERT_TRUE(ConvertTimeSeries(Series("GAUGE", "BOOL", b), "", "p", &out));
  EXPECT_EQ(out.back().v, 1);
  TypedValue i;
  i.kind = TypedValue::Kind::kInt64;
  i.int64_value = 42;
  ASSERT_TRUE(ConvertTimeSeries(Series("CUMULATIVE", "INT64", i), "By", "p", &out));
  EXPECT_EQ(out.back().v, 42);
  EXPECT_EQ(out.back().labels.Get("unit"), "By");  // the descriptor's unit wins
}

TEST(ConvertTimeSeries, SkipsWhatStackdriverExporterDiscards) {
  TypedValue s;
  s.kind = TypedValue::Kind::kString;
  s.string_value = "x";
  std::vector<ConvertedSample> out;
  EXPECT_FALSE(ConvertTimeSeries(Series("GAUGE", "STRING", s), "", "p", &out));
  TypedValue d;
  d.kind = TypedValue::Kind::kDouble;
  EXPECT_FALSE(ConvertTimeSeries(Series("METRIC_KIND_UNSPECIFIED", "DOUBLE", d), "", "p", &out));
  EXPECT_FALSE(ConvertTimeSeries(Series("GAUGE", "INT64", d), "", "p", &out));  // mismatched value
  TimeSeries empty = Series("GAUGE", "DOUBLE", d);
  empty.points.clear();
  EXPECT_FALSE(ConvertTimeSeries(empty, "", "p", &out));
  EXPECT_TRUE(out.empty());
}

TEST(ConvertTimeSeries, AddsProjectIdOnlyWhenTheResourceHasNone) {
  TypedValue d;
  d.kind = TypedValue::Kind::kDouble;
  TimeSeries ts = Series("GAUGE", "DOUBLE", d);
  ts.resource_labels = {{"bucket_name", "b"}};
  std::vector<ConvertedSample> out;
  ASSERT_TRUE(ConvertTimeSeries(ts, "", "queried-project", &out));
  EXPECT_EQ(out[0].labels.Get("project_id"), "queried-project");
}

TEST(ConvertTimeSeries, DistributionBecomesCumulativeHistogram) {
  TypedValue v;
  v.kind = TypedValue::Kind::kDistribution;
  v.distribution.count = 6;
  v.distribution.mean = 2.5;
  v.distribution.has_bucket_options = true;
  v.distribution.upper_bounds = {1, 2, 1e6};
  v.distribution.bucket_counts = {1, 2, 3};  // the +Inf bucket's count is absent: 0
  TimeSeries ts = Series("DELTA", "DISTRIBUTION", v);
  ts.metric_type = "loadbalancing.googleapis.com/https/backend_latencies";
  ts.resource_type = "https_lb_rule";
  ts.metric_labels.clear();
  ts.resource_labels = {{"project_id", "p"}};
  ts.unit = "ms";
  std::vector<ConvertedSample> out;
  ASSERT_TRUE(ConvertTimeSeries(ts, "", "p", &out));
  std::vector<std::string> got;
  for (const auto& s : out) got.push_back(fmt::format("{} {}", s.labels.ToString(), s.v));
  const std::string n =
      "stackdriver_https_lb_rule_loadbalancing_googleapis_com_https_backend_latencies";
  EXPECT_EQ(got,
            (std::vector<std::string>{
                "{__name__=\"" + n + "_bucket\", le=\"1\", project_id=\"p\", unit=\"ms\"} 1",
                "{__name__=\"" + n + "_bucket\", le=\"2\", project_id=\"p\", unit=\"ms\"} 3",
                "{__name__=\"" + n + "_bucket\", le=\"1e+06\", project_id=\"p\", unit=\"ms\"} 6",
                "{__name__=\"" + n + "_bucket\", le=\"+Inf\", project_id=\"p\", unit=\"ms\"} 6",
                "{__name__=\"" + n + "_sum\", project_id=\"p\", unit=\"ms\"} 15",
                "{__name__=\"" + n + "_count\", project_id=\"p\", unit=\"ms\"} 6",
            }));
  for (const auto& s : out) EXPECT_EQ(s.t_ms, 61'000);
  v.distribution.has_bucket_options = false;
  std::vector<ConvertedSample> none;
  EXPECT_FALSE(ConvertTimeSeries(Series("DELTA", "DISTRIBUTION", v), "", "p", &none));
}

}  // namespace
}  // namespace vigil::gcp
