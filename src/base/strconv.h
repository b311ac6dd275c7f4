// base/strconv: the text forms of Go's strconv (and the bits of unicode/utf8
// they rest on) and of Prometheus' model package, byte for byte, because the
// Prometheus-compatible parts of Vigil (the PromQL parser and printer, the
// engine's messages, the query API, the conformance runner) must read and
// print numbers, strings and durations exactly as Prometheus does:
//
//   GoQuote("a\"b\x01ü\xff")   "a\"b\x01ü\xff" as strconv.Quote (fmt's %q)
//   ParseGoNumber("0x1f")      31: strconv.ParseInt(s, 0, 64), else ParseFloat
//   FormatGoFloat(1e6, 'g')    "1e+06": strconv.FormatFloat(v, 'g', -1, 64)
//   ParsePromDurationNanos     model.ParseDuration ("1h30m", units y..ms)
//   FormatPromDuration         model.Duration.String() ("90d", "1y", "0s")
//
// Error messages are Go's or Prometheus' own, word for word; callers that
// report a different text wrap them. This is the one place these rules live:
// do not add another copy next to a caller.
//
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace vigil {

// ---------------------------------------------------------------------------
// UTF-8 as Go's unicode/utf8 sees it.

constexpr int32_t kUtf8RuneError = 0xFFFD;

// utf8.DecodeRuneInString(s[pos:]) for pos < s.size(): the rune and its
// width. Invalid or truncated sequences (overlong forms, surrogates, beyond
// U+10FFFF) give kUtf8RuneError with *width 1; a U+FFFD actually written in
// the input has width 3.
int32_t Utf8DecodeRune(std::string_view s, size_t pos, int* width);
// utf8.AppendRune for a valid rune (see Utf8ValidRune).
void Utf8AppendRune(std::string* out, int32_t r);
// utf8.ValidRune: 0..U+10FFFF without the surrogates.
bool Utf8ValidRune(int32_t r);

// ---------------------------------------------------------------------------
// Quoting.

// strconv.IsPrint: letters, marks, numbers, punctuation, symbols and the
// ASCII space. Go consults the full Unicode tables; this knows every
// non-printable category that is assigned (controls, format characters,
// spaces and separators, surrogates, private use, noncharacters), so only
// code points unassigned in Unicode 15 read differently.
bool GoIsPrint(int32_t r);

// strconv.Quote: double-quoted, with \a \b \f \n \r \t \v \\ \", other
// non-printable runes as \xNN (below U+0020 and DEL), \uNNNN or \UNNNNNNNN,
// printable Unicode as is and each byte of invalid UTF-8 as \xNN.
std::string GoQuote(std::string_view s);
void AppendGoQuoted(std::string* out, std::string_view s);
// strconv.QuoteRune, as fmt's %q prints a rune: 'x', '\n', '\x00', '"';
// an invalid rune prints as '\ufffd' would, i.e. '�'.
std::string GoQuoteRune(int32_t r);

// Prometheus' strutil.Unquote, which reads PromQL string literals: the
// literal with its quotes ("..." and '...' both with Go's escapes, `...`
// raw) to its value. \x and octal escapes may make invalid UTF-8, as in Go.
// The only error is "invalid syntax".
Result<std::string> UnquotePromString(std::string_view literal);

// ---------------------------------------------------------------------------
// Numbers.

// The bits of Go's math.NaN(), which strconv.ParseFloat returns for "NaN"
// (not the C++ quiet NaN, and not Prometheus' stale marker).
constexpr uint64_t kGoNaNBits = 0x7FF8000000000001ull;

// strconv.ParseInt(s, 0, 64): an optional sign, a base prefix (0x, 0o, 0b,
// or a leading 0 for octal) and '_' between digits.
// Errors: strconv.ParseInt: parsing "s": invalid syntax | value out of range
Result<int64_t> ParseGoInt(std::string_view s);
// strconv.ParseFloat(s, 64): decimal and hexadecimal (0x1.8p3, which needs
// the p exponent) mantissas, '_' between digits, "inf", "infinity" with an
// optional sign and "nan" without one in any case (NaN has kGoNaNBits).
// Values too small round to (signed) zero as in Go; too large is an error.
// Errors: strconv.ParseFloat: parsing "s": invalid syntax | value out of range
Result<double> ParseGoFloat(std::string_view s);
// ParseGoInt, and if that fails ParseGoFloat (with ParseGoFloat's error):
// how Prometheus reads PromQL number literals and test-script values.
Result<double> ParseGoNumber(std::string_view s);

// strconv.AppendFloat(out, v, fmt, -1, 64), the shortest digits that read
// back as v, for fmt 'e' ("1e+06", "-2.5e-07"), 'f' ("1000000",
// "0.00000025", "100000000000000000000000" for 1e23) and 'g' (%e when the
// exponent is below -4 or at least 6, else %f: "1e+06", "123456", "1e-05").
// NaN, +Inf and -Inf print as "NaN", "+Inf", "-Inf"; -0 as "-0".
void AppendGoFloat(std::string* out, double v, char fmt);
std::string FormatGoFloat(double v, char fmt);

// ---------------------------------------------------------------------------
// Prometheus' model.

// model.ParseDuration, in nanoseconds: "0", or <digits><unit> groups with
// units y w d h m s ms each at most once and in that order ("1h30m", "10s53ms").
// No fractions, no sign. Errors are its own: "empty duration string",
// not a valid duration string: "1m1h" | unknown unit "." in duration "1.5m" |
// "duration out of range" (beyond int64 nanoseconds, about 292 years).
Result<int64_t> ParsePromDurationNanos(std::string_view s);
// model.Duration.String() of a number of milliseconds >= 0 (0 and below
// print as "0s"): "1h30m", "90d" (years and weeks only when exact), "1y", "5ms".
std::string FormatPromDuration(int64_t ms);

// model.LabelName.IsValidLegacy: [a-zA-Z_][a-zA-Z0-9_]*.
bool IsLegacyLabelName(std::string_view s);
// model.IsValidLegacyMetricName: [a-zA-Z_:][a-zA-Z0-9_:]*.
bool IsLegacyMetricName(std::string_view s);

}  // namespace vigil
