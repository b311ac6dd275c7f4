// /api/v1/query, query_range, format_query and query_exemplars: parameters are
// checked in Prometheus 3.5's order with its messages, the query is parsed
// here (so that parse errors read `invalid parameter "query": ...` and the
// parse time is measured), then evaluated by the engine. /api/v1/export
// (Vigil's own) takes the same parameters through the same code and answers
// a table (export_format.h) instead of Prometheus' JSON; /api/v1/render
// (Vigil's own too) draws a range query as a PNG or SVG chart
// (render_format.h, src/visual/plot).
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api/query/export_format.h"
#include "api/query/handlers.h"
#include "api/query/params.h"
#include "api/query/render_format.h"
#include "api/query/result_json.h"
#include "query/promql/engine.h"
#include "query/promql/parser.h"
#include "visual/plot/render.h"

namespace vigil::api::query {

namespace {

constexpr int64_t kMaxPointsPerSeries = 11'000;

double SecondsSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// Whether the expression selects any series (Prometheus' ExtractSelectors is non-empty).
bool HasSelector(const promql::Expr& e) {
  using promql::ExprKind;
  switch (e.kind) {
    case ExprKind::kVectorSelector:
    case ExprKind::kMatrixSelector:
      return true;
    case ExprKind::kSubquery:
      return HasSelector(*static_cast<const promql::SubqueryExpr&>(e).expr);
    case ExprKind::kCall:
      for (const auto& a : static_cast<const promql::Call&>(e).args) {
        if (a && HasSelector(*a)) return true;
      }
      return false;
    case ExprKind::kAggregate: {
      const auto& a = static_cast<const promql::AggregateExpr&>(e);
      return (a.expr && HasSelector(*a.expr)) || (a.param && HasSelector(*a.param));
    }
    case ExprKind::kBinary: {
      const auto& b = static_cast<const promql::BinaryExpr&>(e);
      return HasSelector(*b.lhs) || HasSelector(*b.rhs);
    }
    case ExprKind::kUnary:
      return HasSelector(*static_cast<const promql::UnaryExpr&>(e).expr);
    case ExprKind::kParen:
      return HasSelector(*static_cast<const promql::ParenExpr&>(e).expr);
    case ExprKind::kStepInvariant:
      return HasSelector(*static_cast<const promql::StepInvariantExpr&>(e).expr);
    case ExprKind::kNumber:
    case ExprKind::kString:
      return false;
  }
  return false;
}

// Prometheus' parser.DocumentedType.
std::string_view DocumentedType(promql::ValueType t) {
  switch (t) {
    case promql::ValueType::kVector:
      return "instant vector";
    case promql::ValueType::kMatrix:
      return "range vector";
    case promql::ValueType::kScalar:
      return "scalar";
    case promql::ValueType::kString:
      return "string";
    case promql::ValueType::kNone:
      break;
  }
  return "none";
}

// Keeps the first limit series of a vector or matrix; whether any were cut.
bool Truncate(promql::Value* v, size_t limit) {
  if (auto* vec = std::get_if<promql::Vector>(v); vec != nullptr && vec->size() > limit) {
    vec->resize(limit);
    return true;
  }
  if (auto* m = std::get_if<promql::Matrix>(v); m != nullptr && m->size() > limit) {
    m->resize(limit);
    return true;
  }
  return false;
}

// What a request asks the engine for: one instant, or the steps of a range.
struct EvalParams {
  int64_t start = 0;
  int64_t end = 0;
  int64_t step_ms = 0;
  bool instant = true;
  promql::QueryOptions options;
};

// A query that evaluated, with the wall times around parsing and evaluation.
struct Evaluation {
  promql::QueryResult result;
  double prepare_seconds = 0;
  double evaluate_seconds = 0;
};

// At most this many warnings and infos each go into an export's headers;
// clients refuse answers with too many header lines (Python's http.client
// stops at 100), and an export must stay readable.
constexpr size_t kMaxAnnotationHeaders = 10;

// An annotation as one header line: control characters become spaces.
std::string HeaderValue(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  return out;
}

void AddAnnotationHeaders(http::Response* res, std::string_view name,
                          const std::vector<std::string>& messages, std::string_view kind) {
  for (size_t i = 0; i < messages.size() && i < kMaxAnnotationHeaders; ++i) {
    res->headers.emplace_back(std::string(name), HeaderValue(messages[i]));
  }
  if (messages.size() > kMaxAnnotationHeaders) {
    res->headers.emplace_back(
        std::string(name),
        fmt::format("{} more {} omitted", messages.size() - kMaxAnnotationHeaders, kind));
  }
}

class QueryHandlers {
 public:
  explicit QueryHandlers(const QueryApiOptions& o) : opts_(o) {}

