#include "app/report_cmd.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <string_view>
#include <vector>

#include "api/query/render_format.h"
#include "app/server_client.h"
#include "base/file.h"
#include "base/strconv.h"
#include "base/time.h"
#include "visual/plot/ticks.h"
#include "visual/report/markdown.h"
#include "visual/report/stats.h"

namespace vigil::app {

namespace {

using report::Code;
using report::Escape;

constexpr size_t kBatchSize = 40;          // parts per query joined with `or`
constexpr size_t kTopMetricNames = 10;     // busiest metric names by series
constexpr size_t kTopCountersPerJob = 3;   // counters per job compared and checked
constexpr size_t kMaxBaselineSeries = 50;  // series given a baseline
constexpr size_t kMaxTableRows = 10;
constexpr size_t kMaxChangePlots = 5;
constexpr size_t kMaxAnomalyPlots = 5;
constexpr int kPlotWidth = 800;
constexpr int kPlotHeight = 360;
// Rate windows under a minute miss samples of targets scraped every 15-30s.
constexpr int64_t kMinWindowMs = 60'000;
constexpr double kProjectionDays = 30;
// The label that tells the parts of a batched query apart.
constexpr std::string_view kItemLabel = "report_item";
// Gauges worth comparing wherever they exist.
constexpr std::string_view kKeyGauges[] = {"node_load1", "node_memory_MemAvailable_bytes",
                                           "process_resident_memory_bytes",
                                           "vigil_tsdb_head_series", "scrape_duration_seconds"};
// Stream labels that say where log lines come from, in the order they are
// used: a stream counts under the first of them it has.
constexpr std::string_view kLogSourceLabels[] = {"job", "service_name", "cloud_provider",
                                                 "filename", "host"};
// Error level words, whatever the source's case (syslog err, Python ERROR,
// Azure Error, Windows Critical...). LogQL regexes match whole values.
constexpr std::string_view kErrorLevels =
    "(?i)(err|error|crit|critical|fatal|alert|emerg|emergency|panic)";

void Warn(std::string_view message) {
  std::fprintf(stderr, "vigil report: %.*s\n", static_cast<int>(message.size()), message.data());
}

std::string Number(double v) { return Escape(plot::FormatNumber(v)); }
// A count from increase() or a sum: extrapolation leaves fractions (27.3
// requests) that only distract.
std::string Count(double v) { return Number(std::abs(v) >= 1 ? std::round(v) : v); }
std::string Value(double v, plot::Unit unit) { return Escape(plot::FormatValue(v, unit)); }
std::string Percent(double fraction) { return Escape(plot::FormatNumber(fraction * 100) + "%"); }
std::string Dollars(double v) {
  if (v == 0) return Escape("$0");
  return Escape(std::abs(v) >= 1 ? fmt::format("${:.2f}", v) : fmt::format("${:.4f}", v));
}
std::string ChangeText(double relative) {
  if (std::isinf(relative)) return relative > 0 ? "new (from 0)" : "new (from 0, negative)";
  return Escape(fmt::format("{}{}%", relative > 0 ? "+" : "", plot::FormatNumber(relative * 100)));
}
// Under a table cut at kMaxTableRows.
std::string More(size_t n) { return fmt::format("_… and {} more._", n); }
std::string LabelCell(std::string_view value) {
  return value.empty() ? "_(none)_" : Code(value, /*in_table=*/true);
}
std::string_view UnitName(plot::Unit unit) {
  switch (unit) {
    case plot::Unit::kBytes:
      return "bytes";
    case plot::Unit::kSeconds:
      return "seconds";
    case plot::Unit::kPercent:
      return "percent";
    case plot::Unit::kNone:
      break;
  }
  return "";
}
// The unit a metric's name promises (Prometheus naming: base units as suffixes).
plot::Unit UnitOf(std::string_view metric) {
  if (metric.ends_with("_bytes") || metric.ends_with("_bytes_total")) return plot::Unit::kBytes;
  if (metric.ends_with("_seconds")) return plot::Unit::kSeconds;
  return plot::Unit::kNone;
}
// The band of a baseline; a lower bound below 0 reads oddly for a series
// that is never negative (a rate, a duration), so it is left out there.
std::string BandText(const report::Baseline& b, plot::Unit unit, bool has_negative) {
  if (b.low < 0 && !has_negative) return "up to " + Value(b.high, unit);
  return Value(b.low, unit) + " to " + Value(b.high, unit);
}
// A PromQL number literal that reads back as the same double.
std::string Literal(double v) { return fmt::format("{}", v); }

// A section's Markdown, then the queries behind it, collapsed.
class Section {
 public:
  explicit Section(std::string_view title) : md_("## " + std::string(title) + "\n\n") {}

  // A block of Markdown (a paragraph, a table, an image), blank-line separated.
  void Add(std::string_view markdown) {
    md_ += markdown;
    while (!md_.ends_with("\n\n")) md_.push_back('\n');
  }
  // What a query computes (Markdown) and the query itself, verbatim.
  void How(std::string_view what, std::string_view query, std::string_view language = "promql") {
    how_ += std::string(what) + "\n\n" + report::CodeBlock(query, language) + "\n";
  }
  void HowText(std::string_view markdown) { how_ += std::string(markdown) + "\n\n"; }

  std::string Render() const {
    if (how_.empty()) return md_;
    return md_ + report::Details("How this is computed", how_) + "\n";
  }

 private:
  std::string md_;
  std::string how_;
};

// A series compared between quarters and checked against its baseline: a
// busy counter's rate in the jobs where it is busiest, or a key gauge in
// every job.
struct Candidate {
  bool counter = false;
  std::string metric;
  std::set<std::string> jobs;  // counters: where it is busiest; gauges: empty (all)
  plot::Unit unit = plot::Unit::kNone;

  // The value over one window, per job, at the query's time.
  std::string WindowExpr(std::string_view window) const {
    return counter ? fmt::format("sum by (job) (rate({}[{}]))", metric, window)
                   : fmt::format("avg by (job) (avg_over_time({}[{}]))", metric, window);
  }
  // The value at each step of a range query, per job (only job's, if given).
  std::string StepExpr(std::string_view window, const std::string* job = nullptr) const {
    std::string sel = job == nullptr ? metric : fmt::format("{}{{job={}}}", metric, GoQuote(*job));
    return counter ? fmt::format("sum by (job) (rate({}[{}]))", sel, window)
                   : fmt::format("avg by (job) ({})", sel);
  }
  std::string What() const { return counter ? fmt::format("rate({})", metric) : metric; }
  bool Wants(std::string_view job) const { return jobs.empty() || jobs.contains(std::string(job)); }
};

class Reporter {
 public:
  Reporter(ServerClient* client, const ReportFlags& flags, int64_t start, int64_t end,
           std::string plots_dir, std::string plots_link)
      : client_(client),
        flags_(flags),
        start_(start),
        end_(end),
        plots_dir_(std::move(plots_dir)),
        plots_link_(std::move(plots_link)) {
    range_ms_ = std::max<int64_t>(end_ - start_, 1000);
    range_ = FormatPromDuration(range_ms_);
    step_ms_ = api::query::AutoStepMs(start_, end_, kPlotWidth);
    window_ = FormatPromDuration(std::max(step_ms_, kMinWindowMs));
    covered_from_ = start_;
  }

