// CloudWatch's ListMetrics and GetMetricData over AWS JSON 1.0: the request
// bodies the collector sends (botocore's member names, epoch-second
// timestamps) and parsers of the answers, plus YACE's time window.
//
// The parsers take untrusted bytes (fuzzed by fuzz/cloudwatch_response_fuzz.cc):
// a malformed, truncated or oddly typed body is a Corruption status, never a
// crash; unknown members are ignored.
//
// Owner: the AWS CloudWatch collector (helper "awscw"). Pure functions;
// thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"

namespace vigil::aws {

inline constexpr const char* kCloudWatchTargetPrefix = "GraniteServiceVersion20100801";
inline constexpr const char* kCloudWatchService = "monitoring";
inline constexpr int kMaxQueriesPerCall = 500;

struct Dimension {
  std::string name, value;
  bool operator==(const Dimension&) const = default;
};

struct MetricId {
  std::string ns, name;
  std::vector<Dimension> dimensions;  // in the order CloudWatch listed them
};

struct ListMetricsPage {
  std::vector<MetricId> metrics;
  std::string next_token;  // "" on the last page
};

// {"Namespace": ..., "MetricName": ..., "RecentlyActive": "PT3H", "NextToken": ...};
// empty strings are left out.
std::string ListMetricsRequest(std::string_view ns, std::string_view metric_name,
                               bool recently_active, std::string_view next_token);
Result<ListMetricsPage> ParseListMetricsResponse(std::string_view body);

struct MetricDataQuery {
  std::string id;  // "id_<n>"
  MetricId metric;
  int64_t period_s = 300;
  std::string stat;  // "Average", "p99"
};

struct MetricDataResult {
  std::string id, label, status_code;
  std::vector<int64_t> timestamps_ms;  // parallel to values
  std::vector<double> values;
};

struct GetMetricDataPage {
  std::vector<MetricDataResult> results;
  std::vector<std::string> messages;  // top-level Messages, "Code: Value"
  std::string next_token;
};

// {"MetricDataQueries": [...], "StartTime": s, "EndTime": s,
//  "ScanBy": "TimestampDescending", "NextToken": ...}.
std::string GetMetricDataRequest(const std::vector<MetricDataQuery>& queries, int64_t start_ms,
                                 int64_t end_ms, std::string_view next_token);
Result<GetMetricDataPage> ParseGetMetricDataResponse(std::string_view body);

// YACE's window: now' = round(now - period/2, period) (rounded as Go's
// time.Round, from year 1, halves up); start = now' - (length + delay);
// end = now' - delay. All in milliseconds; period_ms > 0.
struct MetricWindow {
  int64_t start_ms = 0, end_ms = 0;
};
MetricWindow ComputeWindow(int64_t now_ms, int64_t period_ms, int64_t length_ms, int64_t delay_ms);

}  // namespace vigil::aws
