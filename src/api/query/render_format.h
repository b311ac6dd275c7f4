// /api/v1/render (Vigil's own): a range query's result drawn as a chart
// image by vigil_plot (src/visual/plot). This file holds what is the
// endpoint's own: its parameters besides those of /api/v1/query_range, the
// default range and step, and the chart built from the result; the handler
// (query_handlers.cc) parses and evaluates the query exactly as query_range
// does, so both answer the same errors.
//
//   format   png (default) or svg
//   width    pixels, 100 to 4000 (default 800); height likewise (default 400)
//   unit     bytes, seconds or percent: how value ticks read (default plain)
//   stacked  a Go boolean (1, true, 0, false...): series stacked and filled
//   theme    light (default) or dark: the web UI's colours for either
//   title    the chart's title (default: the query)
//   start, end, step: as query_range, but each may be left out: end is now,
//            start one hour before end, step about width/2 points (AutoStepMs)
//
// At most kMaxRenderSeries series are drawn (or `limit`, when smaller); the
// legend counts the others as "+N more" and the subtitle says so.
//
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "api/http/http.h"
#include "base/result.h"
#include "model/labels.h"
#include "query/promql/value.h"
#include "visual/plot/chart.h"

namespace vigil::api::query {

inline constexpr size_t kMaxRenderSeries = 200;
inline constexpr int kDefaultRenderWidth = 800;
inline constexpr int kDefaultRenderHeight = 400;
inline constexpr int64_t kDefaultRenderRangeMs = 3'600'000;

struct RenderOptions {
  plot::Format format = plot::Format::kPng;
  int width = kDefaultRenderWidth;
  int height = kDefaultRenderHeight;
  plot::Unit unit = plot::Unit::kNone;
  bool stacked = false;
  plot::Theme theme = plot::Theme::kLight;
  std::string title;  // empty: the query
};

// format, width, height, unit, stacked, theme and title. Errors are InvalidArgument whose
// message is the whole answer: `invalid parameter "width": ...`.
Result<RenderOptions> ParseRenderOptions(const http::Request& req);

// The step when none is given: a round step (plot::NiceStepAtLeast) giving
// about one point per two pixels, and at least a second for ranges of a
// minute or more (scrapes are seconds apart).
int64_t AutoStepMs(int64_t start_ms, int64_t end_ms, int width);

// A series as the web UI names it: name{a="b", c="d"} ({} without labels).
std::string SeriesName(const model::Labels& labels);
// Legend names for series shown together: the labels every series has with
// the same value are left out (they say nothing about which line is which),
// unless there is only one series.
std::vector<std::string> LegendNames(const std::vector<model::Labels>& series);

// The chart of a range query's result (a matrix; anything else is drawn as
// no data), evaluated at start, start + step, ..., end: missing steps become
// gaps. title is the title to show (the query when options.title is empty).
plot::Chart BuildRenderChart(const promql::Value& result, const RenderOptions& options,
                             std::string_view query, int64_t start_ms, int64_t end_ms,
                             int64_t step_ms, size_t max_series);

}  // namespace vigil::api::query
