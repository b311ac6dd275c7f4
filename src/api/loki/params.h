// The Loki HTTP API's request parameters, parsed as Loki 3's pkg/loghttp
// parses them, with its error texts (they become 400 bodies):
//
//   start/end/time  Unix seconds ("1700000000", at most 10 digits), Unix ns
//                   (longer), float seconds ("1700000000.5", ms precision)
//                   or RFC 3339 ("2023-11-14T22:13:20.5Z")
//   since           a Prometheus duration ("5m"); start = min(end, now) - since
//   limit           a positive integer (default 100)
//   direction       forward | backward (any case; default backward)
//   step, interval  float seconds or a duration; step defaults to
//                   max(1s, (end - start) / 250) floored to whole seconds
//   delay_for       tail only: whole seconds, at most 5 (or a configured cap)
//
// Owned by helper "lokiapi" (src/api/loki). Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "api/http/http.h"
#include "base/result.h"
#include "storage/logstore/log_reader.h"

namespace vigil::api::loki {

inline constexpr int64_t kNanosPerSecond = 1'000'000'000;
// Loki's defaultSince: a range without start looks back one hour.
inline constexpr int64_t kDefaultSinceNs = 3600 * kNanosPerSecond;
inline constexpr uint32_t kDefaultLimit = 100;
// Loki refuses range queries with more points per series than this.
inline constexpr int64_t kMaxPointsPerSeries = 11000;

// One timestamp parameter value (never empty) in Unix ns. Errors are Go's
// strconv.ParseInt text, as Loki returns them.
Result<int64_t> ParseLokiTime(std::string_view value);
// Float seconds or a Prometheus duration, in ns:
// cannot parse "x" to a valid duration
Result<int64_t> ParseSecondsOrDuration(std::string_view value);

struct Bounds {
  int64_t start_ns = 0;
  int64_t end_ns = 0;
};
// start, end and since of a request, with Loki's defaults relative to
// now_ns; errors read "could not parse 'end' parameter: ...".
Result<Bounds> ParseBounds(const http::Request& req, int64_t now_ns);

Result<uint32_t> ParseLimit(const http::Request& req);
Result<logstore::Direction> ParseDirection(const http::Request& req);

struct RangeQueryParams {
  std::string query;
  Bounds bounds;
  int64_t step_ns = 0;
  int64_t interval_ns = 0;
  uint32_t limit = kDefaultLimit;
  logstore::Direction direction = logstore::Direction::kBackward;
};
Result<RangeQueryParams> ParseRangeQuery(const http::Request& req, int64_t now_ns);

struct InstantQueryParams {
  std::string query;
  int64_t time_ns = 0;
  uint32_t limit = kDefaultLimit;
  logstore::Direction direction = logstore::Direction::kBackward;
};
Result<InstantQueryParams> ParseInstantQuery(const http::Request& req, int64_t now_ns);

struct TailParams {
  std::string query;
  int64_t start_ns = 0;
  int64_t delay_for_ns = 0;
  uint32_t limit = kDefaultLimit;
};
// max_delay_ns 0: Loki's 5 s.
Result<TailParams> ParseTailParams(const http::Request& req, int64_t now_ns, int64_t max_delay_ns);

// Wall-clock now in Unix ns.
int64_t NowNanos();

}  // namespace vigil::api::loki
