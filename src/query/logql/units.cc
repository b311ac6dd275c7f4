#include "query/logql/units.h"

#include <cctype>
#include <cmath>

#include <fmt/format.h>

#include "base/strconv.h"

namespace vigil::logql {
namespace {

Status InvalidDuration(std::string_view s) {
  return Status::InvalidArgument(fmt::format("time: invalid duration \"{}\"", s));
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

Result<int64_t> ParseGoDuration(std::string_view s) {
  std::string_view orig = s;
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return int64_t{0};
  if (s.empty()) return InvalidDuration(orig);
  double total = 0;
  while (!s.empty()) {
    if (!IsDigit(s[0]) && s[0] != '.') return InvalidDuration(orig);
    size_t i = 0;
    double whole = 0;
    bool digits = false;
    while (i < s.size() && IsDigit(s[i])) {
      whole = whole * 10 + (s[i] - '0');
      ++i;
      digits = true;
    }
    double frac = 0, scale = 1;
    if (i < s.size() && s[i] == '.') {
      ++i;
      while (i < s.size() && IsDigit(s[i])) {
        frac = frac * 10 + (s[i] - '0');
        scale *= 10;
        ++i;
        digits = true;
      }
    }
    if (!digits) return InvalidDuration(orig);
    size_t u = i;
    while (u < s.size() && !IsDigit(s[u]) && s[u] != '.') ++u;
    std::string_view unit = s.substr(i, u - i);
    double mult;
    if (unit == "ns") {
      mult = 1;
    } else if (unit == "us" || unit == "\xc2\xb5s" || unit == "\xce\xbcs") {
      mult = 1e3;
    } else if (unit == "ms") {
      mult = 1e6;
    } else if (unit == "s") {
      mult = 1e9;
    } else if (unit == "m") {
      mult = 60e9;
    } else if (unit == "h") {
      mult = 3600e9;
    } else if (unit.empty()) {
      return Status::InvalidArgument(fmt::format("time: missing unit in duration \"{}\"", orig));
    } else {
      return Status::InvalidArgument(
          fmt::format("time: unknown unit \"{}\" in duration \"{}\"", unit, orig));
    }
    total += (whole + frac / scale) * mult;
    s.remove_prefix(u);
  }
  if (total > 9.2e18) return InvalidDuration(orig);
  int64_t ns = static_cast<int64_t>(std::llround(total));
  return neg ? -ns : ns;
}

std::string FormatGoDuration(int64_t ns) {
  if (ns == 0) return "0s";
  std::string out;
  uint64_t u = ns < 0 ? static_cast<uint64_t>(-(ns + 1)) + 1 : static_cast<uint64_t>(ns);
  if (ns < 0) out.push_back('-');
  auto frac = [](uint64_t v, uint64_t div) {
    std::string s = fmt::format("{}", v / div);
    uint64_t rem = v % div;
    if (rem != 0) {
      std::string digits = fmt::format("{}", rem + div).substr(1);
      while (!digits.empty() && digits.back() == '0') digits.pop_back();
      s += "." + digits;
    }
    return s;
  };
  if (u < 1000) return out + fmt::format("{}ns", u);
  if (u < 1000000) return out + frac(u, 1000) + "\xc2\xb5s";
  if (u < 1000000000) return out + frac(u, 1000000) + "ms";
  uint64_t h = u / 3600000000000ull;
  u -= h * 3600000000000ull;
  uint64_t m = u / 60000000000ull;
  u -= m * 60000000000ull;
  if (h > 0) out += fmt::format("{}h", h);
  if (h > 0 || m > 0) out += fmt::format("{}m", m);
  out += frac(u, 1000000000) + "s";
  return out;
}

Result<int64_t> ParseQueryDuration(std::string_view s) {
  auto go = ParseGoDuration(s);
  if (go.ok()) return go;
  auto prom = ParsePromDurationNanos(s);
  if (prom.ok()) return prom;
  return go.status();
}

Result<double> ParseHumanBytes(std::string_view s) {
  std::string_view orig = s;
  size_t i = 0;
  while (i < s.size() && (IsDigit(s[i]) || s[i] == '.' || s[i] == ',')) ++i;
  std::string num;
  for (char c : s.substr(0, i)) {
    if (c != ',') num.push_back(c);
  }
  auto bad = [&] {
    return Status::InvalidArgument(
        fmt::format("strconv.ParseFloat: parsing \"{}\": invalid syntax", orig));
  };
  if (num.empty()) return bad();
  auto f = ParseGoFloat(num);
  if (!f.ok()) return bad();
  s.remove_prefix(i);
  while (!s.empty() && s[0] == ' ') s.remove_prefix(1);
  std::string unit;
  for (char c : s) unit.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  double mult;
  if (unit.empty() || unit == "b") {
    mult = 1;
  } else {
    static constexpr std::string_view kPrefixes = "kmgtpe";
    size_t p = kPrefixes.find(unit[0]);
    if (p == std::string_view::npos) {
      return Status::InvalidArgument(fmt::format("unhandled size name: {}", unit));
    }
    std::string_view rest = std::string_view(unit).substr(1);
    double base;
    if (rest.empty() || rest == "b") {
      base = 1000;
    } else if (rest == "i" || rest == "ib") {
      base = 1024;
    } else {
      return Status::InvalidArgument(fmt::format("unhandled size name: {}", unit));
    }
    mult = std::pow(base, static_cast<double>(p + 1));
  }
  return *f * mult;
}

}  // namespace vigil::logql
