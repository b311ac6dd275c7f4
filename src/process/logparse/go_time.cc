// Go's time layouts: the element splitter (Go's nextStdChunk), formatting
// and parsing. See go_time.h for the rules followed.
#include "process/logparse/go_time.h"

#include <fmt/format.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace vigil::logparse {

namespace {

constexpr int64_t kNanosPerSecond = 1000000000;
constexpr int64_t kSecondsPerDay = 86400;
constexpr std::string_view kMonthNames[] = {"January",   "February", "March",    "April",
                                            "May",       "June",     "July",     "August",
                                            "September", "October",  "November", "December"};
constexpr std::string_view kDayNames[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                          "Thursday", "Friday", "Saturday"};

// The layout elements, in Go's order. kLiteral is text matched as is.
enum Code : uint8_t {
  kLiteral = 0,
  kLongMonth,              // January
  kMonth,                  // Jan
  kNumMonth,               // 1
  kZeroMonth,              // 01
  kLongWeekDay,            // Monday
  kWeekDay,                // Mon
  kDay,                    // 2
  kUnderDay,               // _2
  kZeroDay,                // 02
  kUnderYearDay,           // __2
  kZeroYearDay,            // 002
  kHour,                   // 15
  kHour12,                 // 3
  kZeroHour12,             // 03
  kMinute,                 // 4
  kZeroMinute,             // 04
  kSecond,                 // 5
  kZeroSecond,             // 05
  kLongYear,               // 2006
  kYear,                   // 06
  kPM,                     // PM
  kpm,                     // pm
  kTZ,                     // MST
  kISO8601TZ,              // Z0700
  kISO8601SecondsTZ,       // Z070000
  kISO8601ShortTZ,         // Z07
  kISO8601ColonTZ,         // Z07:00
  kISO8601ColonSecondsTZ,  // Z07:00:00
  kNumTZ,                  // -0700
  kNumSecondsTZ,           // -070000
  kNumShortTZ,             // -07
  kNumColonTZ,             // -07:00
  kNumColonSecondsTZ,      // -07:00:00
  kFracSecond0,            // .000 (or ,000): exactly that many digits
  kFracSecond9,            // .999 (or ,999): trailing zeros trimmed, optional when parsing
};

inline bool IsDigitAt(std::string_view s, size_t i) {
  return i < s.size() && s[i] >= '0' && s[i] <= '9';
}
bool IsLowerAt(std::string_view s, size_t i) { return i < s.size() && s[i] >= 'a' && s[i] <= 'z'; }
bool IsFractionMark(char c) { return c == '.' || c == ','; }
bool IsFraction(uint8_t code) { return code == kFracSecond0 || code == kFracSecond9; }

// One element found in a layout: layout[begin, begin + size) is `code`.
struct Found {
  size_t begin;
  size_t size;
  Code code;
  uint32_t digits;  // fractions
};

// Go's nextStdChunk: the first element at or after `from`, or kLiteral at
// the layout's end when only text is left.
Found NextElement(std::string_view layout, size_t from) {
  for (size_t i = from; i < layout.size(); ++i) {
    std::string_view s(layout.data() + i, layout.size() - i);  // no bounds check
    auto at = [i](Code code, size_t size) { return Found{i, size, code, 0}; };
    switch (layout[i]) {
      case 'J':
        if (s.starts_with("January")) return at(kLongMonth, 7);
        // "Jan" before a lower-case letter is text ("Janet").
        if (s.starts_with("Jan") && !IsLowerAt(s, 3)) return at(kMonth, 3);
        break;
      case 'M':
        if (s.starts_with("Monday")) return at(kLongWeekDay, 6);
        if (s.starts_with("Mon") && !IsLowerAt(s, 3)) return at(kWeekDay, 3);
        if (s.starts_with("MST")) return at(kTZ, 3);
        break;
      case '0':
        if (s.size() >= 2 && s[1] >= '1' && s[1] <= '6') {
          static constexpr Code kZeroPadded[] = {kZeroMonth,  kZeroDay,    kZeroHour12,
                                                 kZeroMinute, kZeroSecond, kYear};
          return at(kZeroPadded[s[1] - '1'], 2);
        }
        if (s.starts_with("002")) return at(kZeroYearDay, 3);
        break;
      case '1':
        if (s.starts_with("15")) return at(kHour, 2);
        return at(kNumMonth, 1);
      case '2':
        if (s.starts_with("2006")) return at(kLongYear, 4);
        return at(kDay, 1);
      case '_':
        if (s.starts_with("_2006")) return Found{i + 1, 4, kLongYear, 0};  // '_' is text
        if (s.starts_with("_2")) return at(kUnderDay, 2);
        if (s.starts_with("__2")) return at(kUnderYearDay, 3);
        break;
      case '3':
        return at(kHour12, 1);
      case '4':
        return at(kMinute, 1);
      case '5':
        return at(kSecond, 1);
      case 'P':
        if (s.starts_with("PM")) return at(kPM, 2);
        break;
      case 'p':
        if (s.starts_with("pm")) return at(kpm, 2);
        break;
      case '-':
        if (s.starts_with("-070000")) return at(kNumSecondsTZ, 7);
        if (s.starts_with("-07:00:00")) return at(kNumColonSecondsTZ, 9);
        if (s.starts_with("-0700")) return at(kNumTZ, 5);
        if (s.starts_with("-07:00")) return at(kNumColonTZ, 6);
        if (s.starts_with("-07")) return at(kNumShortTZ, 3);
        break;
      case 'Z':
        if (s.starts_with("Z070000")) return at(kISO8601SecondsTZ, 7);
        if (s.starts_with("Z07:00:00")) return at(kISO8601ColonSecondsTZ, 9);
        if (s.starts_with("Z0700")) return at(kISO8601TZ, 5);
        if (s.starts_with("Z07:00")) return at(kISO8601ColonTZ, 6);
        if (s.starts_with("Z07")) return at(kISO8601ShortTZ, 3);
        break;
      case '.':
      case ',':
        // A run of one repeated 0 or 9 that no other digit follows.
        if (s.size() >= 2 && (s[1] == '0' || s[1] == '9')) {
          size_t end = 1;
          while (end < s.size() && s[end] == s[1]) ++end;
          if (!IsDigitAt(s, end)) {
            Found f = at(s[1] == '0' ? kFracSecond0 : kFracSecond9, end);
            f.digits = static_cast<uint32_t>(end - 1);
            return f;
          }
        }
        break;
      default:
        break;
    }
  }
  return Found{layout.size(), 0, kLiteral, 0};
}

// The shape of a numeric zone element.
struct ZoneShape {
  bool iso;      // Z stands for UTC
  bool colon;    // hh:mm
  bool minutes;  // not just hh
  bool seconds;  // hh mm ss
};

// Indexed by code - kISO8601TZ.
constexpr ZoneShape kZoneShapes[] = {
    {true, false, true, false},    // Z0700
    {true, false, true, true},     // Z070000
    {true, false, false, false},   // Z07
    {true, true, true, false},     // Z07:00
    {true, true, true, true},      // Z07:00:00
    {false, false, true, false},   // -0700
    {false, false, true, true},    // -070000
    {false, false, false, false},  // -07
    {false, true, true, false},    // -07:00
    {false, true, true, true},     // -07:00:00
};
static_assert(sizeof(kZoneShapes) / sizeof(kZoneShapes[0]) == kNumColonSecondsTZ - kISO8601TZ + 1);

ZoneShape ShapeOf(uint8_t code) { return kZoneShapes[code - kISO8601TZ]; }

// --- calendar -------------------------------------------------------------

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

int DaysIn(int month, int64_t year) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return kDays[month - 1] + (month == 2 && IsLeap(year) ? 1 : 0);
}

