// Chart images: Render draws a Chart (chart.h) as a PNG or an SVG with
// cairo, from one drawing code path, so both formats show the same picture:
//
//   title (the query) and a subtitle (time range, step, notes)
//   value axis on the left: nice ticks in the chart's unit (ticks.h), grid
//   time axis at the bottom: round UTC times, the date under each new day
//   lines in the web UI's palette (palette.h); stacked charts fill each
//   series above the one before it, a gap counting as zero as in the UI
//   the legend under the plot: a colour swatch and the name per series,
//   names cut with "…" to the width, as many rows as fit in about a third
//   of the height, then "+N more" (with the chart's hidden series)
//
// Sizes are pixels (SVG user units are pixels too); text is DejaVu Sans
// through fontconfig. Lines with more points than the plot has pixel
// columns are reduced per column to their first, lowest, highest and last
// point, which draws the same pixels. Series names and titles are text, never
// markup: the SVG also carries them, XML-escaped, in <title> and <desc> for
// screen readers and search, since cairo writes text as glyph outlines.
//
// Thread-safety: Render may run concurrently; each call has its own cairo
// surface (cairo's font caches are internally locked).
#pragma once

#include <string>

#include "base/result.h"
#include "visual/plot/chart.h"

namespace vigil::plot {

inline constexpr int kMinImageSize = 100;
inline constexpr int kMaxImageSize = 4000;

// The encoded image. InvalidArgument when width or height is outside
// [kMinImageSize, kMaxImageSize]; Internal if cairo fails.
Result<std::string> Render(const Chart& chart, Format format, int width, int height);

}  // namespace vigil::plot