  void Query(const http::Request& req, http::Response* res) {
    auto limit = ParseLimit(req.Param("limit"));
    if (!limit.ok()) return WriteBadData(res, InvalidParam("limit", limit.status().message()));
    EvalParams params;
    if (!ParseInstant(req, res, &params)) return;
    Answer(req, res, params, static_cast<size_t>(*limit));
  }

  void QueryRange(const http::Request& req, http::Response* res) {
    auto limit = ParseLimit(req.Param("limit"));
    if (!limit.ok()) return WriteBadData(res, InvalidParam("limit", limit.status().message()));
    EvalParams params;
    if (!ParseRange(req, res, &params)) return;
    Answer(req, res, params, static_cast<size_t>(*limit));
  }

  // /api/v1/export: an instant or range query's result as a CSV or JSON
  // table (export_format.h); the parameters and errors are those of
  // /api/v1/query or /api/v1/query_range, whichever the request is.
  void Export(const http::Request& req, http::Response* res) {
    auto format = ParseExportFormat(req.Param("format"));
    if (!format.ok()) return WriteBadData(res, InvalidParam("format", format.status().message()));
    auto timestamps = ParseExportTimestamps(req.Param("timestamp_format"));
    if (!timestamps.ok()) {
      return WriteBadData(res, InvalidParam("timestamp_format", timestamps.status().message()));
    }
    // Cutting series off would be silent in a table: there is no place for
    // the warning that /api/v1/query adds.
    if (!req.Param("limit").empty()) {
      return WriteBadData(res, InvalidParam("limit",
                                            "an export has every series of the result; "
                                            "select fewer in the query (topk, limitk)"));
    }
    const bool range =
        !req.Param("start").empty() || !req.Param("end").empty() || !req.Param("step").empty();
    EvalParams params;
    if (range) {
      if (!req.Param("time").empty()) {
        return WriteBadData(res, InvalidParam("time",
                                              "an export is either instant (time) or a range "
                                              "(start, end, step), not both"));
      }
      if (!ParseRange(req, res, &params)) return;
    } else if (!ParseInstant(req, res, &params)) {
      return;
    }
    std::optional<Evaluation> e = Evaluate(req, res, params);
    if (!e) return;
    const promql::Value& value = e->result.value;
    Result<std::string> body = *format == ExportFormat::kCsv ? ExportCsv(value, *timestamps)
                                                             : ExportJson(value, *timestamps);
    if (!body.ok()) return WriteBadData(res, body.status().message());
    res->status = 200;
    if (*format == ExportFormat::kCsv) {
      res->SetHeader("Content-Type", "text/csv; charset=utf-8");
      res->SetHeader("Content-Disposition", "attachment; filename=\"export.csv\"");
    } else {
      res->SetHeader("Content-Type", "application/json");
      res->SetHeader("Content-Disposition", "attachment; filename=\"export.json\"");
    }
    const std::string_view query_text = req.Param("query");
    AddAnnotationHeaders(res, "X-Vigil-Warning", e->result.annotations.WarningStrings(query_text),
                         "warnings");
    AddAnnotationHeaders(res, "X-Vigil-Info", e->result.annotations.InfoStrings(query_text),
                         "infos");
    res->body = std::move(body).value();
  }

