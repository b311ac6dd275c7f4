#include "api/query/params.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <limits>

#include "base/time.h"

namespace vigil::api::query {

std::string InvalidParam(std::string_view name, std::string_view message) {
  return fmt::format("invalid parameter {}: {}", GoQuote(name), message);
}

Result<int64_t> ParseTime(std::string_view s) {
  auto bad = [&] {
    return Status::InvalidArgument(fmt::format("cannot parse {} to a valid timestamp", GoQuote(s)));
  };
  if (Result<double> f = ParseGoFloat(s); f.ok()) {
    double secs = *f;
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
  if (Result<double> f = ParseGoFloat(s); f.ok()) {
    double ns = *f * 1e9;
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
  auto ns = ParsePromDurationNanos(s);
  if (!ns.ok()) {
    return Status::InvalidArgument(fmt::format("cannot parse {} to a valid duration", GoQuote(s)));
  }
  return *ns;
}

Result<int64_t> ParseGoAtoi(std::string_view s) {
  std::string_view digits = s;
  bool neg = false;
  if (!digits.empty() && (digits[0] == '+' || digits[0] == '-')) {
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
  return neg ? static_cast<int64_t>(0 - mag) : static_cast<int64_t>(mag);
}

Result<int64_t> ParseLimit(std::string_view s) {
  if (s.empty()) return int64_t{0};
  VIGIL_ASSIGN_OR_RETURN(int64_t n, ParseGoAtoi(s));
  if (n < 0) return Status::InvalidArgument("limit must be non-negative");
  return n;
}

}  // namespace vigil::api::query
