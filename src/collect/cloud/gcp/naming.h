// How Google Cloud Monitoring time series become Prometheus series, as
// prometheus-community/stackdriver_exporter names them, so dashboards and
// alerts written for it work unchanged:
//
//   __name__  stackdriver_<resource.type>_<metric.type>, each part through
//             NormalizeMetricName ("gce_instance",
//             "compute.googleapis.com/instance/cpu/utilization" ->
//             stackdriver_gce_instance_compute_googleapis_com_instance_cpu_utilization)
//   labels    unit (the descriptor's unit, else the series'), then the metric
//             labels, then the resource labels; the first of a name wins.
//             Vigil adds project_id (the project queried) when the resource
//             labels have none.
//   value     the newest point of the series (by end time), at its end time:
//             BOOL 0/1, INT64, DOUBLE; GAUGE, DELTA and CUMULATIVE alike (no
//             _total suffix, as stackdriver_exporter). DISTRIBUTION becomes a
//             histogram: <name>_bucket{le} (cumulative, le as Go prints
//             floats, last +Inf), <name>_sum (= mean x count) and
//             <name>_count. STRING, MONEY and unknown kinds are skipped.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "collect/cloud/gcp/timeseries.h"
#include "model/labels.h"

namespace vigil::gcp {

// stackdriver_exporter's utils.NormalizeMetricName: split into camel-case
// words (runs of lower-case letters, upper-case letters — the last of an
// upper-case run starting the next word when a lower-case letter follows —,
// digits, and other characters), turn each word's trailing run of
// characters outside [a-zA-Z0-9_] into "_", trim "_", lower-case, drop the
// empty ones, join with "_". "k8s_container" -> "k_8_s_container",
// "backendLatencies" -> "backend_latencies". Non-ASCII bytes count as
// "other" characters. The result is finally made a valid metric name.
std::string NormalizeMetricName(std::string_view s);

// stackdriver_<NormalizeMetricName(resource_type)>_<NormalizeMetricName(metric_type)>
// (an empty part is left out, as prometheus.BuildFQName does).
std::string StackdriverMetricName(std::string_view resource_type, std::string_view metric_type);

struct ConvertedSample {
  model::Labels labels;
  int64_t t_ms = 0;
  double v = 0;
};

// Appends the samples of ts's newest point (several for a distribution).
// descriptor_unit: the metric descriptor's unit ("" = use the series').
// Returns false, appending nothing, for a series stackdriver_exporter
// discards (no points, unknown kind, STRING/MONEY, a value that does not
// match valueType, a distribution without bucket options).
bool ConvertTimeSeries(const TimeSeries& ts, std::string_view descriptor_unit,
                       std::string_view project_id, std::vector<ConvertedSample>* out);

}  // namespace vigil::gcp
