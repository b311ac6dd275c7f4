// Terminal plots: one line per series with its name, a Unicode sparkline
// (▁▂▃▄▅▆▇█) and its min, max and last values, as `vigil plot` prints them
// when there is no image to write.
//
// The sparkline has one character per time slot of the query's steps: a
// slot shows the mean of the points in it (a blank is a slot without any,
// i.e. a gap), scaled between the series' own smallest and largest slot.
// When there are fewer steps than columns, each step gets one character,
// so a sparkline is never stretched with invented gaps.
//
// Widths are counted in code points, which is what terminals show for the
// block characters and most label text.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "visual/plot/chart.h"

namespace vigil::plot {

// The sparkline of points over the steps start, start + step, ..., end
// (step > 0), in at most max_columns characters.
std::string Sparkline(std::span<const Point> points, int64_t start_ms, int64_t end_ms,
                      int64_t step_ms, int max_columns);

// s cut to at most max_columns code points, ending in "…" when cut; invalid
// UTF-8 bytes and control characters are replaced first (U+FFFD, space).
std::string TruncateText(std::string_view s, size_t max_columns);
// The number of code points of s.
size_t TextColumns(std::string_view s);

// One line per series (no newline): the name padded to a common width, the
// sparkline, then "min … max … last …" in unit, all within columns
// (at least 40) where names allow; a series without points says "no data".
std::vector<std::string> SparklineLines(const std::vector<Series>& series, int64_t start_ms,
                                        int64_t end_ms, int64_t step_ms, int columns, Unit unit);

}  // namespace vigil::plot