  // The first request: whether the server answers PromQL at all.
  Status Check() { return Instant("time()", end_).status(); }

  std::string Render() {
    FindCoverage();
    std::string md = "# Vigil report\n\n";
    md += fmt::format("Server {} · from {} to {} ({}) · {}\n\n", Code(client_->base()),
                      Escape(plot::FormatUtc(start_)), Escape(plot::FormatUtc(end_)),
                      Escape(range_), Code("vigil report --since " + flags_.since));
    md += Overview();
    md += Busiest();
    FindCandidates();
    md += Changes();
    md += Errors();
    md += Cloud();
    md += Anomalies();
    return md;
  }

 private:
  // ---- Talking to the server ----------------------------------------------

  Result<std::string> Body(Result<httpclient::Response> res) {
    if (!res.ok()) return res.status();
    if (res->status_code != 200) {
      if (res->status_code == 404) return Status::NotFound(ApiError(*res));
      return Status::Unavailable(ApiError(*res));
    }
    return std::move(res->body);
  }

  void Warnings(const std::vector<std::string>& warnings) {
    for (const auto& w : warnings) {
      if (warned_.insert(w).second) Warn("warning: " + w);
    }
  }

  Result<std::vector<ParsedSample>> Instant(const std::string& query, int64_t t) {
    VIGIL_ASSIGN_OR_RETURN(
        std::string body,
        Body(client_->Post("/api/v1/query", {{"query", query}, {"time", UnixSeconds(t)}})));
    std::vector<std::string> warnings;
    auto out = ParseVector(body, &warnings);
    Warnings(warnings);
    return out;
  }

  Result<std::vector<ParsedSeries>> Range(const std::string& query) {
    VIGIL_ASSIGN_OR_RETURN(
        std::string body,
        Body(client_->Post("/api/v1/query_range", {{"query", query},
                                                   {"start", UnixSeconds(start_)},
                                                   {"end", UnixSeconds(end_)},
                                                   {"step", UnixSeconds(step_ms_)}})));
    std::vector<std::string> warnings;
    auto out = ParseMatrix(body, &warnings);
    Warnings(warnings);
    return out;
  }

  // Queries as few requests: each part tagged with its index by
  // label_replace, the parts joined with `or` (their tags differ, so `or`
  // keeps every series of every part). out[i] is what exprs[i] returned.
  template <typename T, typename Run>
  Result<std::vector<std::vector<T>>> Batch(const std::vector<std::string>& exprs, Run run) {
    std::vector<std::vector<T>> out(exprs.size());
    for (size_t b = 0; b < exprs.size(); b += kBatchSize) {
      std::string query;
      for (size_t i = b; i < std::min(exprs.size(), b + kBatchSize); ++i) {
        if (!query.empty()) query += " or ";
        query += fmt::format(R"(label_replace({}, "{}", "{}", "", ""))", exprs[i], kItemLabel, i);
      }
      VIGIL_ASSIGN_OR_RETURN(std::vector<T> got, run(query));
      for (T& item : got) {
        auto index = ParseGoInt(item.labels.Get(kItemLabel));
        if (!index.ok() || *index < 0 || static_cast<size_t>(*index) >= exprs.size()) continue;
        item.labels = item.labels.Without(kItemLabel);
        out[static_cast<size_t>(*index)].push_back(std::move(item));
      }
    }
    return out;
  }
  Result<std::vector<std::vector<ParsedSample>>> InstantBatch(const std::vector<std::string>& exprs,
                                                              int64_t t) {
    return Batch<ParsedSample>(exprs, [&](const std::string& q) { return Instant(q, t); });
  }
  Result<std::vector<std::vector<ParsedSeries>>> RangeBatch(const std::vector<std::string>& exprs) {
    return Batch<ParsedSeries>(exprs, [&](const std::string& q) { return Range(q); });
  }

  Result<std::vector<ParsedSample>> LogQuery(const std::string& query) {
    VIGIL_ASSIGN_OR_RETURN(
        std::string body,
        Body(client_->Post("/loki/api/v1/query",
                           {{"query", query}, {"time", std::to_string(end_ * 1'000'000)}})));
    return ParseVector(body, nullptr);
  }

  // A sentence for a query the server refused (also said on stderr).
  std::string Failed(std::string_view what, const Status& status) {
    Warn(fmt::format("{}: {}", what, status.message()));
    return fmt::format("_{} is not available: the server answered {}._", Escape(what),
                       Code(status.message()));
  }

  // A chart of query over the report's range: a PNG file in the plots
  // directory, or with the report on stdout a link the server draws.
  std::string Plot(std::string_view title, const std::string& query,
                   plot::Unit unit = plot::Unit::kNone, bool stacked = false) {
    Form form = {{"query", query},
                 {"start", UnixSeconds(start_)},
                 {"end", UnixSeconds(end_)},
                 {"step", UnixSeconds(step_ms_)},
                 {"width", std::to_string(kPlotWidth)},
                 {"height", std::to_string(kPlotHeight)},
                 {"title", std::string(title)}};
    if (unit != plot::Unit::kNone) form.emplace_back("unit", UnitName(unit));
    if (stacked) form.emplace_back("stacked", "1");
    if (plots_dir_.empty()) return report::Image(title, client_->Url("/api/v1/render", form));
    auto png = Body(client_->Post("/api/v1/render", form));
    if (!png.ok()) return Failed(fmt::format("The chart \"{}\"", title), png.status());
    // Made on the first chart, so a report without charts leaves no empty directory.
    if (Status s = fs::CreateDirs(plots_dir_); !s.ok()) {
      Warn(s.message());
      write_failed_ = true;
      return fmt::format("_The chart could not be written: {}._", Code(s.message()));
    }
    std::string name = fmt::format("{:02}-{}.png", ++plots_, Slug(title));
    if (Status s = fs::WriteFileAtomic(fs::Join(plots_dir_, name), *png); !s.ok()) {
      Warn(s.message());
      write_failed_ = true;
      return fmt::format("_The chart could not be written: {}._", Code(s.message()));
    }
    return report::Image(title, plots_link_ + report::PathUrl(name));
  }

  static std::string Slug(std::string_view title) {
    std::string out;
    for (unsigned char c : title) {
      if (std::isalnum(c)) {
        out.push_back(static_cast<char>(std::tolower(c)));
      } else if (!out.empty() && out.back() != '-') {
        out.push_back('-');
      }
      if (out.size() >= 48) break;
    }
    while (!out.empty() && out.back() == '-') out.pop_back();
    return out.empty() ? "chart" : out;
  }

