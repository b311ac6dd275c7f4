// promqltest/notation: the value notations of Prometheus' PromQL test
// scripts (/work/shared/conformance/promqltest/FORMAT.md), read exactly as
// Prometheus 3.5's promqltest reads them:
//
//   durations     model.ParseDuration: "1h30m", "10s53ms", "0" (no fractions,
//                 units in the order y w d h m s ms)
//   numbers       strconv.ParseInt(s, 0, 64), falling back to ParseFloat:
//                 "12", "0x1f", "010" (octal!), "1.5e3", "Inf", "-inf", "NaN"
//   series lines  `metric{a="b"} 1 2+3x4 _ _x2 stale -Inf {{...}}`, the
//                 expanding notation of promtool's unit tests (parser.ParseSeriesDesc):
//                   a+bxN  N+1 values a, a+b, ... (b added N times, as Go does)
//                   a-bxN  the same, decreasing
//                   axN    a, N+1 times
//                   _      no sample;  _xN: N times no sample
//                   stale  the staleness marker (NaN with bits 0x7ff0000000000002)
//                   {{..}} a native histogram point, also {{..}}xN and {{..}}+{{..}}xN;
//                          Vigil has no native histograms, so only the position
//                          is kept (the runner skips cases that involve them)
//
// The Go and Prometheus syntaxes themselves are base/strconv.h's; this file
// adds the runner's error texts and the series notation.
//
// The series-line parser is the runner's own rather than promql::ParseMetric
// so that a parser bug under test cannot corrupt the test data.
//
// Owner: the conformance runner (src/query/promql/promqltest).
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "model/labels.h"

namespace vigil::promql::promqltest {

// Prometheus' model.ParseDuration, in milliseconds.
Result<int64_t> ParseDuration(std::string_view s);

// Go's strconv.ParseInt(s, 0, 64) and, if that fails, strconv.ParseFloat(s, 64):
// how promqltest reads a scalar result line and the PromQL lexer a number.
// "NaN" gives Go's NaN (bits 0x7ff8000000000001), never the stale marker.
Result<double> ParseNumber(std::string_view s);

// One position of an expanded sequence.
struct SequenceValue {
  enum class Kind { kFloat, kOmitted, kHistogram };
  Kind kind = Kind::kFloat;
  double value = 0;  // for kFloat; may be the stale marker
  bool operator==(const SequenceValue& o) const;
};

struct SeriesDesc {
  model::Labels labels;
  std::vector<SequenceValue> values;
  bool HasHistogram() const;
};

// One series line: a metric (`name`, `name{...}`, `{...}`, with UTF-8 names
// quoted: `{"a.b", "c.d"="e"}`) and its expanded values.
Result<SeriesDesc> ParseSeriesDesc(std::string_view line);

// How a sequence value is written back ("1", "NaN", "stale", "_", "{{histogram}}").
std::string FormatSequenceValue(const SequenceValue& v);
// A float as Go's %v prints it ("0.1", "1e+06", "+Inf", "NaN").
std::string FormatFloat(double v);

}  // namespace vigil::promql::promqltest