struct Civil {
  int64_t year;
  int month;  // 1..12
  int day;    // 1..31
  int hour, minute, second;
  int64_t nanos;
  int weekday;  // 0 = Sunday
  int yday;     // 1..366
};

Civil ToCivil(GoTime t) {
  int64_t days = t.sec / kSecondsPerDay;
  int64_t rem = t.sec % kSecondsPerDay;
  if (rem < 0) {
    rem += kSecondsPerDay;
    --days;
  }
  Civil c{};
  CivilFromDays(days, &c.year, &c.month, &c.day);
  c.hour = static_cast<int>(rem / 3600);
  c.minute = static_cast<int>(rem / 60 % 60);
  c.second = static_cast<int>(rem % 60);
  c.nanos = t.nsec;
  int64_t wd = (days + 4) % 7;  // 1970-01-01 was a Thursday
  c.weekday = static_cast<int>(wd < 0 ? wd + 7 : wd);
  c.yday = static_cast<int>(days - DaysFromCivil(c.year, 1, 1) + 1);
  return c;
}

// --- formatting -------------------------------------------------------------

// v in decimal, zero-padded to `width` digits; a minus sign comes before the
// padding (Go's appendInt).
void AppendInt(std::string* out, int64_t v, int width) {
  uint64_t u = static_cast<uint64_t>(v);
  if (v < 0) {
    out->push_back('-');
    u = 0 - u;
  }
  char digits[20];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + u % 10);
    u /= 10;
  } while (u != 0);
  for (int pad = width - n; pad > 0; --pad) out->push_back('0');
  while (n > 0) out->push_back(digits[--n]);
}