  // ---- What the sections share --------------------------------------------

  // Where the data starts: a server younger than the range (or a fresh
  // target) has no samples for its beginning, and per-second figures are
  // per second of data.
  void FindCoverage() {
    coverage_query_ = fmt::format("min(min_over_time(timestamp(up)[{}:{}]))", range_,
                                  FormatPromDuration(step_ms_));
    auto first = Instant(coverage_query_, end_);
    if (first.ok() && !first->empty() && std::isfinite((*first)[0].value)) {
      covered_from_ = std::clamp(static_cast<int64_t>((*first)[0].value * 1000), start_, end_);
    }
    covered_s_ = std::max<double>(1, std::round(static_cast<double>(end_ - covered_from_) / 1000));
    // Quarters of the time with data: a server younger than the range has
    // nothing in the range's first quarter to compare with.
    quarter_ms_ = std::max<int64_t>((end_ - covered_from_) / 4, 1);
    if (quarter_ms_ >= 1000) quarter_ms_ = quarter_ms_ / 1000 * 1000;
    quarter_ = FormatPromDuration(quarter_ms_);
  }
  std::string PerSecond() const { return fmt::format("{:.0f}", covered_s_); }

  // ---- Overview ------------------------------------------------------------

  std::string Overview() {
    Section s("Overview");
    std::string range =
        fmt::format("The report covers **{}** to **{}**, the last {}.",
                    Escape(plot::FormatUtc(start_)), Escape(plot::FormatUtc(end_)), Escape(range_));
    if (static_cast<double>(end_ - covered_from_) < 0.9 * static_cast<double>(range_ms_)) {
      range += fmt::format(
          " The server has data for only the last {} of it (since {}): figures per second below "
          "are per second of data.",
          Escape(FormatPromDuration((end_ - covered_from_) / 1000 * 1000)),
          Escape(plot::FormatUtc(covered_from_)));
    }
    s.Add(range);
    s.How("The start of the data: the earliest scrape (`up`) in the range.", coverage_query_);

    const std::vector<std::string> up_queries = {"sum by (job) (up)", "count by (job) (up)"};
    auto up = InstantBatch(up_queries, end_);
    if (!up.ok()) {
      s.Add(Failed("The target count", up.status()));
    } else if ((*up)[1].empty()) {
      s.Add("No targets: `up` has no series at the end of the range, so nothing is scraped.");
    } else {
      std::map<std::string, std::pair<double, double>> jobs;  // job -> (up, total)
      for (const auto& x : (*up)[0]) jobs[std::string(x.labels.Get("job"))].first = x.value;
      for (const auto& x : (*up)[1]) jobs[std::string(x.labels.Get("job"))].second = x.value;
      double up_total = 0, total = 0;
      report::Table t({"job", "up", "targets"}, "lrr");
      for (const auto& [job, v] : jobs) {
        up_total += v.first;
        total += v.second;
        t.AddRow({LabelCell(job), Number(v.first), Number(v.second)});
      }
      s.Add(fmt::format("**{} of {}** targets were up at the end of the range:", Number(up_total),
                        Number(total)));
      s.Add(t.Render());
    }
    s.How("Targets up, and all targets, per job, at the end of the range:",
          up_queries[0] + "\n" + up_queries[1]);

    auto tsdb =
        Body(client_->Get("/api/v1/status/tsdb", {{"limit", std::to_string(kTopMetricNames)}}));
    if (!tsdb.ok()) {
      s.Add(Failed("The TSDB status", tsdb.status()));
    } else if (!ParseTsdbStatus(*tsdb)) {
      s.Add("The server's `/api/v1/status/tsdb` answer could not be read.");
    } else {
      std::string head = fmt::format("**{}** series in the head block", Number(head_series_));
      if (head_max_ > head_min_) {
        head += fmt::format(" (its samples span {} to {}, in {} chunks)",
                            Escape(plot::FormatUtc(head_min_)), Escape(plot::FormatUtc(head_max_)),
                            Number(head_chunks_));
      }
      s.Add(head + ".");
    }
    s.HowText(
        "Series in the head: `headStats.numSeries` of `GET /api/v1/status/tsdb` (the in-memory "
        "block of the last two hours or so; older blocks are on disk).");

    const std::string appended =
        fmt::format("sum(increase(vigil_tsdb_head_samples_appended_total[{}]))", range_);
    const std::string scraped =
        fmt::format("sum(sum_over_time(scrape_samples_scraped[{}]))", range_);
    auto ingested = Instant(appended, end_);
    std::string used = appended;
    if (ingested.ok() && ingested->empty()) {
      used = scraped;
      ingested = Instant(scraped, end_);
    }
    if (!ingested.ok()) {
      s.Add(Failed("The count of samples ingested", ingested.status()));
    } else if (ingested->empty()) {
      s.Add("No samples were ingested in the range.");
    } else {
      double n = (*ingested)[0].value;
      s.Add(fmt::format("**{}** samples ingested, about **{}** per second.", Count(n),
                        Number(n / covered_s_)));
      if (used == appended) {
        s.Add(Plot("Samples appended per second",
                   fmt::format("sum(rate(vigil_tsdb_head_samples_appended_total[{}]))", window_)));
      }
    }
    s.How(used == appended
              ? "Samples ingested: what the TSDB appended (scrapes, cloud polls, remote_write)."
              : "Samples ingested: the server has no `vigil_tsdb_head_samples_appended_total`, so "
                "the samples its scrapes returned.",
          used);
    return s.Render();
  }

  bool ParseTsdbStatus(const std::string& body) {
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    if (parser.parse(body).get(doc) != simdjson::SUCCESS) return false;
    simdjson::dom::element head;
    if (doc["data"]["headStats"].get(head) != simdjson::SUCCESS) return false;
    int64_t series = 0, chunks = 0, min_t = 0, max_t = 0;
    if (head["numSeries"].get(series) != simdjson::SUCCESS) return false;
    if (head["chunkCount"].get(chunks) != simdjson::SUCCESS) chunks = {};
    if (head["minTime"].get(min_t) != simdjson::SUCCESS) min_t = {};
    if (head["maxTime"].get(max_t) != simdjson::SUCCESS) max_t = {};
    head_series_ = static_cast<double>(series);
    head_chunks_ = static_cast<double>(chunks);
    head_min_ = min_t;
    head_max_ = max_t;
    simdjson::dom::array by_name;
    if (doc["data"]["seriesCountByMetricName"].get(by_name) == simdjson::SUCCESS) {
      for (auto item : by_name) {
        std::string_view name;
        int64_t value = 0;
        if (item["name"].get(name) == simdjson::SUCCESS &&
            item["value"].get(value) == simdjson::SUCCESS) {
          series_by_name_.emplace_back(std::string(name), static_cast<double>(value));
        }
      }
    }
    tsdb_ok_ = true;
    return true;
  }

  // ---- Busiest series --------------------------------------------------------

