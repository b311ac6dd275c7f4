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

// A duration for Vigil's flags and config file: Prometheus' model.ParseDuration
// (ParsePromDurationNanos in base/strconv.h: "1h30m", "15d", "0", with its
// error messages) in milliseconds, or a plain number of seconds ("1.5").
// Prometheus' flags and YAML take only the unit form; float seconds stay
// accepted because Vigil has always taken them there and they cannot be
// mistaken for the unit form, so every Prometheus value still reads the same.
// (The query API parses its duration parameters itself, in nanoseconds and
// with Prometheus' own float rules: api/query/params.h.) For the text form
// use FormatPromDuration (base/strconv.h).
Result<int64_t> ParseDurationMillis(std::string_view s);

// A timestamp as the Prometheus HTTP API accepts it: Unix seconds with an
// optional fraction ("1700000000.123") or RFC 3339 ("2023-11-14T22:13:20.123Z",
// with an optional numeric offset). Returns milliseconds.
Result<int64_t> ParseTimestamp(std::string_view s);
// RFC 3339 in UTC with milliseconds.
std::string FormatRFC3339(int64_t ms);

}  // namespace vigil
