#include "process/pipeline/metric_step.h"

#include <algorithm>
#include <cmath>
#include <optional>

#include <fmt/format.h>

#include "base/logging.h"
#include "base/strconv.h"
#include "process/pipeline/condition.h"
#include "process/pipeline/field.h"
#include "process/pipeline/step.h"

namespace vigil::pipeline {

DerivedMetrics::DerivedMetrics(storage::Appendable* out, int64_t interval_ms,
                               metrics::Registry* registry, Clock clock)
    : out_(out), interval_ms_(interval_ms > 0 ? interval_ms : 15000), clock_(std::move(clock)) {
  late_records_ = registry->NewCounter(
      "vigil_pipeline_derived_late_records_total",
      "Records older than derived metrics take (30 min), counted at that age instead.");
  auto& samples = registry->CounterFamily(
      "vigil_pipeline_derived_samples_total",
      "Samples of metrics derived from logs appended to the TSDB, by result.", {"result"});
  samples_appended_ = samples.With({"appended"});
  samples_rejected_ = samples.With({"rejected"});
  flush_errors_ = registry->NewCounter("vigil_pipeline_derived_flush_errors_total",
                                       "Flushes of derived metrics whose commit failed.");
}

int DerivedMetrics::Register(const std::string& name, std::vector<double> buckets) {
  std::lock_guard<std::mutex> lock(mu_);
  auto f = std::make_unique<Family>();
  f->name = name;
  f->buckets = std::move(buckets);
  families_.push_back(std::move(f));
  return static_cast<int>(families_.size() - 1);
}

void DerivedMetrics::Add(int family, std::vector<Observation>* observations) {
  std::lock_guard<std::mutex> lock(mu_);
  Family& f = *families_[family];
  const size_t nb = f.buckets.size();
  const int64_t oldest_ms = clock_() - kMaxDerivedLagMs;
  uint64_t late = 0;
  for (auto& o : *observations) {
    model::Labels key = model::Labels::FromSorted(std::move(o.labels));
    auto [it, inserted] = f.series.try_emplace(key);
    Series& s = it->second;
    if (inserted) {
      s.labels = std::move(key);
      s.bucket_counts.assign(nb, 0);
    }
    int64_t t_ms = o.time_ns / 1000000;
    if (t_ms < oldest_ms) {
      t_ms = oldest_ms;
      ++late;
    }
    int64_t start = t_ms - ((t_ms % interval_ms_) + interval_ms_) % interval_ms_;
    if (s.last_flushed_ms != INT64_MIN && start <= s.last_flushed_ms) {
      start = s.last_flushed_ms + interval_ms_;
    }
    Series::Delta& d = s.pending[start];
    if (nb == 0) {
      d.total += o.value;
      continue;
    }
    if (d.buckets.empty()) d.buckets.assign(nb, 0);
    d.total += o.value;
    d.count += 1;
    for (size_t b = 0; b < nb; ++b) {
      if (o.value <= f.buckets[b]) d.buckets[b] += 1;
    }
  }
  if (late) late_records_->Inc(static_cast<double>(late));
}

Status DerivedMetrics::Flush() {
  std::lock_guard<std::mutex> lock(mu_);
  bool any = false;
  for (const auto& f : families_) {
    for (const auto& [k, s] : f->series) any = any || !s.pending.empty();
  }
  if (!any) return Status::OK();
  std::unique_ptr<storage::Appender> app = out_->NewAppender();
  uint64_t appended = 0, rejected = 0;
  std::vector<model::Label> scratch;
  for (const auto& f : families_) {
    const size_t nb = f->buckets.size();
    const bool histogram = nb > 0;
    // Output series names, in the order of Series::refs.
    std::vector<std::pair<std::string, std::string>> outputs;  // name, le
    if (!histogram) {
      outputs.emplace_back(f->name.ends_with("_total") ? f->name : f->name + "_total", "");
    } else {
      for (double b : f->buckets) outputs.emplace_back(f->name + "_bucket", FormatGoFloat(b, 'g'));
      outputs.emplace_back(f->name + "_bucket", "+Inf");
      outputs.emplace_back(f->name + "_sum", "");
      outputs.emplace_back(f->name + "_count", "");
    }
    for (auto& [key, s] : f->series) {
      if (s.pending.empty()) continue;
      if (s.refs.empty()) s.refs.assign(outputs.size(), 0);
      for (auto& [start, d] : s.pending) {
        s.total += d.total;
        s.count += d.count;
        for (size_t b = 0; b < nb && b < d.buckets.size(); ++b) s.bucket_counts[b] += d.buckets[b];
        for (size_t o = 0; o < outputs.size(); ++o) {
          double v;
          if (!histogram) {
            v = s.total;
          } else if (o < nb) {
            v = static_cast<double>(s.bucket_counts[o]);
          } else if (o == nb) {
            v = static_cast<double>(s.count);
          } else if (o == nb + 1) {
            v = s.total;
          } else {
            v = static_cast<double>(s.count);
          }
          // The labels go along with a cached ref: storage falls back to
          // them once the ref's series has left the head.
          std::vector<model::LabelView> view;
          {
            scratch.assign(s.labels.begin(), s.labels.end());
            scratch.push_back(model::Label{std::string(model::kMetricName), outputs[o].first});
            if (!outputs[o].second.empty())
              scratch.push_back(model::Label{"le", outputs[o].second});
            std::sort(scratch.begin(), scratch.end(),
                      [](const model::Label& a, const model::Label& b) { return a.name < b.name; });
            for (const auto& l : scratch) view.push_back(model::LabelView{l.name, l.value});
          }
          storage::AppendResult r = app->Append(s.refs[o], view, start, v);
          if (r.ref != 0) s.refs[o] = r.ref;
          if (r.ok()) {
            ++appended;
          } else {
            ++rejected;
          }
        }
        s.last_flushed_ms = start;
      }
      s.pending.clear();
    }
    storage::MetricMetadata md;
    md.type = histogram ? storage::MetricMetadata::Type::kHistogram
                        : storage::MetricMetadata::Type::kCounter;
    md.help = "Derived from logs by a pipeline metric step.";
    app->UpdateMetadata(histogram ? f->name : outputs[0].first, md);
  }
  Status st = app->Commit();
  if (!st.ok()) {
    flush_errors_->Inc();
    log::Get("pipeline")->warn("derived metrics: commit failed: {}", st.ToString());
    return st;
  }
  samples_appended_->Inc(static_cast<double>(appended));
  if (rejected) samples_rejected_->Inc(static_cast<double>(rejected));
  return Status::OK();
}

// ---------------------------------------------------------------------------
// The metric step.

namespace {

class MetricStep : public Step {
 public:
  struct LabelField {
    std::string label;
    FieldRef field;
  };