  std::string Busiest() {
    Section s("Busiest series");
    if (!tsdb_ok_ || series_by_name_.empty()) {
      s.Add("The server did not say how many series each metric has (`/api/v1/status/tsdb`).");
    } else {
      std::vector<std::string> exprs;
      for (const auto& [name, n] : series_by_name_) {
        exprs.push_back(fmt::format("sum(count_over_time({{__name__={}}}[{}])) / {}", GoQuote(name),
                                    range_, PerSecond()));
      }
      auto rates = InstantBatch(exprs, end_);
      report::Table t({"metric", "series", "share of the head", "samples/s"}, "lrrr");
      for (size_t i = 0; i < series_by_name_.size(); ++i) {
        const auto& [name, n] = series_by_name_[i];
        std::string rate = "—";
        if (rates.ok() && !(*rates)[i].empty()) rate = Number((*rates)[i][0].value);
        t.AddRow({Code(name, true), Number(n),
                  head_series_ > 0 ? Percent(n / head_series_) : std::string("—"), rate});
      }
      s.Add(fmt::format("The {} metric names with the most series in the head:",
                        series_by_name_.size()));
      s.Add(t.Render());
      if (!rates.ok()) s.Add(Failed("Samples per second by metric name", rates.status()));
      s.HowText(
          "Series per metric name: `seriesCountByMetricName` of `GET "
          "/api/v1/status/tsdb?limit=10`.");
      s.How(fmt::format("Samples per second of each of them, over the seconds with data ({}), "
                        "for example:",
                        PerSecond()),
            exprs[0]);
    }

    const std::string by_job = fmt::format(
        "sum by (job) (sum_over_time(scrape_samples_scraped[{0}])) / {1}\n  or sum by (job) "
        "(sum_over_time(vigil_cloud_poll_samples[{0}])) / {1}",
        range_, PerSecond());
    auto jobs = Instant(by_job, end_);
    if (!jobs.ok()) {
      s.Add(Failed("Samples per second by job", jobs.status()));
    } else if (jobs->empty()) {
      s.Add("No scrapes or cloud polls in the range, so no samples per job.");
    } else {
      std::sort(jobs->begin(), jobs->end(),
                [](const auto& a, const auto& b) { return a.value > b.value; });
      report::Table t({"job", "samples/s", "samples in the range"}, "lrr");
      for (const auto& x : *jobs) {
        t.AddRow({LabelCell(x.labels.Get("job")), Number(x.value), Count(x.value * covered_s_)});
      }
      s.Add("Samples per second by job (scrapes and cloud polls):");
      s.Add(t.Render());
    }
    s.How(
        "Samples per second by job: what each scrape returned (`scrape_samples_scraped`) or "
        "each cloud poll produced (`vigil_cloud_poll_samples`), summed over the range:",
        by_job);
    return s.Render();
  }

  // ---- Candidates: the series compared and given baselines -----------------

  // Every counter in the range (by metadata, else by its _total suffix),
  // its rate per job over the whole range, and the busiest few per job; plus
  // the key gauges that exist.
  void FindCandidates() {
    auto names_body =
        Body(client_->Get("/api/v1/label/__name__/values",
                          {{"start", UnixSeconds(start_)}, {"end", UnixSeconds(end_)}}));
    if (!names_body.ok()) {
      candidates_error_ = Failed("The list of metric names", names_body.status());
      return;
    }
    std::vector<std::string> names;
    {
      simdjson::dom::parser parser;
      simdjson::dom::element doc;
      simdjson::dom::array data;
      if (parser.parse(*names_body).get(doc) == simdjson::SUCCESS &&
          doc["data"].get(data) == simdjson::SUCCESS) {
        for (auto n : data) {
          std::string_view name;
          if (n.get(name) == simdjson::SUCCESS && IsLegacyMetricName(name)) {
            names.emplace_back(name);
          }
        }
      }
    }
    std::map<std::string, std::string> types;
    if (auto meta = Body(client_->Get("/api/v1/metadata", {})); meta.ok()) {
      simdjson::dom::parser parser;
      simdjson::dom::element doc;
      simdjson::dom::object data;
      if (parser.parse(*meta).get(doc) == simdjson::SUCCESS &&
          doc["data"].get(data) == simdjson::SUCCESS) {
        for (auto field : data) {
          std::string_view type;
          if (field.value.at(0)["type"].get(type) == simdjson::SUCCESS) {
            types[std::string(field.key)] = std::string(type);
          }
        }
      }
    }
    auto type_of = [&](const std::string& name) -> std::string {
      if (auto it = types.find(name); it != types.end()) return it->second;
      // OpenMetrics names a counter's family without its _total.
      if (name.ends_with("_total")) {
        if (auto it = types.find(name.substr(0, name.size() - 6)); it != types.end()) {
          return it->second;
        }
        return "counter";
      }
      return "";
    };
    std::vector<std::string> counters;
    for (const auto& n : names) {
      const std::string type = type_of(n);
      // An untyped exposition says "unknown"; its _total names are counters by convention.
      if (type == "counter" || (type == "unknown" && n.ends_with("_total"))) counters.push_back(n);
    }
    counter_names_ = counters.size();

    std::vector<std::string> exprs;
    for (const auto& c : counters)
      exprs.push_back(fmt::format("sum by (job) (rate({}[{}]))", c, range_));
    if (!exprs.empty()) candidates_example_ = exprs[0];
    auto rates = InstantBatch(exprs, end_);
    if (!rates.ok()) {
      candidates_error_ = Failed("The rates of the counters", rates.status());
    } else {
      std::map<std::string, std::vector<std::pair<double, size_t>>> by_job;
      for (size_t i = 0; i < counters.size(); ++i) {
        for (const auto& x : (*rates)[i]) {
          if (x.value > 0) by_job[std::string(x.labels.Get("job"))].push_back({x.value, i});
        }
      }
      std::map<size_t, Candidate> chosen;  // by counter index: one candidate per metric
      for (auto& [job, list] : by_job) {
        std::stable_sort(list.begin(), list.end(),
                         [](const auto& a, const auto& b) { return a.first > b.first; });
        for (size_t k = 0; k < std::min(list.size(), kTopCountersPerJob); ++k) {
          Candidate& c = chosen[list[k].second];
          c.counter = true;
          c.metric = counters[list[k].second];
          c.unit = UnitOf(c.metric);
          c.jobs.insert(job);
        }
      }
      for (auto& [i, c] : chosen) candidates_.push_back(std::move(c));
    }
    for (std::string_view g : kKeyGauges) {
      if (std::find(names.begin(), names.end(), g) == names.end()) continue;
      Candidate c;
      c.metric = std::string(g);
      c.unit = UnitOf(g);
      candidates_.push_back(std::move(c));
    }
  }

