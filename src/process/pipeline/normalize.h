// Internal to the pipeline: the normalize step's parts, exposed for tests
// and for the condition language (severity words).
//
// Timestamps: TimestampFormat::Make takes rfc3339 (also RFC3339Nano), unix
// (seconds, optional fraction), unix_ms, unix_us, unix_ns, "" (guess: a
// number by its digit count, else RFC 3339), one of Go's layout names
// (ANSIC, UnixDate, RubyDate, RFC822, RFC822Z, RFC850, RFC1123, RFC1123Z,
// Kitchen, Stamp, StampMilli, StampMicro, StampNano, DateTime, DateOnly) or
// a Go layout written with the reference time ("2006-01-02T15:04:05.000Z07:00").
// Layouts follow Go's time.Parse (logparse::GoLayout, go_time.h): fractional
// seconds after the seconds field are accepted even if the layout has none; a
// layout without a year takes the current UTC year (where Go takes year 0),
// without a zone UTC (zone abbreviations such as CET or GMT read as UTC).
//
// Severity: words (case-insensitive) map to OpenTelemetry severity numbers
// the way the OTel SDKs map syslog/PSR levels: trace 1, debug 5, info 9,
// notice 10, warn/warning 13, error/err 17, crit/critical 18, alert 21,
// fatal/emerg/emergency/panic 21/22; numbers 0..7 are syslog severities,
// 10..60 in steps of 10 bunyan/pino levels.
//
// Thread-safety: immutable after Make.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"
#include "process/logparse/go_time.h"

namespace vigil::pipeline {

// 0 when the word is unknown.
uint8_t SeverityFromWord(std::string_view word);
// A word or a number as above; 0 when unknown.
uint8_t SeverityFromValue(std::string_view value);

class TimestampFormat {
 public:
  static Result<TimestampFormat> Make(std::string_view format);
  // Parses value into Unix nanoseconds; false if it does not fit the format
  // or int64 nanoseconds (1677-09-21 to 2262-04-11). now_ns supplies the
  // year for layouts without one.
  bool Parse(std::string_view value, int64_t now_ns, int64_t* out_ns) const;

  enum class Kind { kAuto, kUnixSeconds, kUnixMillis, kUnixMicros, kUnixNanos, kLayout };

 private:
  Kind kind_ = Kind::kAuto;
  logparse::GoLayout layout_;  // kLayout
};

// Unix nanoseconds of a civil UTC date and time (proleptic Gregorian).
int64_t CivilToUnixNanos(int64_t year, int month, int day, int hour, int minute, int second,
                         int64_t nanos);

}  // namespace vigil::pipeline