void AppendFraction(std::string* out, int64_t nanos, uint32_t digits, bool trim, char separator) {
  if (trim && nanos == 0) return;
  char frac[9];
  for (int i = 8; i >= 0; --i) {
    frac[i] = static_cast<char>('0' + nanos % 10);
    nanos /= 10;
  }
  size_t n = digits < 9 ? digits : 9;
  if (trim) {
    while (n > 0 && frac[n - 1] == '0') --n;
    if (n == 0) return;
  }
  out->push_back(separator);
  out->append(frac, n);
}

void AppendElement(const Civil& c, uint8_t code, uint32_t digits, char separator,
                   std::string* out) {
  int hour12 = c.hour % 12 == 0 ? 12 : c.hour % 12;
  switch (code) {
    case kLongMonth:
      out->append(kMonthNames[c.month - 1]);
      break;
    case kMonth:
      out->append(kMonthNames[c.month - 1].substr(0, 3));
      break;
    case kNumMonth:
      AppendInt(out, c.month, 0);
      break;
    case kZeroMonth:
      AppendInt(out, c.month, 2);
      break;
    case kLongWeekDay:
      out->append(kDayNames[c.weekday]);
      break;
    case kWeekDay:
      out->append(kDayNames[c.weekday].substr(0, 3));
      break;
    case kDay:
      AppendInt(out, c.day, 0);
      break;
    case kUnderDay:
      if (c.day < 10) out->push_back(' ');
      AppendInt(out, c.day, 0);
      break;
    case kZeroDay:
      AppendInt(out, c.day, 2);
      break;
    case kUnderYearDay:
      if (c.yday < 100) out->push_back(' ');
      if (c.yday < 10) out->push_back(' ');
      AppendInt(out, c.yday, 0);
      break;
    case kZeroYearDay:
      AppendInt(out, c.yday, 3);
      break;
    case kHour:
      AppendInt(out, c.hour, 2);
      break;
    case kHour12:
      AppendInt(out, hour12, 0);
      break;
    case kZeroHour12:
      AppendInt(out, hour12, 2);
      break;
    case kMinute:
      AppendInt(out, c.minute, 0);
      break;
    case kZeroMinute:
      AppendInt(out, c.minute, 2);
      break;
    case kSecond:
      AppendInt(out, c.second, 0);
      break;
    case kZeroSecond:
      AppendInt(out, c.second, 2);
      break;
    case kLongYear:
      AppendInt(out, c.year, 4);
      break;
    case kYear:
      AppendInt(out, (c.year < 0 ? -c.year : c.year) % 100, 2);
      break;
    case kPM:
      out->append(c.hour >= 12 ? "PM" : "AM");
      break;
    case kpm:
      out->append(c.hour >= 12 ? "pm" : "am");
      break;
    case kTZ:
      out->append("UTC");
      break;
    case kFracSecond0:
    case kFracSecond9:
      AppendFraction(out, c.nanos, digits, code == kFracSecond9, separator);
      break;
    default: {  // numeric zones, always offset 0
      ZoneShape z = ShapeOf(code);
      if (z.iso) {
        out->push_back('Z');
        break;
      }
      out->append("+00");
      if (z.minutes) out->append(z.colon ? ":00" : "00");
      if (z.seconds) out->append(z.colon ? ":00" : "00");
      break;
    }
  }
}

