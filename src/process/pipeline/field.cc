#include "process/pipeline/field.h"

#include <charconv>

#include <fmt/format.h>

namespace vigil::pipeline {

Result<FieldRef> FieldRef::Parse(std::string_view name) {
  FieldRef f;
  f.name_ = std::string(name);
  if (name.empty()) return Status::InvalidArgument("empty field name");
  struct Fixed {
    std::string_view name;
    Kind kind;
  };
  static constexpr Fixed kFixed[] = {
      {"body", Kind::kBody},
      {"severity", Kind::kSeverityText},
      {"severity_text", Kind::kSeverityText},
      {"severity_number", Kind::kSeverityNumber},
      {"time_ns", Kind::kTime},
      {"observed_time_ns", Kind::kObservedTime},
      {"trace_id", Kind::kTraceId},
      {"span_id", Kind::kSpanId},
  };
  for (const auto& fixed : kFixed) {
    if (name == fixed.name) {
      f.kind_ = fixed.kind;
      return f;
    }
  }
  struct Prefix {
    std::string_view prefix;
    Kind kind;
  };
  static constexpr Prefix kPrefixes[] = {
      {"labels.", Kind::kLabel},
      {"attributes.", Kind::kAttribute},
      {"resource.", Kind::kResource},
  };
  for (const auto& p : kPrefixes) {
    if (name.starts_with(p.prefix)) {
      f.kind_ = p.kind;
      f.key_ = std::string(name.substr(p.prefix.size()));
      if (f.key_.empty())
        return Status::InvalidArgument(fmt::format("field \"{}\": empty key", name));
      return f;
    }
  }
  f.kind_ = Kind::kAttributeOrLabel;
  f.key_ = std::string(name);
  return f;
}

namespace {

std::string_view FormatInt(int64_t v, std::string* scratch) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  (void)ec;
  scratch->assign(buf, end);
  return *scratch;
}

std::string_view Lookup(const std::vector<model::LogAttribute>& attrs, std::string_view key,
                        bool* found) {
  const std::string* v = FindAttribute(attrs, key);
  if (found) *found = v != nullptr;
  return v ? std::string_view(*v) : std::string_view();
}

}  // namespace

std::string_view FieldRef::Get(const model::LogRecord& r, std::string* scratch, bool* found) const {
  if (found) *found = true;
  switch (kind_) {
    case Kind::kBody:
      return r.body;
    case Kind::kSeverityText:
      return r.severity_text;
    case Kind::kSeverityNumber:
      return FormatInt(r.severity_number, scratch);
    case Kind::kTime:
      return FormatInt(r.EffectiveTime(), scratch);
    case Kind::kObservedTime:
      return FormatInt(r.observed_time_ns, scratch);
    case Kind::kTraceId:
      return r.trace_id;
    case Kind::kSpanId:
      return r.span_id;
    case Kind::kLabel: {
      if (found) *found = r.stream.Has(key_);
      return r.stream.Get(key_);
    }
    case Kind::kAttribute:
      return Lookup(r.attributes, key_, found);
    case Kind::kResource:
      return Lookup(r.resource, key_, found);
    case Kind::kAttributeOrLabel: {
      if (const std::string* v = FindAttribute(r.attributes, key_)) return *v;
      if (found) *found = r.stream.Has(key_);
      return r.stream.Get(key_);
    }
  }
  return {};
}

bool FieldRef::GetNumber(const model::LogRecord& r, double* out) const {
  switch (kind_) {
    case Kind::kSeverityNumber:
      *out = r.severity_number;
      return true;
    case Kind::kTime:
      *out = static_cast<double>(r.EffectiveTime());
      return true;
    case Kind::kObservedTime:
      *out = static_cast<double>(r.observed_time_ns);
      return true;
    default: {
      std::string scratch;
      bool found = false;
      std::string_view v = Get(r, &scratch, &found);
      return found && ParseNumber(v, out);
    }
  }
}

const std::string* FindAttribute(const std::vector<model::LogAttribute>& attrs,
                                 std::string_view key) {
  for (const auto& a : attrs) {
    if (a.key == key) return &a.value;
  }
  return nullptr;
}

std::string* FindAttribute(std::vector<model::LogAttribute>& attrs, std::string_view key) {
  for (auto& a : attrs) {
    if (a.key == key) return &a.value;
  }
  return nullptr;
}

void SetAttribute(std::vector<model::LogAttribute>* attrs, std::string_view key,
                  std::string value) {
  if (std::string* v = FindAttribute(*attrs, key)) {
    *v = std::move(value);
    return;
  }
  attrs->push_back(model::LogAttribute{std::string(key), std::move(value)});
}

bool RemoveAttribute(std::vector<model::LogAttribute>* attrs, std::string_view key) {
  for (auto it = attrs->begin(); it != attrs->end(); ++it) {
    if (it->key == key) {
      attrs->erase(it);
      return true;
    }
  }
  return false;
}

bool ParseNumber(std::string_view s, double* out) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  if (s.empty()) return false;
  if (s.front() == '+') s.remove_prefix(1);
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size();
}

}  // namespace vigil::pipeline
