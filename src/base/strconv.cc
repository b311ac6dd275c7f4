#include "base/strconv.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <limits>

namespace vigil {

namespace {

constexpr char kLowerHex[] = "0123456789abcdef";

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

int HexDigitValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void AppendHex(std::string* out, uint32_t v, int digits) {
  for (int s = (digits - 1) * 4; s >= 0; s -= 4) out->push_back(kLowerHex[(v >> s) & 0xF]);
}

void AppendEscapedRune(std::string* out, int32_t r, char quote) {
  if (r == quote || r == '\\') {
    out->push_back('\\');
    out->push_back(static_cast<char>(r));
    return;
  }
  if (GoIsPrint(r)) {
    Utf8AppendRune(out, r);
    return;
  }
  switch (r) {
    case '\a':
      *out += "\\a";
      return;
    case '\b':
      *out += "\\b";
      return;
    case '\f':
      *out += "\\f";
      return;
    case '\n':
      *out += "\\n";
      return;
    case '\r':
      *out += "\\r";
      return;
    case '\t':
      *out += "\\t";
      return;
    case '\v':
      *out += "\\v";
      return;
  }
  if (r < ' ' || r == 0x7F) {
    *out += "\\x";
    AppendHex(out, static_cast<uint32_t>(r), 2);
  } else if (r < 0x10000) {
    *out += "\\u";
    AppendHex(out, static_cast<uint32_t>(r), 4);
  } else {
    *out += "\\U";
    AppendHex(out, static_cast<uint32_t>(r), 8);
  }
}

enum class NumStatus { kOk, kSyntax, kRange };

// v, or the text of Go's *strconv.NumError for func ("strconv.ParseInt").
template <typename T>
Result<T> NumResult(NumStatus status, T v, std::string_view func, std::string_view s) {
  switch (status) {
    case NumStatus::kOk:
      return v;
    case NumStatus::kRange:
      return Status::InvalidArgument(
          fmt::format("{}: parsing {}: value out of range", func, GoQuote(s)));
    case NumStatus::kSyntax:
      break;
  }
  return Status::InvalidArgument(fmt::format("{}: parsing {}: invalid syntax", func, GoQuote(s)));
}

// Go's underscoreOK: '_' only between digits, or between a base prefix and
// a digit (the prefix counts as a digit), never first or last.
bool UnderscoreOK(std::string_view s) {
  char saw = '^';  // ^ start, 0 digit or prefix, _ underscore, ! anything else
  size_t i = 0;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  bool hex = false;
  if (s.size() >= 2 && s[0] == '0' &&
      (Lower(s[1]) == 'b' || Lower(s[1]) == 'o' || Lower(s[1]) == 'x')) {
    i = 2;
    saw = '0';
    hex = Lower(s[1]) == 'x';
  }
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (IsDigit(c) || (hex && Lower(c) >= 'a' && Lower(c) <= 'f')) {
      saw = '0';
      continue;
    }
    if (c == '_') {
      if (saw != '0') return false;
      saw = '_';
      continue;
    }
    if (saw == '_') return false;
    saw = '!';
  }
  return saw != '_';
}

// strconv.ParseInt(s, 0, 64), returning as Go does (a range error as soon
// as the magnitude overflows, before the rest is checked).
NumStatus ParseInt64(std::string_view s0, int64_t* out) {
  std::string_view s = s0;
  if (s.empty()) return NumStatus::kSyntax;
  bool neg = false;
  if (s[0] == '+' || s[0] == '-') {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  // strconv.ParseUint(s, 0, 64) on the magnitude.
  if (s.empty()) return NumStatus::kSyntax;
  const std::string_view magnitude = s;
  uint64_t base = 10;
  if (s[0] == '0') {
    if (s.size() >= 3 && Lower(s[1]) == 'b') {
      base = 2;
      s.remove_prefix(2);
    } else if (s.size() >= 3 && Lower(s[1]) == 'o') {
      base = 8;
      s.remove_prefix(2);
    } else if (s.size() >= 3 && Lower(s[1]) == 'x') {
      base = 16;
      s.remove_prefix(2);
    } else {
      base = 8;
      s.remove_prefix(1);
    }
  }
  const uint64_t cutoff = std::numeric_limits<uint64_t>::max() / base + 1;
  uint64_t n = 0;
  bool underscores = false;
  for (char c : s) {
    uint64_t d;
    if (c == '_') {
      underscores = true;
      continue;
    } else if (IsDigit(c)) {
      d = static_cast<uint64_t>(c - '0');
    } else if (Lower(c) >= 'a' && Lower(c) <= 'z') {
      d = static_cast<uint64_t>(Lower(c) - 'a' + 10);
    } else {
      return NumStatus::kSyntax;
    }
    if (d >= base) return NumStatus::kSyntax;
    if (n >= cutoff) return NumStatus::kRange;
    n *= base;
    uint64_t n1 = n + d;
    if (n1 < n) return NumStatus::kRange;
    n = n1;
  }
  if (underscores && !UnderscoreOK(magnitude)) return NumStatus::kSyntax;
  const uint64_t limit = uint64_t{1} << 63;
  if (!neg && n >= limit) return NumStatus::kRange;
  if (neg && n > limit) return NumStatus::kRange;
  *out = neg ? static_cast<int64_t>(0 - n) : static_cast<int64_t>(n);
  return NumStatus::kOk;
}

bool EqualFold(std::string_view s, std::string_view lower_word) {
  if (s.size() != lower_word.size()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (Lower(s[i]) != lower_word[i]) return false;
  }
  return true;
}

double GoNaN() {
  double d;
  std::memcpy(&d, &kGoNaNBits, sizeof d);
  return d;
}

// strconv.ParseFloat(s, 64): Go's special(), then readFloat's syntax, then
// the conversion (from_chars rounds correctly, as Go does).
NumStatus ParseFloat64(std::string_view s, double* out) {
  std::string_view rest = s;
  bool neg = false;
  if (!rest.empty() && (rest[0] == '+' || rest[0] == '-')) {
    neg = rest[0] == '-';
    rest.remove_prefix(1);
  }
  if (EqualFold(rest, "inf") || EqualFold(rest, "infinity")) {
    *out = neg ? -HUGE_VAL : HUGE_VAL;
    return NumStatus::kOk;
  }
  if (rest.size() == s.size() && EqualFold(rest, "nan")) {  // no sign on NaN
    *out = GoNaN();
    return NumStatus::kOk;
  }
  // The text without its underscores and base prefix, for from_chars.
  std::string clean;
  clean.reserve(s.size());
  if (neg) clean.push_back('-');
  size_t i = 0;
  bool hex = false;
  if (rest.size() > 2 && rest[0] == '0' && Lower(rest[1]) == 'x') {
    hex = true;
    i = 2;
  }
  bool underscores = false;
  bool saw_dot = false;
  bool saw_digits = false;
  for (; i < rest.size(); ++i) {
    char c = rest[i];
    if (c == '_') {
      underscores = true;
      continue;
    }
    if (c == '.') {
      if (saw_dot) break;
      saw_dot = true;
    } else if (IsDigit(c) || (hex && Lower(c) >= 'a' && Lower(c) <= 'f')) {
      saw_digits = true;
    } else {
      break;
    }
    clean.push_back(c);
  }
  if (!saw_digits) return NumStatus::kSyntax;
  const char exp_char = hex ? 'p' : 'e';
  if (i < rest.size() && Lower(rest[i]) == exp_char) {
    clean.push_back(exp_char);
    ++i;
    if (i >= rest.size()) return NumStatus::kSyntax;
    if (rest[i] == '+' || rest[i] == '-') clean.push_back(rest[i++]);
    if (i >= rest.size() || !IsDigit(rest[i])) return NumStatus::kSyntax;
    for (; i < rest.size() && (IsDigit(rest[i]) || rest[i] == '_'); ++i) {
      if (rest[i] == '_') {
        underscores = true;
        continue;
      }
      clean.push_back(rest[i]);
    }
  } else if (hex) {
    return NumStatus::kSyntax;  // a hexadecimal mantissa needs its p exponent
  }
  if (i != rest.size()) return NumStatus::kSyntax;
  if (underscores && !UnderscoreOK(s)) return NumStatus::kSyntax;
  const auto format = hex ? std::chars_format::hex : std::chars_format::general;
  double v = 0;
  auto [p, ec] = std::from_chars(clean.data(), clean.data() + clean.size(), v, format);
  if (ec == std::errc::result_out_of_range) {
    // Overflow is Go's range error; underflow rounds to zero, without error.
    std::string c_text = clean;
    if (hex) c_text.insert(neg ? 1 : 0, "0x");
    v = std::strtod(c_text.c_str(), nullptr);
    if (std::isinf(v)) return NumStatus::kRange;
    *out = v;
    return NumStatus::kOk;
  }
  if (ec != std::errc() || p != clean.data() + clean.size()) return NumStatus::kSyntax;
  *out = v;
  return NumStatus::kOk;
}

// [a-zA-Z_][a-zA-Z0-9_]*, with ':' as a letter when colons is set.
bool IsLegacyName(std::string_view s, bool colons) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colons && c == ':') ||
        (i > 0 && IsDigit(c))) {
      continue;
    }
    return false;
  }
  return true;
}