  // /api/v1/render: a range query drawn as a chart image (render_format.h).
  // Parameters, evaluation and errors are those of /api/v1/query_range,
  // except that start, end and step have defaults.
  void Render(const http::Request& req, http::Response* res) {
    auto limit = ParseLimit(req.Param("limit"));
    if (!limit.ok()) return WriteBadData(res, InvalidParam("limit", limit.status().message()));
    auto options = ParseRenderOptions(req);
    if (!options.ok()) return WriteBadData(res, options.status().message());
    EvalParams params;
    if (!ParseRenderRange(req, res, options->width, &params)) return;
    std::optional<Evaluation> e = Evaluate(req, res, params);
    if (!e) return;
    size_t max_series = kMaxRenderSeries;
    if (*limit > 0) max_series = std::min(max_series, static_cast<size_t>(*limit));
    const std::string_view query_text = req.Param("query");
    plot::Chart chart = BuildRenderChart(e->result.value, *options, query_text, params.start,
                                         params.end, params.step_ms, max_series);
    auto image = plot::Render(chart, options->format, options->width, options->height);
    if (!image.ok()) return WriteError(res, 500, "internal", image.status().message());
    res->status = 200;
    res->SetHeader("Content-Type", plot::ContentType(options->format));
    res->SetHeader("Cache-Control", "no-store");
    AddAnnotationHeaders(res, "X-Vigil-Warning", e->result.annotations.WarningStrings(query_text),
                         "warnings");
    AddAnnotationHeaders(res, "X-Vigil-Info", e->result.annotations.InfoStrings(query_text),
                         "infos");
    res->body = std::move(image).value();
  }

  void FormatQuery(const http::Request& req, http::Response* res) {
    auto expr = promql::ParseExpr(req.Param("query"), opts_.engine->options().parse);
    if (!expr.ok()) return WriteBadData(res, InvalidParam("query", expr.status().message()));
    std::string pretty = promql::PrettyExpr(**expr);
    WriteData(res, [&](GoJsonWriter& w) { w.String(pretty); });
  }

  void QueryExemplars(const http::Request& req, http::Response* res) {
    auto start = ParseTimeParam(req, "start", kMinTime);
    if (!start.ok()) return WriteBadData(res, InvalidParam("start", start.status().message()));
    auto end = ParseTimeParam(req, "end", kMaxTime);
    if (!end.ok()) return WriteBadData(res, InvalidParam("end", end.status().message()));
    if (*end < *start) return WriteBadData(res, "end timestamp must not be before start timestamp");
    auto expr = promql::ParseExpr(req.Param("query"), opts_.engine->options().parse);
    if (!expr.ok()) return WriteBadData(res, expr.status().message());
    if (!HasSelector(**expr)) {
      res->status = 204;  // Prometheus answers a query without selectors with no content
      return;
    }
    // No exemplars are stored yet: the answer is the empty list.
    WriteData(res, [](GoJsonWriter& w) {
      w.StartArray();
      w.EndArray();
    });
  }

 private:
  // time, then timeout and lookback_delta; false after answering an error.
  bool ParseInstant(const http::Request& req, http::Response* res, EvalParams* out) {
    auto ts = ParseTimeParam(req, "time", opts_.clock());
    if (!ts.ok()) {
      WriteBadData(res, InvalidParam("time", ts.status().message()));
      return false;
    }
    out->start = out->end = *ts;
    out->step_ms = 0;
    out->instant = true;
    return ParseQueryOptions(req, res, &out->options);
  }

  // start, end, step (in Prometheus' order, with its checks), then timeout
  // and lookback_delta; false after answering an error.
  bool ParseRange(const http::Request& req, http::Response* res, EvalParams* out) {
    auto start = ParseTime(req.Param("start"));
    if (!start.ok()) {
      WriteBadData(res, InvalidParam("start", start.status().message()));
      return false;
    }
    auto end = ParseTime(req.Param("end"));
    if (!end.ok()) {
      WriteBadData(res, InvalidParam("end", end.status().message()));
      return false;
    }
    return FinishRange(req, res, *start, *end, std::nullopt, out);
  }

