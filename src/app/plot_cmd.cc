#include "app/plot_cmd.h"

#include <fmt/format.h>
#include <simdjson.h>
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
#include "base/file.h"
#include "base/strconv.h"
#include "base/time.h"
#include "collect/httpclient/http_client.h"
#include "config/config.h"
#include "model/labels.h"
#include "visual/plot/chart.h"
#include "visual/plot/render.h"
#include "visual/plot/sparkline.h"

namespace vigil::app {

namespace {

constexpr int64_t kRequestTimeoutMs = 150'000;  // past the server's default query timeout (2m)
constexpr uint64_t kMaxBodyBytes = 256ull << 20;

void PrintError(std::string_view message) {
  std::fprintf(stderr, "vigil plot: %.*s\n", static_cast<int>(message.size()), message.data());
}

// A duration before now, "now", or a time.
Result<int64_t> ResolveTime(std::string_view flag, std::string_view text, int64_t now) {
  if (text == "now") return now;
  if (auto d = ParsePromDurationNanos(text); d.ok()) return now - *d / 1'000'000;
  if (auto t = ParseTimestamp(text); t.ok()) return *t;
  return Status::InvalidArgument(fmt::format(
      "--{}: cannot parse {}: use a duration before now (1h, 90m) or a time (RFC 3339, Unix "
      "seconds)",
      flag, GoQuote(text)));
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

std::string FormEncode(const std::vector<std::pair<std::string, std::string>>& params) {
  std::string out;
  for (const auto& [k, v] : params) {
    if (!out.empty()) out.push_back('&');
    for (const std::string* part : {&k, &v}) {
      for (unsigned char c : *part) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
          out.push_back(static_cast<char>(c));
        } else {
          out += fmt::format("%{:02X}", c);
        }
      }
      if (part == &k) out.push_back('=');
    }
  }
  return out;
}

std::string UnixSeconds(int64_t ms) {
  return fmt::format("{}{}.{:03}", ms < 0 ? "-" : "", std::abs(ms / 1000), std::abs(ms % 1000));
}

// POSTs the form to the server; the response, whatever its status.
Result<httpclient::Response> Post(const std::string& server, std::string_view path,
                                  const std::vector<std::pair<std::string, std::string>>& form) {
  VIGIL_ASSIGN_OR_RETURN(auto client, httpclient::Client::New(config::HTTPClientConfig{}));
  httpclient::Request req;
  req.method = "POST";
  std::string base = server;
  while (base.ends_with("/")) base.pop_back();
  req.url = base + std::string(path);
  req.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
  req.body = FormEncode(form);
  req.timeout_ms = kRequestTimeoutMs;
  req.max_body_bytes = kMaxBodyBytes;
  return client->Do(req);
}

// The message of an answer that is not 200: Prometheus' error envelope
// ("bad_data: invalid parameter ..."), else the status and the body.
std::string ApiError(const httpclient::Response& res) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(res.body).get(doc) == simdjson::SUCCESS) {
    std::string_view type, error;
    if (doc["error"].get(error) == simdjson::SUCCESS) {
      if (doc["errorType"].get(type) != simdjson::SUCCESS) type = "error";
      return fmt::format("{}: {}", type, error);
    }
  }
  std::string body = res.body.substr(0, 500);
  while (!body.empty() && (body.back() == '\n' || body.back() == '\r')) body.pop_back();
  return fmt::format("server returned HTTP status {}{}{}", httpclient::StatusText(res.status_code),
                     body.empty() ? "" : ": ", body);
}

void PrintWarnings(const httpclient::Response& res) {
  for (const auto& [name, value] : res.headers) {
    if (name == "x-vigil-warning") std::fprintf(stderr, "warning: %s\n", value.c_str());
  }
}

int WriteImage(const PlotFlags& f, int64_t start, int64_t end, plot::Format format,
               bool to_stdout) {
  std::vector<std::pair<std::string, std::string>> form = {
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
  auto res = Post(f.server, "/api/v1/render", form);
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

// The series of a query_range answer, with their labels and points.
struct ParsedSeries {
  model::Labels labels;
  std::vector<plot::Point> points;
};

Result<std::vector<ParsedSeries>> ParseMatrix(const std::string& body,
                                              std::vector<std::string>* warnings) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  simdjson::dom::array result;
  auto bad = [] { return Status::Corruption("the server's query_range answer is not a matrix"); };
  if (parser.parse(body).get(doc) != simdjson::SUCCESS) return bad();
  if (doc["data"]["result"].get(result) != simdjson::SUCCESS) return bad();
  simdjson::dom::array ws;
  if (doc["warnings"].get(ws) == simdjson::SUCCESS) {
    for (auto w : ws) {
      std::string_view text;
      if (w.get(text) == simdjson::SUCCESS) warnings->emplace_back(text);
    }
  }
  std::vector<ParsedSeries> out;
  for (auto item : result) {
    ParsedSeries s;
    simdjson::dom::object metric;
    if (item["metric"].get(metric) == simdjson::SUCCESS) {
      std::vector<model::Label> labels;
      for (auto field : metric) {
        std::string_view value;
        if (field.value.get(value) != simdjson::SUCCESS) return bad();
        labels.push_back({std::string(field.key), std::string(value)});
      }
      s.labels = model::Labels(std::move(labels));
    }
    simdjson::dom::array values;
    if (item["values"].get(values) != simdjson::SUCCESS) return bad();
    for (auto pair : values) {
      double t = 0;
      std::string_view v;
      if (pair.at(0).get(t) != simdjson::SUCCESS || pair.at(1).get(v) != simdjson::SUCCESS) {
        return bad();
      }
      auto f = ParseGoFloat(v);
      s.points.push_back({static_cast<int64_t>(std::llround(t * 1000)), f.ok() ? *f : NAN});
    }
    out.push_back(std::move(s));
  }
  return out;
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
  auto res = Post(f.server, "/api/v1/query_range",
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