// --- parsing ----------------------------------------------------------------

// What a reader found at the start of a value: a number (or a name's index)
// and its length in bytes, 0 when there is none. Returned by value, so that
// the value being parsed stays in registers.
struct Read {
  int64_t value;
  size_t length;
};

// Go's getnum: 1 or 2 digits (exactly 2 when fixed).
inline Read ReadNumber(std::string_view s, bool fixed) {
  if (!IsDigitAt(s, 0)) return {0, 0};
  if (!IsDigitAt(s, 1)) return fixed ? Read{0, 0} : Read{s[0] - '0', 1};
  return {(s[0] - '0') * 10 + (s[1] - '0'), 2};
}

// Go's getnum3: 1 to 3 digits (exactly 3 when fixed).
Read ReadNumber3(std::string_view s, bool fixed) {
  int64_t n = 0;
  size_t i = 0;
  for (; i < 3 && IsDigitAt(s, i); ++i) n = n * 10 + (s[i] - '0');
  if (fixed && i != 3) return {0, 0};
  return {n, i};
}

// Two digits at s[at], for the fixed-width fields; -1 if they are not.
inline int TwoDigitsAt(std::string_view s, size_t at) {
  if (!IsDigitAt(s, at) || !IsDigitAt(s, at + 1)) return -1;
  return (s[at] - '0') * 10 + (s[at + 1] - '0');
}

// One of `names` (or its first three letters), ignoring ASCII case: its index.
Read ReadName(std::string_view s, const std::string_view* names, int count, bool three_letters) {
  for (int i = 0; i < count; ++i) {
    std::string_view name = three_letters ? names[i].substr(0, 3) : names[i];
    if (s.size() < name.size()) continue;
    bool equal = true;
    for (size_t j = 0; j < name.size() && equal; ++j) {
      // The names are letters, so folding bit 0x20 compares case-insensitively.
      equal = (s[j] | 0x20) == (name[j] | 0x20);
    }
    if (equal) return {i, name.size()};
  }
  return {0, 0};
}

// s[0] is '.' or ',' and a digit follows: reads every digit, keeping the
// first nine as nanoseconds.
Read ReadFraction(std::string_view s) {
  size_t i = 1;
  int64_t frac = 0;
  int kept = 0;
  for (; IsDigitAt(s, i); ++i) {
    if (kept < 9) {
      frac = frac * 10 + (s[i] - '0');
      ++kept;
    }
  }
  for (; kept < 9; ++kept) frac *= 10;
  return {frac, i};
}

// "+3", "-11": a sign and a number of hours up to 23; its length, 0 if none.
size_t SignedHoursLength(std::string_view s) {
  if (s.empty() || (s[0] != '+' && s[0] != '-')) return 0;
  size_t i = 1;
  uint64_t hours = 0;
  for (; IsDigitAt(s, i); ++i) {
    if (hours <= 23) hours = hours * 10 + static_cast<uint64_t>(s[i] - '0');
  }
  if (i == 1 || hours > 23) return 0;
  return i;
}