struct DurationUnit {
  std::string_view name;
  int order;
  uint64_t nanos;
};
constexpr uint64_t kMsNanos = 1'000'000;
constexpr DurationUnit kDurationUnits[] = {
    {"y", 1, 365ull * 24 * 3600 * 1000 * kMsNanos},
    {"w", 2, 7ull * 24 * 3600 * 1000 * kMsNanos},
    {"d", 3, 24ull * 3600 * 1000 * kMsNanos},
    {"h", 4, 3600ull * 1000 * kMsNanos},
    {"m", 5, 60ull * 1000 * kMsNanos},
    {"s", 6, 1000 * kMsNanos},
    {"ms", 7, kMsNanos},
};

}  // namespace

// ---------------------------------------------------------------------------
// UTF-8

int32_t Utf8DecodeRune(std::string_view s, size_t pos, int* width) {
  auto b = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char c = b(pos);
  *width = 1;
  if (c < 0x80) return c;
  const size_t left = s.size() - pos;
  // The second byte's range depends on the first (no overlong forms, no
  // surrogates, nothing beyond U+10FFFF); later bytes are 0x80..0xBF.
  auto in = [&](size_t i, unsigned lo, unsigned hi) { return b(i) >= lo && b(i) <= hi; };
  if (c >= 0xC2 && c <= 0xDF) {
    if (left >= 2 && in(pos + 1, 0x80, 0xBF)) {
      *width = 2;
      return ((c & 0x1F) << 6) | (b(pos + 1) & 0x3F);
    }
  } else if (c >= 0xE0 && c <= 0xEF) {
    unsigned lo = c == 0xE0 ? 0xA0 : 0x80;
    unsigned hi = c == 0xED ? 0x9F : 0xBF;
    if (left >= 3 && in(pos + 1, lo, hi) && in(pos + 2, 0x80, 0xBF)) {
      *width = 3;
      return ((c & 0x0F) << 12) | ((b(pos + 1) & 0x3F) << 6) | (b(pos + 2) & 0x3F);
    }
  } else if (c >= 0xF0 && c <= 0xF4) {
    unsigned lo = c == 0xF0 ? 0x90 : 0x80;
    unsigned hi = c == 0xF4 ? 0x8F : 0xBF;
    if (left >= 4 && in(pos + 1, lo, hi) && in(pos + 2, 0x80, 0xBF) && in(pos + 3, 0x80, 0xBF)) {
      *width = 4;
      return ((c & 0x07) << 18) | ((b(pos + 1) & 0x3F) << 12) | ((b(pos + 2) & 0x3F) << 6) |
             (b(pos + 3) & 0x3F);
    }
  }
  return kUtf8RuneError;
}

