// drop, sample and labels steps.
#include <algorithm>

#include <fmt/format.h>

#include "base/checksum.h"
#include "base/strconv.h"
#include "process/pipeline/condition.h"
#include "process/pipeline/field.h"
#include "process/pipeline/step.h"

namespace vigil::pipeline {

namespace {

class DropStep : public Step {
 public:
  explicit DropStep(Condition when) : when_(std::move(when)) {}

  void Process(WorkBatch* batch) override {
    std::vector<uint8_t> keep(batch->records.size(), 1);
    size_t dropped = 0;
    for (size_t i = 0; i < batch->records.size(); ++i) {
      if (when_.Eval(batch->records[i])) {
        keep[i] = 0;
        ++dropped;
      }
    }
    if (dropped == 0) return;
    batch->dropped += dropped;
    batch->Compact(keep);
  }

 private:
  Condition when_;
};

class SampleStep : public Step {
 public:
  SampleStep(Condition when, double rate) : when_(std::move(when)) {
    // Keep a record when the hash of its body falls below rate * 2^64.
    if (rate >= 1) {
      threshold_ = UINT64_MAX;
      keep_all_ = true;
    } else {
      threshold_ = static_cast<uint64_t>(rate * 18446744073709551616.0);
    }
  }

  void Process(WorkBatch* batch) override {
    if (keep_all_) return;
    std::vector<uint8_t> keep(batch->records.size(), 1);
    size_t out = 0;
    for (size_t i = 0; i < batch->records.size(); ++i) {
      const model::LogRecord& r = batch->records[i];
      if (!when_.always() && !when_.Eval(r)) continue;
      if (Hash64(r.body) >= threshold_) {
        keep[i] = 0;
        ++out;
      }
    }
    if (out == 0) return;
    batch->sampled_out += out;
    batch->Compact(keep);
  }

 private:
  Condition when_;
  uint64_t threshold_ = 0;
  bool keep_all_ = false;
};

class LabelsStep : public Step {
 public:
  struct FromField {
    std::string label;
    FieldRef field;
  };

  LabelsStep(std::vector<model::Label> add, std::vector<FromField> from,
             std::vector<std::pair<std::string, std::string>> rename,
             std::vector<std::string> remove)
      : add_(std::move(add)),
        from_(std::move(from)),
        rename_(std::move(rename)),
        remove_(std::move(remove)) {}

  void Process(WorkBatch* batch) override {
    std::vector<model::Label> labels;
    std::string scratch;
    for (auto& r : batch->records) {
      labels.assign(r.stream.begin(), r.stream.end());
      for (const auto& l : add_) Set(&labels, l.name, l.value);
      for (const auto& f : from_) {
        bool found = false;
        std::string_view v = f.field.Get(r, &scratch, &found);
        if (found) Set(&labels, f.label, v);
      }
      for (const auto& [from, to] : rename_) {
        auto it = Find(&labels, from);
        if (it == labels.end()) continue;
        std::string value = std::move(it->value);
        labels.erase(it);
        Set(&labels, to, value);
      }
      for (const auto& name : remove_) {
        auto it = Find(&labels, name);
        if (it != labels.end()) labels.erase(it);
      }
      std::sort(labels.begin(), labels.end(),
                [](const model::Label& a, const model::Label& b) { return a.name < b.name; });
      r.stream = model::Labels::FromSorted(std::move(labels));
      labels.clear();
    }
  }

 private:
  static std::vector<model::Label>::iterator Find(std::vector<model::Label>* labels,
                                                  std::string_view name) {
    return std::find_if(labels->begin(), labels->end(),
                        [&](const model::Label& l) { return l.name == name; });
  }
  // An empty value removes the label, as in Prometheus.
  static void Set(std::vector<model::Label>* labels, std::string_view name,
                  std::string_view value) {
    auto it = Find(labels, name);
    if (value.empty()) {
      if (it != labels->end()) labels->erase(it);
      return;
    }
    if (it != labels->end()) {
      it->value.assign(value);
    } else {
      labels->push_back(model::Label{std::string(name), std::string(value)});
    }
  }

  std::vector<model::Label> add_;
  std::vector<FromField> from_;
  std::vector<std::pair<std::string, std::string>> rename_;
  std::vector<std::string> remove_;
};

Status CheckLabelName(std::string_view what, std::string_view name) {
  if (!IsLegacyLabelName(name) || name.starts_with("__")) {
    return Status::InvalidArgument(
        fmt::format("{}: \"{}\" is not a valid stream label name ([a-zA-Z_][a-zA-Z0-9_]*, not "
                    "starting with __)",
                    what, name));
  }
  return Status::OK();
}

}  // namespace

Result<std::unique_ptr<Step>> MakeDropStep(const config::LogStepConfig& c, const StepEnv&) {
  if (c.when.empty()) return Status::InvalidArgument("drop needs a `when` condition");
  VIGIL_ASSIGN_OR_RETURN(Condition when, Condition::Compile(c.when));
  return std::unique_ptr<Step>(new DropStep(std::move(when)));
}

Result<std::unique_ptr<Step>> MakeSampleStep(const config::LogStepConfig& c, const StepEnv&) {
  if (!(c.rate >= 0 && c.rate <= 1)) {
    return Status::InvalidArgument(fmt::format("sample rate {} is not within [0, 1]", c.rate));
  }
  VIGIL_ASSIGN_OR_RETURN(Condition when, Condition::Compile(c.when));
  return std::unique_ptr<Step>(new SampleStep(std::move(when), c.rate));
}

Result<std::unique_ptr<Step>> MakeLabelsStep(const config::LogStepConfig& c, const StepEnv&) {
  if (c.add.empty() && c.rename.empty() && c.remove.empty() && c.from_fields.empty()) {
    return Status::InvalidArgument("labels needs add, rename, remove or from_fields");
  }
  std::vector<model::Label> add;
  for (const auto& [name, value] : c.add) {
    VIGIL_RETURN_IF_ERROR(CheckLabelName("add", name));
    add.push_back(model::Label{name, value});
  }
  std::vector<LabelsStep::FromField> from;
  for (const auto& [label, field] : c.from_fields) {
    VIGIL_RETURN_IF_ERROR(CheckLabelName("from_fields", label));
    auto ref = FieldRef::Parse(field);
    if (!ref.ok()) return ref.status().WithContext("from_fields");
    from.push_back(LabelsStep::FromField{label, std::move(ref).value()});
  }
  std::vector<std::pair<std::string, std::string>> rename;
  for (const auto& [from_name, to] : c.rename) {
    VIGIL_RETURN_IF_ERROR(CheckLabelName("rename", to));
    rename.emplace_back(from_name, to);
  }
  return std::unique_ptr<Step>(
      new LabelsStep(std::move(add), std::move(from), std::move(rename), c.remove));
}

}  // namespace vigil::pipeline