// The length of the zone abbreviation at the start of s, 0 if there is none,
// by the rules of Go's parseTimeZone: three upper-case letters; four or five
// ending in T (and WITA); ChST and MeST; GMT with optional signed hours; or
// bare signed hours ("+03").
size_t ZoneNameLength(std::string_view s) {
  if (s.size() < 3) return 0;
  if (s.starts_with("ChST") || s.starts_with("MeST")) return 4;
  if (s.starts_with("GMT")) return 3 + SignedHoursLength(s.substr(3));
  if (s[0] == '+' || s[0] == '-') return SignedHoursLength(s);
  size_t upper = 0;
  while (upper < 6 && upper < s.size() && s[upper] >= 'A' && s[upper] <= 'Z') ++upper;
  switch (upper) {
    case 3:
      return 3;
    case 4:
      return s[3] == 'T' || s.starts_with("WITA") ? 4 : 0;
    case 5:
      return s[4] == 'T' ? 5 : 0;
    default:
      return 0;
  }
}

// One element of a layout as the parser and the formatter see it.
struct Piece {
  uint8_t code = kLiteral;
  char separator = '.';           // fractions
  bool fraction_follows = false;  // seconds: the next element (past text) is a fraction
  uint32_t digits = 0;            // fractions
  std::string_view text;          // the element's text in the layout
};

// Hands out the pieces of a layout text one by one (text, then element),
// without compiling it: the one walk over Go's elements that Compile and the
// one-shot functions share.
class LayoutWalker {
 public:
  explicit LayoutWalker(std::string_view layout) : layout_(layout), next_(NextElement(layout, 0)) {}

  // The next piece, nullptr at the layout's end.
  const Piece* operator()() {
    if (from_ < next_.begin) {
      piece_ = Piece{};
      piece_.text = layout_.substr(from_, next_.begin - from_);
      from_ = next_.begin;
      return &piece_;
    }
    if (next_.code == kLiteral) return nullptr;
    Found f = next_;
    from_ = f.begin + f.size;
    next_ = NextElement(layout_, from_);
    piece_.code = f.code;
    piece_.separator = layout_[f.begin];
    piece_.fraction_follows = IsFraction(next_.code);
    piece_.digits = f.digits;
    piece_.text = layout_.substr(f.begin, f.size);
    return &piece_;
  }

 private:
  std::string_view layout_;
  size_t from_ = 0;
  Found next_;  // the first element at or after from_
  Piece piece_;
};

// Why a parse failed, for Parse's message: the layout element that the value
// does not match, or Go's message ("month out of range", "extra text").
struct ParseFailure {
  std::string_view element;  // empty: see message
  std::string_view rest;     // the value from the failing element on
  std::string_view message;
};

Status ParseError(std::string_view layout, std::string_view value, const ParseFailure& why) {
  // Go's wording.
  if (!why.element.empty()) {
    return Status::InvalidArgument(
        fmt::format("parsing time \"{}\" as \"{}\": cannot parse \"{}\" as \"{}\"", value, layout,
                    why.rest, why.element));
  }
  if (why.message == "extra text") {
    return Status::InvalidArgument(
        fmt::format("parsing time \"{}\": extra text: \"{}\"", value, why.rest));
  }
  return Status::InvalidArgument(fmt::format("parsing time \"{}\": {}", value, why.message));
}

