// Time in Vigil: int64 milliseconds since the Unix epoch (as Prometheus'
// TSDB), durations in milliseconds, and their text forms.
//
// Thread-safety: pure functions, plus a Clock that may be shared.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <string_view>

#include "base/result.h"

namespace vigil {

constexpr int64_t kMinTime = std::numeric_limits<int64_t>::min();
constexpr int64_t kMaxTime = std::numeric_limits<int64_t>::max();
constexpr int64_t kSecond = 1000;
constexpr int64_t kMinute = 60 * kSecond;
constexpr int64_t kHour = 60 * kMinute;
constexpr int64_t kDay = 24 * kHour;

int64_t NowMillis();

// A source of "now", so tests can control time.
using Clock = std::function<int64_t()>;
inline Clock SystemClock() { return &NowMillis; }

// Prometheus duration syntax: a sequence of <int><unit> with units
// y, w, d, h, m, s, ms in that order ("1h30m", "15d", "0"). Also accepts a
// plain number of seconds with a fraction ("1.5"), as the HTTP API does.
Result<int64_t> ParseDurationMillis(std::string_view s);
// The shortest form in the syntax above ("2h", "1h30m", "0s").
std::string FormatDuration(int64_t ms);

// A timestamp as the Prometheus HTTP API accepts it: Unix seconds with an
// optional fraction ("1700000000.123") or RFC 3339 ("2023-11-14T22:13:20.123Z",
// with an optional numeric offset). Returns milliseconds.
Result<int64_t> ParseTimestamp(std::string_view s);
// RFC 3339 in UTC with milliseconds.
std::string FormatRFC3339(int64_t ms);

}  // namespace vigil
