#include "query/promql/engine.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "base/task_pool.h"
#include "query/promql/eval.h"

namespace vigil::promql {

namespace {

constexpr int64_t kMaxPointsPerSeries = 11000;

// The time range a query reads, as Prometheus' FindMinMaxTime: every
// selector's range widened by lookback or range, offsets, @ and the
// enclosing subqueries' ranges and offsets.
class TimeRangeFinder {
 public:
  TimeRangeFinder(int64_t start, int64_t end, int64_t lookback, int64_t query_start,
                  int64_t query_end)
      : start_(start), end_(end), lookback_(lookback), qs_(query_start), qe_(query_end) {}

  void Visit(const Expr& e) { Walk(e, Subq{}, 0); }
  bool found() const { return found_; }
  int64_t mint() const { return mint_; }
  int64_t maxt() const { return maxt_; }

 private:
  struct Subq {
    int64_t offset = 0;
    int64_t range = 0;
    bool has_ts = false;
    int64_t ts = 0;
  };

  int64_t At(AtModifier at, int64_t ms) const {
    if (at == AtModifier::kStart) return qs_;
    if (at == AtModifier::kEnd) return qe_;
    return ms;
  }

  void Walk(const Expr& e, const Subq& sq, int64_t range) {
    switch (e.kind) {
      case ExprKind::kVectorSelector: {
        const auto& vs = static_cast<const VectorSelector&>(e);
        int64_t s = start_, en = end_;
        if (sq.has_ts) s = en = sq.ts;
        if (vs.at != AtModifier::kNone) {
          s = en = At(vs.at, vs.at_ms);
        } else {
          s -= sq.offset + sq.range;
          en -= sq.offset;
        }
        s -= (range == 0 ? lookback_ : range) - 1;
        s -= vs.offset_ms;
        en -= vs.offset_ms;
        mint_ = found_ ? std::min(mint_, s) : s;
        maxt_ = found_ ? std::max(maxt_, en) : en;
        found_ = true;
        return;
      }
      case ExprKind::kMatrixSelector: {
        const auto& ms = static_cast<const MatrixSelector&>(e);
        Walk(*ms.selector, sq, ms.range_ms);
        return;
      }
      case ExprKind::kSubquery: {
        const auto& s = static_cast<const SubqueryExpr&>(e);
        Subq inner = sq;
        inner.offset += s.offset_ms;
        inner.range += s.range_ms;
        if (s.at != AtModifier::kNone) {
          // @ on a subquery resets what the enclosing ones added.
          inner.offset = s.offset_ms;
          inner.range = s.range_ms;
          inner.has_ts = true;
          inner.ts = At(s.at, s.at_ms);
        }
        Walk(*s.expr, inner, 0);
        return;
      }
      case ExprKind::kCall:
        for (const auto& a : static_cast<const Call&>(e).args) Walk(*a, sq, 0);
        return;
      case ExprKind::kAggregate: {
        const auto& a = static_cast<const AggregateExpr&>(e);
        if (a.param) Walk(*a.param, sq, 0);
        Walk(*a.expr, sq, 0);
        return;
      }
      case ExprKind::kBinary: {
        const auto& b = static_cast<const BinaryExpr&>(e);
        Walk(*b.lhs, sq, 0);
        Walk(*b.rhs, sq, 0);
        return;
      }
      case ExprKind::kUnary:
        Walk(*static_cast<const UnaryExpr&>(e).expr, sq, 0);
        return;
      case ExprKind::kParen:
        Walk(*static_cast<const ParenExpr&>(e).expr, sq, 0);
        return;
      case ExprKind::kStepInvariant:
        Walk(*static_cast<const StepInvariantExpr&>(e).expr, sq, 0);
        return;
      case ExprKind::kNumber:
      case ExprKind::kString:
        return;
    }
  }

