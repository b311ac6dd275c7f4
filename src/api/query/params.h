// The query API's request parameters, parsed as Prometheus 3.5's
// web/api/v1 parses them, with its error messages word for word:
//
//   ParseTime("x")          cannot parse "x" to a valid timestamp
//   ParseTimeParam(time)    Invalid time value for 'time': cannot parse "x" to a valid timestamp
//   ParseDuration("x")      cannot parse "x" to a valid duration
//   ParseLimit("x")         strconv.Atoi: parsing "x": invalid syntax
//   InvalidParam("step", m) invalid parameter "step": m
//
// Times are Unix seconds with a fraction, or RFC 3339 (base/time.h), in
// milliseconds. Durations are float seconds or Prometheus durations ("5m"),
// in nanoseconds as Go's time.Duration, so that checks such as "step must be
// positive" see what Prometheus sees.
//
// Go's number syntax and quoting (%q) come from base/strconv.h.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "api/http/http.h"
#include "base/result.h"
#include "base/strconv.h"

namespace vigil::api::query {

// `invalid parameter "name": message`.
std::string InvalidParam(std::string_view name, std::string_view message);

// A timestamp (ms). Errors are InvalidArgument with Prometheus' parseTime message.
Result<int64_t> ParseTime(std::string_view s);
// The parameter `name`, or def when absent or empty; errors carry
// "Invalid time value for '<name>': " first, as Prometheus' parseTimeParam.
Result<int64_t> ParseTimeParam(const http::Request& req, std::string_view name, int64_t def);

// A duration in nanoseconds.
Result<int64_t> ParseDuration(std::string_view s);

// strconv.Atoi: an optional sign and decimal digits, in int64. Errors are
// Go's: strconv.Atoi: parsing "x": invalid syntax | value out of range.
Result<int64_t> ParseGoAtoi(std::string_view s);

// The limit parameter: 0 (no limit) when empty; a non-negative integer.
Result<int64_t> ParseLimit(std::string_view s);

// Milliseconds from nanoseconds, truncating as Prometheus' durationMilliseconds.
inline int64_t NanosToMillis(int64_t ns) { return ns / 1'000'000; }

}  // namespace vigil::api::query