  void DescribeCandidates(Section* s) const {
    s->HowText(fmt::format(
        "The series: the {} busiest counters of each job, out of the {} metric names in the "
        "range that `/api/v1/metadata` calls counters (or, without metadata, that end in "
        "`_total`), by their rate over the whole range at its end; and the key gauges that "
        "exist ({}), averaged per job.",
        kTopCountersPerJob, counter_names_, [] {
          std::string list;
          for (std::string_view g : kKeyGauges)
            list += (list.empty() ? "`" : ", `") + std::string(g) + "`";
          return list;
        }()));
    if (!candidates_example_.empty()) {
      s->How(fmt::format("The rate of each counter per job, for example (sent {} at a time, each "
                         "part tagged with `label_replace(..., \"{}\", \"<index>\", \"\", \"\")` "
                         "and the parts joined with `or`):",
                         kBatchSize, kItemLabel),
             candidates_example_);
    }
  }

  // ---- Biggest changes -------------------------------------------------------

  std::string Changes() {
    Section s("Biggest changes");
    DescribeCandidates(&s);
    if (!candidates_error_.empty()) {
      s.Add(candidates_error_);
      return s.Render();
    }
    if (candidates_.empty()) {
      s.Add("No busy counters and none of the key gauges in the range: nothing to compare.");
      return s.Render();
    }
    std::vector<std::string> exprs;
    for (const auto& c : candidates_) exprs.push_back(c.WindowExpr(quarter_));
    auto first = InstantBatch(exprs, covered_from_ + quarter_ms_);
    auto last = InstantBatch(exprs, end_);
    s.How(fmt::format("Each series over the first quarter (evaluated at {}, the end of the first "
                      "quarter) and over the last quarter (at {}), for example:",
                      Escape(plot::FormatUtc(covered_from_ + quarter_ms_)),
                      Escape(plot::FormatUtc(end_))),
          exprs[0] + (exprs.size() > 1 ? "\n" + exprs.back() : ""));
    s.HowText(
        "The change is (last − first) / |first|; the largest in size come first, those from 0 "
        "before all.");
    if (!first.ok() || !last.ok()) {
      s.Add(Failed("The quarters", first.ok() ? last.status() : first.status()));
      return s.Render();
    }
    struct Row {
      size_t candidate;
      std::string job;
    };
    std::vector<Row> rows;
    std::vector<report::Change> changes;
    for (size_t i = 0; i < candidates_.size(); ++i) {
      std::map<std::string, double> before;
      for (const auto& x : (*first)[i]) before[std::string(x.labels.Get("job"))] = x.value;
      for (const auto& x : (*last)[i]) {
        std::string job(x.labels.Get("job"));
        auto it = before.find(job);
        if (it == before.end() || !candidates_[i].Wants(job)) continue;
        if (auto c = report::CompareValues(it->second, x.value); c.has_value()) {
          rows.push_back({i, job});
          changes.push_back(*c);
        }
      }
    }
    std::vector<size_t> order = report::RankChanges(changes, kMaxTableRows);
    if (order.empty()) {
      s.Add(rows.empty() ? fmt::format("No series has data in both the first and the last "
                                       "quarter ({} each) of the time with data.",
                                       Escape(quarter_))
                         : "None of the series changed between the first and the last quarter.");
      return s.Render();
    }
    report::Table t({"series", "job", "first quarter", "last quarter", "change"}, "llrrr");
    for (size_t k : order) {
      const Candidate& c = candidates_[rows[k].candidate];
      std::string suffix = c.counter ? "/s" : "";
      t.AddRow({Code(c.What(), true), LabelCell(rows[k].job),
                Value(changes[k].first, c.unit) + suffix, Value(changes[k].last, c.unit) + suffix,
                ChangeText(changes[k].relative)});
    }
    s.Add(
        fmt::format("The largest relative changes between the first and the last quarter ({} "
                    "each) of the time with data, of {} series compared:",
                    Escape(quarter_), rows.size()));
    s.Add(t.Render());
    for (size_t n = 0; n < std::min(order.size(), kMaxChangePlots); ++n) {
      const Candidate& c = candidates_[rows[order[n]].candidate];
      const std::string& job = rows[order[n]].job;
      s.Add(
          Plot(fmt::format("{} {{job=\"{}\"}}", c.What(), job), c.StepExpr(window_, &job), c.unit));
    }
    s.HowText(
        fmt::format("Charts: the series at each step, a rate over {} for counters (the step "
                    "or 1m, whichever is longer).",
                    Code(window_)));
    return s.Render();
  }

  // ---- Error rates -----------------------------------------------------------

  std::string Errors() {
    Section s("Error rates");
    ScrapeErrors(&s);
    HttpErrors(&s);
    LogErrors(&s);
    Rejected(&s);
    return s.Render();
  }

  void ScrapeErrors(Section* s) {
    const std::vector<std::string> q = {
        fmt::format("sum by (job) (count_over_time(up[{}]))", range_),
        fmt::format("sum by (job) (sum_over_time(up[{}]))", range_)};
    s->How(
        "Failed scrapes: scrapes (samples of `up`) minus successful ones (`up` is 1) per job; "
        "their share is the fraction of the time the job's targets were down, as scrapes are "
        "evenly spaced:",
        q[0] + "\n" + q[1]);
    auto r = InstantBatch(q, end_);
    if (!r.ok()) {
      s->Add(Failed("Failed scrapes", r.status()));
      return;
    }
    std::map<std::string, std::pair<double, double>> jobs;  // scrapes, successes
    for (const auto& x : (*r)[0]) jobs[std::string(x.labels.Get("job"))].first = x.value;
    for (const auto& x : (*r)[1]) jobs[std::string(x.labels.Get("job"))].second = x.value;
    if (jobs.empty()) {
      s->Add("**Scrapes:** none in the range.");
      return;
    }
    double scrapes = 0, failed = 0;
    report::Table t({"job", "failed scrapes", "scrapes", "time down"}, "lrrr");
    for (const auto& [job, v] : jobs) {
      scrapes += v.first;
      const double f = v.first - v.second;
      failed += f;
      if (f > 0) t.AddRow({LabelCell(job), Number(f), Number(v.first), Percent(f / v.first)});
    }
    if (t.empty()) {
      s->Add(fmt::format("**Scrapes:** all {} scrapes of {} jobs succeeded.", Number(scrapes),
                         jobs.size()));
    } else {
      s->Add(fmt::format("**Scrapes:** {} of {} failed ({}):", Number(failed), Number(scrapes),
                         Percent(failed / scrapes)));
      s->Add(t.Render());
      s->Add(Plot("Targets down", "count by (job) (up == 0)"));
    }
    DownTargets(s);
  }

