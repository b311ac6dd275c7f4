#include "visual/plot/render.h"

#include <cairo-svg.h>
#include <cairo.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <string_view>
#include <vector>

#include "visual/plot/palette.h"
#include "visual/plot/sparkline.h"
#include "visual/plot/ticks.h"

namespace vigil::plot {

namespace {

constexpr double kPad = 10;
constexpr double kTitleSize = 14;
constexpr double kSmallSize = 11;
constexpr double kTitleHeight = 18;
constexpr double kSubtitleHeight = 15;
constexpr double kXLabelsHeight = 30;  // two lines: times, then dates
constexpr double kLegendRow = 16;
constexpr double kSwatch = 14;   // legend line sample
constexpr double kItemGap = 14;  // between legend columns
constexpr double kLineWidth = 1.5;
constexpr double kStackAlpha = 0x55 / 255.0;  // the UI's fill: colour + "55"
constexpr double kMinPlotHeight = 40;
constexpr const char* kFontFamily = "DejaVu Sans";

struct SurfaceDeleter {
  void operator()(cairo_surface_t* s) const { cairo_surface_destroy(s); }
};
struct ContextDeleter {
  void operator()(cairo_t* c) const { cairo_destroy(c); }
};
using SurfacePtr = std::unique_ptr<cairo_surface_t, SurfaceDeleter>;
using ContextPtr = std::unique_ptr<cairo_t, ContextDeleter>;

cairo_status_t AppendBytes(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

void SetColor(cairo_t* cr, uint32_t rgb, double alpha = 1) {
  cairo_set_source_rgba(cr, ((rgb >> 16) & 0xff) / 255.0, ((rgb >> 8) & 0xff) / 255.0,
                        (rgb & 0xff) / 255.0, alpha);
}

void SetFont(cairo_t* cr, double size, bool bold = false) {
  cairo_select_font_face(cr, kFontFamily, CAIRO_FONT_SLANT_NORMAL,
                         bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, size);
}

// Text cairo accepts: invalid UTF-8 would put the context into an error
// state that silently stops all further drawing.
std::string Clean(std::string_view s) {
  return TruncateText(s, std::numeric_limits<size_t>::max());
}

double TextWidth(cairo_t* cr, const std::string& s) {
  cairo_text_extents_t e;
  cairo_text_extents(cr, s.c_str(), &e);
  return e.x_advance;
}

// clean (already Clean) cut with "…" to at most max_w pixels, or "".
std::string FitText(cairo_t* cr, const std::string& clean, double max_w) {
  if (TextWidth(cr, clean) <= max_w) return clean;
  size_t lo = 0, hi = TextColumns(clean);
  while (lo < hi) {
    size_t mid = (lo + hi + 1) / 2;
    if (TextWidth(cr, TruncateText(clean, mid)) <= max_w) {
      lo = mid;
    } else {
      hi = mid - 1;
    }
  }
  return lo <= 1 ? "" : TruncateText(clean, lo);
}

void ShowText(cairo_t* cr, double x, double baseline, const std::string& s) {
  if (s.empty()) return;
  cairo_move_to(cr, x, baseline);
  cairo_show_text(cr, s.c_str());
}

// Pixel centres, so that 1 px lines are crisp.
double Crisp(double v) { return std::floor(v) + 0.5; }

struct LegendEntry {
  size_t series = 0;
  std::string text;
};

// A grid, filled row by row, of columns as wide as the widest entry, so the
// swatches line up; "+N more" takes the last cell when not all fit.
struct Legend {
  std::vector<LegendEntry> entries;
  std::string more;  // "+N more" in the cell after the entries, or ""
  size_t columns = 1;
  double column_w = 0;
  size_t Rows() const { return (entries.size() + (more.empty() ? 0 : 1) + columns - 1) / columns; }
  double Height() const { return Rows() == 0 ? 0 : Rows() * kLegendRow + 6; }
};

Legend LayoutLegend(cairo_t* cr, const Chart& chart, double avail_w, size_t max_rows) {
  Legend legend;
  if (chart.series.empty() || max_rows == 0) return legend;
  SetFont(cr, kSmallSize);
  const double name_w = avail_w - kSwatch - 4;
  double widest = TextWidth(cr, fmt::format("+{} more", chart.series.size() + chart.hidden_series));
  for (size_t i = 0; i < chart.series.size(); ++i) {
    const std::string& name = chart.series[i].name;
    LegendEntry e{i, FitText(cr, Clean(name.empty() ? "{}" : name), name_w)};
    widest = std::max(widest, kSwatch + 4 + TextWidth(cr, e.text));
    legend.entries.push_back(std::move(e));
  }
  legend.column_w = std::min(widest, avail_w);
  legend.columns =
      std::max<size_t>(1, static_cast<size_t>((avail_w + kItemGap) / (legend.column_w + kItemGap)));
  const size_t cells = max_rows * legend.columns;
  const size_t n = legend.entries.size();
  if (n + (chart.hidden_series > 0 ? 1 : 0) > cells) legend.entries.resize(cells - 1);
  size_t more = n - legend.entries.size() + chart.hidden_series;
  if (more > 0) legend.more = fmt::format("+{} more", more);
  return legend;
}

// Maps data to pixels inside the plot rectangle.
struct Frame {
  double left = 0, top = 0, right = 0, bottom = 0;
  int64_t start = 0, end = 0;
  double vmin = 0, vmax = 1;
  double X(int64_t t) const {
    if (end <= start) return (left + right) / 2;
    return left +
           static_cast<double>(t - start) / static_cast<double>(end - start) * (right - left);
  }
  double Y(double v) const {
    double span = vmax > vmin ? vmax - vmin : 1;
    return bottom - (v - vmin) / span * (bottom - top);
  }
};

struct Pixel {
  double x = 0, y = 0;
};

// A line through runs of finite values (NaN and ±Inf end a run), reduced per
// pixel column to first, lowest, highest and last, which draws the same.
class LineBuilder {
 public:
  explicit LineBuilder(std::vector<std::vector<Pixel>>* runs) : runs_(runs) {}

  void Add(double x, double y) {
    if (!std::isfinite(x) || !std::isfinite(y)) return Break();
    double column = std::floor(x);
    if (count_ > 0 && column != column_) Flush();
    if (count_ == 0) {
      column_ = column;
      first_ = min_ = max_ = last_ = {x, y};
      min_at_ = max_at_ = 0;
    } else {
      // Pixel y grows downwards: the lowest value has the largest y.
      if (y > min_.y) min_ = {x, y}, min_at_ = count_;
      if (y < max_.y) max_ = {x, y}, max_at_ = count_;
      last_ = {x, y};
    }
    ++count_;
  }

  void Break() {
    Flush();
    if (!run_.empty()) runs_->push_back(std::move(run_));
    run_.clear();
  }

 private:
  void Flush() {
    if (count_ == 0) return;
    run_.push_back(first_);
    if (count_ > 1) {
      Pixel a = min_, b = max_;
      size_t a_at = min_at_, b_at = max_at_;
      if (b_at < a_at) std::swap(a, b), std::swap(a_at, b_at);
      if (a_at != 0 && a_at != count_ - 1) run_.push_back(a);
      if (b_at != 0 && b_at != count_ - 1 && b_at != a_at) run_.push_back(b);
      run_.push_back(last_);
    }
    count_ = 0;
  }

  std::vector<std::vector<Pixel>>* runs_;
  std::vector<Pixel> run_;
  double column_ = 0;
  size_t count_ = 0;
  Pixel first_, min_, max_, last_;
  size_t min_at_ = 0, max_at_ = 0;
};

void StrokeRuns(cairo_t* cr, const std::vector<std::vector<Pixel>>& runs, uint32_t color) {
  SetColor(cr, color);
  for (const auto& run : runs) {
    if (run.size() == 1) {
      // A lone point between gaps: a dot, or it would not show at all.
      cairo_new_path(cr);
      cairo_arc(cr, run[0].x, run[0].y, kLineWidth * 1.2, 0, 2 * M_PI);
      cairo_fill(cr);
      continue;
    }
    cairo_move_to(cr, run[0].x, run[0].y);
    for (size_t i = 1; i < run.size(); ++i) cairo_line_to(cr, run[i].x, run[i].y);
    cairo_stroke(cr);
  }
}

// Stacked series on the union of their timestamps (a gap is zero, so the
// bands stay closed, as the web UI stacks), thinned to one timestamp per
// pixel column when there are more.
struct Stack {
  std::vector<int64_t> times;
  std::vector<std::vector<double>> tops;  // cumulative, one row per series
};

Stack BuildStack(const Chart& chart, double plot_w) {
  Stack st;
  for (const Series& s : chart.series) {
    for (const Point& p : s.points) st.times.push_back(p.t_ms);
  }
  std::sort(st.times.begin(), st.times.end());
  st.times.erase(std::unique(st.times.begin(), st.times.end()), st.times.end());
  std::vector<double> below(st.times.size(), 0);
  for (const Series& s : chart.series) {
    std::vector<double> top = below;
    size_t j = 0;
    for (const Point& p : s.points) {
      while (j < st.times.size() && st.times[j] < p.t_ms) ++j;
      if (j < st.times.size() && st.times[j] == p.t_ms && std::isfinite(p.v)) top[j] += p.v;
    }
    below = top;
    st.tops.push_back(std::move(top));
  }
  const size_t columns = static_cast<size_t>(std::max(1.0, plot_w));
  if (st.times.size() > 2 * columns && chart.end_ms > chart.start_ms) {
    // Keep the last timestamp of each column, the same ones for every series.
    std::vector<size_t> keep;
    const double span = static_cast<double>(chart.end_ms - chart.start_ms);
    for (size_t j = 0; j < st.times.size(); ++j) {
      auto col = [&](size_t k) {
        return std::floor(static_cast<double>(st.times[k] - chart.start_ms) / span * columns);
      };
      if (j + 1 == st.times.size() || col(j + 1) != col(j)) keep.push_back(j);
    }
    std::vector<int64_t> times;
    for (size_t j : keep) times.push_back(st.times[j]);
    for (auto& top : st.tops) {
      std::vector<double> thin;
      for (size_t j : keep) thin.push_back(top[j]);
      top = std::move(thin);
    }
    st.times = std::move(times);
  }
  return st;
}

void Draw(cairo_t* cr, const Chart& chart, int width, int height) {
  const double w = width, h = height;
  const ThemeColors& colors = chart.theme == Theme::kDark ? kDarkColors : kLightColors;
  SetColor(cr, colors.background);
  cairo_paint(cr);
  cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
  cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);

  // What fits: the legend goes first when the plot would get too small,
  // then the subtitle, then the title.
  const double avail_w = w - 2 * kPad;
  bool show_title = !chart.title.empty();
  bool show_subtitle = !chart.subtitle.empty();
  size_t legend_rows = static_cast<size_t>(std::max(1.0, std::floor(h * 0.3 / kLegendRow)));
  Legend legend = LayoutLegend(cr, chart, avail_w, legend_rows);
  auto plot_height = [&] {
    return h - 2 * kPad - (show_title ? kTitleHeight : 0) - (show_subtitle ? kSubtitleHeight : 0) -
           10 - kXLabelsHeight - legend.Height();
  };
  if (plot_height() < kMinPlotHeight) legend = Legend{};
  if (plot_height() < kMinPlotHeight) show_subtitle = false;
  if (plot_height() < kMinPlotHeight) show_title = false;

  double y = kPad;
  if (show_title) {
    SetFont(cr, kTitleSize, true);
    SetColor(cr, colors.text);
    ShowText(cr, kPad, y + kTitleSize, FitText(cr, Clean(chart.title), avail_w));
    y += kTitleHeight;
  }
  if (show_subtitle) {
    SetFont(cr, kSmallSize);
    SetColor(cr, colors.muted);
    ShowText(cr, kPad, y + kSmallSize, FitText(cr, Clean(chart.subtitle), avail_w));
    y += kSubtitleHeight;
  }

  Frame f;
  f.top = y + 10;
  f.bottom = h - kPad - legend.Height() - kXLabelsHeight;
  f.start = chart.start_ms;
  f.end = chart.end_ms;
  f.right = w - kPad - 4;

  // The values drawn: as they are, or stacked.
  Stack stack;
  if (chart.stacked) stack = BuildStack(chart, w);
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  if (chart.stacked) {
    for (const auto& top : stack.tops) {
      for (double v : top) lo = std::min(lo, v), hi = std::max(hi, v);
    }
    if (!stack.times.empty()) lo = std::min(lo, 0.0), hi = std::max(hi, 0.0);
  } else {
    for (const Series& s : chart.series) {
      for (const Point& p : s.points) {
        if (std::isfinite(p.v)) lo = std::min(lo, p.v), hi = std::max(hi, p.v);
      }
    }
  }
  const bool no_data = lo > hi;
  if (no_data) lo = 0, hi = 1;

  SetFont(cr, kSmallSize);
  const int y_ticks = std::max(2, static_cast<int>((f.bottom - f.top) / 36));
  ValueAxis axis = ComputeValueAxis(lo, hi, y_ticks, chart.unit);
  f.vmin = axis.min;
  f.vmax = axis.max;
  double label_w = 0;
  for (const auto& l : axis.labels) label_w = std::max(label_w, TextWidth(cr, l));
  f.left = kPad + std::min(label_w, w / 3) + 6;

  // Grid and axes.
  cairo_set_line_width(cr, 1);
  SetColor(cr, colors.grid);
  for (double v : axis.ticks) {
    double py = Crisp(f.Y(v));
    cairo_move_to(cr, f.left, py);
    cairo_line_to(cr, f.right, py);
  }
  const int x_ticks = std::max(2, static_cast<int>((f.right - f.left) / 100));
  std::vector<TimeTick> times = ComputeTimeTicks(chart.start_ms, chart.end_ms, x_ticks);
  for (const TimeTick& t : times) {
    double px = Crisp(f.X(t.t_ms));
    cairo_move_to(cr, px, f.top);
    cairo_line_to(cr, px, f.bottom);
  }
  cairo_stroke(cr);
  SetColor(cr, colors.axis_line);
  cairo_move_to(cr, f.left, Crisp(f.bottom));
  cairo_line_to(cr, f.right, Crisp(f.bottom));
  cairo_stroke(cr);

  SetColor(cr, colors.muted);
  for (size_t i = 0; i < axis.ticks.size(); ++i) {
    std::string label = FitText(cr, axis.labels[i], w / 3);
    ShowText(cr, f.left - 6 - TextWidth(cr, label), f.Y(axis.ticks[i]) + 4, label);
  }
  double free_from = 0;  // labels must not overlap: the first free x
  for (const TimeTick& t : times) {
    double px = f.X(t.t_ms);
    double lw = TextWidth(cr, t.label), dw = TextWidth(cr, t.date);
    double half = std::max(lw, dw) / 2;
    double cx = std::clamp(px, half + 2, w - half - 2);
    if (cx - half < free_from) continue;
    ShowText(cr, cx - lw / 2, f.bottom + 14, t.label);
    ShowText(cr, cx - dw / 2, f.bottom + 26, t.date);
    free_from = cx + half + 10;
  }

  // The series, clipped to the plot.
  cairo_save(cr);
  cairo_rectangle(cr, f.left, f.top - 2, f.right - f.left, f.bottom - f.top + 2);
  cairo_clip(cr);
  cairo_set_line_width(cr, kLineWidth);
  if (chart.stacked && !stack.times.empty()) {
    for (size_t i = 0; i < stack.tops.size(); ++i) {
      const auto& top = stack.tops[i];
      cairo_move_to(cr, f.X(stack.times[0]), f.Y(top[0]));
      for (size_t j = 1; j < top.size(); ++j) cairo_line_to(cr, f.X(stack.times[j]), f.Y(top[j]));
      for (size_t j = top.size(); j-- > 0;) {
        cairo_line_to(cr, f.X(stack.times[j]), f.Y(i == 0 ? 0.0 : stack.tops[i - 1][j]));
      }
      cairo_close_path(cr);
      SetColor(cr, SeriesColor(i), kStackAlpha);
      cairo_fill(cr);
    }
    for (size_t i = 0; i < stack.tops.size(); ++i) {
      std::vector<std::vector<Pixel>> runs;
      LineBuilder line(&runs);
      for (size_t j = 0; j < stack.times.size(); ++j) {
        line.Add(f.X(stack.times[j]), f.Y(stack.tops[i][j]));
      }
      line.Break();
      StrokeRuns(cr, runs, SeriesColor(i));
    }
  } else {
    for (size_t i = 0; i < chart.series.size(); ++i) {
      std::vector<std::vector<Pixel>> runs;
      LineBuilder line(&runs);
      for (const Point& p : chart.series[i].points) {
        if (std::isfinite(p.v)) {
          line.Add(f.X(p.t_ms), f.Y(p.v));
        } else {
          line.Break();
        }
      }
      line.Break();
      StrokeRuns(cr, runs, SeriesColor(i));
    }
  }
  cairo_restore(cr);

  if (no_data) {
    SetFont(cr, 13);
    SetColor(cr, colors.muted);
    const std::string text = "no data";
    ShowText(cr, (f.left + f.right - TextWidth(cr, text)) / 2, (f.top + f.bottom) / 2 + 5, text);
  }

  // The legend.
  SetFont(cr, kSmallSize);
  const double legend_top = f.bottom + kXLabelsHeight + 4;
  auto cell = [&](size_t k) {
    return Pixel{kPad + static_cast<double>(k % legend.columns) * (legend.column_w + kItemGap),
                 legend_top + static_cast<double>(k / legend.columns) * kLegendRow};
  };
  for (size_t k = 0; k < legend.entries.size(); ++k) {
    const LegendEntry& e = legend.entries[k];
    Pixel at = cell(k);
    SetColor(cr, SeriesColor(e.series));
    cairo_set_line_width(cr, 3);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT);
    cairo_move_to(cr, at.x, at.y + 7.5);
    cairo_line_to(cr, at.x + kSwatch, at.y + 7.5);
    cairo_stroke(cr);
    SetColor(cr, colors.text);
    ShowText(cr, at.x + kSwatch + 4, at.y + 11, e.text);
  }
  if (!legend.more.empty()) {
    Pixel at = cell(legend.entries.size());
    SetColor(cr, colors.muted);
    ShowText(cr, at.x, at.y + 11, legend.more);
  }
}

void AppendXmlEscaped(std::string* out, std::string_view s) {
  for (char c : s) {
    switch (c) {
      case '&':
        *out += "&amp;";
        break;
      case '<':
        *out += "&lt;";
        break;
      case '>':
        *out += "&gt;";
        break;
      case '"':
        *out += "&quot;";
        break;
      case '\'':
        *out += "&apos;";
        break;
      default:
        out->push_back(c);
    }
  }
}

// Puts <title> and <desc> (the title and the series names, as text) right
// after the <svg> start tag that cairo wrote.
std::string WithSvgText(std::string svg, const Chart& chart) {
  size_t open = svg.find("<svg");
  size_t end = open == std::string::npos ? open : svg.find('>', open);
  if (end == std::string::npos) return svg;
  std::string text = "\n<title>";
  AppendXmlEscaped(&text, Clean(chart.title));
  text += "</title>\n<desc>";
  AppendXmlEscaped(&text, Clean(chart.subtitle));
  for (const Series& s : chart.series) {
    text += "\n";
    AppendXmlEscaped(&text, Clean(s.name));
  }
  if (chart.hidden_series > 0) text += fmt::format("\n+{} more", chart.hidden_series);
  text += "</desc>";
  svg.insert(end + 1, text);
  return svg;
}

}  // namespace

