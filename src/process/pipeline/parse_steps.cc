// Parse steps: json, logfmt, regex, nginx/apache (combined access log) via
// logparse, and syslog via logs::ParseSyslog.
#include <fmt/format.h>

#include "process/pipeline/field.h"
#include "process/pipeline/step.h"

#ifdef VIGIL_PIPELINE_HAVE_LOGPARSE
#include "process/logparse/logparse.h"
#endif
#ifdef VIGIL_PIPELINE_HAVE_SYSLOG
#include "collect/logs/syslog/syslog.h"
#endif

namespace vigil::pipeline {

namespace {

#ifdef VIGIL_PIPELINE_HAVE_LOGPARSE

class FieldParseStep : public Step {
 public:
  enum class Kind { kJson, kLogfmt, kRegex, kCombined };

  FieldParseStep(Kind kind, const config::LogStepConfig& c,
                 std::shared_ptr<const logparse::RegexpParser> regex, const StepEnv& env)
      : kind_(kind),
        type_(c.type),
        source_(c.source),
        prefix_(c.prefix),
        regex_(std::move(regex)),
        errors_(env.step_errors, env.pipeline, c.type),
        parse_errors_(errors_.For("parse_error")) {}

  void Process(WorkBatch* batch) override {
    logparse::Fields fields;
    fields.reserve(16);
    uint64_t failed = 0;
    for (size_t i = 0; i < batch->records.size(); ++i) {
      model::LogRecord& r = batch->records[i];
      std::string_view text;
      if (source_.empty()) {
        text = r.body;
      } else {
        const std::string* v = FindAttribute(r.attributes, source_);
        if (v == nullptr) continue;
        text = *v;
      }
      fields.clear();
      Status st = Parse(text, &fields);
      // `text` may point into the attributes: it is not used past here.
      r.attributes.reserve(r.attributes.size() + fields.size());
      for (auto& [key, value] : fields) {
        if (prefix_.empty()) {
          SetAttribute(&r.attributes, key, std::move(value));
        } else {
          SetAttribute(&r.attributes, prefix_ + key, std::move(value));
        }
      }
      if (!st.ok()) {
        ++failed;
        TagError(batch, i, type_ + ": " + st.message());
      }
    }
    if (failed) parse_errors_->Inc(static_cast<double>(failed));
  }

 private:
  Status Parse(std::string_view text, logparse::Fields* out) const {
    switch (kind_) {
      case Kind::kJson:
        return logparse::ParseJson(text, out);
      case Kind::kLogfmt:
        return logparse::ParseLogfmt(text, out);
      case Kind::kRegex:
        return regex_->Parse(text, out);
      case Kind::kCombined:
#ifdef VIGIL_PIPELINE_HAVE_COMBINED
        return logparse::ParseCombinedAccessLog(text, out);
#else
        return Status::Internal("combined access log parser not built");
#endif
    }
    return Status::OK();
  }

  Kind kind_;
  std::string type_;
  std::string source_;
  std::string prefix_;
  std::shared_ptr<const logparse::RegexpParser> regex_;
  StepErrors errors_;
  metrics::Counter* parse_errors_;
};

#endif  // VIGIL_PIPELINE_HAVE_LOGPARSE

#ifdef VIGIL_PIPELINE_HAVE_SYSLOG

void MergeAttributes(std::vector<model::LogAttribute>* into,
                     std::vector<model::LogAttribute>* from) {
  if (into->empty()) {
    *into = std::move(*from);
    return;
  }
  for (auto& a : *from) SetAttribute(into, a.key, std::move(a.value));
}

// The body (or an attribute) holds a whole syslog message: the record takes
// its time, severity, message, host/job labels and syslog attributes.
class SyslogStep : public Step {
 public:
  explicit SyslogStep(const config::LogStepConfig& c) : source_(c.source) {}

  void Process(WorkBatch* batch) override {
    for (auto& r : batch->records) {
      std::string message;
      if (source_.empty()) {
        message = std::move(r.body);
      } else {
        const std::string* v = FindAttribute(r.attributes, source_);
        if (v == nullptr) continue;
        message = *v;
      }
      model::LogRecord parsed;
      parsed.stream = std::move(r.stream);
      parsed.observed_time_ns = r.observed_time_ns;
      logs::SyslogParseOptions options;
      options.observed_time_ns = r.observed_time_ns;
      logs::ParseSyslog(message, options, &parsed);
      r.stream = std::move(parsed.stream);
      r.body = std::move(parsed.body);
      if (parsed.time_ns != 0) r.time_ns = parsed.time_ns;
      if (parsed.severity_number != 0 || !parsed.severity_text.empty()) {
        r.severity_number = parsed.severity_number;
        r.severity_text = std::move(parsed.severity_text);
      }
      MergeAttributes(&r.attributes, &parsed.attributes);
      MergeAttributes(&r.resource, &parsed.resource);
    }
  }

 private:
  std::string source_;
};

#endif  // VIGIL_PIPELINE_HAVE_SYSLOG

}  // namespace

Result<std::unique_ptr<Step>> MakeParseStep(const config::LogStepConfig& c, const StepEnv& env) {
  if (c.type != "regex" && !c.expression.empty()) {
    return Status::InvalidArgument(fmt::format("expression is for regex steps, not {}", c.type));
  }
  if (c.type == "syslog") {
#ifdef VIGIL_PIPELINE_HAVE_SYSLOG
    if (!c.prefix.empty())
      return Status::InvalidArgument("prefix is not supported by syslog steps");
    return std::unique_ptr<Step>(new SyslogStep(c));
#else
    return Status::InvalidArgument("syslog steps are not available: vigil_logs_syslog not built");
#endif
  }
#ifdef VIGIL_PIPELINE_HAVE_LOGPARSE
  using Kind = FieldParseStep::Kind;
  std::shared_ptr<const logparse::RegexpParser> regex;
  Kind kind;
  if (c.type == "json") {
    kind = Kind::kJson;
  } else if (c.type == "logfmt") {
    kind = Kind::kLogfmt;
  } else if (c.type == "regex") {
    kind = Kind::kRegex;
    if (c.expression.empty()) return Status::InvalidArgument("regex step needs an expression");
    auto made = logparse::RegexpParser::Make(c.expression);
    if (!made.ok()) {
      return Status::InvalidArgument(
          fmt::format("bad expression \"{}\": {}", c.expression, made.status().message()));
    }
    regex = std::move(made).value();
  } else {
#ifndef VIGIL_PIPELINE_HAVE_COMBINED
    return Status::InvalidArgument(fmt::format(
        "{} steps are not available: vigil_logparse has no access log parser yet", c.type));
#endif
    kind = Kind::kCombined;  // nginx, apache
  }
  return std::unique_ptr<Step>(new FieldParseStep(kind, c, std::move(regex), env));
#else
  (void)env;
  return Status::InvalidArgument(
      fmt::format("{} steps are not available: vigil_logparse not built", c.type));
#endif
}

}  // namespace vigil::pipeline
