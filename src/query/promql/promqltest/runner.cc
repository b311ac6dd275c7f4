#include "query/promql/promqltest/runner.h"

#include <fmt/format.h>

#include <charconv>
#include <set>

#include "query/promql/functions.h"
#include "query/promql/parser.h"
#include "query/promql/promqltest/compare.h"

namespace vigil::promql::promqltest {

namespace {

constexpr int64_t kRangeModeStep = 60 * 1000;  // upstream: t-1m .. t+1m step 1m

// Functions whose value changes with the evaluation time even when every
// selector has a fixed @ (upstream's promql.AtModifierUnsafeFunctions).
const std::set<std::string_view>& AtModifierUnsafeFunctions() {
  static const std::set<std::string_view> names = {
      "days_in_month", "day_of_month", "day_of_week",    "day_of_year", "hour",      "minute",
      "month",         "year",         "predict_linear", "time",        "timestamp",
  };
  return names;
}

Status Fail(std::string msg) { return Status::FailedPrecondition(msg); }

// Calls f on every node of the tree, parents first. Subqueries' inner
// expressions are visited only if into_subqueries.
template <typename F>
void Walk(Expr* e, bool into_subqueries, const F& f) {
  if (e == nullptr) return;
  if (!f(e)) return;
  switch (e->kind) {
    case ExprKind::kNumber:
    case ExprKind::kString:
    case ExprKind::kVectorSelector:
      break;
    case ExprKind::kMatrixSelector:
      Walk(static_cast<MatrixSelector*>(e)->selector.get(), into_subqueries, f);
      break;
    case ExprKind::kSubquery:
      if (into_subqueries) Walk(static_cast<SubqueryExpr*>(e)->expr.get(), into_subqueries, f);
      break;
    case ExprKind::kCall:
      for (auto& a : static_cast<Call*>(e)->args) Walk(a.get(), into_subqueries, f);
      break;
    case ExprKind::kAggregate: {
      auto* a = static_cast<AggregateExpr*>(e);
      Walk(a->param.get(), into_subqueries, f);
      Walk(a->expr.get(), into_subqueries, f);
      break;
    }
    case ExprKind::kBinary: {
      auto* b = static_cast<BinaryExpr*>(e);
      Walk(b->lhs.get(), into_subqueries, f);
      Walk(b->rhs.get(), into_subqueries, f);
      break;
    }
    case ExprKind::kUnary:
      Walk(static_cast<UnaryExpr*>(e)->expr.get(), into_subqueries, f);
      break;
    case ExprKind::kParen:
      Walk(static_cast<ParenExpr*>(e)->expr.get(), into_subqueries, f);
      break;
    case ExprKind::kStepInvariant:
      Walk(static_cast<StepInvariantExpr*>(e)->expr.get(), into_subqueries, f);
      break;
  }
}

}  // namespace

bool AddAtModifiers(Expr* root, int64_t ts) {
  bool safe = true;
  Walk(root, /*into_subqueries=*/false, [&](Expr* e) {
    switch (e->kind) {
      case ExprKind::kVectorSelector: {
        auto* vs = static_cast<VectorSelector*>(e);
        if (vs->at != AtModifier::kTimestamp) {
          vs->at = AtModifier::kTimestamp;
          vs->at_ms = ts;
        }
        break;
      }
      case ExprKind::kSubquery: {
        auto* sq = static_cast<SubqueryExpr*>(e);
        if (sq->at != AtModifier::kTimestamp) {
          sq->at = AtModifier::kTimestamp;
          sq->at_ms = ts;
        }
        break;
      }
      case ExprKind::kCall: {
        const Function* fn = static_cast<Call*>(e)->func;
        if (fn != nullptr && AtModifierUnsafeFunctions().count(fn->name)) safe = false;
        break;
      }
      default:
        break;
    }
    return true;
  });
  return safe;
}

bool SelectsAnyOf(Expr* root, const std::vector<model::Labels>& series) {
  if (series.empty()) return false;
  bool touches = false;
  Walk(root, /*into_subqueries=*/true, [&](Expr* e) {
    if (e->kind == ExprKind::kVectorSelector) {
      const auto& ms = static_cast<VectorSelector*>(e)->matchers;
      for (const auto& l : series) touches = touches || model::MatchesAll(ms, l);
    }
    return !touches;
  });
  return touches;
}

bool NhcbSeries(const model::Labels& l, model::Labels* out) {
  std::string_view name = l.MetricName();
  for (std::string_view suffix : {"_bucket", "_count", "_sum"}) {
    if (name.size() > suffix.size() && name.substr(name.size() - suffix.size()) == suffix) {
      if (suffix == "_bucket" && !l.Has("le")) return false;
      *out = l.Without("le").With(model::kMetricName, name.substr(0, name.size() - suffix.size()));
      return true;
    }
  }
  return false;
}

namespace {

// "line 12: ..." -> 12.
int LineOf(const Status& s) {
  std::string_view m = s.message();
  if (m.substr(0, 5) != "line ") return 0;
  int line = 0;
  std::from_chars(m.data() + 5, m.data() + m.size(), line);
  return line;
}

std::string Seconds(int64_t ms) {
  if (ms % 1000 == 0) return fmt::format("{}s", ms / 1000);
  return fmt::format("{:.3f}s", static_cast<double>(ms) / 1000);
}

std::string BaseName(std::string_view path) {
  size_t slash = path.rfind('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

}  // namespace

int FileResult::Count(Outcome o) const {
  int n = 0;
  for (const auto& c : cases) n += c.outcome == o;
  return n;
}

struct Runner::FileState {
  std::unique_ptr<TestDb> db;
  std::vector<model::Labels> histogram_series;  // loaded since the last clear
};

Runner::Runner(RunnerOptions options) : opts_(std::move(options)) {
  EngineOptions eo;
  eo.lookback_delta_ms = opts_.lookback_delta_ms;
  eo.max_samples = opts_.max_samples;
  eo.timeout_ms = opts_.timeout_ms;
  eo.parse.experimental_functions = true;
  eo.parse.duration_expressions = true;
  eo.max_workers_per_query = opts_.parallel ? 2 : 1;
  eo.series_per_parallel_task = 1;
  eo.min_parallel_span_ms = 0;
  engine_ = std::make_unique<Engine>(eo);
}

Runner::~Runner() = default;

FileResult Runner::RunScript(std::string_view name, std::string_view text) {
  FileResult res;
  res.name = std::string(name);
  auto script = ParseScript(text);
  if (!script.ok()) {
    res.cases.push_back({LineOf(script.status()), "script", Outcome::kFailed,
                         fmt::format("the script does not parse: {}", script.status().message())});
    return res;
  }
  FileState st;
  auto db = OpenTestDb(opts_.storage);
  if (!db.ok()) {
    res.cases.push_back({0, "storage", Outcome::kFailed, db.status().ToString()});
    return res;
  }
  st.db = std::move(db).value();
  const bool skip_file = opts_.skipped_files.count(BaseName(name)) > 0;

  for (const Command& c : script->commands) {
    if (const auto* load = std::get_if<LoadCmd>(&c)) {
      std::vector<LoadSample> samples;
      for (const auto& s : load->series) {
        bool histogram = false;
        for (size_t i = 0; i < s.values.size(); ++i) {
          const SequenceValue& v = s.values[i];
          if (v.kind == SequenceValue::Kind::kHistogram) histogram = true;
          if (v.kind != SequenceValue::Kind::kFloat) continue;
          samples.push_back({&s.labels, static_cast<int64_t>(i) * load->interval_ms, v.value});
        }
        if (histogram) st.histogram_series.push_back(s.labels);
        model::Labels derived;
        if (load->with_nhcb && NhcbSeries(s.labels, &derived))
          st.histogram_series.push_back(derived);
      }
      Status s = st.db->Append(samples);
      if (!s.ok()) {
        res.cases.push_back(
            {load->line, "load", Outcome::kFailed, fmt::format("load failed: {}", s.message())});
      }
    } else if (std::holds_alternative<ClearCmd>(c)) {
      Status s = st.db->Clear();
      st.histogram_series.clear();
      if (!s.ok()) {
        res.cases.push_back({std::get<ClearCmd>(c).line, "clear", Outcome::kFailed, s.ToString()});
        return res;
      }
    } else {
      res.cases.push_back(RunEval(&st, std::get<EvalCmd>(c), skip_file));
    }
  }
  return res;
}

CaseResult Runner::RunEval(FileState* st, const EvalCmd& cmd, bool skip_file) {
  CaseResult c{cmd.line, cmd.expr, Outcome::kPassed, ""};
  if (skip_file) {
    c.outcome = Outcome::kSkipped;
    c.detail = "native histograms (the whole file is skipped)";
    return c;
  }
  if (cmd.expects_histogram) {
    c.outcome = Outcome::kSkipped;
    c.detail = "native histograms (an expected value is a histogram)";
    return c;
  }
  auto parsed = ParseExpr(cmd.expr, engine_->options().parse);
  if (!parsed.ok()) {
    c.outcome = Outcome::kFailed;
    c.detail =
        fmt::format("Vigil cannot parse a query Prometheus accepts: {}", parsed.status().message());
    return c;
  }
  if (!opts_.run_histogram_queries && SelectsAnyOf(parsed->get(), st->histogram_series)) {
    c.outcome = Outcome::kSkipped;
    c.detail = "native histograms (the query selects a series loaded with histogram points)";
    return c;
  }
  Status s = cmd.is_range ? RunRange(st, cmd) : RunInstant(st, cmd, parsed->get());
  if (!s.ok()) {
    c.outcome = Outcome::kFailed;
    c.detail = s.message();
  }
  return c;
}

Status Runner::RunRange(FileState* st, const EvalCmd& cmd) {
  auto r = engine_->RangeQuery(st->db->queryable(), cmd.expr, cmd.start, cmd.end, cmd.step);
  if (!r.ok()) {
    if (cmd.IsFail()) return CheckExpectedFailure(cmd, r.status().message());
    return Fail(fmt::format("error evaluating query: {}", r.status().message()));
  }
  if (cmd.IsFail()) return Fail("expected an error evaluating the query but got none");
  VIGIL_RETURN_IF_ERROR(CheckAnnotations(cmd, r->annotations));
  VIGIL_RETURN_IF_ERROR(CompareResult(cmd, r->value));
  return CheckResultShape(r->value, cmd.start, cmd.end, cmd.step);
}

// The variants are run as upstream runs them: the modified tree printed
// (FormatExpr, Prometheus' Expr.String()) and parsed again by the engine, so
// they also check that printing a query keeps its meaning.
Status Runner::RunInstant(FileState* st, const EvalCmd& cmd, Expr* parsed) {
  VIGIL_RETURN_IF_ERROR(CheckInstantVariant(st, cmd, cmd.expr, cmd.eval_time, ""));
  if (!opts_.at_modifier_variants) return Status::OK();
  const int64_t ts = cmd.eval_time;
  if (!AddAtModifiers(parsed, ts)) return Status::OK();
  const std::string variant = FormatExpr(*parsed);
  std::vector<int64_t> times = {-10 * ts, 0, ts / 5, ts, 10 * ts};
  if (ts == 0) times = {-1000, 0, 1000};
  for (int64_t t : times) {
    std::string what = fmt::format(" [@ variant evaluated at {}: {}]", Seconds(t), variant);
    VIGIL_RETURN_IF_ERROR(CheckInstantVariant(st, cmd, variant, t, what));
  }
  return Status::OK();
}

Status Runner::CheckInstantVariant(FileState* st, const EvalCmd& cmd, const std::string& query,
                                   int64_t t, const std::string& what) {
  storage::Queryable* db = st->db->queryable();
  auto r = engine_->InstantQuery(db, query, t);
  auto with = [&](const Status& s) {
    return s.ok() ? s : Fail(fmt::format("{}{}", s.message(), what));
  };
  if (!r.ok()) {
    if (cmd.IsFail()) return with(CheckExpectedFailure(cmd, r.status().message()));
    return with(Fail(fmt::format("error evaluating query: {}", r.status().message())));
  }
  if (cmd.IsFail()) return with(Fail("expected an error evaluating the query but got none"));
  VIGIL_RETURN_IF_ERROR(with(CheckAnnotations(cmd, r->annotations)));
  VIGIL_RETURN_IF_ERROR(with(CompareResult(cmd, r->value)));
  VIGIL_RETURN_IF_ERROR(with(CheckResultShape(r->value, t, t, 0)));
  if (cmd.exclude_from_range_query || !opts_.range_mode) return Status::OK();

  // The same query as a range query: its middle step must agree.
  const int64_t start = t - kRangeModeStep, end = t + kRangeModeStep;
  auto rr = engine_->RangeQuery(db, query, start, end, kRangeModeStep);
  if (!rr.ok()) {
    return with(
        Fail(fmt::format("error evaluating query in range mode: {}", rr.status().message())));
  }
  if (cmd.IsOrdered()) return Status::OK();  // range results are sorted by labels
  const auto* mat = std::get_if<Matrix>(&rr->value);
  if (mat == nullptr) return with(Fail("range mode: the range query did not return a matrix"));
  Status sorted = AssertMatrixSorted(*mat);
  if (!sorted.ok()) return with(Fail(fmt::format("range mode: {}", sorted.message())));
  Status shape = CheckResultShape(rr->value, start, end, kRangeModeStep);
  if (!shape.ok()) return with(Fail(fmt::format("range mode: {}", shape.message())));
  Vector vec;
  for (const Series& s : *mat) {
    for (const FPoint& p : s.floats) {
      if (p.t == t) {
        vec.push_back(Sample{s.metric, p.t, p.f, false});
        break;
      }
    }
  }
  Status cmp;
  if (std::holds_alternative<Scalar>(r->value)) {
    if (vec.empty()) return with(Fail("range mode: no point at the evaluation time"));
    cmp = CompareResult(cmd, Scalar{t, vec[0].f});
  } else {
    cmp = CompareResult(cmd, vec);
  }
  if (!cmp.ok()) return with(Fail(fmt::format("range mode: {}", cmp.message())));
  return Status::OK();
}

}  // namespace vigil::promql::promqltest
