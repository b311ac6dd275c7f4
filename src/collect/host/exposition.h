// host/exposition: appends Prometheus text exposition (0.0.4) to a buffer,
// formatted as node_exporter's client_golang prints it: HELP and TYPE
// before a family's first sample, numbers in Go's shortest 'g' form
// ("1.167678e+06", "277292", "NaN"), label values and HELP escaped.
//
// A family's header is written lazily, so a family without samples leaves
// no trace on the page (node_exporter does not print empty families).
//
// Owned by the host collector; internal to src/collect/host.
// Thread-safety: a PageWriter is used by one thread at a time.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

namespace vigil::host {

enum class MetricType { kCounter, kGauge, kUntyped };

struct LabelPair {
  std::string_view name;
  std::string_view value;
};

class PageWriter {
 public:
  explicit PageWriter(std::string* out) : out_(out) {}

  // Begins a new family; its header is written with its first sample.
  void Family(std::string_view name, std::string_view help, MetricType type);
  // A sample of the current family. Labels are written in the given order;
  // callers pass them sorted by name, as client_golang prints them.
  void Sample(double value) { Sample({}, value); }
  void Sample(std::initializer_list<LabelPair> labels, double value);

  std::string* out() { return out_; }

 private:
  std::string* out_;
  std::string name_;
  std::string help_;
  MetricType type_ = MetricType::kUntyped;
  bool header_written_ = true;  // no family begun yet
};

// The text format's escapes are metrics::AppendEscapedHelp and
// AppendEscapedLabelValue (base/metrics.h).

}  // namespace vigil::host