  MetricStep(DerivedMetrics* out, int family, Condition when, std::vector<LabelField> labels,
             std::optional<FieldRef> value, const StepEnv& env)
      : out_(out),
        family_(family),
        when_(std::move(when)),
        labels_(std::move(labels)),
        value_(std::move(value)),
        errors_(env.step_errors, env.pipeline, "metric"),
        bad_value_(errors_.For("bad_value")) {}

  void Process(WorkBatch* batch) override {
    std::vector<DerivedMetrics::Observation> obs;
    obs.reserve(batch->records.size());
    std::string scratch;
    uint64_t bad = 0;
    for (const auto& r : batch->records) {
      if (!when_.always() && !when_.Eval(r)) continue;
      DerivedMetrics::Observation o;
      o.time_ns = r.EffectiveTime();
      if (value_) {
        if (!value_->GetNumber(r, &o.value) || std::isnan(o.value)) {
          ++bad;
          continue;
        }
      }
      for (const auto& lf : labels_) {
        std::string_view v = lf.field.Get(r, &scratch);
        if (!v.empty()) o.labels.push_back(model::Label{lf.label, std::string(v)});
      }
      obs.push_back(std::move(o));
    }
    if (bad) bad_value_->Inc(static_cast<double>(bad));
    if (!obs.empty()) out_->Add(family_, &obs);
  }