void Utf8AppendRune(std::string* out, int32_t cp) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

bool Utf8ValidRune(int32_t r) { return r >= 0 && r <= 0x10FFFF && !(r >= 0xD800 && r < 0xE000); }

// ---------------------------------------------------------------------------
// Quoting

bool GoIsPrint(int32_t r) {
  if (r < 0x80) return r >= 0x20 && r < 0x7F;
  // C1 controls, no-break space, soft hyphen.
  if (r <= 0xA0 || r == 0xAD) return false;
  // Format characters and non-ASCII spaces.
  if ((r >= 0x600 && r <= 0x605) || r == 0x61C || r == 0x6DD || r == 0x70F || r == 0x890 ||
      r == 0x891 || r == 0x8E2 || r == 0x1680 || r == 0x180E)
    return false;
  if ((r >= 0x2000 && r <= 0x200F) || (r >= 0x2028 && r <= 0x202F) ||
      (r >= 0x205F && r <= 0x2064) || (r >= 0x2066 && r <= 0x206F) || r == 0x3000)
    return false;
  // Surrogates, private use, noncharacters, BOM, interlinear annotations.
  if ((r >= 0xD800 && r <= 0xF8FF) || (r >= 0xFDD0 && r <= 0xFDEF) || r == 0xFEFF ||
      (r >= 0xFFF9 && r <= 0xFFFB))
    return false;
  if ((r & 0xFFFE) == 0xFFFE) return false;  // U+xFFFE and U+xFFFF of every plane
  if (r == 0x110BD || r == 0x110CD || (r >= 0x13430 && r <= 0x1343F) ||
      (r >= 0x1BCA0 && r <= 0x1BCA3) || (r >= 0x1D173 && r <= 0x1D17A))
    return false;
  // Plane 14 holds tag characters (format) and, printable as marks, the
  // variation selectors supplement.
  if (r >= 0xE0000 && r <= 0xE0FFF) return r >= 0xE0100 && r <= 0xE01EF;
  if (r >= 0xF0000) return false;  // private use planes
  return true;
}

