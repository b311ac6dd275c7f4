// Vigil's own metrics: counters, gauges and histograms, exposed at /metrics
// in the Prometheus text format (version 0.0.4).
//
// Every component registers its metrics in a Registry it is given (tests give
// each component a fresh one). Names follow docs/architecture.md:
// vigil_<component>_<what>_<unit>, counters end in _total, reasons go in a
// `reason` label. A Family holds one metric per label-value combination; look
// the child up once and keep the pointer on hot paths: children live as long
// as the registry, and Inc/Set/Observe are lock-free.
//
// Function metrics (a value read by a callback at exposition time, e.g. the
// number of head series) are registered through a FuncHandle: destroying the
// handle unregisters the callback, so an object can register callbacks that
// point at itself and be destroyed before the registry.
//
// Thread-safety: everything here is safe to call from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::metrics {

class Counter {
 public:
  void Inc(double v = 1) { value_.fetch_add(v, std::memory_order_relaxed); }
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Gauge {
 public:
  void Set(double v) { value_.store(v, std::memory_order_relaxed); }
  void Add(double v) { value_.fetch_add(v, std::memory_order_relaxed); }
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Histogram {
 public:
  explicit Histogram(std::vector<double> upper_bounds);
  void Observe(double v);
  const std::vector<double>& bounds() const { return bounds_; }
  // Cumulative counts per bound (last = +Inf = total count), and the sum.
  std::vector<uint64_t> CumulativeCounts() const;
  double Sum() const { return sum_.load(std::memory_order_relaxed); }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;  // bounds_.size() + 1 (the +Inf bucket)
  std::atomic<double> sum_{0};
};

// Buckets for request latencies in seconds: 0.5 ms .. 60 s.
std::vector<double> DefaultLatencyBuckets();
std::vector<double> ExponentialBuckets(double start, double factor, int count);

enum class Type { kCounter, kGauge, kHistogram };

// The metrics of one name, one per combination of label values.
template <typename M>
class Family {
 public:
  Family(std::vector<std::string> label_names, std::vector<double> buckets = {})
      : label_names_(std::move(label_names)), buckets_(std::move(buckets)) {}

  // Values in the order of the family's label names.
  M* With(std::initializer_list<std::string_view> values) {
    return With(std::vector<std::string>(values.begin(), values.end()));
  }
  M* With(const std::vector<std::string>& values);

  const std::vector<std::string>& label_names() const { return label_names_; }
  // Calls f(label values, metric) for every child, sorted by label values.
  template <typename F>
  void ForEach(F&& f) const {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [values, m] : children_) f(values, *m);
  }

 private:
  std::vector<std::string> label_names_;
  std::vector<double> buckets_;
  mutable std::mutex mu_;
  std::map<std::vector<std::string>, std::unique_ptr<M>> children_;
};

class Registry;

// Unregisters a function metric when destroyed.
class FuncHandle {
 public:
  FuncHandle() = default;
  FuncHandle(Registry* r, uint64_t id) : registry_(r), id_(id) {}
  FuncHandle(FuncHandle&& o) noexcept : registry_(o.registry_), id_(o.id_) {
    o.registry_ = nullptr;
  }
  FuncHandle& operator=(FuncHandle&& o) noexcept;
  ~FuncHandle();

 private:
  Registry* registry_ = nullptr;
  uint64_t id_ = 0;
};

class Registry {
 public:
  Registry();
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // Registering the same name twice returns the existing family (the label
  // names and type must match; a mismatch aborts, it is a programming error).
  Family<Counter>& CounterFamily(const std::string& name, const std::string& help,
                                 std::vector<std::string> label_names);
  Family<Gauge>& GaugeFamily(const std::string& name, const std::string& help,
                             std::vector<std::string> label_names);
  Family<Histogram>& HistogramFamily(const std::string& name, const std::string& help,
                                     std::vector<std::string> label_names,
                                     std::vector<double> buckets);
  // Shorthands for metrics without labels.
  Counter* NewCounter(const std::string& name, const std::string& help) {
    return CounterFamily(name, help, {}).With(std::vector<std::string>{});
  }
  Gauge* NewGauge(const std::string& name, const std::string& help) {
    return GaugeFamily(name, help, {}).With(std::vector<std::string>{});
  }
  Histogram* NewHistogram(const std::string& name, const std::string& help,
                          std::vector<double> buckets) {
    return HistogramFamily(name, help, {}, std::move(buckets)).With(std::vector<std::string>{});
  }

  // A metric whose value is read by fn when exposed. Several callbacks may
  // share a name if their label values differ.
  [[nodiscard]] FuncHandle NewFunc(Type type, const std::string& name, const std::string& help,
                                   std::vector<std::pair<std::string, std::string>> labels,
                                   std::function<double()> fn);

  // Prometheus text format, families sorted by name.
  std::string Expose() const;

  // The value of one counter or gauge child (for tests), or NaN if absent.
  double Get(const std::string& name,
             const std::vector<std::pair<std::string, std::string>>& labels = {}) const;

 private:
  friend class FuncHandle;
  void Unregister(uint64_t id);

  struct Entry;
  struct FuncEntry {
    uint64_t id;
    std::vector<std::pair<std::string, std::string>> labels;
    std::function<double()> fn;
  };
  Entry& GetOrCreate(const std::string& name, const std::string& help, Type type,
                     const std::vector<std::string>& label_names);

  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<Entry>> entries_;
  uint64_t next_func_id_ = 1;
};

// The registry that `vigil serve` exposes on /metrics.
Registry& DefaultRegistry();

// Appends `value` formatted as the text format wants it (+Inf, -Inf, NaN,
// shortest round-trip otherwise).
void AppendValue(std::string* out, double value);
// Appends a label value with \, " and newline escaped.
void AppendEscapedLabelValue(std::string* out, std::string_view v);
// Appends HELP text with \ and newline escaped. (Both escapes serve every
// page Vigil writes in the text format, the host collector's too.)
void AppendEscapedHelp(std::string* out, std::string_view v);

}  // namespace vigil::metrics
