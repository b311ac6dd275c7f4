#include "process/pipeline/normalize.h"

#include <charconv>
#include <chrono>

#include <fmt/format.h>

#include "process/pipeline/field.h"
#include "process/pipeline/step.h"

namespace vigil::pipeline {

namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

}  // namespace

uint8_t SeverityFromWord(std::string_view word) {
  struct Entry {
    std::string_view word;
    uint8_t number;
  };
  static constexpr Entry kWords[] = {
      {"trace", 1}, {"trc", 1},      {"debug", 5},       {"dbg", 5},           {"dbug", 5},
      {"info", 9},  {"inf", 9},      {"information", 9}, {"informational", 9}, {"notice", 10},
      {"warn", 13}, {"warning", 13}, {"wrn", 13},        {"error", 17},        {"err", 17},
      {"eror", 17}, {"crit", 18},    {"critical", 18},   {"alert", 21},        {"fatal", 21},
      {"ftl", 21},  {"panic", 22},   {"emerg", 22},      {"emergency", 22},
  };
  for (const auto& e : kWords) {
    if (EqualsIgnoreCase(word, e.word)) return e.number;
  }
  return 0;
}

uint8_t SeverityFromValue(std::string_view value) {
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  if (value.empty()) return 0;
  if (value[0] >= '0' && value[0] <= '9') {
    int n = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    if (ec != std::errc() || end != value.data() + value.size()) return 0;
    static constexpr uint8_t kSyslog[] = {22, 21, 18, 17, 13, 10, 9, 5};
    if (n >= 0 && n <= 7) return kSyslog[n];
    switch (n) {  // bunyan / pino
      case 10:
        return 1;
      case 20:
        return 5;
      case 30:
        return 9;
      case 40:
        return 13;
      case 50:
        return 17;
      case 60:
        return 21;
      default:
        return 0;
    }
  }
  return SeverityFromWord(value);
}

int64_t CivilToUnixNanos(int64_t year, int month, int day, int hour, int minute, int second,
                         int64_t nanos) {
  logparse::GoTime t = logparse::GoTimeFromCivil(year, month, day, hour, minute, second, nanos);
  return t.sec * 1000000000LL + t.nsec;
}

// ---------------------------------------------------------------------------
// Timestamp formats. Go layouts are logparse::GoLayout's.

namespace {

bool IsDigitAt(std::string_view s, size_t i) { return i < s.size() && s[i] >= '0' && s[i] <= '9'; }

}  // namespace

Result<TimestampFormat> TimestampFormat::Make(std::string_view format) {
  TimestampFormat f;
  struct Named {
    std::string_view name;
    std::string_view layout;
  };
  static constexpr Named kNamed[] = {
      {"rfc3339", "2006-01-02T15:04:05Z07:00"},
      {"rfc3339nano", "2006-01-02T15:04:05.999999999Z07:00"},
      {"ansic", "Mon Jan _2 15:04:05 2006"},
      {"unixdate", "Mon Jan _2 15:04:05 MST 2006"},
      {"rubydate", "Mon Jan 02 15:04:05 -0700 2006"},
      {"rfc822", "02 Jan 06 15:04 MST"},
      {"rfc822z", "02 Jan 06 15:04 -0700"},
      {"rfc850", "Monday, 02-Jan-06 15:04:05 MST"},
      {"rfc1123", "Mon, 02 Jan 2006 15:04:05 MST"},
      {"rfc1123z", "Mon, 02 Jan 2006 15:04:05 -0700"},
      {"kitchen", "3:04PM"},
      {"stamp", "Jan _2 15:04:05"},
      {"stampmilli", "Jan _2 15:04:05.000"},
      {"stampmicro", "Jan _2 15:04:05.000000"},
      {"stampnano", "Jan _2 15:04:05.000000000"},
      {"datetime", "2006-01-02 15:04:05"},
      {"dateonly", "2006-01-02"},
  };
  if (format.empty()) {
    f.kind_ = Kind::kAuto;
    return f;
  }
  if (EqualsIgnoreCase(format, "unix")) {
    f.kind_ = Kind::kUnixSeconds;
    return f;
  }
  if (EqualsIgnoreCase(format, "unix_ms")) {
    f.kind_ = Kind::kUnixMillis;
    return f;
  }
  if (EqualsIgnoreCase(format, "unix_us")) {
    f.kind_ = Kind::kUnixMicros;
    return f;
  }
  if (EqualsIgnoreCase(format, "unix_ns")) {
    f.kind_ = Kind::kUnixNanos;
    return f;
  }
  std::string_view layout = format;
  for (const auto& n : kNamed) {
    if (EqualsIgnoreCase(format, n.name)) layout = n.layout;
  }
  f.kind_ = Kind::kLayout;
  f.layout_ = logparse::GoLayout::Compile(layout);
  if (f.layout_.field_count() == 0) {
    return Status::InvalidArgument(fmt::format(
        "timestamp format \"{}\": not rfc3339, unix, unix_ms, unix_us, unix_ns, a Go layout name "
        "or a Go layout (written with the reference time 2006-01-02T15:04:05Z07:00)",
        format));
  }
  return f;
}