  int64_t start_, end_, lookback_, qs_, qe_;
  bool found_ = false;
  int64_t mint_ = 0, maxt_ = 0;
};

double Seconds(int64_t ms) { return static_cast<double>(ms) / 1000; }

}  // namespace

struct Engine::State {
  std::mutex mu;
  std::condition_variable cv;
  size_t running = 0;
  std::unique_ptr<metrics::Registry> own_registry;
  metrics::Gauge* queries = nullptr;
  metrics::Gauge* max_concurrent = nullptr;
  metrics::Counter* samples = nullptr;
  metrics::Histogram* queue_time = nullptr;
  metrics::Histogram* eval_time = nullptr;
  metrics::Family<metrics::Counter>* failures = nullptr;
  std::unique_ptr<TaskPool> pool;
};

Engine::Engine(EngineOptions options)
    : opts_(std::move(options)), state_(std::make_unique<State>()) {
  if (!opts_.clock) opts_.clock = SystemClock();
  if (opts_.max_concurrent == 0) opts_.max_concurrent = 1;
  if (opts_.lookback_delta_ms <= 0) opts_.lookback_delta_ms = 5 * kMinute;
  if (opts_.default_subquery_step_ms <= 0) opts_.default_subquery_step_ms = kMinute;
  if (opts_.max_workers_per_query == 0) {
    opts_.max_workers_per_query = std::max(1u, std::thread::hardware_concurrency());
  }
  if (opts_.max_workers_per_query > 1) {
    state_->pool = std::make_unique<TaskPool>(static_cast<int>(opts_.max_workers_per_query - 1));
  }
  metrics::Registry* reg = opts_.registry;
  if (reg == nullptr) {
    state_->own_registry = std::make_unique<metrics::Registry>();
    reg = state_->own_registry.get();
  }
  state_->queries = reg->NewGauge("vigil_promql_queries",
                                  "PromQL queries being evaluated or waiting for a slot.");
  state_->max_concurrent = reg->NewGauge("vigil_promql_queries_concurrent_max",
                                         "Most PromQL queries evaluated at once.");
  state_->max_concurrent->Set(static_cast<double>(opts_.max_concurrent));
  state_->samples =
      reg->NewCounter("vigil_promql_query_samples_total", "Samples loaded by PromQL queries.");
  auto& durations = reg->HistogramFamily("vigil_promql_query_duration_seconds",
                                         "Time PromQL queries spend, by phase.", {"slice"},
                                         metrics::DefaultLatencyBuckets());
  state_->queue_time = durations.With({"queue_time"});
  state_->eval_time = durations.With({"inner_eval"});
  state_->failures = &reg->CounterFamily("vigil_promql_query_failures_total",
                                         "PromQL queries that failed, by reason.", {"reason"});
}

Engine::~Engine() = default;

Result<QueryResult> Engine::InstantQuery(storage::Queryable* db, std::string_view query,
                                         int64_t ts) {
  Result<ExprPtr> expr = ParseExpr(query, opts_.parse);
  if (!expr.ok()) return expr.status();
  return Evaluate(db, **expr, ts, ts, 0, true);
}

Result<QueryResult> Engine::RangeQuery(storage::Queryable* db, std::string_view query,
                                       int64_t start, int64_t end, int64_t step) {
  if (end < start) return Status::InvalidArgument("end timestamp must not be before start time");
  if (step <= 0) {
    return Status::InvalidArgument(
        "zero or negative query resolution step widths are not accepted. Try a positive integer");
  }
  if ((end - start) / step > kMaxPointsPerSeries) {
    return Status::InvalidArgument(
        "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query "
        "resolution (?step=XX)");
  }
  Result<ExprPtr> expr = ParseExpr(query, opts_.parse);
  if (!expr.ok()) return expr.status();
  return Evaluate(db, **expr, start, end, step, false);
}

Result<QueryResult> Engine::Evaluate(storage::Queryable* db, const Expr& expr, int64_t start,
                                     int64_t end, int64_t step, bool instant) {
  return Evaluate(db, expr, start, end, step, instant, QueryOptions{});
}

Result<QueryResult> Engine::Evaluate(storage::Queryable* db, const Expr& expr, int64_t start,
                                     int64_t end, int64_t step, bool instant,
                                     const QueryOptions& query_options) {
  const int64_t lookback = query_options.lookback_delta_ms > 0 ? query_options.lookback_delta_ms
                                                               : opts_.lookback_delta_ms;
  int64_t timeout = opts_.timeout_ms;
  if (query_options.timeout_ms > 0 && (timeout <= 0 || query_options.timeout_ms < timeout)) {
    timeout = query_options.timeout_ms;
  }
  if (instant) {
    end = start;
  } else {
    ValueType t = expr.type();
    if (t != ValueType::kVector && t != ValueType::kScalar) {
      return Status::InvalidArgument(fmt::format(
          "invalid expression type \"{}\" for range query, must be Scalar or instant Vector",
          eval::DocumentedType(t)));
    }
    if (end < start) return Status::InvalidArgument("end timestamp must not be before start time");
    if (step <= 0) {
      return Status::InvalidArgument(
          "zero or negative query resolution step widths are not accepted. Try a positive "
          "integer");
    }
    if ((end - start) / step > kMaxPointsPerSeries) {
      return Status::InvalidArgument(
          "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query "
          "resolution (?step=XX)");
    }
  }

  const int64_t arrived = opts_.clock();
  const int64_t deadline = timeout > 0 ? arrived + timeout : kMaxTime;
  state_->queries->Add(1);
  struct Leave {
    State* s;
    ~Leave() { s->queries->Add(-1); }
  } leave{state_.get()};

  // Wait for a slot; the wait counts toward the timeout.
  {
    std::unique_lock<std::mutex> lock(state_->mu);
    while (state_->running >= opts_.max_concurrent) {
      int64_t left = deadline - opts_.clock();
      if (left <= 0) {
        state_->failures->With({"timeout"})->Inc();
        return Status::DeadlineExceeded("query timed out in query queue");
      }
      state_->cv.wait_for(lock, std::chrono::milliseconds(std::min<int64_t>(left, 50)));
    }
    ++state_->running;
  }
  struct Release {
    State* s;
    ~Release() {
      {
        std::lock_guard<std::mutex> lock(s->mu);
        --s->running;
      }
      s->cv.notify_one();
    }
  } release{state_.get()};

  const int64_t began = opts_.clock();
  QueryStats stats;
  stats.queue_seconds = Seconds(began - arrived);
  state_->queue_time->Observe(stats.queue_seconds);

  TimeRangeFinder range(start, end, lookback, start, end);
  range.Visit(expr);
  int64_t mint = range.found() ? range.mint() : 0;
  int64_t maxt = range.found() ? range.maxt() : 0;
  Result<std::unique_ptr<storage::Querier>> querier = db->NewQuerier(mint, maxt);
  if (!querier.ok()) return querier.status();

  eval::QueryState::Options qo;
  qo.querier = querier->get();
  qo.lookback_ms = lookback;
  qo.default_subquery_step_ms = opts_.default_subquery_step_ms;
  qo.max_samples = static_cast<int64_t>(std::min<size_t>(opts_.max_samples, INT64_MAX));
  qo.deadline_ms = deadline;
  qo.clock = opts_.clock;
  qo.query_start = start;
  qo.query_end = end;
  qo.pool = state_->pool.get();
  qo.series_per_task = std::max<size_t>(1, opts_.series_per_parallel_task);
  qo.min_parallel_span_ms = opts_.min_parallel_span_ms;
  eval::QueryState q(std::move(qo), expr);
  eval::Evaluator ev(&q, start, end, instant ? 1 : step);

  auto fail = [&](const Status& s) -> Status {
    const char* reason = s.IsDeadlineExceeded()    ? "timeout"
                         : s.IsResourceExhausted() ? "too_many_samples"
                                                   : "error";
    state_->failures->With({reason})->Inc();
    return s;
  };

  eval::EvalValue v;
  Status st = ev.Eval(expr, &v);
  if (st.ok()) st = q.CheckDeadlineNow();
  if (!st.ok()) return fail(st);

  QueryResult result;
  stats.samples_total = q.total_samples();
  stats.peak_samples = static_cast<uint64_t>(q.peak_samples());
  state_->samples->Inc(static_cast<double>(stats.samples_total));

  if (v.is_string) {
    result.value = String{start, v.str};
  } else {
    // Delayed __name__ removal, then label sets must be unique.
    for (eval::EvalSeries& s : v.matrix) {
      if (s.drop_name) s.metric = q.labels().WithoutName(s.metric);
    }
    st = eval::RequireUniqueLabelsets(v.matrix);
    if (!st.ok()) return fail(st);
    const ValueType type = expr.type();
    if (instant && type == ValueType::kVector) {
      Vector vec;
      vec.reserve(v.matrix.size());
      for (const eval::EvalSeries& s : v.matrix) {
        if (s.points.empty()) continue;
        vec.push_back(Sample{*s.metric, start, s.points[0].f, false});
      }
      result.value = std::move(vec);
    } else if (instant && type == ValueType::kScalar) {
      double f = v.matrix.empty() || v.matrix[0].points.empty() ? 0 : v.matrix[0].points[0].f;
      result.value = Scalar{start, f};
    } else {
      Matrix m;
      m.reserve(v.matrix.size());
      for (eval::EvalSeries& s : v.matrix) {
        m.push_back(Series{*s.metric, std::move(s.points), false});
      }
      std::sort(m.begin(), m.end(),
                [](const Series& a, const Series& b) { return a.metric.Compare(b.metric) < 0; });
      result.value = std::move(m);
    }
  }
  result.annotations = std::move(q.annotations());
  stats.eval_seconds = Seconds(opts_.clock() - began);
  state_->eval_time->Observe(stats.eval_seconds);
  result.stats = stats;
  return result;
}

const char* ErrorTypeOf(const Status& s) {
  switch (s.code()) {
    case Status::Code::kInvalidArgument:
      return "bad_data";
    case Status::Code::kFailedPrecondition:
    case Status::Code::kResourceExhausted:
      return "execution";
    case Status::Code::kDeadlineExceeded:
      return "timeout";
    case Status::Code::kCancelled:
      return "canceled";
    case Status::Code::kUnavailable:
      return "unavailable";
    default:
      return "internal";
  }
}

int HttpStatusOf(const Status& s) {
  switch (s.code()) {
    case Status::Code::kInvalidArgument:
      return 400;
    case Status::Code::kFailedPrecondition:
    case Status::Code::kResourceExhausted:
      return 422;
    case Status::Code::kDeadlineExceeded:
    case Status::Code::kUnavailable:
      return 503;
    case Status::Code::kCancelled:
      return 499;
    default:
      return 500;
  }
}

}  // namespace vigil::promql