// time.Parse over the elements that next() hands out, one by one (Pieces
// or GoLayout's Elements, which have the same fields).
template <typename Next>
bool ParseElements(Next& next, std::string_view value, int64_t default_year, GoTime* out,
                   ParseFailure* failure) {
  std::string_view s = value;
  int64_t year = default_year;
  int month = -1, day = -1, yday = -1;  // -1: not in the value
  int hour = 0, minute = 0, second = 0;
  int64_t nanos = 0;
  int64_t offset = 0;        // seconds east of UTC
  bool zone_is_utc = false;  // "Z" or "UTC": as in Go, this wins over any offset
  bool am = false, pm = false;
  while (const auto* element = next()) {
    const auto& e = *element;
    const std::string_view held = s;
    std::string_view range_error;
    bool ok = true;
    Read r{0, 0};  // what a reader found, consumed after the switch
    switch (e.code) {
      case kLiteral:
        // Most literals are one separator: no memcmp call for those.
        ok = e.text.size() == 1 ? !s.empty() && s[0] == e.text[0] : s.starts_with(e.text);
        if (ok) s.remove_prefix(e.text.size());
        break;
      case kLongYear: {
        int hi = TwoDigitsAt(s, 0), lo = TwoDigitsAt(s, 2);
        ok = hi >= 0 && lo >= 0;
        if (ok) {
          year = hi * 100 + lo;
          s.remove_prefix(4);
        }
        break;
      }
      case kYear: {
        int yy = TwoDigitsAt(s, 0);
        ok = yy >= 0;
        if (ok) {
          year = yy >= 69 ? 1900 + yy : 2000 + yy;
          s.remove_prefix(2);
        }
        break;
      }
      case kLongMonth:
      case kMonth:
        r = ReadName(s, kMonthNames, 12, e.code == kMonth);
        ok = r.length > 0;
        month = static_cast<int>(r.value) + 1;
        break;
      case kNumMonth:
      case kZeroMonth:
        r = ReadNumber(s, e.code == kZeroMonth);
        ok = r.length > 0;
        month = static_cast<int>(r.value);
        if (ok && (month < 1 || month > 12)) range_error = "month out of range";
        break;
      case kLongWeekDay:
      case kWeekDay:
        r = ReadName(s, kDayNames, 7, e.code == kWeekDay);  // checked for syntax only, as in Go
        ok = r.length > 0;
        break;
      case kDay:
      case kUnderDay:
      case kZeroDay:
        if (e.code == kUnderDay && s.starts_with(' ')) s.remove_prefix(1);
        r = ReadNumber(s, e.code == kZeroDay);
        ok = r.length > 0;
        day = static_cast<int>(r.value);
        break;
      case kUnderYearDay:
      case kZeroYearDay:
        for (int pad = 0; pad < 2 && e.code == kUnderYearDay && s.starts_with(' '); ++pad) {
          s.remove_prefix(1);
        }
        r = ReadNumber3(s, e.code == kZeroYearDay);
        ok = r.length > 0;
        yday = static_cast<int>(r.value);
        break;
      case kHour:
        r = ReadNumber(s, false);
        ok = r.length > 0;
        hour = static_cast<int>(r.value);
        if (hour >= 24) range_error = "hour out of range";
        break;
      case kHour12:
      case kZeroHour12:
        r = ReadNumber(s, e.code == kZeroHour12);
        ok = r.length > 0;
        hour = static_cast<int>(r.value);
        if (hour > 12) range_error = "hour out of range";
        break;
      case kMinute:
      case kZeroMinute:
        r = ReadNumber(s, e.code == kZeroMinute);
        ok = r.length > 0;
        minute = static_cast<int>(r.value);
        if (minute >= 60) range_error = "minute out of range";
        break;
      case kSecond:
      case kZeroSecond:
        r = ReadNumber(s, e.code == kZeroSecond);
        ok = r.length > 0;
        second = static_cast<int>(r.value);
        if (second >= 60) {
          range_error = "second out of range";
        } else if (ok && !e.fraction_follows && s.size() >= r.length + 2 &&
                   IsFractionMark(s[r.length]) && IsDigitAt(s, r.length + 1)) {
          // A fraction the layout does not mention: r becomes the two.
          Read frac = ReadFraction(s.substr(r.length));
          nanos = frac.value;
          r.length += frac.length;
        }
        break;
      case kPM:
      case kpm: {
        std::string_view mark = s.substr(0, 2);
        ok = mark.size() == 2;
        if (ok) {
          s.remove_prefix(2);
          bool upper = e.code == kPM;
          pm = pm || mark == (upper ? "PM" : "pm");
          am = am || mark == (upper ? "AM" : "am");
          ok = mark == (upper ? "PM" : "pm") || mark == (upper ? "AM" : "am");
        }
        break;
      }
      case kTZ:
        if (s.starts_with("UTC")) {
          s.remove_prefix(3);
          zone_is_utc = true;
        } else {
          // Any other abbreviation reads as UTC: Vigil knows no zone offsets.
          size_t n = ZoneNameLength(s);
          ok = n > 0;
          s.remove_prefix(n);
        }
        break;
      case kFracSecond0: {
        size_t n = 1 + size_t{e.digits};
        ok = s.size() >= n && IsFractionMark(s[0]);
        for (size_t k = 1; ok && k < n; ++k) ok = IsDigitAt(s, k);
        if (ok) {
          nanos = ReadFraction(s.substr(0, n)).value;
          s.remove_prefix(n);
        }
        break;
      }
      case kFracSecond9:
        if (s.size() >= 2 && IsFractionMark(s[0]) && IsDigitAt(s, 1)) {
          r = ReadFraction(s);
          nanos = r.value;
        }
        break;
      default: {  // numeric zones
        ZoneShape z = ShapeOf(e.code);
        if (z.iso && s.starts_with('Z')) {
          s.remove_prefix(1);
          zone_is_utc = true;
          break;
        }
        size_t width = !z.minutes ? 3 : z.colon ? (z.seconds ? 9 : 6) : (z.seconds ? 7 : 5);
        ok = s.size() >= width && (s[0] == '+' || s[0] == '-');
        int hh = ok ? TwoDigitsAt(s, 1) : -1, mm = 0, ss = 0;
        ok = hh >= 0;
        if (ok && z.minutes) {
          mm = !z.colon || s[3] == ':' ? TwoDigitsAt(s, z.colon ? 4 : 3) : -1;
          ok = mm >= 0;
          if (ok && z.seconds) {
            ss = !z.colon || s[6] == ':' ? TwoDigitsAt(s, z.colon ? 7 : 5) : -1;
            ok = ss >= 0;
          }
        }
        if (!ok) break;
        // Go allows 24 hours, 60 minutes, 60 seconds: some write offsets so.
        if (hh > 24) range_error = "time zone offset hour out of range";
        if (mm > 60) range_error = "time zone offset minute out of range";
        if (ss > 60) range_error = "time zone offset second out of range";
        offset = (s[0] == '-' ? -1 : 1) * (int64_t{hh} * 3600 + mm * 60 + ss);
        s.remove_prefix(width);
        break;
      }
    }
    s.remove_prefix(r.length);
    if (!range_error.empty()) {
      if (failure != nullptr) failure->message = range_error;
      return false;
    }
    if (!ok) {
      if (failure != nullptr) {
        failure->element = e.text;
        failure->rest = held;
      }
      return false;
    }
  }
  if (!s.empty()) {
    if (failure != nullptr) {
      failure->message = "extra text";
      failure->rest = s;
    }
    return false;
  }
  if (pm && hour < 12) {
    hour += 12;
  } else if (am && hour == 12) {
    hour = 0;
  }
  auto fail = [failure](std::string_view message) {
    if (failure != nullptr) failure->message = message;
    return false;
  };
  if (yday >= 0) {
    // The month and day of that day of the year, which must agree with a
    // month and day also read.
    int days_in_year = IsLeap(year) ? 366 : 365;
    if (yday < 1 || yday > days_in_year) return fail("day-of-year out of range");
    int m = 1, left = yday;
    while (left > DaysIn(m, year)) left -= DaysIn(m++, year);
    if (month >= 0 && month != m) return fail("day-of-year does not match month");
    if (day >= 0 && day != left) return fail("day-of-year does not match day");
    month = m;
    day = left;
  }
  if (month < 0) month = 1;
  if (day < 0) day = 1;
  if (day < 1 || day > DaysIn(month, year)) return fail("day out of range");
  *out = GoTimeFromCivil(year, month, day, hour, minute, second, nanos);
  if (!zone_is_utc) out->sec -= offset;
  return true;
}

}  // namespace

