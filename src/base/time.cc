#include "base/time.h"

#include <fmt/format.h>

#include <charconv>
#include <chrono>
#include <cmath>
#include <ctime>

#include "base/strconv.h"

namespace vigil {

int64_t NowMillis() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

namespace {

bool ParseFloatStrict(std::string_view s, double* out) {
  if (s.empty()) return false;
  const char* end = s.data() + s.size();
  auto [p, ec] = std::from_chars(s.data(), end, *out);
  return ec == std::errc() && p == end;
}

// Days from 1970-01-01 to y-m-d (proleptic Gregorian); Howard Hinnant's algorithm.
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool ParseDigits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

}  // namespace

Result<int64_t> ParseDurationMillis(std::string_view s) {
  double secs;
  if (ParseFloatStrict(s, &secs)) {
    if (!std::isfinite(secs) || std::abs(secs) > 9.2e15) {
      return Status::InvalidArgument(fmt::format("not a valid duration string: {}", GoQuote(s)));
    }
    return static_cast<int64_t>(std::llround(secs * 1000));
  }
  // The smallest unit is ms, so the nanoseconds divide exactly.
  VIGIL_ASSIGN_OR_RETURN(int64_t ns, ParsePromDurationNanos(s));
  return ns / 1'000'000;
}

Result<int64_t> ParseTimestamp(std::string_view s) {
  double secs;
  if (ParseFloatStrict(s, &secs)) {
    if (!std::isfinite(secs) || std::abs(secs) > 9.2e15) {
      return Status::InvalidArgument(fmt::format("cannot parse \"{}\" to a valid timestamp", s));
    }
    return static_cast<int64_t>(std::llround(secs * 1000));
  }
  // RFC 3339: YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)
  auto bad = [&] {
    return Status::InvalidArgument(fmt::format("cannot parse \"{}\" to a valid timestamp", s));
  };
  int y, mo, d, h, mi, sec;
  if (!ParseDigits(s, 0, 4, &y) || s.size() < 20 || s[4] != '-' || !ParseDigits(s, 5, 2, &mo) ||
      s[7] != '-' || !ParseDigits(s, 8, 2, &d) || (s[10] != 'T' && s[10] != 't') ||
      !ParseDigits(s, 11, 2, &h) || s[13] != ':' || !ParseDigits(s, 14, 2, &mi) || s[16] != ':' ||
      !ParseDigits(s, 17, 2, &sec)) {
    return bad();
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return bad();
  size_t i = 19;
  int64_t frac_ms = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    size_t start = i;
    int64_t scale = 100;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      frac_ms += (s[i] - '0') * scale;
      scale /= 10;
      ++i;
    }
    if (i == start) return bad();
  }
  int64_t offset_min = 0;
  if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) {
    ++i;
  } else if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    int oh, om;
    if (!ParseDigits(s, i + 1, 2, &oh) || i + 3 >= s.size() || s[i + 3] != ':' ||
        !ParseDigits(s, i + 4, 2, &om)) {
      return bad();
    }
    offset_min = (oh * 60 + om) * (s[i] == '+' ? 1 : -1);
    i += 6;
  } else {
    return bad();
  }
  if (i != s.size()) return bad();
  int64_t days = DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  int64_t secs_total = days * 86400 + h * 3600 + mi * 60 + sec - offset_min * 60;
  return secs_total * 1000 + frac_ms;
}

std::string FormatRFC3339(int64_t ms) {
  int64_t secs = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
  int64_t frac = ms - secs * 1000;
  std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm;
  gmtime_r(&t, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
}

}  // namespace vigil
