#include "base/metrics.h"

#include <fmt/format.h>

#include <cassert>
#include <cmath>
#include <cstdlib>
#include <limits>

namespace vigil::metrics {

Histogram::Histogram(std::vector<double> upper_bounds)
    : bounds_(std::move(upper_bounds)), counts_(new std::atomic<uint64_t>[bounds_.size() + 1]) {
  for (size_t i = 0; i <= bounds_.size(); ++i) counts_[i].store(0);
}

void Histogram::Observe(double v) {
  size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i]) ++i;
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
}

std::vector<uint64_t> Histogram::CumulativeCounts() const {
  std::vector<uint64_t> out(bounds_.size() + 1);
  uint64_t acc = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    acc += counts_[i].load(std::memory_order_relaxed);
    out[i] = acc;
  }
  return out;
}

std::vector<double> DefaultLatencyBuckets() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
}

std::vector<double> ExponentialBuckets(double start, double factor, int count) {
  std::vector<double> b;
  for (int i = 0; i < count; ++i, start *= factor) b.push_back(start);
  return b;
}

template <typename M>
M* Family<M>::With(const std::vector<std::string>& values) {
  assert(values.size() == label_names_.size());
  std::lock_guard<std::mutex> lock(mu_);
  auto it = children_.find(values);
  if (it != children_.end()) return it->second.get();
  std::unique_ptr<M> m;
  if constexpr (std::is_same_v<M, Histogram>) {
    m = std::make_unique<M>(buckets_);
  } else {
    m = std::make_unique<M>();
  }
  M* raw = m.get();
  children_.emplace(values, std::move(m));
  return raw;
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

struct Registry::Entry {
  std::string help;
  Type type;
  std::vector<std::string> label_names;
  std::unique_ptr<Family<Counter>> counters;
  std::unique_ptr<Family<Gauge>> gauges;
  std::unique_ptr<Family<Histogram>> histograms;
  std::vector<FuncEntry> funcs;
};

FuncHandle& FuncHandle::operator=(FuncHandle&& o) noexcept {
  if (this != &o) {
    if (registry_) registry_->Unregister(id_);
    registry_ = o.registry_;
    id_ = o.id_;
    o.registry_ = nullptr;
  }
  return *this;
}

FuncHandle::~FuncHandle() {
  if (registry_) registry_->Unregister(id_);
}

Registry::Registry() = default;
Registry::~Registry() = default;

Registry::Entry& Registry::GetOrCreate(const std::string& name, const std::string& help, Type type,
                                       const std::vector<std::string>& label_names) {
  auto it = entries_.find(name);
  if (it != entries_.end()) {
    if (it->second->type != type) {
      fmt::print(stderr, "metrics: {} registered twice with different types\n", name);
      std::abort();
    }
    return *it->second;
  }
  auto e = std::make_unique<Entry>();
  e->help = help;
  e->type = type;
  e->label_names = label_names;
  Entry& ref = *e;
  entries_.emplace(name, std::move(e));
  return ref;
}

Family<Counter>& Registry::CounterFamily(const std::string& name, const std::string& help,
                                         std::vector<std::string> label_names) {
  std::lock_guard<std::mutex> lock(mu_);
  Entry& e = GetOrCreate(name, help, Type::kCounter, label_names);
  if (!e.counters) e.counters = std::make_unique<Family<Counter>>(std::move(label_names));
  return *e.counters;
}

Family<Gauge>& Registry::GaugeFamily(const std::string& name, const std::string& help,
                                     std::vector<std::string> label_names) {
  std::lock_guard<std::mutex> lock(mu_);
  Entry& e = GetOrCreate(name, help, Type::kGauge, label_names);
  if (!e.gauges) e.gauges = std::make_unique<Family<Gauge>>(std::move(label_names));
  return *e.gauges;
}

Family<Histogram>& Registry::HistogramFamily(const std::string& name, const std::string& help,
                                             std::vector<std::string> label_names,
                                             std::vector<double> buckets) {
  std::lock_guard<std::mutex> lock(mu_);
  Entry& e = GetOrCreate(name, help, Type::kHistogram, label_names);
  if (!e.histograms) {
    e.histograms = std::make_unique<Family<Histogram>>(std::move(label_names), std::move(buckets));
  }
  return *e.histograms;
}

FuncHandle Registry::NewFunc(Type type, const std::string& name, const std::string& help,
                             std::vector<std::pair<std::string, std::string>> labels,
                             std::function<double()> fn) {
  std::lock_guard<std::mutex> lock(mu_);
  Entry& e = GetOrCreate(name, help, type, {});
  uint64_t id = next_func_id_++;
  e.funcs.push_back(FuncEntry{id, std::move(labels), std::move(fn)});
  return FuncHandle(this, id);
}

void Registry::Unregister(uint64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [name, e] : entries_) {
    for (auto it = e->funcs.begin(); it != e->funcs.end(); ++it) {
      if (it->id == id) {
        e->funcs.erase(it);
        return;
      }
    }
  }
}

void AppendValue(std::string* out, double value) {
  if (std::isnan(value)) {
    out->append("NaN");
  } else if (std::isinf(value)) {
    out->append(value > 0 ? "+Inf" : "-Inf");
  } else {
    fmt::format_to(std::back_inserter(*out), "{}", value);
  }
}

