#include "collect/cloud/gcp/timeseries.h"

#include <cmath>

#include <gtest/gtest.h>

namespace vigil::gcp {
namespace {

// The body the Node client accepted in the SDK capture (page 1).
constexpr char kCapturedPage[] =
    R"({"timeSeries": [{"metric": {"type": "compute.googleapis.com/instance/cpu/utilization", "labels": {"instance_name": "vm-1"}}, "resource": {"type": "gce_instance", "labels": {"project_id": "example-project", "zone": "us-central1-a", "instance_id": "1234567890123456789"}}, "metricKind": "GAUGE", "valueType": "DOUBLE", "points": [{"interval": {"startTime": "2024-01-01T00:05:00Z", "endTime": "2024-01-01T00:05:00Z"}, "value": {"doubleValue": 0.25}}, {"interval": {"startTime": "2024-01-01T00:00:00Z", "endTime": "2024-01-01T00:00:00Z"}, "value": {"doubleValue": 0.125}}], "unit": "10^2.%"}], "nextPageToken": "gcp-page-2-token", "unit": "10^2.%"})";

TEST(TimeSeriesUrl, EncodesLikeTheNodeClientWithNamedEnums) {
  TimeSeriesQuery q;
  q.project_id = "example-project";
  q.metric_type = "compute.googleapis.com/instance/cpu/utilization";
  q.filter = R"(resource.type = "gce_instance")";
  q.start_ms = 1704067200000;  // 2024-01-01T00:00:00Z
  q.end_ms = 1704070800000;
  q.aligner = "ALIGN_MEAN";
  q.reducer = "REDUCE_MEAN";
  q.group_by_fields = {"resource.label.zone", "metric.label.instance_name"};
  q.alignment_period_ms = 300'000;
  q.page_size = 1000;
  EXPECT_EQ(TimeSeriesListUrl("http://127.0.0.1:18080", q),
            "http://127.0.0.1:18080/v3/projects/example-project/timeSeries"
            "?filter=metric.type%20%3D%20%22compute.googleapis.com/instance/cpu/utilization%22"
            "%20AND%20resource.type%20%3D%20%22gce_instance%22"
            "&interval.startTime=2024-01-01T00%3A00%3A00.000Z"
            "&interval.endTime=2024-01-01T01%3A00%3A00.000Z"
            "&aggregation.alignmentPeriod=300s&aggregation.perSeriesAligner=ALIGN_MEAN"
            "&aggregation.crossSeriesReducer=REDUCE_MEAN"
            "&aggregation.groupByFields=resource.label.zone"
            "&aggregation.groupByFields=metric.label.instance_name&pageSize=1000");
  q.page_token = "tok/en=";
  EXPECT_NE(TimeSeriesListUrl("http://h", q).find("&pageSize=1000&pageToken=tok/en%3D"),
            std::string::npos);
}

TEST(TimeSeriesUrl, RawPointsSendNoAggregation) {
  TimeSeriesQuery q;
  q.project_id = "p";
  q.metric_type = "a.googleapis.com/b";
  q.start_ms = 0;
  q.end_ms = 60'000;
  q.page_size = 0;
  EXPECT_EQ(TimeSeriesListUrl("https://monitoring.googleapis.com", q),
            "https://monitoring.googleapis.com/v3/projects/p/timeSeries"
            "?filter=metric.type%20%3D%20%22a.googleapis.com/b%22"
            "&interval.startTime=1970-01-01T00%3A00%3A00.000Z"
            "&interval.endTime=1970-01-01T00%3A01%3A00.000Z");
}

TEST(DescriptorsUrl, UsesStartsWith) {
  EXPECT_EQ(MetricDescriptorsListUrl("http://h", "p", "compute.googleapis.com/instance/", ""),
            "http://h/v3/projects/p/metricDescriptors?filter=metric.type%20%3D%20starts_with(%22"
            "compute.googleapis.com/instance/%22)");
  EXPECT_EQ(
      MetricDescriptorsListUrl("http://h", "p", "x", "t2"),
      "http://h/v3/projects/p/metricDescriptors?filter=metric.type%20%3D%20starts_with(%22x%22)"
      "&pageToken=t2");
}

TEST(ParseTimeSeries, ReadsTheCapturedResponse) {
  auto r = ParseListTimeSeriesResponse(kCapturedPage);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->next_page_token, "gcp-page-2-token");
  EXPECT_EQ(r->unit, "10^2.%");
  ASSERT_EQ(r->time_series.size(), 1u);
  const TimeSeries& ts = r->time_series[0];
  EXPECT_EQ(ts.metric_type, "compute.googleapis.com/instance/cpu/utilization");
  EXPECT_EQ(ts.resource_type, "gce_instance");
  ASSERT_EQ(ts.metric_labels.size(), 1u);
  EXPECT_EQ(ts.metric_labels[0].second, "vm-1");
  EXPECT_EQ(ts.resource_labels.size(), 3u);
  EXPECT_EQ(ts.metric_kind, "GAUGE");
  EXPECT_EQ(ts.value_type, "DOUBLE");
  ASSERT_EQ(ts.points.size(), 2u);
  EXPECT_EQ(ts.points[0].end_ms, 1704067500000);
  EXPECT_EQ(ts.points[0].value.kind, TypedValue::Kind::kDouble);
  EXPECT_EQ(ts.points[0].value.double_value, 0.25);
}

TEST(ParseTimeSeries, Int64AsStringBoolNanosAndIntEnums) {
  auto r = ParseListTimeSeriesResponse(R"({"timeSeries":[
    {"metric":{"type":"t"},"resource":{"type":"r"},"metricKind":3,"valueType":2,
     "points":[{"interval":{"startTime":"2024-01-01T00:00:00Z","endTime":"2024-01-01T00:01:00.123456789Z"},
                "value":{"int64Value":"9007199254740993"}}]},
    {"metric":{"type":"t"},"resource":{"type":"r"},"metricKind":"GAUGE","valueType":"BOOL",
     "points":[{"interval":{"endTime":"2024-01-01T00:01:00+01:00"},"value":{"boolValue":true}}]},
    {"metric":{"type":"t"},"resource":{"type":"r"},"metricKind":"GAUGE","valueType":"DOUBLE",
     "points":[{"interval":{"endTime":"2024-01-01T00:01:00Z"},"value":{"doubleValue":"NaN"}}]}]})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->time_series.size(), 3u);
  EXPECT_EQ(r->time_series[0].metric_kind, "CUMULATIVE");
  EXPECT_EQ(r->time_series[0].value_type, "INT64");
  EXPECT_EQ(r->time_series[0].points[0].value.int64_value, 9007199254740993);
  EXPECT_EQ(r->time_series[0].points[0].end_ms, 1704067260123);
  EXPECT_EQ(r->time_series[0].points[0].start_ms, 1704067200000);
  EXPECT_TRUE(r->time_series[1].points[0].value.bool_value);
  EXPECT_EQ(r->time_series[1].points[0].end_ms, 1704067260000 - 3600'000);
  EXPECT_TRUE(std::isnan(r->time_series[2].points[0].value.double_value));
}

