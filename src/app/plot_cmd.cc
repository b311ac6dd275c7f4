#include "app/plot_cmd.h"

#include <fmt/format.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "api/query/params.h"
#include "api/query/render_format.h"
#include "app/server_client.h"
#include "base/file.h"
#include "base/strconv.h"
#include "base/time.h"
#include "collect/httpclient/http_client.h"
#include "model/labels.h"
#include "visual/plot/chart.h"
#include "visual/plot/render.h"
#include "visual/plot/sparkline.h"

namespace vigil::app {

namespace {

void PrintError(std::string_view message) {
  std::fprintf(stderr, "vigil plot: %.*s\n", static_cast<int>(message.size()), message.data());
}

Result<plot::Format> ChooseFormat(const PlotFlags& f, bool to_stdout) {
  if (!f.format.empty()) return plot::ParseFormat(f.format);
  if (to_stdout) return plot::Format::kPng;
  std::string lower = f.out;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower.ends_with(".png")) return plot::Format::kPng;
  if (lower.ends_with(".svg")) return plot::Format::kSvg;
  return Status::InvalidArgument(
      fmt::format("cannot tell the format of {}: name it .png or .svg, or give --format", f.out));
}

// The width to fit: COLUMNS (what the shell says), else the terminal's
// (shells set COLUMNS without exporting it), else 80.
int TerminalColumns() {
  if (const char* env = std::getenv("COLUMNS"); env != nullptr) {
    if (auto n = ParseGoInt(env); n.ok() && *n >= 20 && *n <= 10'000) return static_cast<int>(*n);
  }
  winsize ws{};
  if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20) {
    return ws.ws_col;
  }
  return 80;
}

void PrintWarnings(const httpclient::Response& res) {
  for (const auto& [name, value] : res.headers) {
    if (name == "x-vigil-warning") std::fprintf(stderr, "warning: %s\n", value.c_str());
  }
}

int WriteImage(const PlotFlags& f, int64_t start, int64_t end, plot::Format format,
               bool to_stdout) {
  Form form = {
      {"query", f.query},
      {"start", UnixSeconds(start)},
      {"end", UnixSeconds(end)},
      {"format", format == plot::Format::kPng ? "png" : "svg"},
      {"width", std::to_string(f.width)},
      {"height", std::to_string(f.height)},
  };
  if (!f.step.empty()) form.emplace_back("step", f.step);
  if (!f.title.empty()) form.emplace_back("title", f.title);
  if (!f.unit.empty()) form.emplace_back("unit", f.unit);
  if (f.stacked) form.emplace_back("stacked", "1");
  if (!f.theme.empty()) form.emplace_back("theme", f.theme);
  auto client = ServerClient::New(f.server);
  if (!client.ok()) {
    PrintError(client.status().message());
    return 1;
  }
  auto res = client->Post("/api/v1/render", form);
  if (!res.ok()) {
    PrintError(res.status().message());
    return 1;
  }
  if (res->status_code != 200) {
    PrintError(ApiError(*res));
    return 1;
  }
  PrintWarnings(*res);
  if (to_stdout) {
    if (std::fwrite(res->body.data(), 1, res->body.size(), stdout) != res->body.size() ||
        std::fflush(stdout) != 0) {
      PrintError("writing the image to stdout failed");
      return 1;
    }
    return 0;
  }
  if (Status s = fs::WriteFileAtomic(f.out, res->body); !s.ok()) {
    PrintError(s.message());
    return 1;
  }
  return 0;
}

int PrintSparklines(const PlotFlags& f, int64_t start, int64_t end, plot::Unit unit) {
  const int columns = TerminalColumns();
  int64_t step_ms = 0;
  if (f.step.empty()) {
    // About one step per column; SparklineLines averages what does not fit.
    step_ms = api::query::AutoStepMs(start, end, 2 * columns);
  } else {
    auto d = api::query::ParseDuration(f.step);
    if (!d.ok() || api::query::NanosToMillis(*d) <= 0) {
      PrintError(fmt::format("--step: cannot parse {}: use a duration (30s, 1m) or seconds",
                             GoQuote(f.step)));
      return 2;
    }
    step_ms = api::query::NanosToMillis(*d);
  }
  auto client = ServerClient::New(f.server);
  if (!client.ok()) {
    PrintError(client.status().message());
    return 1;
  }
  auto res = client->Post("/api/v1/query_range",
                          {{"query", f.query},
                           {"start", UnixSeconds(start)},
                           {"end", UnixSeconds(end)},
                           {"step", f.step.empty() ? UnixSeconds(step_ms) : f.step}});
  if (!res.ok()) {
    PrintError(res.status().message());
    return 1;
  }
  if (res->status_code != 200) {
    PrintError(ApiError(*res));
    return 1;
  }
  std::vector<std::string> warnings;
  auto matrix = ParseMatrix(res->body, &warnings);
  if (!matrix.ok()) {
    PrintError(matrix.status().message());
    return 1;
  }
  for (const auto& w : warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
  if (matrix->empty()) {
    PrintError("the query returned no series");
    return 0;
  }
  std::vector<model::Labels> labels;
  for (const auto& s : *matrix) labels.push_back(s.labels);
  std::vector<std::string> names = api::query::LegendNames(labels);
  std::vector<plot::Series> series;
  for (size_t i = 0; i < matrix->size(); ++i) {
    series.push_back({std::move(names[i]), std::move((*matrix)[i].points)});
  }
  for (const std::string& line : plot::SparklineLines(series, start, end, step_ms, columns, unit)) {
    std::fprintf(stdout, "%s\n", line.c_str());
  }
  return std::fflush(stdout) == 0 ? 0 : 1;
}

}  // namespace

int RunPlot(const PlotFlags& f) {
  const int64_t now = NowMillis();
  auto end = ResolveTime("until", f.until, now);
  if (!end.ok()) {
    PrintError(end.status().message());
    return 2;
  }
  // --since is before now like --until, not before --until.
  auto start = ResolveTime("since", f.since, now);
  if (!start.ok()) {
    PrintError(start.status().message());
    return 2;
  }
  if (*end < *start) {
    PrintError("--until is before --since");
    return 2;
  }
  auto unit = plot::ParseUnit(f.unit);
  if (!unit.ok()) {
    PrintError("--unit: " + unit.status().message());
    return 2;
  }
  if (auto theme = plot::ParseTheme(f.theme); !theme.ok()) {
    PrintError("--theme: " + theme.status().message());
    return 2;
  }
  const bool to_stdout = f.out.empty() || f.out == "-";
  if (f.sparkline || (to_stdout && isatty(STDOUT_FILENO))) {
    return PrintSparklines(f, *start, *end, *unit);
  }
  if (f.width < plot::kMinImageSize || f.width > plot::kMaxImageSize ||
      f.height < plot::kMinImageSize || f.height > plot::kMaxImageSize) {
    PrintError(fmt::format("--width and --height must be from {} to {} pixels", plot::kMinImageSize,
                           plot::kMaxImageSize));
    return 2;
  }
  auto format = ChooseFormat(f, to_stdout);
  if (!format.ok()) {
    PrintError(format.status().message());
    return 2;
  }
  return WriteImage(f, *start, *end, *format, to_stdout);
}

}  // namespace vigil::app
