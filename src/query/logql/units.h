// Text forms of durations and byte sizes as LogQL reads them: Go's
// time.ParseDuration (with Prometheus' d/w/y units as a fallback, as Loki's
// lexer does) and go-humanize's ParseBytes ("10KB", "1.5MiB", "42").
//
// Owner: helper "logql". Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace vigil::logql {

// time.ParseDuration: "300ms", "-1.5h", "2h45m", "1us"/"1µs", "0".
// Errors read like Go's: `time: invalid duration "x"`.
Result<int64_t> ParseGoDuration(std::string_view s);
// Go's Duration.String(): "1h2m3.5s", "250ms", "0s".
std::string FormatGoDuration(int64_t ns);
// A range/offset duration of a query: Go's form, else Prometheus' (1d, 1w).
Result<int64_t> ParseQueryDuration(std::string_view s);
// humanize.ParseBytes: "42", "42 B", "10kb" (1000), "10KiB" (1024) ... "EiB".
Result<double> ParseHumanBytes(std::string_view s);

}  // namespace vigil::logql