  // Targets down now, with the error of their last scrape.
  void DownTargets(Section* s) {
    auto body = Body(client_->Get("/api/v1/targets", {{"state", "active"}}));
    if (!body.ok()) return;
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    simdjson::dom::array targets;
    if (parser.parse(*body).get(doc) != simdjson::SUCCESS ||
        doc["data"]["activeTargets"].get(targets) != simdjson::SUCCESS) {
      return;
    }
    report::Table t({"job", "instance", "last error"}, "lll");
    for (auto target : targets) {
      std::string_view health, job, instance, error;
      if (target["health"].get(health) != simdjson::SUCCESS || health != "down") continue;
      if (target["labels"]["job"].get(job) != simdjson::SUCCESS) job = {};
      if (target["labels"]["instance"].get(instance) != simdjson::SUCCESS) instance = {};
      if (target["lastError"].get(error) != simdjson::SUCCESS) error = {};
      t.AddRow({LabelCell(job), LabelCell(instance), Escape(error)});
    }
    if (!t.empty()) {
      s->Add("Targets down at the end of the range (`/api/v1/targets`):");
      s->Add(t.Render());
    }
  }

  void HttpErrors(Section* s) {
    const std::vector<std::string> q = {
        fmt::format(
            "sum by (handler, code) (increase(vigil_http_requests_total{{code=~\"5..\"}}[{}]))",
            range_),
        fmt::format("sum(increase(vigil_http_requests_total[{}]))", range_)};
    s->How("5xx answers of Vigil's own HTTP API by handler and code, and all its answers:",
           q[0] + "\n" + q[1]);
    auto r = InstantBatch(q, end_);
    if (!r.ok()) {
      s->Add(Failed("The 5xx answers", r.status()));
      return;
    }
    if ((*r)[1].empty()) {
      s->Add(
          "**HTTP API:** the server does not export `vigil_http_requests_total`, so its 5xx "
          "answers are not known.");
      return;
    }
    const double total = (*r)[1][0].value;
    auto rows = (*r)[0];
    std::erase_if(rows, [](const auto& x) { return !(x.value > 0); });
    if (rows.empty()) {
      s->Add(fmt::format("**HTTP API:** none of its {} answers was a 5xx.", Count(total)));
      return;
    }
    std::sort(rows.begin(), rows.end(),
              [](const auto& a, const auto& b) { return a.value > b.value; });
    double errors = 0;
    report::Table t({"handler", "code", "answers", "share of all answers"}, "llrr");
    for (const auto& x : rows) {
      errors += x.value;
      if (t.size() < kMaxTableRows) {
        t.AddRow({LabelCell(x.labels.Get("handler")), LabelCell(x.labels.Get("code")),
                  Count(x.value), total > 0 ? Percent(x.value / total) : "—"});
      }
    }
    s->Add(fmt::format("**HTTP API:** {} of {} answers were 5xx ({}):", Count(errors), Count(total),
                       total > 0 ? Percent(errors / total) : "—"));
    s->Add(t.Render());
    if (rows.size() > t.size()) s->Add(More(rows.size() - t.size()));
  }

  void LogErrors(Section* s) {
    auto labels_body =
        Body(client_->Post("/loki/api/v1/labels", {{"start", std::to_string(start_ * 1'000'000)},
                                                   {"end", std::to_string(end_ * 1'000'000)}}));
    s->HowText(
        "Log lines: `POST /loki/api/v1/labels` for the stream labels in the range, then per "
        "source label (a stream counts under the first it has of " +
        [] {
          std::string list;
          for (std::string_view l : kLogSourceLabels) {
            list += (list.empty() ? "`" : ", `") + std::string(l) + "`";
          }
          return list;
        }() +
        ") all lines and those whose `level` label or `severity_text` field (the source's "
        "own word, kept as structured metadata) is an error word:");
    if (!labels_body.ok()) {
      if (labels_body.status().IsNotFound()) {
        s->Add("**Logs:** the server has no Loki API, so no log lines are counted.");
      } else {
        s->Add(Failed("The log labels", labels_body.status()));
      }
      return;
    }
    std::set<std::string> labels;
    {
      simdjson::dom::parser parser;
      simdjson::dom::element doc;
      simdjson::dom::array data;
      if (parser.parse(*labels_body).get(doc) == simdjson::SUCCESS &&
          doc["data"].get(data) == simdjson::SUCCESS) {
        for (auto l : data) {
          std::string_view name;
          if (l.get(name) == simdjson::SUCCESS) labels.emplace(name);
        }
      }
    }
    if (labels.empty()) {
      s->Add("**Logs:** no log lines in the range.");
      return;
    }
    std::vector<std::string> sources;
    for (std::string_view l : kLogSourceLabels) {
      if (labels.contains(std::string(l))) sources.emplace_back(l);
    }
    if (sources.empty()) sources.push_back(*labels.begin());

    struct Row {
      std::string label, value;
      double errors = 0, lines = 0;
    };
    std::vector<Row> rows;
    for (size_t i = 0; i < sources.size(); ++i) {
      std::string selector = fmt::format("{}=~\".+\"", sources[i]);
      for (size_t j = 0; j < i; ++j) selector += fmt::format(", {}=\"\"", sources[j]);
      const std::string all =
          fmt::format("sum by ({}) (count_over_time({{{}}}[{}]))", sources[i], selector, range_);
      const std::string errors = fmt::format(
          "sum by ({0}) (count_over_time({{{1}}} | level=~{2} or severity_text=~{2} [{3}]))",
          sources[i], selector, GoQuote(kErrorLevels), range_);
      s->How(fmt::format("Streams with {}:", Code(sources[i])), all + "\n" + errors, "logql");
      auto a = LogQuery(all);
      auto e = a.ok() ? LogQuery(errors) : a;
      if (!a.ok() || !e.ok()) {
        s->Add(Failed("The log line counts", a.ok() ? e.status() : a.status()));
        return;
      }
      std::map<std::string, Row> by_value;
      for (const auto& x : *a) {
        Row& r = by_value[std::string(x.labels.Get(sources[i]))];
        r.label = sources[i];
        r.value = std::string(x.labels.Get(sources[i]));
        r.lines = x.value;
      }
      for (const auto& x : *e) by_value[std::string(x.labels.Get(sources[i]))].errors = x.value;
      for (auto& [v, r] : by_value) {
        if (r.lines > 0) rows.push_back(r);
      }
    }
    double lines = 0, errors = 0;
    for (const auto& r : rows) {
      lines += r.lines;
      errors += r.errors;
    }
    if (rows.empty()) {
      s->Add("**Logs:** no log lines in the range.");
      return;
    }
    if (errors == 0) {
      s->Add(fmt::format("**Logs:** none of the {} log lines in the range is at an error level.",
                         Number(lines)));
      return;
    }
    std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
      return a.errors != b.errors ? a.errors > b.errors : a.lines > b.lines;
    });
    report::Table t({"source", "error lines", "lines", "share"}, "lrrr");
    for (size_t k = 0; k < std::min(rows.size(), kMaxTableRows); ++k) {
      const Row& r = rows[k];
      t.AddRow({Code(fmt::format("{}={}", r.label, GoQuote(r.value)), true), Number(r.errors),
                Number(r.lines), Percent(r.errors / r.lines)});
    }
    s->Add(fmt::format("**Logs:** {} of {} log lines were at an error level ({}):", Number(errors),
                       Number(lines), Percent(errors / lines)));
    s->Add(t.Render());
    if (rows.size() > t.size()) s->Add(More(rows.size() - t.size()));
  }

