// textparse/lex: the pieces both exposition parsers share: character classes,
// quoted strings and their escapes, numbers, and building a Labels from the
// spans a parser recorded for one series line.
//
// Internal to src/collect/textparse (owned by the textparse module).
// Thread-safety: pure functions; the tables are constant.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "base/result.h"
#include "model/labels.h"
#include "storage/storage.h"

namespace vigil::textparse::internal {

enum CharClass : uint8_t {
  kMetricStart = 1,  // [a-zA-Z_:]
  kMetricChar = 2,   // [a-zA-Z0-9_:]
  kLabelStart = 4,   // [a-zA-Z_]
  kLabelChar = 8,    // [a-zA-Z0-9_]
  kDigit = 16,       // [0-9]
};
constexpr std::array<uint8_t, 256> MakeCharClass() {
  std::array<uint8_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    bool digit = c >= '0' && c <= '9';
    uint8_t v = 0;
    if (alpha || c == '_' || c == ':') v |= kMetricStart | kMetricChar;
    if (digit) v |= kMetricChar | kLabelChar | kDigit;
    if (alpha || c == '_') v |= kLabelStart | kLabelChar;
    t[c] = v;
  }
  return t;
}
inline constexpr std::array<uint8_t, 256> kCharClass = MakeCharClass();

inline bool Is(char c, uint8_t cls) { return (kCharClass[static_cast<uint8_t>(c)] & cls) != 0; }

// One label pair of a series line as written: the bytes between the quotes
// (or the bare name), escapes still in place.
struct RawLabel {
  std::string_view name;
  std::string_view value;
  bool name_quoted = false;
};

// s[pos] is '"'. Returns the index just past the closing quote, or npos when
// the string does not end before `end`. A backslash escapes the next byte.
// *escaped is set when a backslash occurs.
size_t ScanQuoted(std::string_view s, size_t pos, bool* escaped);

// Label values, quoted names and OpenMetrics HELP: \\ \" \n are replaced,
// any other backslash sequence is kept as written (as Prometheus does).
void AppendUnescaped(std::string* out, std::string_view raw);
// raw itself when it holds no backslash, else its unescaped form in *scratch.
std::string_view Unescape(std::string_view raw, std::string* scratch);
// Prometheus text HELP: only \\ and \n are escapes.
std::string_view UnescapeHelp(std::string_view raw, std::string* scratch);

// A sample value as both formats write it: Go's strconv.ParseFloat without
// hexadecimal floats or '_' (Prometheus refuses any of "pP_"). NaN comes back
// with Prometheus' normal NaN bits. Plain decimals take a fast path.
bool ParseValue(std::string_view token, double* out);
// The error text for a token ParseValue refused.
std::string ValueError(std::string_view token);

// The value "+Inf"/"-Inf"/"1.0"/"0.25" Prometheus 3 stores for le and quantile
// labels (formatOpenMetricsFloat), or nullopt if raw is not a number.
std::optional<std::string> NormalizeFloatLabel(std::string_view value);

// __name__ plus the labels, unescaped, le/quantile normalized for histogram
// and summary families, sorted; fails on empty or invalid UTF-8 names,
// invalid UTF-8 values and duplicate names. `line` prefixes the error.
Result<model::Labels> BuildLabels(std::string_view raw_name, bool name_quoted,
                                  std::span<const RawLabel> labels,
                                  storage::MetricMetadata::Type type, int line);

// `"tok"` for the token at s[pos] (up to whitespace, at most 24 bytes) or
// `end of line`, for "expected X, got Y" messages.
std::string Got(std::string_view line, size_t pos);

// "line N: msg" as an InvalidArgument status.
Status LineError(int line, std::string_view msg);

}  // namespace vigil::textparse::internal