Result<std::string> Render(const Chart& chart, Format format, int width, int height) {
  if (width < kMinImageSize || width > kMaxImageSize || height < kMinImageSize ||
      height > kMaxImageSize) {
    return Status::InvalidArgument(fmt::format("image size {}x{} is outside {}..{} pixels", width,
                                               height, kMinImageSize, kMaxImageSize));
  }
  std::string out;
  SurfacePtr surface(format == Format::kPng
                         ? cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height)
                         : cairo_svg_surface_create_for_stream(AppendBytes, &out, width, height));
  if (cairo_surface_status(surface.get()) != CAIRO_STATUS_SUCCESS) {
    return Status::Internal(
        fmt::format("cairo: {}", cairo_status_to_string(cairo_surface_status(surface.get()))));
  }
  if (format == Format::kSvg) cairo_svg_surface_set_document_unit(surface.get(), CAIRO_SVG_UNIT_PX);
  {
    ContextPtr cr(cairo_create(surface.get()));
    Draw(cr.get(), chart, width, height);
    if (cairo_status_t s = cairo_status(cr.get()); s != CAIRO_STATUS_SUCCESS) {
      return Status::Internal(fmt::format("cairo: {}", cairo_status_to_string(s)));
    }
  }
  cairo_status_t s;
  if (format == Format::kPng) {
    cairo_surface_flush(surface.get());
    s = cairo_surface_write_to_png_stream(surface.get(), AppendBytes, &out);
  } else {
    cairo_surface_finish(surface.get());  // writes the document
    s = cairo_surface_status(surface.get());
  }
  if (s != CAIRO_STATUS_SUCCESS) {
    return Status::Internal(fmt::format("cairo: {}", cairo_status_to_string(s)));
  }
  if (format == Format::kSvg) return WithSvgText(std::move(out), chart);
  return out;
}

}  // namespace vigil::plot