GoTime GoTimeFromUnixNanos(int64_t unix_ns) {
  int64_t sec = unix_ns / kNanosPerSecond;
  int64_t nsec = unix_ns % kNanosPerSecond;
  if (nsec < 0) {
    nsec += kNanosPerSecond;
    --sec;
  }
  return GoTime{sec, nsec};
}

bool GoTimeToUnixNanos(GoTime t, int64_t* unix_ns) {
  int64_t ns;
  if (__builtin_mul_overflow(t.sec, kNanosPerSecond, &ns)) return false;
  if (__builtin_add_overflow(ns, t.nsec, &ns)) return false;
  *unix_ns = ns;
  return true;
}

GoTime GoTimeFromCivil(int64_t year, int month, int day, int hour, int minute, int second,
                       int64_t nsec) {
  int64_t sec = DaysFromCivil(year, month, day) * kSecondsPerDay + int64_t{hour} * 3600 +
                int64_t{minute} * 60 + second;
  return GoTime{sec, nsec};
}

GoLayout GoLayout::Compile(std::string_view layout) {
  GoLayout l;
  l.text_ = std::make_shared<const std::string>(layout);
  LayoutWalker walk(*l.text_);
  while (const Piece* p = walk()) {
    l.elements_.push_back(Element{p->code, p->separator, p->fraction_follows, p->digits, p->text});
    if (p->code == kLiteral) continue;
    ++l.field_count_;
    if (p->code == kLongYear || p->code == kYear) l.has_year_ = true;
  }
  return l;
}

