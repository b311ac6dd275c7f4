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
  // Days from civil (Howard Hinnant's algorithm).
  year -= month <= 2;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const int64_t yoe = year - era * 400;
  const int64_t doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  const int64_t days = era * 146097 + doe - 719468;
  return ((days * 86400 + hour * 3600 + minute * 60 + second) * 1000000000LL) + nanos;
}

// ---------------------------------------------------------------------------
// Go layouts.

namespace {

enum Std : uint8_t {
  kLiteral = 0,
  kLongMonth,
  kMonth,
  kNumMonth,
  kZeroMonth,
  kLongWeekDay,
  kWeekDay,
  kDay,
  kUnderDay,
  kZeroDay,
  kHour,
  kHour12,
  kZeroHour12,
  kMinute,
  kZeroMinute,
  kSecond,
  kZeroSecond,
  kLongYear,
  kYear,
  kPM,
  kpm,
  kTZ,
  kISO8601TZ,         // Z0700
  kISO8601SecondsTZ,  // Z070000
  kISO8601ShortTZ,    // Z07
  kISO8601ColonTZ,    // Z07:00
  kISO8601ColonSecondsTZ,
  kNumTZ,              // -0700
  kNumSecondsTz,       // -070000
  kNumShortTZ,         // -07
  kNumColonTZ,         // -07:00
  kNumColonSecondsTZ,  // -07:00:00
  kFracSecond0,        // .000, exact digits
  kFracSecond9,        // .999, optional digits
};

bool StartsWith(std::string_view s, size_t i, std::string_view p) {
  return s.substr(i, p.size()) == p;
}

bool IsDigitAt(std::string_view s, size_t i) { return i < s.size() && s[i] >= '0' && s[i] <= '9'; }

// Finds the next layout element at or after `i`: returns its position, its
// code and its length (Go's nextStdChunk).
void NextStd(std::string_view l, size_t i, size_t* at, uint8_t* code, size_t* len,
             uint8_t* digits) {
  *digits = 0;
  for (; i < l.size(); ++i) {
    auto hit = [&](uint8_t c, size_t n) {
      *at = i;
      *code = c;
      *len = n;
    };
    switch (l[i]) {
      case 'J':
        if (StartsWith(l, i, "January")) return hit(kLongMonth, 7);
        if (StartsWith(l, i, "Jan")) return hit(kMonth, 3);
        break;
      case 'M':
        if (StartsWith(l, i, "Monday")) return hit(kLongWeekDay, 6);
        if (StartsWith(l, i, "Mon")) return hit(kWeekDay, 3);
        if (StartsWith(l, i, "MST")) return hit(kTZ, 3);
        break;
      case '0':
        if (i + 1 < l.size() && l[i + 1] >= '1' && l[i + 1] <= '6') {
          static constexpr uint8_t k[] = {kZeroMonth,  kZeroDay,    kZeroHour12,
                                          kZeroMinute, kZeroSecond, kYear};
          return hit(k[l[i + 1] - '1'], 2);
        }
        break;
      case '1':
        if (StartsWith(l, i, "15")) return hit(kHour, 2);
        return hit(kNumMonth, 1);
      case '2':
        if (StartsWith(l, i, "2006")) return hit(kLongYear, 4);
        return hit(kDay, 1);
      case '_':
        if (StartsWith(l, i, "_2") && !StartsWith(l, i, "_2006")) return hit(kUnderDay, 2);
        break;
      case '3':
        return hit(kHour12, 1);
      case '4':
        return hit(kMinute, 1);
      case '5':
        return hit(kSecond, 1);
      case 'P':
        if (StartsWith(l, i, "PM")) return hit(kPM, 2);
        break;
      case 'p':
        if (StartsWith(l, i, "pm")) return hit(kpm, 2);
        break;
      case '-':
        if (StartsWith(l, i, "-07:00:00")) return hit(kNumColonSecondsTZ, 9);
        if (StartsWith(l, i, "-070000")) return hit(kNumSecondsTz, 7);
        if (StartsWith(l, i, "-07:00")) return hit(kNumColonTZ, 6);
        if (StartsWith(l, i, "-0700")) return hit(kNumTZ, 5);
        if (StartsWith(l, i, "-07")) return hit(kNumShortTZ, 3);
        break;
      case 'Z':
        if (StartsWith(l, i, "Z07:00:00")) return hit(kISO8601ColonSecondsTZ, 9);
        if (StartsWith(l, i, "Z070000")) return hit(kISO8601SecondsTZ, 7);
        if (StartsWith(l, i, "Z07:00")) return hit(kISO8601ColonTZ, 6);
        if (StartsWith(l, i, "Z0700")) return hit(kISO8601TZ, 5);
        if (StartsWith(l, i, "Z07")) return hit(kISO8601ShortTZ, 3);
        break;
      case '.':
      case ',':
        if (i + 1 < l.size() && (l[i + 1] == '0' || l[i + 1] == '9')) {
          char ch = l[i + 1];
          size_t j = i + 1;
          while (j < l.size() && l[j] == ch) ++j;
          if (!IsDigitAt(l, j)) {
            *digits = static_cast<uint8_t>(j - (i + 1));
            return hit(ch == '0' ? kFracSecond0 : kFracSecond9, j - i);
          }
        }
        break;
      default:
        break;
    }
  }
  *at = l.size();
  *code = kLiteral;
  *len = 0;
}

constexpr std::string_view kLongMonthNames[] = {"January",   "February", "March",    "April",
                                                "May",       "June",     "July",     "August",
                                                "September", "October",  "November", "December"};
constexpr std::string_view kLongDayNames[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                              "Thursday", "Friday", "Saturday"};

// Matches one of names (or its first three letters when short) at the
// start of v, ignoring case. Returns the index or -1.
int LookupName(std::string_view v, const std::string_view* names, int count, bool short_form,
               size_t* consumed) {
  for (int k = 0; k < count; ++k) {
    std::string_view name = short_form ? names[k].substr(0, 3) : names[k];
    if (v.size() >= name.size() && EqualsIgnoreCase(v.substr(0, name.size()), name)) {
      *consumed = name.size();
      return k;
    }
  }
  return -1;
}

// Reads a number of 1..max digits (exactly `fixed` digits when fixed > 0).
bool GetNum(std::string_view v, size_t* pos, int fixed, int max, int* out) {
  size_t i = *pos;
  int n = 0, count = 0;
  int limit = fixed > 0 ? fixed : max;
  while (count < limit && IsDigitAt(v, i)) {
    n = n * 10 + (v[i] - '0');
    ++i;
    ++count;
  }
  if (count == 0 || (fixed > 0 && count != fixed)) return false;
  *pos = i;
  *out = n;
  return true;
}

bool ParseFraction(std::string_view v, size_t* pos, int exact, int64_t* nanos) {
  // v[*pos] is '.' or ','.
  size_t i = *pos + 1;
  int64_t n = 0;
  int count = 0;
  while (IsDigitAt(v, i)) {
    if (count < 9) n = n * 10 + (v[i] - '0');
    ++count;
    ++i;
  }
  if (exact > 0 && count != exact) return false;
  if (count == 0) return false;
  for (int k = count; k < 9; ++k) n *= 10;
  *nanos = n;
  *pos = i;
  return true;
}

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
  bool has_field = false;
  size_t i = 0;
  while (i < layout.size()) {
    size_t at, len;
    uint8_t code, digits;
    NextStd(layout, i, &at, &code, &len, &digits);
    if (at > i) {
      Chunk lit;
      lit.literal = std::string(layout.substr(i, at - i));
      f.chunks_.push_back(std::move(lit));
    }
    if (code == kLiteral) break;
    Chunk c;
    c.code = code;
    c.digits = digits;
    f.chunks_.push_back(std::move(c));
    has_field = true;
    i = at + len;
  }
  if (!has_field) {
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
  int year = -1, month = 1, day = 1, hour = 0, minute = 0, second = 0;
  int64_t nanos = 0;
  int pm = -1;  // -1 none, 0 am, 1 pm
  int64_t zone_offset_s = 0;
  size_t pos = 0;
  for (size_t ci = 0; ci < chunks_.size(); ++ci) {
    const Chunk& c = chunks_[ci];
    if (c.code == kLiteral) {
      if (v.substr(pos, c.literal.size()) != c.literal) return false;
      pos += c.literal.size();
      continue;
    }
    int n = 0;
    size_t used = 0;
    switch (c.code) {
      case kLongYear:
        if (!GetNum(v, &pos, 4, 4, &year)) return false;
        break;
      case kYear:
        if (!GetNum(v, &pos, 2, 2, &n)) return false;
        year = n >= 69 ? 1900 + n : 2000 + n;
        break;
      case kLongMonth:
      case kMonth: {
        int k = LookupName(v.substr(pos), kLongMonthNames, 12, c.code == kMonth, &used);
        if (k < 0) return false;
        month = k + 1;
        pos += used;
        break;
      }
      case kNumMonth:
      case kZeroMonth:
        if (!GetNum(v, &pos, c.code == kZeroMonth ? 2 : 0, 2, &month)) return false;
        if (month < 1 || month > 12) return false;
        break;
      case kLongWeekDay:
      case kWeekDay: {
        int k = LookupName(v.substr(pos), kLongDayNames, 7, c.code == kWeekDay, &used);
        if (k < 0) return false;
        pos += used;
        break;
      }
      case kUnderDay:
        if (pos < v.size() && v[pos] == ' ') ++pos;
        [[fallthrough]];
      case kDay:
      case kZeroDay:
        if (!GetNum(v, &pos, c.code == kZeroDay ? 2 : 0, 2, &day)) return false;
        if (day < 1 || day > 31) return false;
        break;
      case kHour:
        if (!GetNum(v, &pos, 0, 2, &hour) || hour > 23) return false;
        break;
      case kHour12:
      case kZeroHour12:
        if (!GetNum(v, &pos, c.code == kZeroHour12 ? 2 : 0, 2, &hour) || hour > 12) return false;
        break;
      case kMinute:
      case kZeroMinute:
        if (!GetNum(v, &pos, c.code == kZeroMinute ? 2 : 0, 2, &minute) || minute > 59) {
          return false;
        }
        break;
      case kSecond:
      case kZeroSecond: {
        if (!GetNum(v, &pos, c.code == kZeroSecond ? 2 : 0, 2, &second) || second > 60) {
          return false;
        }
        // A fraction the layout does not mention is accepted, as in Go.
        bool next_is_frac = ci + 1 < chunks_.size() && (chunks_[ci + 1].code == kFracSecond0 ||
                                                        chunks_[ci + 1].code == kFracSecond9);
        if (!next_is_frac && pos + 1 < v.size() && (v[pos] == '.' || v[pos] == ',') &&
            IsDigitAt(v, pos + 1)) {
          if (!ParseFraction(v, &pos, 0, &nanos)) return false;
        }
        break;
      }
      case kFracSecond0:
        if (pos >= v.size() || (v[pos] != '.' && v[pos] != ',')) return false;
        if (!ParseFraction(v, &pos, c.digits, &nanos)) return false;
        break;
      case kFracSecond9:
        if (pos < v.size() && (v[pos] == '.' || v[pos] == ',') && IsDigitAt(v, pos + 1)) {
          if (!ParseFraction(v, &pos, 0, &nanos)) return false;
        }
        break;
      case kPM:
      case kpm: {
        std::string_view s = v.substr(pos, 2);
        if (EqualsIgnoreCase(s, "am")) {
          pm = 0;
        } else if (EqualsIgnoreCase(s, "pm")) {
          pm = 1;
        } else {
          return false;
        }
        pos += 2;
        break;
      }
      case kTZ: {
        size_t start = pos;
        while (pos < v.size() && v[pos] >= 'A' && v[pos] <= 'Z') ++pos;
        if (pos - start < 1 || pos - start > 5) return false;
        zone_offset_s = 0;
        break;
      }
      default: {  // numeric zones
        bool iso = c.code >= kISO8601TZ && c.code <= kISO8601ColonSecondsTZ;
        if (iso && pos < v.size() && v[pos] == 'Z') {
          ++pos;
          zone_offset_s = 0;
          break;
        }
        if (pos >= v.size() || (v[pos] != '+' && v[pos] != '-')) return false;
        int sign = v[pos] == '-' ? -1 : 1;
        ++pos;
        bool colon = c.code == kISO8601ColonTZ || c.code == kISO8601ColonSecondsTZ ||
                     c.code == kNumColonTZ || c.code == kNumColonSecondsTZ;
        bool short_tz = c.code == kISO8601ShortTZ || c.code == kNumShortTZ;
        bool with_seconds = c.code == kISO8601SecondsTZ || c.code == kISO8601ColonSecondsTZ ||
                            c.code == kNumSecondsTz || c.code == kNumColonSecondsTZ;
        int hh = 0, mm = 0, ss = 0;
        if (!GetNum(v, &pos, 2, 2, &hh)) return false;
        if (!short_tz) {
          if (colon) {
            if (pos >= v.size() || v[pos] != ':') return false;
            ++pos;
          }
          if (!GetNum(v, &pos, 2, 2, &mm)) return false;
          if (with_seconds) {
            if (colon) {
              if (pos >= v.size() || v[pos] != ':') return false;
              ++pos;
            }
            if (!GetNum(v, &pos, 2, 2, &ss)) return false;
          }
        }
        if (hh > 24 || mm > 59 || ss > 59) return false;
        zone_offset_s = sign * (hh * 3600 + mm * 60 + ss);
        break;
      }
    }
  }
  if (pos != v.size()) return false;
  if (pm == 1 && hour < 12) hour += 12;
  if (pm == 0 && hour == 12) hour = 0;
  if (year < 0) year = YearOf(now_ns);
  *out = CivilToUnixNanos(year, month, day, hour, minute, second, nanos) -
         zone_offset_s * 1000000000LL;
  return true;
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
