// /api/v1/query, query_range, format_query and query_exemplars: parameters are
// checked in Prometheus 3.5's order with its messages, the query is parsed
// here (so that parse errors read `invalid parameter "query": ...` and the
// parse time is measured), then evaluated by the engine.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <memory>

#include "api/query/handlers.h"
#include "api/query/params.h"
#include "api/query/result_json.h"
#include "query/promql/engine.h"
#include "query/promql/parser.h"

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

class QueryHandlers {
 public:
  explicit QueryHandlers(const QueryApiOptions& o) : opts_(o) {}

  void Query(const http::Request& req, http::Response* res) {
    auto limit = ParseLimit(req.Param("limit"));
    if (!limit.ok()) return WriteBadData(res, InvalidParam("limit", limit.status().message()));
    auto ts = ParseTimeParam(req, "time", opts_.clock());
    if (!ts.ok()) return WriteBadData(res, InvalidParam("time", ts.status().message()));
    promql::QueryOptions options;
    if (!ParseQueryOptions(req, res, &options)) return;
    Run(req, res, *ts, *ts, 0, true, static_cast<size_t>(*limit), options);
  }

  void QueryRange(const http::Request& req, http::Response* res) {
    auto limit = ParseLimit(req.Param("limit"));
    if (!limit.ok()) return WriteBadData(res, InvalidParam("limit", limit.status().message()));
    auto start = ParseTime(req.Param("start"));
    if (!start.ok()) return WriteBadData(res, InvalidParam("start", start.status().message()));
    auto end = ParseTime(req.Param("end"));
    if (!end.ok()) return WriteBadData(res, InvalidParam("end", end.status().message()));
    if (*end < *start) {
      return WriteBadData(res, InvalidParam("end", "end timestamp must not be before start time"));
    }
    auto step = ParseDuration(req.Param("step"));
    if (!step.ok()) return WriteBadData(res, InvalidParam("step", step.status().message()));
    // A step below a millisecond is zero for the engine, which works in ms.
    if (*step <= 0 || NanosToMillis(*step) == 0) {
      return WriteBadData(
          res, InvalidParam("step",
                            "zero or negative query resolution step widths are not accepted. "
                            "Try a positive integer"));
    }
    // As Prometheus: (end - start) / step on nanosecond durations.
    __int128 span_ns = static_cast<__int128>(*end - *start) * 1'000'000;
    if (span_ns / *step > kMaxPointsPerSeries) {
      return WriteBadData(res,
                          "exceeded maximum resolution of 11,000 points per timeseries. Try "
                          "decreasing the query resolution (?step=XX)");
    }
    promql::QueryOptions options;
    if (!ParseQueryOptions(req, res, &options)) return;
    Run(req, res, *start, *end, NanosToMillis(*step), false, static_cast<size_t>(*limit), options);
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

  void Run(const http::Request& req, http::Response* res, int64_t start, int64_t end, int64_t step,
           bool instant, size_t limit, const promql::QueryOptions& options) {
    auto begin = std::chrono::steady_clock::now();
    auto expr = promql::ParseExpr(req.Param("query"), opts_.engine->options().parse);
    if (!expr.ok()) return WriteBadData(res, InvalidParam("query", expr.status().message()));
    double prepare_seconds = SecondsSince(begin);
    // Prometheus refuses these when it creates the query, so the message
    // names the query parameter.
    promql::ValueType type = (*expr)->type();
    if (!instant && type != promql::ValueType::kVector && type != promql::ValueType::kScalar) {
      return WriteBadData(
          res, InvalidParam("query", fmt::format("invalid expression type \"{}\" for range query, "
                                                 "must be Scalar or instant Vector",
                                                 DocumentedType(type))));
    }
    auto evaluate_begin = std::chrono::steady_clock::now();
    auto result = opts_.engine->Evaluate(opts_.storage, **expr, start, end, step, instant, options);
    double evaluate_seconds = SecondsSince(evaluate_begin);
    if (!result.ok()) {
      const Status& s = result.status();
      return WriteError(res, promql::HttpStatusOf(s), promql::ErrorTypeOf(s), s.message());
    }
    // With the query's positions, as Prometheus' annotations.AsStrings.
    const std::string_view query_text = req.Param("query");
    std::vector<std::string> warnings = result->annotations.WarningStrings(query_text);
    if (limit > 0 && Truncate(&result->value, limit)) {
      warnings.push_back("results truncated due to limit");
    }
    QueryStatsJson stats;
    bool want_stats = !req.Param("stats").empty();
    if (want_stats) {
      // The engine times in its clock's milliseconds; the wall time around
      // Evaluate is finer. Prometheus' nesting holds: queue + eval <= total.
      const promql::QueryStats& qs = result->stats;
      double queue = std::min(qs.queue_seconds, evaluate_seconds);
      stats.query_preparation_time = prepare_seconds;
      stats.exec_queue_time = queue;
      stats.eval_total_time = evaluate_seconds - queue;
      stats.inner_eval_time = stats.eval_total_time;
      stats.exec_total_time = prepare_seconds + evaluate_seconds;
      stats.total_queryable_samples = qs.samples_total;
      stats.peak_samples = qs.peak_samples;
    }
    res->Json(200,
              QuerySuccessBody(result->value, warnings, result->annotations.InfoStrings(query_text),
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
  router->Handle(get_post, "/api/v1/format_query", bind(&QueryHandlers::FormatQuery));
  router->Handle(get_post, "/api/v1/query_exemplars", bind(&QueryHandlers::QueryExemplars));
}

}  // namespace vigil::api::query