  // As ParseRange, with /api/v1/render's defaults for what is left out: end
  // now, start an hour before end, step from the image's width.
  bool ParseRenderRange(const http::Request& req, http::Response* res, int width, EvalParams* out) {
    std::optional<int64_t> start;
    if (!req.Param("start").empty()) {
      auto t = ParseTime(req.Param("start"));
      if (!t.ok()) {
        WriteBadData(res, InvalidParam("start", t.status().message()));
        return false;
      }
      start = *t;
    }
    int64_t end = opts_.clock();
    if (!req.Param("end").empty()) {
      auto t = ParseTime(req.Param("end"));
      if (!t.ok()) {
        WriteBadData(res, InvalidParam("end", t.status().message()));
        return false;
      }
      end = *t;
    }
    const int64_t from = start.value_or(end - kDefaultRenderRangeMs);
    const std::optional<int64_t> auto_step =
        req.Param("step").empty() ? std::optional<int64_t>(AutoStepMs(from, end, width))
                                  : std::nullopt;
    return FinishRange(req, res, from, end, auto_step, out);
  }

  // The checks of a range after start and end: their order, the step (from
  // its parameter, or step_ms when given), the resolution limit, then
  // timeout and lookback_delta; false after answering an error.
  bool FinishRange(const http::Request& req, http::Response* res, int64_t start, int64_t end,
                   std::optional<int64_t> step_ms, EvalParams* out) {
    auto fail = [res](std::string_view message) {
      WriteBadData(res, message);
      return false;
    };
    if (end < start) {
      return fail(InvalidParam("end", "end timestamp must not be before start time"));
    }
    int64_t step_ns = 0;
    if (step_ms) {
      constexpr int64_t kMaxStepMs = std::numeric_limits<int64_t>::max() / 1'000'000;
      step_ns = std::min(*step_ms, kMaxStepMs) * 1'000'000;
    } else {
      auto step = ParseDuration(req.Param("step"));
      if (!step.ok()) return fail(InvalidParam("step", step.status().message()));
      step_ns = *step;
    }
    // A step below a millisecond is zero for the engine, which works in ms.
    if (step_ns <= 0 || NanosToMillis(step_ns) == 0) {
      return fail(InvalidParam("step",
                               "zero or negative query resolution step widths are not "
                               "accepted. Try a positive integer"));
    }
    // As Prometheus: (end - start) / step on nanosecond durations.
    __int128 span_ns = (static_cast<__int128>(end) - start) * 1'000'000;
    if (span_ns / step_ns > kMaxPointsPerSeries) {
      return fail(
          "exceeded maximum resolution of 11,000 points per timeseries. Try "
          "decreasing the query resolution (?step=XX)");
    }
    out->start = start;
    out->end = end;
    out->step_ms = NanosToMillis(step_ns);
    out->instant = false;
    return ParseQueryOptions(req, res, &out->options);
  }

  // timeout and lookback_delta, validated as Prometheus does; the engine
  // applies them (a timeout can only shorten --query.timeout; zero or
  // negative values leave the engine's settings).
  bool ParseQueryOptions(const http::Request& req, http::Response* res, promql::QueryOptions* out) {
    if (std::string_view to = req.Param("timeout"); !to.empty()) {
      auto d = ParseDuration(to);
      if (!d.ok()) {
        WriteBadData(res, InvalidParam("timeout", d.status().message()));
        return false;
      }
      out->timeout_ms = std::max<int64_t>(0, NanosToMillis(*d));
    }
    if (std::string_view lb = req.Param("lookback_delta"); !lb.empty()) {
      auto d = ParseDuration(lb);
      if (!d.ok()) {
        WriteBadData(res, "error parsing lookback delta duration: " + d.status().message());
        return false;
      }
      out->lookback_delta_ms = std::max<int64_t>(0, NanosToMillis(*d));
    }
    return true;
  }

