#include "api/query/render_format.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "api/query/params.h"
#include "base/strconv.h"
#include "visual/plot/render.h"
#include "visual/plot/ticks.h"

namespace vigil::api::query {

namespace {

// strconv.ParseBool, with Go's error.
Result<bool> ParseGoBool(std::string_view s) {
  for (std::string_view t : {"1", "t", "T", "TRUE", "true", "True"}) {
    if (s == t) return true;
  }
  for (std::string_view f : {"0", "f", "F", "FALSE", "false", "False"}) {
    if (s == f) return false;
  }
  return Status::InvalidArgument(
      fmt::format("strconv.ParseBool: parsing {}: invalid syntax", GoQuote(s)));
}

Status ParseSize(const http::Request& req, std::string_view name, int* out) {
  std::string_view v = req.Param(name);
  if (v.empty()) return Status::OK();
  auto n = ParseGoAtoi(v);
  if (!n.ok()) return Status::InvalidArgument(InvalidParam(name, n.status().message()));
  if (*n < plot::kMinImageSize || *n > plot::kMaxImageSize) {
    return Status::InvalidArgument(
        InvalidParam(name, fmt::format("{} is outside {} to {} pixels", *n, plot::kMinImageSize,
                                       plot::kMaxImageSize)));
  }
  *out = static_cast<int>(*n);
  return Status::OK();
}

}  // namespace

Result<RenderOptions> ParseRenderOptions(const http::Request& req) {
  RenderOptions o;
  auto format = plot::ParseFormat(req.Param("format"));
  if (!format.ok())
    return Status::InvalidArgument(InvalidParam("format", format.status().message()));
  o.format = *format;
  if (Status s = ParseSize(req, "width", &o.width); !s.ok()) return s;
  if (Status s = ParseSize(req, "height", &o.height); !s.ok()) return s;
  auto unit = plot::ParseUnit(req.Param("unit"));
  if (!unit.ok()) return Status::InvalidArgument(InvalidParam("unit", unit.status().message()));
  o.unit = *unit;
  if (std::string_view st = req.Param("stacked"); !st.empty()) {
    auto b = ParseGoBool(st);
    if (!b.ok()) return Status::InvalidArgument(InvalidParam("stacked", b.status().message()));
    o.stacked = *b;
  }
  auto theme = plot::ParseTheme(req.Param("theme"));
  if (!theme.ok()) return Status::InvalidArgument(InvalidParam("theme", theme.status().message()));
  o.theme = *theme;
  o.title = std::string(req.Param("title"));
  return o;
}

int64_t AutoStepMs(int64_t start_ms, int64_t end_ms, int width) {
  const __int128 span = std::max<__int128>(0, static_cast<__int128>(end_ms) - start_ms);
  const int64_t points = std::max(1, width / 2);
  int64_t step = static_cast<int64_t>(
      std::min<__int128>((span + points - 1) / points, std::numeric_limits<int64_t>::max() / 2));
  if (span >= 60'000) step = std::max<int64_t>(step, 1000);
  return plot::NiceStepAtLeast(step);
}

std::string SeriesName(const model::Labels& labels) {
  std::string name(labels.MetricName());
  std::string rest;
  for (const auto& l : labels) {
    if (l.name == model::kMetricName) continue;
    if (!rest.empty()) rest += ", ";
    rest += l.name;
    rest += '=';
    AppendGoQuoted(&rest, l.value);
  }
  if (rest.empty()) return name.empty() ? "{}" : name;
  return name + "{" + rest + "}";
}

std::vector<std::string> LegendNames(const std::vector<model::Labels>& series) {
  std::vector<std::string> out;
  if (series.size() < 2) {
    for (const auto& s : series) out.push_back(SeriesName(s));
    return out;
  }
  // name -> the value all series share, for the labels that every series has.
  std::map<std::string, std::string, std::less<>> common;
  for (const auto& l : series[0]) common.emplace(l.name, l.value);
  for (size_t i = 1; i < series.size() && !common.empty(); ++i) {
    for (auto it = common.begin(); it != common.end();) {
      if (!series[i].Has(it->first) || series[i].Get(it->first) != it->second) {
        it = common.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (const auto& s : series) {
    std::vector<model::Label> kept;
    for (const auto& l : s) {
      if (!common.contains(l.name)) kept.push_back(l);
    }
    out.push_back(SeriesName(model::Labels::FromSorted(std::move(kept))));
  }
  return out;
}

namespace {

// "2024-03-17 13:05 to 14:05 UTC": the end's date only when it differs.
std::string RangeText(int64_t start_ms, int64_t end_ms) {
  std::string from = plot::FormatUtc(start_ms), to = plot::FormatUtc(end_ms);
  constexpr size_t kDate = 11;   // "2024-03-17 "
  from.resize(from.size() - 4);  // " UTC" once, at the end
  if (from.compare(0, kDate, to, 0, kDate) == 0) to.erase(0, kDate);
  return fmt::format("{} to {}", from, to);
}

}  // namespace

plot::Chart BuildRenderChart(const promql::Value& result, const RenderOptions& options,
                             std::string_view query, int64_t start_ms, int64_t end_ms,
                             int64_t step_ms, size_t max_series) {
  plot::Chart chart;
  chart.title = options.title.empty() ? std::string(query) : options.title;
  chart.start_ms = start_ms;
  chart.end_ms = end_ms;
  chart.unit = options.unit;
  chart.stacked = options.stacked;
  chart.theme = options.theme;
  const auto* matrix = std::get_if<promql::Matrix>(&result);
  const size_t total = matrix == nullptr ? 0 : matrix->size();
  const size_t drawn = std::min(total, max_series);
  chart.hidden_series = total - drawn;
  std::vector<model::Labels> labels;
  for (size_t i = 0; i < drawn; ++i) labels.push_back((*matrix)[i].metric);
  std::vector<std::string> names = LegendNames(labels);
  for (size_t i = 0; i < drawn; ++i) {
    plot::Series s;
    s.name = std::move(names[i]);
    const auto& floats = (*matrix)[i].floats;
    s.points.reserve(floats.size());
    for (size_t j = 0; j < floats.size(); ++j) {
      // A step without a value is a gap: the line must not bridge it.
      if (j > 0 && step_ms > 0 && floats[j].t - floats[j - 1].t > step_ms) {
        s.points.push_back({floats[j - 1].t + step_ms, std::numeric_limits<double>::quiet_NaN()});
      }
      s.points.push_back({floats[j].t, floats[j].f});
    }
    chart.series.push_back(std::move(s));
  }
  chart.subtitle =
      fmt::format("{}, step {}", RangeText(start_ms, end_ms), FormatPromDuration(step_ms));
  if (chart.hidden_series > 0) {
    chart.subtitle += fmt::format(", {} of {} series drawn", drawn, total);
  }
  return chart;
}

}  // namespace vigil::api::query
