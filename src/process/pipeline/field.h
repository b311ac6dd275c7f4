// Fields of a LogRecord named in pipeline config: `when` conditions, label
// sources (labels.from_fields), metric labels and values. A FieldRef is
// resolved once at Make; Get reads the field without allocating (numbers
// are formatted into a caller's scratch string).
//
// Names: body, severity (= severity_text), severity_text, severity_number,
// time_ns, observed_time_ns, trace_id, span_id, labels.<name>,
// attributes.<key>, resource.<key>; any other name is an attribute key,
// falling back to the stream label of that name when there is no such
// attribute (so `level` after a json step finds the parsed field).
//
// Thread-safety: immutable after Parse.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "model/log_record.h"

namespace vigil::pipeline {

class FieldRef {
 public:
  enum class Kind : uint8_t {
    kBody,
    kSeverityText,
    kSeverityNumber,
    kTime,
    kObservedTime,
    kTraceId,
    kSpanId,
    kLabel,
    kAttribute,
    kResource,
    kAttributeOrLabel,
  };

  static Result<FieldRef> Parse(std::string_view name);

  Kind kind() const { return kind_; }
  const std::string& key() const { return key_; }
  const std::string& name() const { return name_; }
  bool numeric() const {
    return kind_ == Kind::kSeverityNumber || kind_ == Kind::kTime || kind_ == Kind::kObservedTime;
  }

  // The field's text ("" when absent); `found` tells absent from empty.
  std::string_view Get(const model::LogRecord& r, std::string* scratch,
                       bool* found = nullptr) const;
  // The field as a number: numeric fields directly, others parsed as a
  // decimal float. False when absent or not a number.
  bool GetNumber(const model::LogRecord& r, double* out) const;

 private:
  Kind kind_ = Kind::kBody;
  std::string key_;
  std::string name_;
};

// Attribute helpers shared by the steps.
const std::string* FindAttribute(const std::vector<model::LogAttribute>& attrs,
                                 std::string_view key);
std::string* FindAttribute(std::vector<model::LogAttribute>& attrs, std::string_view key);
// Sets key to value, replacing an existing attribute of that key.
void SetAttribute(std::vector<model::LogAttribute>* attrs, std::string_view key, std::string value);
bool RemoveAttribute(std::vector<model::LogAttribute>* attrs, std::string_view key);

// Parses a decimal number ("42", "-1.5e3", " 7"); false if s is not one.
bool ParseNumber(std::string_view s, double* out);

}  // namespace vigil::pipeline