  // Parses and evaluates the query; answers the error and returns nothing
  // when either fails.
  std::optional<Evaluation> Evaluate(const http::Request& req, http::Response* res,
                                     const EvalParams& p) {
    auto begin = std::chrono::steady_clock::now();
    auto expr = promql::ParseExpr(req.Param("query"), opts_.engine->options().parse);
    if (!expr.ok()) {
      WriteBadData(res, InvalidParam("query", expr.status().message()));
      return std::nullopt;
    }
    double prepare_seconds = SecondsSince(begin);
    // Prometheus refuses these when it creates the query, so the message
    // names the query parameter.
    promql::ValueType type = (*expr)->type();
    if (!p.instant && type != promql::ValueType::kVector && type != promql::ValueType::kScalar) {
      WriteBadData(res,
                   InvalidParam("query", fmt::format("invalid expression type \"{}\" for range "
                                                     "query, must be Scalar or instant Vector",
                                                     DocumentedType(type))));
      return std::nullopt;
    }
    auto evaluate_begin = std::chrono::steady_clock::now();
    auto result = opts_.engine->Evaluate(opts_.storage, **expr, p.start, p.end, p.step_ms,
                                         p.instant, p.options);
    double evaluate_seconds = SecondsSince(evaluate_begin);
    if (!result.ok()) {
      const Status& s = result.status();
      WriteError(res, promql::HttpStatusOf(s), promql::ErrorTypeOf(s), s.message());
      return std::nullopt;
    }
    return Evaluation{std::move(result).value(), prepare_seconds, evaluate_seconds};
  }

  // The answer of /api/v1/query and query_range, in Prometheus' JSON.
  void Answer(const http::Request& req, http::Response* res, const EvalParams& params,
              size_t limit) {
    std::optional<Evaluation> e = Evaluate(req, res, params);
    if (!e) return;
    promql::QueryResult& result = e->result;
    // With the query's positions, as Prometheus' annotations.AsStrings.
    const std::string_view query_text = req.Param("query");
    std::vector<std::string> warnings = result.annotations.WarningStrings(query_text);
    if (limit > 0 && Truncate(&result.value, limit)) {
      warnings.push_back("results truncated due to limit");
    }
    QueryStatsJson stats;
    bool want_stats = !req.Param("stats").empty();
    if (want_stats) {
      // The engine times in its clock's milliseconds; the wall time around
      // Evaluate is finer. Prometheus' nesting holds: queue + eval <= total.
      const promql::QueryStats& qs = result.stats;
      double queue = std::min(qs.queue_seconds, e->evaluate_seconds);
      stats.query_preparation_time = e->prepare_seconds;
      stats.exec_queue_time = queue;
      stats.eval_total_time = e->evaluate_seconds - queue;
      stats.inner_eval_time = stats.eval_total_time;
      stats.exec_total_time = e->prepare_seconds + e->evaluate_seconds;
      stats.total_queryable_samples = qs.samples_total;
      stats.peak_samples = qs.peak_samples;
    }
    res->Json(200,
              QuerySuccessBody(result.value, warnings, result.annotations.InfoStrings(query_text),
                               want_stats ? &stats : nullptr));
  }

  QueryApiOptions opts_;
};

}  // namespace

void RegisterQueryHandlers(http::Router* router, const QueryApiOptions& options) {
  auto h = std::make_shared<QueryHandlers>(options);
  auto bind = [h, ready = options.ready](
                  void (QueryHandlers::*fn)(const http::Request&, http::Response*)) {
    return WhenReady(
        ready, [h, fn](const http::Request& req, http::Response* res) { ((*h).*fn)(req, res); });
  };
  const std::vector<std::string> get_post = {"GET", "POST"};
  router->Handle(get_post, "/api/v1/query", bind(&QueryHandlers::Query));
  router->Handle(get_post, "/api/v1/query_range", bind(&QueryHandlers::QueryRange));
  router->Handle(get_post, "/api/v1/export", bind(&QueryHandlers::Export));
  router->Handle(get_post, "/api/v1/render", bind(&QueryHandlers::Render));
  router->Handle(get_post, "/api/v1/format_query", bind(&QueryHandlers::FormatQuery));
  router->Handle(get_post, "/api/v1/query_exemplars", bind(&QueryHandlers::QueryExemplars));
}

}  // namespace vigil::api::query
