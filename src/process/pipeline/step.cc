#include "process/pipeline/step.h"

#include <fmt/format.h>

#include "process/pipeline/field.h"

namespace vigil::pipeline {

void WorkBatch::Compact(const std::vector<uint8_t>& keep) {
  size_t out = 0;
  for (size_t i = 0; i < records.size(); ++i) {
    if (!keep[i]) continue;
    if (out != i) {
      records[out] = std::move(records[i]);
      origin[out] = origin[i];
      errored[out] = errored[i];
    }
    ++out;
  }
  records.resize(out);
  origin.resize(out);
  errored.resize(out);
}

void TagError(WorkBatch* batch, size_t i, std::string message) {
  SetAttribute(&batch->records[i].attributes, "vigil.error", std::move(message));
  batch->errored[i] = 1;
}

StepErrors::StepErrors(metrics::Family<metrics::Counter>* family, std::string pipeline,
                       std::string step)
    : family_(family), pipeline_(std::move(pipeline)), step_(std::move(step)) {}

metrics::Counter* StepErrors::For(std::string_view reason) {
  return family_->With({pipeline_, step_, reason});
}

Result<std::unique_ptr<Step>> MakeStep(const config::LogStepConfig& config, const StepEnv& env) {
  const std::string& t = config.type;
  if (t == "json" || t == "logfmt" || t == "regex" || t == "syslog" || t == "nginx" ||
      t == "apache") {
    return MakeParseStep(config, env);
  }
  if (t == "normalize") return MakeNormalizeStep(config, env);
  if (t == "redact") return MakeRedactStep(config, env);
  if (t == "drop") return MakeDropStep(config, env);
  if (t == "sample") return MakeSampleStep(config, env);
  if (t == "labels") return MakeLabelsStep(config, env);
  if (t == "metric") return MakeMetricStep(config, env);
  if (t == "lua") return MakeLuaStep(config, env);
  return Status::InvalidArgument(
      fmt::format("unknown step type \"{}\" (want json, logfmt, regex, syslog, nginx, apache, "
                  "normalize, redact, drop, sample, labels, metric or lua)",
                  t));
}

}  // namespace vigil::pipeline