void GoLayout::AppendFormat(GoTime t, std::string* out) const {
  Civil c = ToCivil(t);
  for (const Element& e : elements_) {
    if (e.code == kLiteral) {
      out->append(e.text);
    } else {
      AppendElement(c, e.code, e.digits, e.separator, out);
    }
  }
}

std::string GoLayout::Format(GoTime t) const {
  std::string out;
  AppendFormat(t, &out);
  return out;
}

// Hands out a compiled layout's elements.
class GoLayout::Cursor {
 public:
  explicit Cursor(const GoLayout& layout)
      : at_(layout.elements_.data()), end_(at_ + layout.elements_.size()) {}
  const Element* operator()() { return at_ == end_ ? nullptr : at_++; }

 private:
  const Element* at_;
  const Element* end_;
};

bool GoLayout::TryParse(std::string_view value, int64_t default_year, GoTime* out) const {
  Cursor next(*this);
  return ParseElements(next, value, default_year, out, nullptr);
}

Result<GoTime> GoLayout::Parse(std::string_view value, int64_t default_year) const {
  Cursor next(*this);
  GoTime t;
  ParseFailure why;
  if (ParseElements(next, value, default_year, &t, &why)) return t;
  return ParseError(layout(), value, why);
}

std::string FormatGoTime(GoTime t, std::string_view layout) {
  Civil c = ToCivil(t);
  std::string out;
  LayoutWalker walk(layout);
  while (const Piece* p = walk()) {
    if (p->code == kLiteral) {
      out.append(p->text);
    } else {
      AppendElement(c, p->code, p->digits, p->separator, &out);
    }
  }
  return out;
}

Result<GoTime> ParseGoTime(std::string_view layout, std::string_view value) {
  LayoutWalker walk(layout);
  GoTime t;
  ParseFailure why;
  if (ParseElements(walk, value, 0, &t, &why)) return t;
  return ParseError(layout, value, why);
}

std::string GoTimeString(GoTime t) {
  static const GoLayout* const kLayout =
      new GoLayout(GoLayout::Compile("2006-01-02 15:04:05.999999999 -0700 MST"));
  return kLayout->Format(t);
}

}  // namespace vigil::logparse