void AppendGoQuoted(std::string* out, std::string_view s) {
  out->push_back('"');
  for (size_t i = 0; i < s.size();) {
    int w;
    int32_t r = Utf8DecodeRune(s, i, &w);
    if (w == 1 && r == kUtf8RuneError) {
      *out += "\\x";
      AppendHex(out, static_cast<unsigned char>(s[i]), 2);
    } else {
      AppendEscapedRune(out, r, '"');
    }
    i += static_cast<size_t>(w);
  }
  out->push_back('"');
}

std::string GoQuote(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  AppendGoQuoted(&out, s);
  return out;
}

std::string GoQuoteRune(int32_t r) {
  if (!Utf8ValidRune(r)) r = kUtf8RuneError;
  std::string out = "'";
  AppendEscapedRune(&out, r, '\'');
  out += "'";
  return out;
}

Result<std::string> UnquotePromString(std::string_view lit) {
  auto bad = [] { return Status::InvalidArgument("invalid syntax"); };
  if (lit.size() < 2 || lit.front() != lit.back()) return bad();
  const char quote = lit.front();
  std::string_view s = lit.substr(1, lit.size() - 2);
  if (quote == '`') {
    if (s.find('`') != std::string_view::npos) return bad();
    return std::string(s);
  }
  if (quote != '"' && quote != '\'') return bad();
  if (s.find('\n') != std::string_view::npos) return bad();
  // Nothing to unescape: the text as it is (invalid UTF-8 included).
  if (s.find('\\') == std::string_view::npos && s.find(quote) == std::string_view::npos) {
    return std::string(s);
  }
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    const char c = s[i];
    if (c == quote) return bad();
    if (static_cast<unsigned char>(c) >= 0x80) {
      int w;
      Utf8AppendRune(&out, Utf8DecodeRune(s, i, &w));  // invalid bytes become U+FFFD
      i += static_cast<size_t>(w);
      continue;
    }
    if (c != '\\') {
      out.push_back(c);
      ++i;
      continue;
    }
    if (i + 1 >= s.size()) return bad();
    const char e = s[i + 1];
    i += 2;
    switch (e) {
      case 'a':
        out.push_back('\a');
        continue;
      case 'b':
        out.push_back('\b');
        continue;
      case 'f':
        out.push_back('\f');
        continue;
      case 'n':
        out.push_back('\n');
        continue;
      case 'r':
        out.push_back('\r');
        continue;
      case 't':
        out.push_back('\t');
        continue;
      case 'v':
        out.push_back('\v');
        continue;
      case '\\':
        out.push_back('\\');
        continue;
      case '\'':
      case '"':
        if (e != quote) return bad();
        out.push_back(e);
        continue;
      case 'x':
      case 'u':
      case 'U': {
        const size_t n = e == 'x' ? 2 : (e == 'u' ? 4 : 8);
        if (i + n > s.size()) return bad();
        uint32_t v = 0;
        for (size_t k = 0; k < n; ++k) {
          int d = HexDigitValue(s[i + k]);
          if (d < 0) return bad();
          v = v * 16 + static_cast<uint32_t>(d);
        }
        i += n;
        if (e == 'x') {
          out.push_back(static_cast<char>(v));
        } else {
          if (!Utf8ValidRune(static_cast<int32_t>(v))) return bad();
          Utf8AppendRune(&out, static_cast<int32_t>(v));
        }
        continue;
      }
      default: {
        if (e < '0' || e > '7' || i + 2 > s.size()) return bad();
        uint32_t v = static_cast<uint32_t>(e - '0');
        for (size_t k = 0; k < 2; ++k) {
          const char d = s[i + k];
          if (d < '0' || d > '7') return bad();
          v = v * 8 + static_cast<uint32_t>(d - '0');
        }
        if (v > 255) return bad();
        i += 2;
        out.push_back(static_cast<char>(v));
        continue;
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// Numbers

Result<int64_t> ParseGoInt(std::string_view s) {
  int64_t v = 0;
  NumStatus status = ParseInt64(s, &v);
  return NumResult(status, v, "strconv.ParseInt", s);
}

Result<double> ParseGoFloat(std::string_view s) {
  double v = 0;
  NumStatus status = ParseFloat64(s, &v);
  return NumResult(status, v, "strconv.ParseFloat", s);
}

Result<double> ParseGoNumber(std::string_view s) {
  int64_t n = 0;
  if (ParseInt64(s, &n) == NumStatus::kOk) return static_cast<double>(n);
  return ParseGoFloat(s);
}

void AppendGoFloat(std::string* out, double v, char fmt) {
  if (std::isnan(v)) {
    *out += "NaN";
    return;
  }
  if (std::isinf(v)) {
    *out += v > 0 ? "+Inf" : "-Inf";
    return;
  }
  // The shortest digits that round-trip, as C++'s shortest scientific form
  // gives them: [-]d[.ddd]e±dd, which is also Go's 'e' form.
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string_view sci(buf, static_cast<size_t>(r.ptr - buf));
  const size_t e_at = sci.find('e');
  int exp = 0;
  const char* exp_begin = sci.data() + e_at + 1;
  if (*exp_begin == '+') ++exp_begin;
  std::from_chars(exp_begin, sci.data() + sci.size(), exp);
  if (fmt == 'e' || (fmt == 'g' && (exp < -4 || exp >= 6))) {
    // 'g' with the shortest digits switches to %e at Go's precision 6.
    out->append(sci);
    return;
  }
  // %f: the digits around the decimal point, padded with zeros (not the
  // exact decimal expansion: Go prints 1e23 as 1 and 23 zeros).
  std::string_view mantissa = sci.substr(0, e_at);
  if (!mantissa.empty() && mantissa[0] == '-') {
    out->push_back('-');
    mantissa.remove_prefix(1);
  }
  std::string digits;
  for (char c : mantissa) {
    if (c != '.') digits.push_back(c);
  }
  const int point = exp + 1;  // digits before the decimal point
  const int n = static_cast<int>(digits.size());
  if (point <= 0) {
    out->append("0.");
    out->append(static_cast<size_t>(-point), '0');
    out->append(digits);
  } else if (point >= n) {
    out->append(digits);
    out->append(static_cast<size_t>(point - n), '0');
  } else {
    out->append(digits, 0, static_cast<size_t>(point));
    out->push_back('.');
    out->append(digits, static_cast<size_t>(point), std::string::npos);
  }
}

std::string FormatGoFloat(double v, char fmt) {
  std::string out;
  AppendGoFloat(&out, v, fmt);
  return out;
}

// ---------------------------------------------------------------------------
// Prometheus' model

Result<int64_t> ParsePromDurationNanos(std::string_view s) {
  if (s == "0") return int64_t{0};
  if (s.empty()) return Status::InvalidArgument("empty duration string");
  auto invalid = [&] {
    return Status::InvalidArgument(fmt::format("not a valid duration string: {}", GoQuote(s)));
  };
  auto out_of_range = [] { return Status::InvalidArgument("duration out of range"); };
  std::string_view rest = s;
  uint64_t total = 0;
  int last_order = 0;
  while (!rest.empty()) {
    if (!IsDigit(rest[0])) return invalid();
    size_t i = 0;
    while (i < rest.size() && IsDigit(rest[i])) ++i;
    uint64_t v = 0;
    auto [p, ec] = std::from_chars(rest.data(), rest.data() + i, v);
    if (ec != std::errc()) return invalid();  // beyond uint64, as Go's ParseUint
    rest.remove_prefix(i);
    size_t j = 0;
    while (j < rest.size() && !IsDigit(rest[j])) ++j;
    if (j == 0) return invalid();
    const std::string_view unit = rest.substr(0, j);
    rest.remove_prefix(j);
    const DurationUnit* u = std::find_if(std::begin(kDurationUnits), std::end(kDurationUnits),
                                         [&](const DurationUnit& k) { return k.name == unit; });
    if (u == std::end(kDurationUnits)) {
      return Status::InvalidArgument(
          fmt::format("unknown unit {} in duration {}", GoQuote(unit), GoQuote(s)));
    }
    if (u->order <= last_order) return invalid();  // biggest unit first, each once
    last_order = u->order;
    if (v > (uint64_t{1} << 63) / u->nanos) return out_of_range();
    total += v * u->nanos;
    if (total > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return out_of_range();
  }
  return static_cast<int64_t>(total);
}

std::string FormatPromDuration(int64_t ms) {
  if (ms <= 0) return "0s";
  std::string out;
  auto unit = [&](const char* name, int64_t mult, bool exact) {
    if (exact && ms % mult != 0) return;
    if (int64_t v = ms / mult; v > 0) {
      fmt::format_to(std::back_inserter(out), "{}{}", v, name);
      ms -= v * mult;
    }
  };
  constexpr int64_t kDayMs = 24 * 3600 * 1000LL;
  // Years and weeks only when exact: "90d" reads better than "12w6d".
  unit("y", 365 * kDayMs, true);
  unit("w", 7 * kDayMs, true);
  unit("d", kDayMs, false);
  unit("h", 3600 * 1000LL, false);
  unit("m", 60 * 1000LL, false);
  unit("s", 1000, false);
  unit("ms", 1, false);
  return out;
}

bool IsLegacyLabelName(std::string_view s) { return IsLegacyName(s, /*colons=*/false); }

bool IsLegacyMetricName(std::string_view s) { return IsLegacyName(s, /*colons=*/true); }

}  // namespace vigil
