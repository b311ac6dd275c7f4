// Go's time layouts ("2006-01-02T15:04:05Z07:00", written with Go's
// reference time): formatting and parsing with the rules of Go's time.Format
// and time.Parse. One implementation serves the template functions (date,
// toDate, __timestamp__, ...) and the pipeline's normalize step
// (timestamp.format), so both read a layout the same way.
//
// Only UTC: Vigil keeps UTC instants. Formatting prints the zone as "UTC",
// "Z" or "+00:00"; parsing applies a numeric offset (-0700, Z07:00) to give
// the UTC instant, and reads a zone abbreviation (MST: anything of Go's zone
// syntax, "CET", "GMT+3", "+03") as UTC, which is what time.Parse does for an
// abbreviation its Local zone does not know when Local is UTC. As in Go,
// "UTC" or "Z" anywhere cancels a numeric offset; another abbreviation does
// not.
//
// time.Parse's rules (Go's src/time/format.go) are followed: elements as
// nextStdChunk splits them ("Jan" not before a lower-case letter, "_2006" is
// '_' then the year, "002" and "__2" are days of the year), 1- or 2-digit
// numbers for the unpadded elements, the ranges (hour < 24, second < 60, day
// within its month, offsets up to 24h/60m/60s), a fraction after the seconds
// accepted even when the layout has none, digits past a fraction's ninth read
// and dropped, AM/PM in the layout's case, a day of the year that must agree
// with a month and day also given. Departures, kept on purpose: a space in
// the layout matches exactly one space (Go lets a run match any run of
// spaces, or none at the value's end); a 2-digit year and a fixed fraction
// must be digits (Go's atoi also takes "+7" and ".+12"); an offset of
// -00:00:01 is applied (Go takes it for "no offset").
//
// Thread-safety: the functions are pure; a GoLayout is immutable after
// Compile and may be shared between threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace vigil::logparse {

// A time.Time in UTC: seconds since the epoch (Go's zero time, year 1, is
// representable, unlike in int64 nanoseconds) and nanoseconds 0..999999999.
struct GoTime {
  int64_t sec = 0;
  int64_t nsec = 0;
};

GoTime GoTimeFromUnixNanos(int64_t unix_ns);
// false when t does not fit int64 nanoseconds (1677-09-21 to 2262-04-11).
bool GoTimeToUnixNanos(GoTime t, int64_t* unix_ns);
// The instant of a proleptic Gregorian date and time of day in UTC. The
// fields are not checked; out-of-range ones carry over (second 60 is the next
// minute) and nsec is kept as given.
GoTime GoTimeFromCivil(int64_t year, int month, int day, int hour, int minute, int second,
                       int64_t nsec);

// A layout split into its elements once, for formatting or parsing many
// values with it.
class GoLayout {
 public:
  // The empty layout: formats as "", parses only "".
  GoLayout() = default;
  // Never fails: as in Go, text that is no element of the reference time is
  // literal text.
  static GoLayout Compile(std::string_view layout);

  std::string_view layout() const { return text_ ? std::string_view(*text_) : std::string_view(); }
  // Elements other than literal text ("iso" has none, "2006-01-02" three).
  size_t field_count() const { return field_count_; }
  // Whether a year element (2006 or 06) is present.
  bool has_year() const { return has_year_; }

  // time.Format: appends t formatted with the layout.
  void AppendFormat(GoTime t, std::string* out) const;
  std::string Format(GoTime t) const;

  // time.Parse(layout, value). default_year stands for the year when the
  // layout has none (Go: 0); an omitted month or day is 1, an omitted time of
  // day 0. The error reads as Go's ("parsing time ... cannot parse ...").
  Result<GoTime> Parse(std::string_view value, int64_t default_year = 0) const;
  // The same for hot paths: false, and no message built, when value does not
  // match the layout.
  bool TryParse(std::string_view value, int64_t default_year, GoTime* out) const;

 private:
  struct Element {
    uint8_t code = 0;               // the element (go_time.cc); 0 = literal text
    char separator = '.';           // fractions: '.' or ','
    bool fraction_follows = false;  // seconds: the next element (past text) is a fraction
    uint32_t digits = 0;            // fractions: the number of digits
    std::string_view text;          // the element's text, in *text_
  };
  class Cursor;  // go_time.cc: hands elements_ to the parser

  // Shared by copies, so that the elements' views stay valid.
  std::shared_ptr<const std::string> text_;
  std::vector<Element> elements_;
  size_t field_count_ = 0;
  bool has_year_ = false;
};

// One-shot forms of GoLayout's, for a layout used once: they walk the layout
// text as they go, without compiling it (no allocation for the layout).
std::string FormatGoTime(GoTime t, std::string_view layout);
Result<GoTime> ParseGoTime(std::string_view layout, std::string_view value);
// time.Time's String(): "2006-01-02 15:04:05.999999999 +0000 UTC".
std::string GoTimeString(GoTime t);

}  // namespace vigil::logparse
