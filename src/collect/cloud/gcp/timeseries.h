// Cloud Monitoring API v3, the two read calls the GCP collector makes:
//   GET {endpoint}/v3/projects/{p}/timeSeries?filter=...&interval...&aggregation...
//   GET {endpoint}/v3/projects/{p}/metricDescriptors?filter=metric.type = starts_with("...")
// Their URLs (query parameters percent-encoded as the official Node client
// does, '/' left raw, enums by name) and their proto3-JSON answers
// (int64 as strings, RFC 3339 times, distributions), parsed strictly enough
// that a malformed or truncated body is an error, never a crash.
//
// Thread-safety: pure functions and plain values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"

namespace vigil::gcp {

// encodeURIComponent (A-Z a-z 0-9 - _ . ! ~ * ' ( ) raw) with '/' also left
// raw: the Node client's query-parameter encoding.
std::string QueryEncode(std::string_view s);

struct TimeSeriesQuery {
  std::string project_id;
  std::string metric_type;
  std::string filter;  // extra filter, ANDed: metric.type = "<type>" AND <filter>
  int64_t start_ms = 0;
  int64_t end_ms = 0;
  // Aggregation; the aggregation.* parameters are sent only when an aligner
  // or a reducer is set (alignment_period_ms then defaults to 60 s).
  std::string aligner;  // ALIGN_MEAN ...
  std::string reducer;  // REDUCE_MEAN ...
  std::vector<std::string> group_by_fields;
  int64_t alignment_period_ms = 0;
  int page_size = 100'000;  // 0: not sent
  std::string page_token;
};

// metric.type = "<type>"[ AND <extra>]
std::string TimeSeriesFilter(std::string_view metric_type, std::string_view extra);
// {endpoint}/v3/projects/{p}/timeSeries?filter=..&interval.startTime=..
// &interval.endTime=..[&aggregation.alignmentPeriod=60s&aggregation.perSeriesAligner=..
// &aggregation.crossSeriesReducer=..&aggregation.groupByFields=..(repeated)]
// [&pageSize=..][&pageToken=..]. Times are RFC 3339 with milliseconds.
std::string TimeSeriesListUrl(std::string_view endpoint, const TimeSeriesQuery& q);
// {endpoint}/v3/projects/{p}/metricDescriptors?filter=metric.type = starts_with("<prefix>")
// [&pageToken=..]
std::string MetricDescriptorsListUrl(std::string_view endpoint, std::string_view project_id,
                                     std::string_view type_prefix, std::string_view page_token);

struct Distribution {
  int64_t count = 0;
  double mean = 0;
  double sum_of_squared_deviation = 0;
  // Finite upper bounds of the buckets, in order (bucket i counts values
  // below upper_bounds[i]; the last bucket, above them all, is +Inf), from
  // linearBuckets, exponentialBuckets or explicitBuckets. Empty without
  // bucketOptions.
  bool has_bucket_options = false;
  std::vector<double> upper_bounds;
  std::vector<int64_t> bucket_counts;  // may be shorter than upper_bounds + 1
};

struct TypedValue {
  enum class Kind { kNone, kBool, kInt64, kDouble, kString, kDistribution };
  Kind kind = Kind::kNone;
  bool bool_value = false;
  int64_t int64_value = 0;
  double double_value = 0;
  std::string string_value;
  Distribution distribution;
};

struct Point {
  int64_t start_ms = 0;  // 0 when absent (GAUGE)
  int64_t end_ms = 0;
  TypedValue value;
};

using LabelPairs = std::vector<std::pair<std::string, std::string>>;

struct TimeSeries {
  std::string metric_type;
  LabelPairs metric_labels;  // in the response's order
  std::string resource_type;
  LabelPairs resource_labels;
  std::string metric_kind;  // GAUGE, DELTA, CUMULATIVE
  std::string value_type;   // BOOL, INT64, DOUBLE, STRING, DISTRIBUTION, MONEY
  std::string unit;
  std::vector<Point> points;  // newest first, as the API sends them
};

struct ListTimeSeriesResponse {
  std::vector<TimeSeries> time_series;
  std::string next_page_token;  // "" on the last page
  std::string unit;
  std::vector<std::string> execution_errors;  // their messages
};
// Enums may also come as numbers (enum-encoding=int) and are then named.
Result<ListTimeSeriesResponse> ParseListTimeSeriesResponse(std::string_view body);

struct MetricDescriptor {
  std::string name;  // projects/p/metricDescriptors/<type>
  std::string type;
  std::string metric_kind;
  std::string value_type;
  std::string unit;
  std::string description;
  std::string display_name;
  std::vector<std::string> label_keys;
};

struct ListMetricDescriptorsResponse {
  std::vector<MetricDescriptor> metric_descriptors;
  std::string next_page_token;
};
Result<ListMetricDescriptorsResponse> ParseListMetricDescriptorsResponse(std::string_view body);

}  // namespace vigil::gcp