 private:
  DerivedMetrics* out_;
  int family_;
  Condition when_;
  std::vector<LabelField> labels_;  // sorted by label
  std::optional<FieldRef> value_;
  StepErrors errors_;
  metrics::Counter* bad_value_;
};

std::string LabelNameForField(std::string_view field) {
  for (std::string_view p : {"labels.", "attributes.", "resource."}) {
    if (field.starts_with(p)) {
      field.remove_prefix(p.size());
      break;
    }
  }
  std::string out;
  for (char c : field) {
    bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    out += ok ? c : '_';
  }
  if (out.empty() || (out[0] >= '0' && out[0] <= '9')) out.insert(out.begin(), '_');
  return out;
}

}  // namespace

Result<std::unique_ptr<Step>> MakeMetricStep(const config::LogStepConfig& c, const StepEnv& env) {
  if (env.derived == nullptr) {
    return Status::InvalidArgument("metric steps need a metrics output (none configured)");
  }
  if (!IsLegacyMetricName(c.metric_name)) {
    return Status::InvalidArgument(
        fmt::format("metric name \"{}\" is not a valid metric name", c.metric_name));
  }
  bool histogram;
  if (c.metric_type == "counter") {
    histogram = false;
  } else if (c.metric_type == "histogram") {
    histogram = true;
  } else {
    return Status::InvalidArgument(
        fmt::format("metric type \"{}\": want counter or histogram", c.metric_type));
  }
  std::optional<FieldRef> value;
  if (!c.value_field.empty()) {
    auto ref = FieldRef::Parse(c.value_field);
    if (!ref.ok()) return ref.status().WithContext("value_field");
    value = std::move(ref).value();
  } else if (histogram) {
    return Status::InvalidArgument("a histogram metric needs value_field");
  }
  std::vector<double> buckets;
  if (histogram) {
    buckets = c.buckets;
    if (buckets.empty()) buckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
    for (size_t i = 0; i < buckets.size(); ++i) {
      if (std::isnan(buckets[i]) || (i > 0 && buckets[i] <= buckets[i - 1])) {
        return Status::InvalidArgument("buckets must be increasing numbers");
      }
    }
    if (std::isinf(buckets.back())) buckets.pop_back();  // +Inf is implied
  } else if (!c.buckets.empty()) {
    return Status::InvalidArgument("buckets are for histogram metrics");
  }
  std::vector<MetricStep::LabelField> labels;
  for (const auto& name : c.label_fields) {
    auto ref = FieldRef::Parse(name);
    if (!ref.ok()) return ref.status().WithContext("label_fields");
    std::string label = LabelNameForField(name);
    if (label.starts_with("__") || (histogram && label == "le")) {
      return Status::InvalidArgument(
          fmt::format("label_fields: \"{}\" gives label name \"{}\", "
                      "which is reserved",
                      name, label));
    }
    for (const auto& l : labels) {
      if (l.label == label) {
        return Status::InvalidArgument(
            fmt::format("label_fields: two fields give the label name \"{}\"", label));
      }
    }
    labels.push_back(MetricStep::LabelField{label, std::move(ref).value()});
  }
  std::sort(labels.begin(), labels.end(),
            [](const auto& a, const auto& b) { return a.label < b.label; });
  VIGIL_ASSIGN_OR_RETURN(Condition when, Condition::Compile(c.when));
  int family = env.derived->Register(c.metric_name, std::move(buckets));
  return std::unique_ptr<Step>(new MetricStep(env.derived, family, std::move(when),
                                              std::move(labels), std::move(value), env));
}

}  // namespace vigil::pipeline