  void Rejected(Section* s) {
    static constexpr std::pair<std::string_view, std::string_view> kRejected[] = {
        {"vigil_tsdb_samples_rejected_total", "TSDB appends"},
        {"vigil_scrape_samples_rejected_total", "scrapes"},
        {"vigil_remote_write_samples_rejected_total", "remote_write"},
    };
    std::vector<std::string> q;
    for (const auto& [metric, what] : kRejected) {
      q.push_back(fmt::format("sum by (reason) (increase({}[{}]))", metric, range_));
    }
    s->How("Rejected samples by reason (too old, out of order, duplicates, limits):",
           q[0] + "\n" + q[1] + "\n" + q[2]);
    auto r = InstantBatch(q, end_);
    if (!r.ok()) {
      s->Add(Failed("The rejected samples", r.status()));
      return;
    }
    bool any_metric = false;
    double total = 0;
    report::Table t({"where", "reason", "samples"}, "llr");
    for (size_t i = 0; i < q.size(); ++i) {
      any_metric |= !(*r)[i].empty();
      for (const auto& x : (*r)[i]) {
        if (!(x.value > 0)) continue;
        total += x.value;
        t.AddRow({Escape(kRejected[i].second), LabelCell(x.labels.Get("reason")), Count(x.value)});
      }
    }
    if (!any_metric) {
      s->Add("**Rejected samples:** the server does not export Vigil's rejection counters.");
    } else if (t.empty()) {
      s->Add("**Rejected samples:** none.");
    } else {
      s->Add(fmt::format("**Rejected samples:** {}:", Count(total)));
      s->Add(t.Render());
    }
  }

  // ---- Cloud API spend -------------------------------------------------------

  std::string Cloud() {
    Section s("Cloud API spend");
    const std::vector<std::string> q = {
        fmt::format(
            "sum by (provider, collector) (increase(vigil_cloud_estimated_cost_dollars_total[{}]))",
            range_),
        fmt::format("sum by (provider, api) (increase(vigil_cloud_api_calls_total[{}]))", range_),
        fmt::format("sum by (provider, result) (increase(vigil_cloud_api_calls_total[{}]))",
                    range_)};
    s.How(
        "Estimated spend per collector (metrics requested × the list price), API calls per "
        "API, and calls by result:",
        q[0] + "\n" + q[1] + "\n" + q[2]);
    s.HowText(
        fmt::format("Projected spend: the spend in the range × {} days / the seconds with "
                    "data ({}).",
                    kProjectionDays, PerSecond()));
    auto r = InstantBatch(q, end_);
    if (!r.ok()) {
      s.Add(Failed("The cloud API spend", r.status()));
      return s.Render();
    }
    if ((*r)[0].empty() && (*r)[1].empty()) {
      s.Add(
          "No cloud collectors: `vigil_cloud_estimated_cost_dollars_total` and "
          "`vigil_cloud_api_calls_total` have no data in the range.");
      return s.Render();
    }
    const double projection = kProjectionDays * 86400 / covered_s_;
    auto cost = (*r)[0];
    std::sort(cost.begin(), cost.end(), [](const auto& a, const auto& b) {
      return std::pair(a.labels.Get("provider"), a.labels.Get("collector")) <
             std::pair(b.labels.Get("provider"), b.labels.Get("collector"));
    });
    double total = 0;
    report::Table t({"provider", "collector", "spend in the range",
                     fmt::format("projected per {} days", kProjectionDays)},
                    "llrr");
    for (const auto& x : cost) {
      total += x.value;
      t.AddRow({LabelCell(x.labels.Get("provider")), LabelCell(x.labels.Get("collector")),
                Dollars(x.value), Dollars(x.value * projection)});
    }
    s.Add(fmt::format("Estimated spend **{}** in the range; at this rate **{}** per {} days.",
                      Dollars(total), Dollars(total * projection), kProjectionDays));
    if (!t.empty()) s.Add(t.Render());

    auto calls = (*r)[1];
    std::sort(calls.begin(), calls.end(),
              [](const auto& a, const auto& b) { return a.value > b.value; });
    double n_calls = 0;
    report::Table c({"provider", "API", "calls"}, "llr");
    for (const auto& x : calls) {
      n_calls += x.value;
      if (c.size() < kMaxTableRows) {
        c.AddRow(
            {LabelCell(x.labels.Get("provider")), LabelCell(x.labels.Get("api")), Count(x.value)});
      }
    }
    std::map<std::string, double> by_result;
    for (const auto& x : (*r)[2]) by_result[std::string(x.labels.Get("result"))] += x.value;
    std::string results;
    for (const auto& [result, n] : by_result) {
      if (result == "success" || !(n > 0)) continue;
      results += fmt::format("{}{} {}", results.empty() ? "" : ", ", Count(n), Escape(result));
    }
    s.Add(fmt::format("**{}** API calls{}{}:", Count(n_calls),
                      results.empty() ? ", all successful" : ", of which ", results));
    if (!c.empty()) s.Add(c.Render());
    if (calls.size() > c.size()) s.Add(More(calls.size() - c.size()));
    s.Add(Plot("Estimated cloud API spend, dollars per hour",
               fmt::format("sum by (provider) (rate(vigil_cloud_estimated_cost_dollars_total[{}])) "
                           "* 3600",
                           window_),
               plot::Unit::kNone, /*stacked=*/true));
    return s.Render();
  }

  // ---- Anomalies -------------------------------------------------------------