void AppendEscapedLabelValue(std::string* out, std::string_view v) {
  for (char c : v) {
    switch (c) {
      case '\\':
        out->append("\\\\");
        break;
      case '"':
        out->append("\\\"");
        break;
      case '\n':
        out->append("\\n");
        break;
      default:
        out->push_back(c);
    }
  }
}

void AppendEscapedHelp(std::string* out, std::string_view v) {
  for (char c : v) {
    if (c == '\\') {
      out->append("\\\\");
    } else if (c == '\n') {
      out->append("\\n");
    } else {
      out->push_back(c);
    }
  }
}

namespace {

void AppendLabels(std::string* out, const std::vector<std::string>& names,
                  const std::vector<std::string>& values, std::string_view extra_name = {},
                  std::string_view extra_value = {}) {
  if (names.empty() && extra_name.empty()) return;
  out->push_back('{');
  bool first = true;
  for (size_t i = 0; i < names.size(); ++i) {
    if (!first) out->push_back(',');
    first = false;
    out->append(names[i]);
    out->append("=\"");
    AppendEscapedLabelValue(out, values[i]);
    out->push_back('"');
  }
  if (!extra_name.empty()) {
    if (!first) out->push_back(',');
    out->append(extra_name);
    out->append("=\"");
    out->append(extra_value);
    out->push_back('"');
  }
  out->push_back('}');
}

const char* TypeName(Type t) {
  switch (t) {
    case Type::kCounter:
      return "counter";
    case Type::kGauge:
      return "gauge";
    case Type::kHistogram:
      return "histogram";
  }
  return "untyped";
}

}  // namespace

std::string Registry::Expose() const {
  std::string out;
  out.reserve(16 * 1024);
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& entry : entries_) {
    // Named copies: lambdas below capture them (clang 14 cannot capture structured bindings).
    const std::string& name = entry.first;
    const Entry* e = entry.second.get();
    out += "# HELP ";
    out += name;
    out += ' ';
    AppendEscapedHelp(&out, e->help);
    out += "\n# TYPE ";
    out += name;
    out += ' ';
    out += TypeName(e->type);
    out += '\n';
    auto simple = [&](const std::vector<std::string>& values, double v) {
      out += name;
      AppendLabels(&out, e->label_names, values);
      out += ' ';
      AppendValue(&out, v);
      out += '\n';
    };
    if (e->counters)
      e->counters->ForEach([&](auto& values, const Counter& c) { simple(values, c.Value()); });
    if (e->gauges)
      e->gauges->ForEach([&](auto& values, const Gauge& g) { simple(values, g.Value()); });
    if (e->histograms) {
      e->histograms->ForEach([&](const std::vector<std::string>& values, const Histogram& h) {
        auto counts = h.CumulativeCounts();
        const auto& bounds = h.bounds();
        for (size_t i = 0; i <= bounds.size(); ++i) {
          std::string le;
          if (i == bounds.size()) {
            le = "+Inf";
          } else {
            AppendValue(&le, bounds[i]);
          }
          out += name;
          out += "_bucket";
          AppendLabels(&out, e->label_names, values, "le", le);
          out += ' ';
          AppendValue(&out, static_cast<double>(counts[i]));
          out += '\n';
        }
        out += name;
        out += "_sum";
        AppendLabels(&out, e->label_names, values);
        out += ' ';
        AppendValue(&out, h.Sum());
        out += '\n';
        out += name;
        out += "_count";
        AppendLabels(&out, e->label_names, values);
        out += ' ';
        AppendValue(&out, static_cast<double>(counts.back()));
        out += '\n';
      });
    }
    for (const auto& f : e->funcs) {
      out += name;
      if (!f.labels.empty()) {
        std::vector<std::string> names, values;
        for (const auto& [n, v] : f.labels) {
          names.push_back(n);
          values.push_back(v);
        }
        AppendLabels(&out, names, values);
      }
      out += ' ';
      AppendValue(&out, f.fn());
      out += '\n';
    }
  }
  return out;
}

double Registry::Get(const std::string& name,
                     const std::vector<std::pair<std::string, std::string>>& labels) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(name);
  if (it == entries_.end()) return std::numeric_limits<double>::quiet_NaN();
  const Entry& e = *it->second;
  std::vector<std::string> values;
  for (const auto& ln : e.label_names) {
    std::string v;
    for (const auto& [n, val] : labels) {
      if (n == ln) v = val;
    }
    values.push_back(v);
  }
  double result = std::numeric_limits<double>::quiet_NaN();
  auto match = [&](const std::vector<std::string>& vs, double v) {
    if (vs == values) result = v;
  };
  if (e.counters) e.counters->ForEach([&](auto& vs, const Counter& c) { match(vs, c.Value()); });
  if (e.gauges) e.gauges->ForEach([&](auto& vs, const Gauge& g) { match(vs, g.Value()); });
  for (const auto& f : e.funcs) {
    if (f.labels == labels) result = f.fn();
  }
  return result;
}

Registry& DefaultRegistry() {
  static Registry* r = new Registry();
  return *r;
}

}  // namespace vigil::metrics