namespace {

// "123", "123.456", "-5": integer part and fraction scaled by 10^scale_digits.
bool ParseScaledInteger(std::string_view v, int scale_digits, int64_t* out) {
  bool neg = false;
  size_t i = 0;
  if (i < v.size() && (v[i] == '-' || v[i] == '+')) {
    neg = v[i] == '-';
    ++i;
  }
  if (!IsDigitAt(v, i)) return false;
  __int128 whole = 0;
  while (IsDigitAt(v, i)) {
    whole = whole * 10 + (v[i] - '0');
    if (whole > (static_cast<__int128>(1) << 100)) return false;
    ++i;
  }
  __int128 scaled = whole;
  for (int k = 0; k < scale_digits; ++k) scaled *= 10;
  if (i < v.size() && v[i] == '.') {
    ++i;
    __int128 unit = 1;
    for (int k = 0; k < scale_digits; ++k) unit *= 10;
    int count = 0;
    while (IsDigitAt(v, i)) {
      if (count < scale_digits) {
        unit /= 10;
        scaled += unit * (v[i] - '0');
      }
      ++count;
      ++i;
    }
  }
  if (i != v.size()) return false;
  if (neg) scaled = -scaled;
  if (scaled > INT64_MAX || scaled < INT64_MIN) return false;
  *out = static_cast<int64_t>(scaled);
  return true;
}

int YearOf(int64_t ns) {
  using namespace std::chrono;
  auto days = floor<std::chrono::days>(sys_time<nanoseconds>(nanoseconds(ns)));
  return static_cast<int>(year_month_day(days).year());
}

}  // namespace

bool TimestampFormat::Parse(std::string_view v, int64_t now_ns, int64_t* out) const {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  switch (kind_) {
    case Kind::kUnixSeconds:
      return ParseScaledInteger(v, 9, out);
    case Kind::kUnixMillis:
      return ParseScaledInteger(v, 6, out);
    case Kind::kUnixMicros:
      return ParseScaledInteger(v, 3, out);
    case Kind::kUnixNanos:
      return ParseScaledInteger(v, 0, out);
    case Kind::kAuto: {
      if (!v.empty() && (IsDigitAt(v, 0) || v[0] == '-')) {
        size_t int_digits = 0;
        size_t k = v[0] == '-' ? 1 : 0;
        while (IsDigitAt(v, k)) ++int_digits, ++k;
        if (k == v.size() || v[k] == '.') {
          int scale = int_digits <= 11 ? 9 : int_digits <= 14 ? 6 : int_digits <= 17 ? 3 : 0;
          return ParseScaledInteger(v, scale, out);
        }
      }
      static const TimestampFormat* rfc3339 = [] {
        return new TimestampFormat(std::move(Make("rfc3339")).value());
      }();
      if (rfc3339->Parse(v, now_ns, out)) return true;
      // RFC 3339 also allows a space and lower-case letters; logs often use them.
      if (v.size() > 10 && (v[10] == ' ' || v[10] == 't')) {
        std::string copy(v);
        copy[10] = 'T';
        if (!copy.empty() && copy.back() == 'z') copy.back() = 'Z';
        return rfc3339->Parse(copy, now_ns, out);
      }
      return false;
    }
    case Kind::kLayout:
      break;
  }
  // Go takes year 0 for a layout without one; a log line means this year.
  int64_t default_year = layout_.has_year() ? 0 : YearOf(now_ns);
  logparse::GoTime t;
  return layout_.TryParse(v, default_year, &t) && logparse::GoTimeToUnixNanos(t, out);
}

// ---------------------------------------------------------------------------
// The normalize step.

namespace {

class NormalizeStep : public Step {
 public:
  NormalizeStep(const config::LogStepConfig& c, TimestampFormat format, const StepEnv& env)
      : timestamp_field_(c.timestamp_field),
        format_(std::move(format)),
        severity_field_(c.severity_field),
        body_field_(c.body_field),
        errors_(env.step_errors, env.pipeline, "normalize"),
        bad_timestamp_(errors_.For("bad_timestamp")) {}

  void Process(WorkBatch* batch) override {
    int64_t now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    uint64_t bad = 0;
    for (size_t i = 0; i < batch->records.size(); ++i) {
      model::LogRecord& r = batch->records[i];
      if (!timestamp_field_.empty()) {
        if (const std::string* v = FindAttribute(r.attributes, timestamp_field_)) {
          int64_t ns;
          if (format_.Parse(*v, now_ns, &ns)) {
            r.time_ns = ns;
          } else {
            ++bad;
            TagError(batch, i,
                     fmt::format("normalize: timestamp \"{}\" does not match the format", *v));
          }
        }
      }
      if (!severity_field_.empty()) {
        if (const std::string* v = FindAttribute(r.attributes, severity_field_)) {
          uint8_t sev = SeverityFromValue(*v);
          if (sev != 0) r.severity_number = sev;
          r.severity_text = *v;
        }
      }
      if (!body_field_.empty()) {
        for (auto it = r.attributes.begin(); it != r.attributes.end(); ++it) {
          if (it->key == body_field_) {
            r.body = std::move(it->value);
            r.attributes.erase(it);
            break;
          }
        }
      }
    }
    if (bad) bad_timestamp_->Inc(static_cast<double>(bad));
  }

 private:
  std::string timestamp_field_;
  TimestampFormat format_;
  std::string severity_field_;
  std::string body_field_;
  StepErrors errors_;
  metrics::Counter* bad_timestamp_;
};

}  // namespace

Result<std::unique_ptr<Step>> MakeNormalizeStep(const config::LogStepConfig& c,
                                                const StepEnv& env) {
  if (c.timestamp_field.empty() && c.severity_field.empty() && c.body_field.empty()) {
    return Status::InvalidArgument(
        "normalize needs at least one of timestamp.field, severity.field, body.field");
  }
  if (!c.timestamp_format.empty() && c.timestamp_field.empty()) {
    return Status::InvalidArgument("timestamp.format without timestamp.field");
  }
  VIGIL_ASSIGN_OR_RETURN(TimestampFormat format, TimestampFormat::Make(c.timestamp_format));
  return std::unique_ptr<Step>(new NormalizeStep(c, std::move(format), env));
}

}  // namespace vigil::pipeline