TEST(ParseTimeSeries, DistributionBucketOptions) {
  auto r = ParseListTimeSeriesResponse(R"({"timeSeries":[
    {"metric":{"type":"t"},"resource":{"type":"r"},"metricKind":"DELTA","valueType":"DISTRIBUTION",
     "points":[{"interval":{"endTime":"2024-01-01T00:01:00Z"},"value":{"distributionValue":{
       "count":"6","mean":2.5,"bucketOptions":{"explicitBuckets":{"bounds":[1,2,4]}},
       "bucketCounts":["1","2","3"]}}},
       {"interval":{"endTime":"2024-01-01T00:00:00Z"},"value":{"distributionValue":{
       "count":"1","bucketOptions":{"exponentialBuckets":{"numFiniteBuckets":3,"growthFactor":2,"scale":1}}}}},
       {"interval":{"endTime":"2024-01-01T00:00:00Z"},"value":{"distributionValue":{
       "count":1,"bucketOptions":{"linearBuckets":{"numFiniteBuckets":2,"width":10,"offset":5}}}}}]}]})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const auto& pts = r->time_series[0].points;
  const Distribution& d = pts[0].value.distribution;
  EXPECT_EQ(d.count, 6);
  EXPECT_EQ(d.mean, 2.5);
  EXPECT_EQ(d.upper_bounds, (std::vector<double>{1, 2, 4}));
  EXPECT_EQ(d.bucket_counts, (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(pts[1].value.distribution.upper_bounds, (std::vector<double>{1, 2, 4, 8}));
  EXPECT_EQ(pts[2].value.distribution.upper_bounds, (std::vector<double>{5, 15, 25}));
}

TEST(ParseTimeSeries, MalformedOrTruncatedBodiesAreErrorsNotCrashes) {
  std::string body = kCapturedPage;
  for (size_t n = 0; n < body.size(); ++n) {
    auto r = ParseListTimeSeriesResponse(std::string_view(body).substr(0, n));
    EXPECT_FALSE(r.ok()) << n;
  }
  EXPECT_FALSE(ParseListTimeSeriesResponse(R"({"timeSeries": {}})").ok());
  EXPECT_FALSE(
      ParseListTimeSeriesResponse(R"({"timeSeries": [{"points": [{"value": {}}]}]})").ok());
  EXPECT_FALSE(
      ParseListTimeSeriesResponse(
          R"({"timeSeries": [{"points": [{"interval": {"endTime": "yesterday"}, "value": {}}]}]})")
          .ok());
  EXPECT_FALSE(
      ParseListTimeSeriesResponse(
          R"({"timeSeries": [{"points": [{"interval": {"endTime": "2024-01-01T00:00:00Z"}, "value": {"int64Value": "12x"}}]}]})")
          .ok());
  EXPECT_FALSE(
      ParseListTimeSeriesResponse(
          R"({"timeSeries": [{"points": [{"interval": {"endTime": "2024-01-01T00:00:00Z"}, "value": {"distributionValue": {"bucketOptions": {"linearBuckets": {"numFiniteBuckets": 1000000000}}}}}]}]})")
          .ok());
  EXPECT_FALSE(ParseListTimeSeriesResponse("[]").ok());
  auto empty = ParseListTimeSeriesResponse("{}");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->time_series.empty());
}

TEST(ParseDescriptors, ReadsTypesKindsUnitsAndPages) {
  auto r = ParseListMetricDescriptorsResponse(R"({"metricDescriptors":[
    {"name":"projects/p/metricDescriptors/compute.googleapis.com/instance/cpu/utilization",
     "type":"compute.googleapis.com/instance/cpu/utilization","metricKind":"GAUGE","valueType":"DOUBLE",
     "unit":"10^2.%","description":"CPU","displayName":"CPU utilization",
     "labels":[{"key":"instance_name"}]}],"nextPageToken":"n2"})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->metric_descriptors.size(), 1u);
  EXPECT_EQ(r->metric_descriptors[0].unit, "10^2.%");
  EXPECT_EQ(r->metric_descriptors[0].label_keys, std::vector<std::string>{"instance_name"});
  EXPECT_EQ(r->next_page_token, "n2");
  EXPECT_FALSE(ParseListMetricDescriptorsResponse(R"({"metricDescriptors":[{"unit":"1"}]})").ok());
  EXPECT_FALSE(ParseListMetricDescriptorsResponse(R"({"metricDescriptors":[)").ok());
}

}  // namespace
}  // namespace vigil::gcp
