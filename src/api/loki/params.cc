#include "api/loki/params.h"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <limits>

#include "base/strconv.h"

namespace vigil::api::loki {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// strconv.ParseInt(s, 10, 64) / strconv.Atoi, with Go's error text.
Result<int64_t> ParseDecimal(std::string_view s, std::string_view func) {
  auto syntax = [&] {
    return Status::InvalidArgument(
        fmt::format("strconv.{}: parsing {}: invalid syntax", func, GoQuote(s)));
  };
  size_t i = 0;
  bool negative = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
  if (i == s.size()) return syntax();
  uint64_t value = 0;
  const uint64_t limit = negative ? uint64_t{1} << 63 : (uint64_t{1} << 63) - 1;
  bool overflow = false;
  for (; i < s.size(); ++i) {
    if (!IsDigit(s[i])) return syntax();
    uint64_t digit = static_cast<uint64_t>(s[i] - '0');
    if (value > (limit - digit) / 10) {
      overflow = true;
    } else {
      value = value * 10 + digit;
    }
  }
  if (overflow) {
    return Status::InvalidArgument(
        fmt::format("strconv.{}: parsing {}: value out of range", func, GoQuote(s)));
  }
  return negative ? static_cast<int64_t>(0 - value) : static_cast<int64_t>(value);
}

// Days since 1970-01-01 of a proleptic Gregorian date.
int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

bool ReadFixed(std::string_view s, size_t* pos, int digits, int64_t* out) {
  if (*pos + digits > s.size()) return false;
  int64_t v = 0;
  for (int i = 0; i < digits; ++i) {
    char c = s[*pos + i];
    if (!IsDigit(c)) return false;
    v = v * 10 + (c - '0');
  }
  *pos += digits;
  *out = v;
  return true;
}

bool Expect(std::string_view s, size_t* pos, char c) {
  if (*pos >= s.size() || s[*pos] != c) return false;
  ++*pos;
  return true;
}

// time.Parse(time.RFC3339Nano, s) in Unix ns: "2006-01-02T15:04:05.999999999Z07:00".
bool ParseRfc3339Nanos(std::string_view s, int64_t* out) {
  size_t pos = 0;
  int64_t year, month, day, hour, minute, second;
  if (!ReadFixed(s, &pos, 4, &year) || !Expect(s, &pos, '-') || !ReadFixed(s, &pos, 2, &month) ||
      !Expect(s, &pos, '-') || !ReadFixed(s, &pos, 2, &day)) {
    return false;
  }
  if (pos >= s.size() || (s[pos] != 'T' && s[pos] != 't')) return false;
  ++pos;
  if (!ReadFixed(s, &pos, 2, &hour) || !Expect(s, &pos, ':') || !ReadFixed(s, &pos, 2, &minute) ||
      !Expect(s, &pos, ':') || !ReadFixed(s, &pos, 2, &second)) {
    return false;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) {
    return false;
  }
  static constexpr int kDaysIn[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (day > kDaysIn[month - 1] || (month == 2 && day == 29 && !leap)) return false;
  int64_t nanos = 0;
  if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
    ++pos;
    int digits = 0;
    while (pos < s.size() && IsDigit(s[pos])) {
      if (digits < 9) nanos = nanos * 10 + (s[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return false;
    for (int i = digits; i < 9; ++i) nanos *= 10;
  }
  int64_t offset_seconds = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int sign = s[pos] == '-' ? -1 : 1;
    ++pos;
    int64_t oh, om;
    if (!ReadFixed(s, &pos, 2, &oh) || !Expect(s, &pos, ':') || !ReadFixed(s, &pos, 2, &om) ||
        oh > 23 || om > 59) {
      return false;
    }
    offset_seconds = sign * (oh * 3600 + om * 60);
  } else {
    return false;
  }
  if (pos != s.size()) return false;
  int64_t secs =
      DaysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offset_seconds;
  // Beyond int64 ns (before 1678 or after 2262) Go's UnixNano is undefined;
  // clamp so a far bound still means "everything".
  constexpr int64_t kMaxSecs = std::numeric_limits<int64_t>::max() / kNanosPerSecond - 1;
  if (secs > kMaxSecs) secs = kMaxSecs;
  if (secs < -kMaxSecs) secs = -kMaxSecs;
  *out = secs * kNanosPerSecond + nanos;
  return true;
}

Result<int64_t> TimeParam(const http::Request& req, std::string_view name, int64_t def) {
  std::string_view value = req.Param(name);
  if (value.empty()) return def;
  return ParseLokiTime(value);
}

}  // namespace

int64_t NowNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Result<int64_t> ParseLokiTime(std::string_view value) {
  if (value.find('.') != std::string_view::npos) {
    if (Result<double> f = ParseGoFloat(value); f.ok() && std::isfinite(f.value())) {
      double whole;
      double frac = std::modf(f.value(), &whole);
      frac = std::round(frac * 1000) / 1000;  // Loki keeps milliseconds
      constexpr double kMaxSecs = 9.2e9;
      if (whole > kMaxSecs) whole = kMaxSecs;
      if (whole < -kMaxSecs) whole = -kMaxSecs;
      return static_cast<int64_t>(whole) * kNanosPerSecond +
             static_cast<int64_t>(frac * static_cast<double>(kNanosPerSecond));
    }
  }
  Result<int64_t> n = ParseDecimal(value, "ParseInt");
  if (!n.ok()) {
    int64_t ns = 0;
    if (ParseRfc3339Nanos(value, &ns)) return ns;
    return n.status();
  }
  if (value.size() <= 10) {
    // Seconds. Ten digits times 1e9 stays inside int64.
    return n.value() * kNanosPerSecond;
  }
  return n.value();
}

Result<int64_t> ParseSecondsOrDuration(std::string_view value) {
  if (Result<double> f = ParseGoFloat(value); f.ok()) {
    double ns = f.value() * static_cast<double>(kNanosPerSecond);
    if (!(ns < 9.223372036854775807e18 && ns > -9.223372036854775807e18)) {
      return Status::InvalidArgument(
          fmt::format("cannot parse {} to a valid duration. It overflows int64", GoQuote(value)));
    }
    return static_cast<int64_t>(ns);
  }
  if (Result<int64_t> d = ParsePromDurationNanos(value); d.ok()) return d.value();
  return Status::InvalidArgument(
      fmt::format("cannot parse {} to a valid duration", GoQuote(value)));
}

Result<Bounds> ParseBounds(const http::Request& req, int64_t now_ns) {
  int64_t since = kDefaultSinceNs;
  if (std::string_view s = req.Param("since"); !s.empty()) {
    Result<int64_t> d = ParsePromDurationNanos(s);
    if (!d.ok()) {
      return Status::InvalidArgument(
          fmt::format("could not parse 'since' parameter: {}", d.status().message()));
    }
    since = d.value();
  }
  Bounds b;
  Result<int64_t> end = TimeParam(req, "end", now_ns);
  if (!end.ok()) {
    return Status::InvalidArgument(
        fmt::format("could not parse 'end' parameter: {}", end.status().message()));
  }
  b.end_ns = end.value();
  // A future end must not push the default start into the future too.
  int64_t end_or_now = b.end_ns > now_ns ? now_ns : b.end_ns;
  Result<int64_t> start = TimeParam(req, "start", end_or_now - since);
  if (!start.ok()) {
    return Status::InvalidArgument(
        fmt::format("could not parse 'start' parameter: {}", start.status().message()));
  }
  b.start_ns = start.value();
  return b;
}

Result<uint32_t> ParseLimit(const http::Request& req) {
  std::string_view value = req.Param("limit");
  if (value.empty()) return kDefaultLimit;
  Result<int64_t> n = ParseDecimal(value, "Atoi");
  if (!n.ok()) return n.status();
  if (n.value() <= 0) return Status::InvalidArgument("limit must be a positive value");
  if (n.value() > std::numeric_limits<uint32_t>::max()) return std::numeric_limits<uint32_t>::max();
  return static_cast<uint32_t>(n.value());
}

Result<logstore::Direction> ParseDirection(const http::Request& req) {
  std::string_view value = req.Param("direction");
  if (value.empty()) return logstore::Direction::kBackward;
  std::string upper(value);
  for (char& c : upper) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  if (upper == "FORWARD") return logstore::Direction::kForward;
  if (upper == "BACKWARD") return logstore::Direction::kBackward;
  return Status::InvalidArgument(fmt::format("invalid direction '{}'", value));
}

Result<RangeQueryParams> ParseRangeQuery(const http::Request& req, int64_t now_ns) {
  RangeQueryParams p;
  p.query = std::string(req.Param("query"));
  Result<Bounds> bounds = ParseBounds(req, now_ns);
  if (!bounds.ok()) return bounds.status();
  p.bounds = bounds.value();
  if (p.bounds.end_ns < p.bounds.start_ns) {
    return Status::InvalidArgument("end timestamp must not be before or equal to start time");
  }
  Result<uint32_t> limit = ParseLimit(req);
  if (!limit.ok()) return limit.status();
  p.limit = limit.value();
  Result<logstore::Direction> direction = ParseDirection(req);
  if (!direction.ok()) return direction.status();
  p.direction = direction.value();
  if (std::string_view step = req.Param("step"); !step.empty()) {
    Result<int64_t> d = ParseSecondsOrDuration(step);
    if (!d.ok()) return d.status();
    p.step_ns = d.value();
  } else {
    double seconds = static_cast<double>(p.bounds.end_ns - p.bounds.start_ns) / 1e9;
    p.step_ns = static_cast<int64_t>(std::max(std::floor(seconds / 250), 1.0)) * kNanosPerSecond;
  }
  if (p.step_ns <= 0) {
    return Status::InvalidArgument(
        "zero or negative query resolution step widths are not accepted. Try a positive integer");
  }
  if ((p.bounds.end_ns - p.bounds.start_ns) / p.step_ns > kMaxPointsPerSeries) {
    return Status::InvalidArgument(
        "exceeded maximum resolution of 11,000 points per timeseries. Try increasing the value "
        "of the step parameter");
  }
  if (std::string_view interval = req.Param("interval"); !interval.empty()) {
    Result<int64_t> d = ParseSecondsOrDuration(interval);
    if (!d.ok()) return d.status();
    p.interval_ns = d.value();
    if (p.interval_ns < 0) return Status::InvalidArgument("interval must be >= 0");
  }
  return p;
}

Result<InstantQueryParams> ParseInstantQuery(const http::Request& req, int64_t now_ns) {
  InstantQueryParams p;
  p.query = std::string(req.Param("query"));
  Result<int64_t> t = TimeParam(req, "time", now_ns);
  if (!t.ok()) return t.status();
  p.time_ns = t.value();
  Result<uint32_t> limit = ParseLimit(req);
  if (!limit.ok()) return limit.status();
  p.limit = limit.value();
  Result<logstore::Direction> direction = ParseDirection(req);
  if (!direction.ok()) return direction.status();
  p.direction = direction.value();
  return p;
}

Result<TailParams> ParseTailParams(const http::Request& req, int64_t now_ns, int64_t max_delay_ns) {
  TailParams p;
  p.query = std::string(req.Param("query"));
  Result<uint32_t> limit = ParseLimit(req);
  if (!limit.ok()) return limit.status();
  p.limit = limit.value();
  Result<Bounds> bounds = ParseBounds(req, now_ns);
  if (!bounds.ok()) return bounds.status();
  p.start_ns = bounds.value().start_ns;
  int64_t max_delay_s = max_delay_ns > 0 ? max_delay_ns / kNanosPerSecond : 5;
  if (std::string_view d = req.Param("delay_for"); !d.empty()) {
    Result<int64_t> n = ParseDecimal(d, "Atoi");
    if (!n.ok()) return n.status();
    if (n.value() < 0 || n.value() > max_delay_s) {
      return Status::InvalidArgument(
          fmt::format("delay_for can't be negative or greater than {}", max_delay_s));
    }
    p.delay_for_ns = n.value() * kNanosPerSecond;
  }
  return p;
}

}  // namespace vigil::api::loki
