// Azure Monitor metrics:getBatch (data plane, api-version 2024-02-01): the
// request for up to 50 resources of one subscription, region and metric
// namespace, and the parser of its response, which keeps the latest point of
// each series and aggregation. Also the ISO 8601 durations Azure uses for
// intervals and timespans, and the query window.
//
//   POST {metrics endpoint}/subscriptions/{sub}/metrics:getBatch?starttime=..
//        &endtime=..&interval=PT1M&metricnamespace=..&metricnames=a,b
//        &aggregation=average,maximum[&top=..][&filter=..]&api-version=2024-02-01
//   {"resourceids":["/subscriptions/.../virtualMachines/vm-1", ...]}
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/json.h"
#include "base/result.h"

namespace vigil::cloud::azure {

inline constexpr const char* kBatchApiVersion = "2024-02-01";
inline constexpr int kMaxBatchResources = 50;  // resource ids per getBatch call
inline constexpr int kMaxBatchMetrics = 20;    // metric names per call

// "PT1M" -> 60000, "PT1H30M", "P1D", "PT0.5S"; weeks, months and years are
// refused (their length varies or Azure has no such grain).
Result<int64_t> ParseIsoDuration(std::string_view s);
// 300000 -> "PT5M", 3600000 -> "PT1H", 86400000 -> "P1D", 90000 -> "PT1M30S".
std::string FormatIsoDuration(int64_t ms);

struct QueryWindow {
  int64_t start_ms = 0;
  int64_t end_ms = 0;
};
// end = now - delay rounded down to the interval; start = end - timespan
// (timespan 0: five intervals).
QueryWindow ComputeWindow(int64_t now_ms, int64_t delay_ms, int64_t interval_ms,
                          int64_t timespan_ms);

struct BatchQuery {
  std::string subscription;
  std::string region;
  std::string metric_namespace;
  std::vector<std::string> metric_names;
  std::vector<std::string> aggregations;  // as configured: average, maximum...
  std::string interval = "PT1M";
  QueryWindow window;
  std::string filter;  // optional dimension filter
  int top = 0;         // with filter
  std::vector<std::string> resource_ids;
};

// metrics_endpoint may contain "{region}", replaced by the query's region.
std::string BatchUrl(std::string_view metrics_endpoint, const BatchQuery& q);
std::string BatchBody(const BatchQuery& q);

struct LatestPoint {
  int64_t t_ms = 0;
  double value = 0;
};

struct BatchSeries {
  std::string resource_id;                                      // values[].resourceid
  std::string resource_region;                                  // values[].resourceregion
  std::string metric;                                           // value[].name.value
  std::string unit;                                             // value[].unit
  std::vector<std::pair<std::string, std::string>> dimensions;  // metadatavalues
  // The latest point carrying each aggregation, keyed by its lower-case name
  // (average, minimum, maximum, total, count). Points with only a timeStamp
  // are grains without data and are skipped.
  std::map<std::string, LatestPoint> latest;
};

struct BatchResponse {
  std::vector<BatchSeries> series;
  // Per resource and metric errors (errorCode other than "Success").
  std::vector<std::string> errors;
};

Result<BatchResponse> ParseBatchResponse(std::string_view body);

}  // namespace vigil::cloud::azure
