#include "api/query/params.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <limits>

#include "api/query/go_json.h"
#include "base/time.h"

namespace vigil::api::query {

namespace {

// Printable as strconv.IsPrint sees it, for the code points that matter in
// practice: C0/C1 controls, DEL, soft hyphen, line/paragraph separators, BOM
// and the non-characters at the end of the BMP are not.
bool GoPrintable(uint32_t cp) {
  if (cp < 0x20 || cp == 0x7f) return false;
  if (cp >= 0x80 && cp <= 0xa0) return false;
  if (cp == 0xad || cp == 0x2028 || cp == 0x2029 || cp == 0xfeff) return false;
  if (cp == 0xfffe || cp == 0xffff) return false;
  return true;
}

bool ParseGoFloat(std::string_view s, double* out) {
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  if (s.empty()) return false;
  const char* end = s.data() + s.size();
  auto [p, ec] = std::from_chars(s.data(), end, *out);
  return ec == std::errc() && p == end;
}

}  // namespace

std::string GoQuote(std::string_view s) {
  std::string out = "\"";
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\a':
          out += "\\a";
          break;
        case '\b':
          out += "\\b";
          break;
        case '\f':
          out += "\\f";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        case '\v':
          out += "\\v";
          break;
        default:
          if (GoPrintable(c)) {
            out.push_back(static_cast<char>(c));
          } else {
            out += fmt::format("\\x{:02x}", c);
          }
      }
      ++i;
      continue;
    }
    uint32_t cp = 0;
    size_t n = Utf8SequenceAt(s, i, &cp);
    if (n == 0) {
      out += fmt::format("\\x{:02x}", c);
      ++i;
      continue;
    }
    if (GoPrintable(cp)) {
      out.append(s.substr(i, n));
    } else if (cp < 0x10000) {
      out += fmt::format("\\u{:04x}", cp);
    } else {
      out += fmt::format("\\U{:08x}", cp);
    }
    i += n;
  }
  out.push_back('"');
  return out;
}

std::string InvalidParam(std::string_view name, std::string_view message) {
  return fmt::format("invalid parameter {}: {}", GoQuote(name), message);
}

Result<int64_t> ParseTime(std::string_view s) {
  auto bad = [&] {
    return Status::InvalidArgument(fmt::format("cannot parse {} to a valid timestamp", GoQuote(s)));
  };
  double secs = 0;
  if (ParseGoFloat(s, &secs)) {
    // Prometheus' arithmetic exactly: math.Modf, the fraction rounded to
    // milliseconds, time.Unix(int, int64(frac * 1e9)), then truncated to ms.
    // (llround(secs * 1000) differs by 1 ms for some inputs.)
    if (!std::isfinite(secs) || std::fabs(secs) > 9.2e15) return bad();
    double whole = 0;
    double frac = std::modf(secs, &whole);
    frac = std::round(frac * 1000) / 1000;
    int64_t sec = static_cast<int64_t>(whole);
    int64_t nsec = static_cast<int64_t>(frac * 1e9);
    if (nsec < 0) {  // time.Unix normalises nsec into [0, 1e9)
      nsec += 1'000'000'000;
      --sec;
    } else if (nsec >= 1'000'000'000) {
      nsec -= 1'000'000'000;
      ++sec;
    }
    return sec * 1000 + nsec / 1'000'000;
  }
  auto t = ParseTimestamp(s);
  if (!t.ok()) return bad();
  return *t;
}

Result<int64_t> ParseTimeParam(const http::Request& req, std::string_view name, int64_t def) {
  std::string_view v = req.Param(name);
  if (v.empty()) return def;
  auto t = ParseTime(v);
  if (!t.ok()) {
    return Status::InvalidArgument(
        fmt::format("Invalid time value for '{}': {}", name, t.status().message()));
  }
  return *t;
}

Result<int64_t> ParseDuration(std::string_view s) {
  double secs = 0;
  if (ParseGoFloat(s, &secs)) {
    double ns = secs * 1e9;
    // Go compares with float64(MaxInt64), which is 2^63.
    if (ns > 9223372036854775808.0 || ns < -9223372036854775808.0) {
      return Status::InvalidArgument(
          fmt::format("cannot parse {} to a valid duration. It overflows int64", GoQuote(s)));
    }
    // NaN and 2^63 itself pass Go's check; its conversion on amd64 gives
    // MinInt64, which the step check then refuses as negative.
    if (std::isnan(ns) || ns == 9223372036854775808.0) return std::numeric_limits<int64_t>::min();
    return static_cast<int64_t>(ns);  // truncates toward zero, as Go's conversion
  }
  auto ms = ParseDurationMillis(s);
  if (!ms.ok() || *ms > std::numeric_limits<int64_t>::max() / 1'000'000) {
    return Status::InvalidArgument(fmt::format("cannot parse {} to a valid duration", GoQuote(s)));
  }
  return *ms * 1'000'000;
}

Result<int64_t> ParseLimit(std::string_view s) {
  if (s.empty()) return int64_t{0};
  std::string_view digits = s;
  bool neg = false;
  if (digits[0] == '+' || digits[0] == '-') {
    neg = digits[0] == '-';
    digits.remove_prefix(1);
  }
  bool syntax_ok = !digits.empty();
  for (char c : digits) syntax_ok = syntax_ok && c >= '0' && c <= '9';
  if (!syntax_ok) {
    return Status::InvalidArgument(
        fmt::format("strconv.Atoi: parsing {}: invalid syntax", GoQuote(s)));
  }
  uint64_t mag = 0;
  auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), mag);
  uint64_t max = neg ? (1ull << 63) : (1ull << 63) - 1;
  if (ec != std::errc() || mag > max) {
    return Status::InvalidArgument(
        fmt::format("strconv.Atoi: parsing {}: value out of range", GoQuote(s)));
  }
  if (neg && mag > 0) return Status::InvalidArgument("limit must be non-negative");
  return static_cast<int64_t>(mag);
}

}  // namespace vigil::api::query
