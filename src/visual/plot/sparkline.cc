#include "visual/plot/sparkline.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include "base/strconv.h"
#include "visual/plot/ticks.h"

namespace vigil::plot {

namespace {

constexpr std::array<std::string_view, 8> kBlocks = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};

std::string Pad(std::string s, size_t columns) {
  size_t have = TextColumns(s);
  if (have < columns) s.append(columns - have, ' ');
  return s;
}

}  // namespace

std::string Sparkline(std::span<const Point> points, int64_t start_ms, int64_t end_ms,
                      int64_t step_ms, int max_columns) {
  if (step_ms <= 0 || end_ms < start_ms || max_columns <= 0) return "";
  const int64_t steps = (end_ms - start_ms) / step_ms + 1;
  const int64_t slots = std::min<int64_t>(steps, max_columns);
  std::vector<double> sum(slots, 0);
  std::vector<int> count(slots, 0);
  for (const Point& p : points) {
    if (!std::isfinite(p.v) || p.t_ms < start_ms || p.t_ms > end_ms) continue;
    // The nearest step, then its slot: slots cover whole steps.
    int64_t step = std::min(steps - 1, (p.t_ms - start_ms + step_ms / 2) / step_ms);
    int64_t slot = static_cast<int64_t>(static_cast<__int128>(step) * slots / steps);
    sum[slot] += p.v;
    count[slot]++;
  }
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (int64_t i = 0; i < slots; ++i) {
    if (count[i] == 0) continue;
    sum[i] /= count[i];
    lo = std::min(lo, sum[i]);
    hi = std::max(hi, sum[i]);
  }
  std::string out;
  for (int64_t i = 0; i < slots; ++i) {
    if (count[i] == 0) {
      out.push_back(' ');
      continue;
    }
    // A flat series sits in the middle, where it cannot be taken for a minimum.
    size_t level = hi > lo ? static_cast<size_t>(std::lround((sum[i] - lo) / (hi - lo) * 7)) : 3;
    out += kBlocks[std::min<size_t>(level, 7)];
  }
  return out;
}

size_t TextColumns(std::string_view s) {
  size_t n = 0;
  for (size_t i = 0; i < s.size();) {
    int width = 1;
    Utf8DecodeRune(s, i, &width);
    i += static_cast<size_t>(width);
    ++n;
  }
  return n;
}

std::string TruncateText(std::string_view s, size_t max_columns) {
  std::string clean;
  size_t columns = 0;
  size_t cut = std::string::npos;  // clean's size before the rune that would not leave room for …
  for (size_t i = 0; i < s.size();) {
    int width = 1;
    int32_t r = Utf8DecodeRune(s, i, &width);
    i += static_cast<size_t>(width);
    if (columns + 1 == max_columns) cut = clean.size();
    if (columns == max_columns) {
      clean.resize(cut == std::string::npos ? 0 : cut);
      if (max_columns > 0) clean += "…";
      return clean;
    }
    if (r < 0x20 || (r >= 0x7f && r < 0xa0)) r = ' ';
    Utf8AppendRune(&clean, r);
    ++columns;
  }
  return clean;
}

std::vector<std::string> SparklineLines(const std::vector<Series>& series, int64_t start_ms,
                                        int64_t end_ms, int64_t step_ms, int columns, Unit unit) {
  columns = std::max(columns, 40);
  struct Row {
    std::string name, min, max, last;
    bool empty = true;
  };
  std::vector<Row> rows;
  size_t name_w = 0, min_w = 0, max_w = 0, last_w = 0;
  // Names get at most a third of the line, so the sparkline keeps the most.
  const size_t name_cap = std::max<size_t>(10, static_cast<size_t>(columns) / 3);
  for (const Series& s : series) {
    Row row;
    row.name = TruncateText(s.name, name_cap);
    double lo = std::numeric_limits<double>::infinity(), hi = -lo, last = 0;
    for (const Point& p : s.points) {
      if (std::isnan(p.v)) continue;
      lo = std::min(lo, p.v), hi = std::max(hi, p.v), last = p.v;
      row.empty = false;
    }
    if (!row.empty) {
      row.min = FormatValue(lo, unit), row.max = FormatValue(hi, unit);
      row.last = FormatValue(last, unit);
    }
    name_w = std::max(name_w, TextColumns(row.name));
    min_w = std::max(min_w, TextColumns(row.min));
    max_w = std::max(max_w, TextColumns(row.max));
    last_w = std::max(last_w, TextColumns(row.last));
    rows.push_back(std::move(row));
  }
  // "  min X  max Y  last Z" after the sparkline, two spaces after the name.
  const size_t stats_w = 2 + 4 + min_w + 2 + 4 + max_w + 2 + 5 + last_w;
  const int spark_w =
      std::max(8, columns - static_cast<int>(name_w) - 2 - static_cast<int>(stats_w));
  // Sparklines shorter than the room (few steps) set a narrower column.
  std::vector<std::string> sparks(rows.size());
  size_t spark_col = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    if (rows[i].empty) continue;
    sparks[i] = Sparkline(series[i].points, start_ms, end_ms, step_ms, spark_w);
    spark_col = std::max(spark_col, TextColumns(sparks[i]));
  }
  std::vector<std::string> out;
  for (size_t i = 0; i < rows.size(); ++i) {
    const Row& row = rows[i];
    std::string line = Pad(row.name, name_w) + "  ";
    if (row.empty) {
      line += "no data";
    } else {
      line += Pad(sparks[i], spark_col);
      line += fmt::format("  min {}  max {}  last {}", Pad(row.min, min_w), Pad(row.max, max_w),
                          row.last);
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out.push_back(std::move(line));
  }
  return out;
}

}  // namespace vigil::plot
