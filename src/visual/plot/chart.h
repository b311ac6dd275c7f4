// The chart model that vigil_plot draws: series of (time, value) points over
// a time range, with a title, a unit for the value axis and a stacked mode.
// It knows nothing of PromQL; api/query builds it from a range query's
// result (render_format.h) and `vigil plot` prints sparklines from the same
// kind of points (sparkline.h).
//
// A gap is a NaN value (or an infinite one, which no axis can show): the
// line stops before it and starts again after it, as the web UI's uPlot
// charts draw missing steps (spanGaps: false).
//
// Thread-safety: plain values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace vigil::plot {

struct Point {
  int64_t t_ms = 0;
  double v = 0;  // NaN: a gap
};

struct Series {
  std::string name;           // the legend entry, as it should read (untruncated)
  std::vector<Point> points;  // in time order
};

// How value ticks and labels read: as the web UI's formatValue units.
enum class Unit { kNone, kBytes, kSeconds, kPercent };

enum class Format { kPng, kSvg };

// The web UI's light or dark colours (palette.h).
enum class Theme { kLight, kDark };

struct Chart {
  std::string title;     // one line; truncated to the width when drawn
  std::string subtitle;  // small line under the title (time range, notes); may be empty
  int64_t start_ms = 0;  // the time axis; points outside are clipped
  int64_t end_ms = 0;
  std::vector<Series> series;  // drawn in order, colours from palette.h by index
  // Series of the result that are not in `series` (over the drawing limit):
  // counted in the legend's "+N more".
  size_t hidden_series = 0;
  Unit unit = Unit::kNone;
  bool stacked = false;  // each series on top of the previous ones, filled
  Theme theme = Theme::kLight;
};

// "" or "none" (kNone), "bytes", "seconds", "percent".
Result<Unit> ParseUnit(std::string_view s);
// "png" (also "") or "svg".
Result<Format> ParseFormat(std::string_view s);
// "light" (also "") or "dark".
Result<Theme> ParseTheme(std::string_view s);
// "image/png" or "image/svg+xml".
std::string_view ContentType(Format f);

}  // namespace vigil::plot
