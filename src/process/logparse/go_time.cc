// Go's time layouts for the template functions date, toDate and friends.
// Only UTC: Vigil runs with UTC timestamps, so zone names print as "UTC" and
// parsed offsets are applied to give a UTC instant.
#include <fmt/format.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "process/logparse/template_value.h"

namespace vigil::logparse::tmpl {

namespace {

constexpr int64_t kNanosPerSecond = 1000000000;
constexpr std::string_view kMonthNames[] = {"January",   "February", "March",    "April",
                                            "May",       "June",     "July",     "August",
                                            "September", "October",  "November", "December"};
constexpr std::string_view kDayNames[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                          "Thursday", "Friday", "Saturday"};

struct Civil {
  int64_t year;
  int month;  // 1..12
  int day;    // 1..31
  int hour, minute, second;
  int64_t nanos;
  int weekday;  // 0 = Sunday
  int yday;     // 1..366
};

// Days since 1970-01-01 -> y/m/d (Howard Hinnant's civil_from_days).
void CivilFromDays(int64_t z, int64_t* y, int* m, int* d) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  *d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  *m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  *y = yoe + era * 400 + (*m <= 2 ? 1 : 0);
}

int64_t DaysFromCivil(int64_t y, int m, int d) {
  y -= m <= 2 ? 1 : 0;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

Civil ToCivil(GoTime t) {
  int64_t secs = t.sec;
  int64_t nanos = t.nsec;
  int64_t days = secs / 86400;
  int64_t rem = secs % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  Civil c{};
  CivilFromDays(days, &c.year, &c.month, &c.day);
  c.hour = static_cast<int>(rem / 3600);
  c.minute = static_cast<int>(rem / 60 % 60);
  c.second = static_cast<int>(rem % 60);
  c.nanos = nanos;
  int64_t wd = (days + 4) % 7;  // 1970-01-01 was a Thursday
  c.weekday = static_cast<int>(wd < 0 ? wd + 7 : wd);
  c.yday = static_cast<int>(days - DaysFromCivil(c.year, 1, 1) + 1);
  return c;
}

enum class Chunk {
  kNone,
  kLongMonth,
  kMonth,
  kNumMonth,
  kZeroMonth,
  kLongWeekDay,
  kWeekDay,
  kDay,
  kUnderDay,
  kZeroDay,
  kUnderYearDay,
  kZeroYearDay,
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
  kISO8601TZ,
  kISO8601SecondsTZ,
  kISO8601ShortTZ,
  kISO8601ColonTZ,
  kISO8601ColonSecondsTZ,
  kNumTZ,
  kNumSecondsTz,
  kNumShortTZ,
  kNumColonTZ,
  kNumColonSecondsTZ,
  kFracSecond0,  // .000: fixed digits
  kFracSecond9,  // .999: trailing zeros trimmed
};

bool StartsWithLower(std::string_view s) { return !s.empty() && s[0] >= 'a' && s[0] <= 'z'; }
bool IsDigitAt(std::string_view s, size_t i) { return i < s.size() && s[i] >= '0' && s[i] <= '9'; }

// Go's nextStdChunk: the literal prefix, the chunk, the rest; for fractional
// seconds *digits is the count.
Chunk NextChunk(std::string_view layout, std::string_view* prefix, std::string_view* rest,
                int* digits) {
  for (size_t i = 0; i < layout.size(); ++i) {
    std::string_view s = layout.substr(i);
    auto hit = [&](Chunk c, size_t len) {
      *prefix = layout.substr(0, i);
      *rest = layout.substr(i + len);
      return c;
    };
    switch (layout[i]) {
      case 'J':
        if (s.starts_with("Jan")) {
          if (s.starts_with("January")) return hit(Chunk::kLongMonth, 7);
          if (!StartsWithLower(s.substr(3))) return hit(Chunk::kMonth, 3);
        }
        break;
      case 'M':
        if (s.starts_with("Mon")) {
          if (s.starts_with("Monday")) return hit(Chunk::kLongWeekDay, 6);
          if (!StartsWithLower(s.substr(3))) return hit(Chunk::kWeekDay, 3);
        }
        if (s.starts_with("MST")) return hit(Chunk::kTZ, 3);
        break;
      case '0':
        if (s.size() >= 2 && s[1] >= '1' && s[1] <= '6') {
          static constexpr Chunk kZero[] = {Chunk::kZeroMonth,  Chunk::kZeroDay,
                                            Chunk::kZeroHour12, Chunk::kZeroMinute,
                                            Chunk::kZeroSecond, Chunk::kYear};
          return hit(kZero[s[1] - '1'], 2);
        }
        if (s.starts_with("002")) return hit(Chunk::kZeroYearDay, 3);
        break;
      case '1':
        if (s.starts_with("15")) return hit(Chunk::kHour, 2);
        return hit(Chunk::kNumMonth, 1);
      case '2':
        if (s.starts_with("2006")) return hit(Chunk::kLongYear, 4);
        return hit(Chunk::kDay, 1);
      case '_':
        if (s.starts_with("_2")) {
          if (s.starts_with("_2006")) {
            *prefix = layout.substr(0, i + 1);
            *rest = layout.substr(i + 5);
            return Chunk::kLongYear;
          }
          return hit(Chunk::kUnderDay, 2);
        }
        if (s.starts_with("__2")) return hit(Chunk::kUnderYearDay, 3);
        break;
      case '3':
        return hit(Chunk::kHour12, 1);
      case '4':
        return hit(Chunk::kMinute, 1);
      case '5':
        return hit(Chunk::kSecond, 1);
      case 'P':
        if (s.starts_with("PM")) return hit(Chunk::kPM, 2);
        break;
      case 'p':
        if (s.starts_with("pm")) return hit(Chunk::kpm, 2);
        break;
      case '-':
        if (s.starts_with("-070000")) return hit(Chunk::kNumSecondsTz, 7);
        if (s.starts_with("-07:00:00")) return hit(Chunk::kNumColonSecondsTZ, 9);
        if (s.starts_with("-0700")) return hit(Chunk::kNumTZ, 5);
        if (s.starts_with("-07:00")) return hit(Chunk::kNumColonTZ, 6);
        if (s.starts_with("-07")) return hit(Chunk::kNumShortTZ, 3);
        break;
      case 'Z':
        if (s.starts_with("Z070000")) return hit(Chunk::kISO8601SecondsTZ, 7);
        if (s.starts_with("Z07:00:00")) return hit(Chunk::kISO8601ColonSecondsTZ, 9);
        if (s.starts_with("Z0700")) return hit(Chunk::kISO8601TZ, 5);
        if (s.starts_with("Z07:00")) return hit(Chunk::kISO8601ColonTZ, 6);
        if (s.starts_with("Z07")) return hit(Chunk::kISO8601ShortTZ, 3);
        break;
      case '.':
      case ',':
        if (s.size() >= 2 && (s[1] == '0' || s[1] == '9')) {
          char ch = s[1];
          size_t j = 1;
          while (j < s.size() && s[j] == ch) ++j;
          if (!IsDigitAt(s, j)) {
            *digits = static_cast<int>(j - 1);
            return hit(ch == '0' ? Chunk::kFracSecond0 : Chunk::kFracSecond9, j);
          }
        }
        break;
      default:
        break;
    }
  }
  *prefix = layout;
  *rest = std::string_view();
  return Chunk::kNone;
}

void AppendFraction(std::string* out, int64_t nanos, int digits, bool trim, char separator) {
  std::string frac = fmt::format("{:09d}", nanos).substr(0, static_cast<size_t>(digits));
  if (trim) {
    while (!frac.empty() && frac.back() == '0') frac.pop_back();
    if (frac.empty()) return;
  }
  out->push_back(separator);
  out->append(frac);
}

}  // namespace

std::string FormatGoTime(GoTime t, std::string_view layout) {
  Civil c = ToCivil(t);
  std::string out;
  while (!layout.empty()) {
    std::string_view prefix, rest;
    int digits = 0;
    Chunk chunk = NextChunk(layout, &prefix, &rest, &digits);
    out.append(prefix);
    if (chunk == Chunk::kNone) break;
    char separator = prefix.size() < layout.size() ? layout[prefix.size()] : '.';
    layout = rest;
    int hour12 = c.hour % 12 == 0 ? 12 : c.hour % 12;
    switch (chunk) {
      case Chunk::kNone:
        break;
      case Chunk::kLongMonth:
        out.append(kMonthNames[c.month - 1]);
        break;
      case Chunk::kMonth:
        out.append(kMonthNames[c.month - 1].substr(0, 3));
        break;
      case Chunk::kNumMonth:
        out.append(fmt::format("{}", c.month));
        break;
      case Chunk::kZeroMonth:
        out.append(fmt::format("{:02d}", c.month));
        break;
      case Chunk::kLongWeekDay:
        out.append(kDayNames[c.weekday]);
        break;
      case Chunk::kWeekDay:
        out.append(kDayNames[c.weekday].substr(0, 3));
        break;
      case Chunk::kDay:
        out.append(fmt::format("{}", c.day));
        break;
      case Chunk::kUnderDay:
        out.append(fmt::format("{:>2}", c.day));
        break;
      case Chunk::kZeroDay:
        out.append(fmt::format("{:02d}", c.day));
        break;
      case Chunk::kUnderYearDay:
        out.append(fmt::format("{:>3}", c.yday));
        break;
      case Chunk::kZeroYearDay:
        out.append(fmt::format("{:03d}", c.yday));
        break;
      case Chunk::kHour:
        out.append(fmt::format("{:02d}", c.hour));
        break;
      case Chunk::kHour12:
        out.append(fmt::format("{}", hour12));
        break;
      case Chunk::kZeroHour12:
        out.append(fmt::format("{:02d}", hour12));
        break;
      case Chunk::kMinute:
        out.append(fmt::format("{}", c.minute));
        break;
      case Chunk::kZeroMinute:
        out.append(fmt::format("{:02d}", c.minute));
        break;
      case Chunk::kSecond:
        out.append(fmt::format("{}", c.second));
        break;
      case Chunk::kZeroSecond:
        out.append(fmt::format("{:02d}", c.second));
        break;
      case Chunk::kLongYear:
        out.append(fmt::format("{:04d}", c.year));
        break;
      case Chunk::kYear:
        out.append(fmt::format("{:02d}", (c.year % 100 + 100) % 100));
        break;
      case Chunk::kPM:
        out.append(c.hour >= 12 ? "PM" : "AM");
        break;
      case Chunk::kpm:
        out.append(c.hour >= 12 ? "pm" : "am");
        break;
      case Chunk::kTZ:
        out.append("UTC");
        break;
      case Chunk::kISO8601TZ:
      case Chunk::kISO8601SecondsTZ:
      case Chunk::kISO8601ShortTZ:
      case Chunk::kISO8601ColonTZ:
      case Chunk::kISO8601ColonSecondsTZ:
        out.push_back('Z');
        break;
      case Chunk::kNumTZ:
        out.append("+0000");
        break;
      case Chunk::kNumSecondsTz:
        out.append("+000000");
        break;
      case Chunk::kNumShortTZ:
        out.append("+00");
        break;
      case Chunk::kNumColonTZ:
        out.append("+00:00");
        break;
      case Chunk::kNumColonSecondsTZ:
        out.append("+00:00:00");
        break;
      case Chunk::kFracSecond0:
        AppendFraction(&out, c.nanos, digits, false, separator);
        break;
      case Chunk::kFracSecond9:
        AppendFraction(&out, c.nanos, digits, true, separator);
        break;
    }
  }
  return out;
}

std::string GoTimeString(GoTime t) {
  return FormatGoTime(t, "2006-01-02 15:04:05.999999999 -0700 MST");
}

namespace {

// Reads up to max_digits digits (at least min_digits); false if fewer.
bool ReadNumber(std::string_view* s, int min_digits, int max_digits, int64_t* out) {
  int n = 0;
  int64_t v = 0;
  while (n < max_digits && IsDigitAt(*s, static_cast<size_t>(n))) {
    v = v * 10 + ((*s)[static_cast<size_t>(n)] - '0');
    ++n;
  }
  if (n < min_digits) return false;
  s->remove_prefix(static_cast<size_t>(n));
  *out = v;
  return true;
}

bool ReadName(std::string_view* s, bool long_form, const std::string_view* names, int count,
              int* index) {
  for (int i = 0; i < count; ++i) {
    std::string_view name = long_form ? names[i] : names[i].substr(0, 3);
    if (s->size() >= name.size()) {
      bool equal = true;
      for (size_t j = 0; j < name.size(); ++j) {
        char a = (*s)[j], b = name[j];
        if ((a | 0x20) != (b | 0x20)) equal = false;
      }
      if (equal) {
        s->remove_prefix(name.size());
        *index = i;
        return true;
      }
    }
  }
  return false;
}

// "+hh", "+hhmm", "+hh:mm", "+hh:mm:ss" ... or "Z" (iso): offset in seconds.
bool ReadOffset(std::string_view* s, Chunk chunk, int64_t* offset) {
  bool iso = chunk >= Chunk::kISO8601TZ && chunk <= Chunk::kISO8601ColonSecondsTZ;
  if (iso && !s->empty() && (*s)[0] == 'Z') {
    s->remove_prefix(1);
    *offset = 0;
    return true;
  }
  if (s->empty() || ((*s)[0] != '+' && (*s)[0] != '-')) return false;
  int sign = (*s)[0] == '-' ? -1 : 1;
  s->remove_prefix(1);
  int64_t hh = 0, mm = 0, ss = 0;
  if (!ReadNumber(s, 2, 2, &hh)) return false;
  bool colon = chunk == Chunk::kNumColonTZ || chunk == Chunk::kNumColonSecondsTZ ||
               chunk == Chunk::kISO8601ColonTZ || chunk == Chunk::kISO8601ColonSecondsTZ;
  bool short_form = chunk == Chunk::kNumShortTZ || chunk == Chunk::kISO8601ShortTZ;
  bool seconds = chunk == Chunk::kNumSecondsTz || chunk == Chunk::kNumColonSecondsTZ ||
                 chunk == Chunk::kISO8601SecondsTZ || chunk == Chunk::kISO8601ColonSecondsTZ;
  if (!short_form) {
    if (colon) {
      if (s->empty() || (*s)[0] != ':') return false;
      s->remove_prefix(1);
    }
    if (!ReadNumber(s, 2, 2, &mm)) return false;
    if (seconds) {
      if (colon) {
        if (s->empty() || (*s)[0] != ':') return false;
        s->remove_prefix(1);
      }
      if (!ReadNumber(s, 2, 2, &ss)) return false;
    }
  }
  *offset = sign * (hh * 3600 + mm * 60 + ss);
  return true;
}

}  // namespace

Result<GoTime> ParseGoTime(std::string_view layout, std::string_view value) {
  auto fail = [&]() {
    return Status::InvalidArgument(
        fmt::format("parsing time \"{}\" as \"{}\": cannot parse", value, layout));
  };
  std::string_view s = value;
  int64_t year = 1, month = 1, day = 1, hour = 0, minute = 0, second = 0, nanos = 0, offset = 0;
  int64_t yday = -1;
  bool pm_set = false, pm = false;
  while (true) {
    std::string_view prefix, rest;
    int digits = 0;
    Chunk chunk = NextChunk(layout, &prefix, &rest, &digits);
    if (!s.starts_with(prefix)) return fail();
    s.remove_prefix(prefix.size());
    if (chunk == Chunk::kNone) break;
    layout = rest;
    int index = 0;
    bool ok = true;
    switch (chunk) {
      case Chunk::kNone:
        break;
      case Chunk::kLongMonth:
      case Chunk::kMonth:
        ok = ReadName(&s, chunk == Chunk::kLongMonth, kMonthNames, 12, &index);
        month = index + 1;
        break;
      case Chunk::kLongWeekDay:
      case Chunk::kWeekDay:
        ok = ReadName(&s, chunk == Chunk::kLongWeekDay, kDayNames, 7, &index);
        break;
      case Chunk::kNumMonth:
        ok = ReadNumber(&s, 1, 2, &month);
        break;
      case Chunk::kZeroMonth:
        ok = ReadNumber(&s, 2, 2, &month);
        break;
      case Chunk::kDay:
        ok = ReadNumber(&s, 1, 2, &day);
        break;
      case Chunk::kUnderDay:
        if (!s.empty() && s[0] == ' ') s.remove_prefix(1);
        ok = ReadNumber(&s, 1, 2, &day);
        break;
      case Chunk::kZeroDay:
        ok = ReadNumber(&s, 2, 2, &day);
        break;
      case Chunk::kUnderYearDay:
        while (!s.empty() && s[0] == ' ') s.remove_prefix(1);
        ok = ReadNumber(&s, 1, 3, &yday);
        break;
      case Chunk::kZeroYearDay:
        ok = ReadNumber(&s, 3, 3, &yday);
        break;
      case Chunk::kHour:
        ok = ReadNumber(&s, 2, 2, &hour) && hour < 24;
        break;
      case Chunk::kHour12:
        ok = ReadNumber(&s, 1, 2, &hour) && hour <= 12;
        break;
      case Chunk::kZeroHour12:
        ok = ReadNumber(&s, 2, 2, &hour) && hour <= 12;
        break;
      case Chunk::kMinute:
        ok = ReadNumber(&s, 1, 2, &minute) && minute < 60;
        break;
      case Chunk::kZeroMinute:
        ok = ReadNumber(&s, 2, 2, &minute) && minute < 60;
        break;
      case Chunk::kSecond:
      case Chunk::kZeroSecond:
        ok = ReadNumber(&s, chunk == Chunk::kSecond ? 1 : 2, 2, &second) && second < 60;
        // Go accepts a fraction after seconds even when the layout has none.
        if (ok && s.size() >= 2 && (s[0] == '.' || s[0] == ',') && IsDigitAt(s, 1) &&
            !(layout.size() >= 2 && (layout[0] == '.' || layout[0] == ','))) {
          s.remove_prefix(1);
          int n = 0;
          int64_t frac = 0;
          while (IsDigitAt(s, 0)) {
            if (n < 9) {
              frac = frac * 10 + (s[0] - '0');
              ++n;
            }
            s.remove_prefix(1);
          }
          for (; n < 9; ++n) frac *= 10;
          nanos = frac;
        }
        break;
      case Chunk::kLongYear:
        ok = ReadNumber(&s, 4, 4, &year);
        break;
      case Chunk::kYear:
        ok = ReadNumber(&s, 2, 2, &year);
        year += year >= 69 ? 1900 : 2000;
        break;
      case Chunk::kPM:
      case Chunk::kpm:
        if (s.size() < 2) {
          ok = false;
        } else {
          std::string_view ampm = s.substr(0, 2);
          pm_set = true;
          pm = ampm == "PM" || ampm == "pm";
          ok = pm || ampm == "AM" || ampm == "am";
          s.remove_prefix(2);
        }
        break;
      case Chunk::kTZ:
        if (s.starts_with("UTC")) {
          s.remove_prefix(3);
        } else {
          size_t n = 0;
          while (n < s.size() && s[n] >= 'A' && s[n] <= 'Z') ++n;
          ok = n >= 3;
          s.remove_prefix(n);
        }
        break;
      case Chunk::kFracSecond0:
      case Chunk::kFracSecond9: {
        if (s.empty() || (s[0] != '.' && s[0] != ',')) {
          ok = chunk == Chunk::kFracSecond9;  // .999 may be absent
          break;
        }
        s.remove_prefix(1);
        int n = 0;
        int64_t frac = 0;
        while (IsDigitAt(s, 0) && (chunk == Chunk::kFracSecond9 || n < digits)) {
          if (n < 9) frac = frac * 10 + (s[0] - '0');
          ++n;
          s.remove_prefix(1);
        }
        if (chunk == Chunk::kFracSecond0 && n != digits) ok = false;
        for (int k = n; k < 9; ++k) frac *= 10;
        nanos = frac;
        break;
      }
      default:
        ok = ReadOffset(&s, chunk, &offset);
        break;
    }
    if (!ok) return fail();
  }
  if (!s.empty()) return fail();
  if (pm_set) {
    if (pm && hour < 12) hour += 12;
    if (!pm && hour == 12) hour = 0;
  }
  if (yday >= 0) {
    int64_t days_in_year = IsLeap(year) ? 366 : 365;
    if (yday < 1 || yday > days_in_year) return fail();
    int64_t days = DaysFromCivil(year, 1, 1) + yday - 1;
    int64_t y;
    int m, d;
    CivilFromDays(days, &y, &m, &d);
    month = m;
    day = d;
  }
  static constexpr int kDaysIn[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12) return fail();
  int max_day = kDaysIn[month - 1] + (month == 2 && IsLeap(year) ? 1 : 0);
  if (day < 1 || day > max_day) return fail();
  int64_t secs = DaysFromCivil(year, static_cast<int>(month), static_cast<int>(day)) * 86400 +
                 hour * 3600 + minute * 60 + second - offset;
  return GoTime{secs, nanos};
}

GoTime GoTimeFromUnixNanos(int64_t unix_ns) {
  int64_t sec = unix_ns / kNanosPerSecond;
  int64_t nsec = unix_ns % kNanosPerSecond;
  if (nsec < 0) {
    nsec += kNanosPerSecond;
    --sec;
  }
  return GoTime{sec, nsec};
}

}  // namespace vigil::logparse::tmpl