  std::string Anomalies() {
    Section s("Anomalies");
    s.HowText(fmt::format(
        "The series of *Biggest changes* (at most {}), at each step of {} over the range. The "
        "baseline of each is its median and its MAD (median absolute deviation) over the range; "
        "a point of the last quarter (since {}) is an anomaly when it lies beyond median ± {} · "
        "{} · MAD, and by at least {}% of the median. When more than half the points equal the "
        "median the MAD is 0, and {} × the mean absolute deviation stands in for {} · MAD; a "
        "constant series has none.",
        kMaxBaselineSeries, Code(FormatPromDuration(step_ms_)),
        Escape(plot::FormatUtc(end_ - quarter_ms_)), report::kAnomalySigmas, report::kMadToSigma,
        report::kMinRelativeBand * 100, report::kMeanAdToSigma, report::kMadToSigma));
    if (!candidates_error_.empty()) {
      s.Add(candidates_error_);
      return s.Render();
    }
    if (candidates_.empty()) {
      s.Add("No series to check: no busy counters and none of the key gauges in the range.");
      return s.Render();
    }
    std::vector<std::string> exprs;
    for (const auto& c : candidates_) exprs.push_back(c.StepExpr(window_));
    s.How("Each series at every step (one range query per batch), for example:", exprs[0]);
    auto r = RangeBatch(exprs);
    if (!r.ok()) {
      s.Add(Failed("The series", r.status()));
      return s.Render();
    }
    struct Found {
      size_t candidate;
      std::string job;
      report::Baseline baseline;
      std::vector<report::Anomaly> anomalies;
      size_t window_points = 0;
      size_t worst = 0;  // index into anomalies
      bool has_negative = false;
    };
    std::vector<Found> found;
    size_t checked = 0, usable = 0;
    const int64_t from = end_ - quarter_ms_;
    for (size_t i = 0; i < candidates_.size() && checked < kMaxBaselineSeries; ++i) {
      for (const auto& series : (*r)[i]) {
        std::string job(series.labels.Get("job"));
        if (!candidates_[i].Wants(job) || checked >= kMaxBaselineSeries) continue;
        ++checked;
        std::vector<report::Point> points;
        std::vector<double> values;
        bool negative = false;
        size_t in_window = 0;
        for (const auto& p : series.points) {
          points.push_back({p.t_ms, p.v});
          values.push_back(p.v);
          negative |= p.v < 0;
          in_window += p.t_ms >= from;
        }
        report::Baseline b = report::RobustBaseline(values);
        if (!b.usable()) continue;
        ++usable;
        auto anomalies = report::FindAnomalies(points, b, from);
        if (anomalies.empty()) continue;
        size_t worst = 0;
        for (size_t k = 1; k < anomalies.size(); ++k) {
          if (std::abs(anomalies[k].score) > std::abs(anomalies[worst].score)) worst = k;
        }
        found.push_back({i, job, b, std::move(anomalies), in_window, worst, negative});
      }
    }
    if (found.empty()) {
      if (checked == 0) {
        s.Add("No series to check: the chosen series have no points in the range.");
      } else {
        s.Add(
            fmt::format("No anomalies: of {} series checked, {} had a spread to judge by and "
                        "none left its band in the last quarter.",
                        checked, usable));
      }
      return s.Render();
    }
    std::stable_sort(found.begin(), found.end(), [](const Found& a, const Found& b) {
      return std::abs(a.anomalies[a.worst].score) > std::abs(b.anomalies[b.worst].score);
    });
    report::Table t(
        {"series", "job", "points out of band", "worst at", "value", "median", "band", "sigmas"},
        "llrlrrlr");
    for (size_t k = 0; k < std::min(found.size(), kMaxTableRows); ++k) {
      const Found& f = found[k];
      const Candidate& c = candidates_[f.candidate];
      const report::Anomaly& w = f.anomalies[f.worst];
      t.AddRow({Code(c.What(), true), LabelCell(f.job),
                fmt::format("{} of {}", f.anomalies.size(), f.window_points),
                Escape(plot::FormatUtc(w.t_ms)), Value(w.value, c.unit),
                Value(f.baseline.median, c.unit), BandText(f.baseline, c.unit, f.has_negative),
                Escape(fmt::format("{:+.1f}", w.score))});
    }
    s.Add(fmt::format("{} of {} series checked left their band in the last quarter:", found.size(),
                      checked));
    s.Add(t.Render());
    if (found.size() > t.size()) s.Add(More(found.size() - t.size()));
    for (size_t k = 0; k < std::min(found.size(), kMaxAnomalyPlots); ++k) {
      const Found& f = found[k];
      const Candidate& c = candidates_[f.candidate];
      // The band drawn as two flat lines beside the series; a lower bound
      // below 0 for a series that never is would only squash the chart.
      std::string query = fmt::format(
          "{} or label_replace(vector({}), \"threshold\", \"median + band\", \"\", \"\")",
          c.StepExpr(window_, &f.job), Literal(f.baseline.high));
      if (f.baseline.low >= 0 || f.has_negative) {
        query += fmt::format(
            " or label_replace(vector({}), \"threshold\", \"median - band\", "
            "\"\", \"\")",
            Literal(f.baseline.low));
      }
      s.Add(Plot(fmt::format("{} {{job=\"{}\"}} and its baseline band", c.What(), f.job), query,
                 c.unit));
    }
    return s.Render();
  }

  ServerClient* client_;
  const ReportFlags& flags_;
  int64_t start_, end_;
  std::string plots_dir_;   // "": charts are links to the server
  std::string plots_link_;  // the directory as the report links it, with a trailing '/'
  int64_t range_ms_ = 0, quarter_ms_ = 0, step_ms_ = 0;
  std::string range_, quarter_, window_;
  int64_t covered_from_ = 0;
  double covered_s_ = 1;
  std::string coverage_query_;
  int plots_ = 0;
  std::set<std::string> warned_;

  bool tsdb_ok_ = false;
  double head_series_ = 0, head_chunks_ = 0;
  int64_t head_min_ = 0, head_max_ = 0;
  std::vector<std::pair<std::string, double>> series_by_name_;

  std::vector<Candidate> candidates_;
  size_t counter_names_ = 0;
  std::string candidates_example_;
  std::string candidates_error_;  // a sentence, when the candidates could not be found

 public:
  bool write_failed_ = false;
};

}  // namespace

int RunReport(const ReportFlags& f) {
  const int64_t end = NowMillis();
  auto start = ResolveTime("since", f.since, end);
  if (!start.ok()) {
    Warn(start.status().message());
    return 2;
  }
  if (*start >= end) {
    Warn("--since must be before now");
    return 2;
  }
  const bool to_stdout = f.out.empty() || f.out == "-";
  if (to_stdout && !f.plots.empty()) {
    Warn("--plots needs --out: with the report on stdout the charts are links to the server");
    return 2;
  }
  std::string plots_dir, plots_link;
  if (!to_stdout) {
    namespace stdfs = std::filesystem;
    stdfs::path out(f.out);
    stdfs::path dir = f.plots.empty()
                          ? stdfs::path(stdfs::path(out).replace_extension("").string() + "-plots")
                          : stdfs::path(f.plots);
    plots_dir = dir.string();
    std::error_code ec;
    stdfs::path base = stdfs::absolute(out, ec).parent_path();
    stdfs::path rel = stdfs::absolute(dir, ec).lexically_normal().lexically_relative(base);
    plots_link = report::PathUrl((rel.empty() ? dir : rel).generic_string()) + "/";
  }
  auto client = ServerClient::New(f.server);
  if (!client.ok()) {
    Warn(client.status().message());
    return 1;
  }
  Reporter reporter(&*client, f, *start, end, plots_dir, plots_link);
  if (Status s = reporter.Check(); !s.ok()) {
    Warn(s.message());
    return 1;
  }
  std::string md = reporter.Render();
  if (to_stdout) {
    if (std::fwrite(md.data(), 1, md.size(), stdout) != md.size() || std::fflush(stdout) != 0) {
      Warn("writing the report to stdout failed");
      return 1;
    }
    return 0;
  }
  if (Status s = fs::WriteFileAtomic(f.out, md); !s.ok()) {
    Warn(s.message());
    return 1;
  }
  return reporter.write_failed_ ? 1 : 0;
}

}  // namespace vigil::app
