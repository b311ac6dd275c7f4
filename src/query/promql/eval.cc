#include "query/promql/eval.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <unordered_map>
#include <utility>

#include "base/task_pool.h"
#include "model/sample.h"
#include "query/promql/eval_util.h"
#include "query/promql/func_table.h"
#include "query/promql/functions.h"

namespace vigil::promql::eval {

// --- LabelsPool ---

LabelsPool::LabelsPool() { empty_ = Intern(model::Labels()); }

const model::Labels* LabelsPool::Find(const model::Labels& labels, uint64_t hash) const {
  auto [lo, hi] = by_hash_.equal_range(hash);
  for (auto it = lo; it != hi; ++it) {
    if (*it->second == labels) return it->second;
  }
  return nullptr;
}

const model::Labels* LabelsPool::Intern(model::Labels&& labels) {
  const uint64_t hash = labels.Hash();
  if (const model::Labels* p = Find(labels, hash)) return p;
  store_.push_back(std::move(labels));
  const model::Labels* p = &store_.back();
  by_hash_.emplace(hash, p);
  return p;
}

const model::Labels* LabelsPool::Intern(const model::Labels& labels) {
  const uint64_t hash = labels.Hash();
  if (const model::Labels* p = Find(labels, hash)) return p;
  store_.push_back(labels);
  const model::Labels* p = &store_.back();
  by_hash_.emplace(hash, p);
  return p;
}

const model::Labels* LabelsPool::InternBorrowed(const model::Labels& labels) {
  const uint64_t hash = labels.Hash();
  if (const model::Labels* p = Find(labels, hash)) return p;
  by_hash_.emplace(hash, &labels);
  return &labels;
}

bool IsMetricNameLabel(std::string_view name) {
  return name == model::kMetricName || name == kTypeLabel || name == kUnitLabel;
}

const model::Labels* LabelsPool::WithoutName(const model::Labels* labels) {
  auto it = without_name_.find(labels);
  if (it != without_name_.end()) return it->second;
  bool has = false;
  for (const model::Label& l : *labels) has = has || IsMetricNameLabel(l.name);
  const model::Labels* r = labels;
  if (has) {
    std::vector<model::Label> kept;
    kept.reserve(labels->size());
    for (const model::Label& l : *labels) {
      if (!IsMetricNameLabel(l.name)) kept.push_back(l);
    }
    r = Intern(model::Labels::FromSorted(std::move(kept)));
  }
  without_name_.emplace(labels, r);
  return r;
}

int64_t TotalPoints(const EvalMatrix& m) {
  int64_t n = 0;
  for (const auto& s : m) n += static_cast<int64_t>(s.points.size());
  return n;
}

void ReleaseMatrix(QueryState* q, EvalMatrix* m) {
  q->ReleaseSamples(TotalPoints(*m));
  m->clear();
  m->shrink_to_fit();
}

Status RequireUniqueLabelsets(const EvalMatrix& m) {
  if (m.size() <= 1) return Status::OK();
  std::unordered_set<const model::Labels*> seen;
  seen.reserve(m.size());
  for (const EvalSeries& s : m) {
    if (!seen.insert(s.metric).second) {
      return Status::FailedPrecondition("vector cannot contain metrics with the same labelset");
    }
  }
  return Status::OK();
}

const Expr& Unparen(const Expr& e) {
  const Expr* p = &e;
  while (p->kind == ExprKind::kParen || p->kind == ExprKind::kStepInvariant) {
    p = p->kind == ExprKind::kParen ? static_cast<const ParenExpr*>(p)->expr.get()
                                    : static_cast<const StepInvariantExpr*>(p)->expr.get();
  }
  return *p;
}

ValueType TypeOfExpr(const Expr& e) { return e.type(); }

const char* DocumentedType(ValueType t) {
  switch (t) {
    case ValueType::kString:
      return "string";
    case ValueType::kScalar:
      return "scalar";
    case ValueType::kVector:
      return "instant vector";
    case ValueType::kMatrix:
      return "range vector";
    case ValueType::kNone:
      break;
  }
  return "none";
}

// --- QueryState ---

QueryState::QueryState(Options opts, const Expr& root) : opts_(std::move(opts)) {
  if (!opts_.clock) opts_.clock = SystemClock();
  MarkStepInvariant(root);
}

Status QueryState::AddSamples(int64_t n, int64_t peak) {
  const int64_t before = current_samples_.fetch_add(n, std::memory_order_relaxed);
  RaisePeak(before + std::max(n, peak));
  if (before + n > opts_.max_samples) {
    return Status::ResourceExhausted(
        "query processing would load too many samples into memory in query execution");
  }
  return Status::OK();
}

void QueryState::RaisePeak(int64_t level) {
  int64_t peak = peak_samples_.load(std::memory_order_relaxed);
  while (level > peak &&
         !peak_samples_.compare_exchange_weak(peak, level, std::memory_order_relaxed)) {
  }
}

void QueryState::SetCurrentSamples(int64_t n) {
  current_samples_.store(n, std::memory_order_relaxed);
  RaisePeak(n);
}

Status QueryState::CheckDeadlineNow() {
  if (opts_.deadline_ms != kMaxTime && opts_.clock() > opts_.deadline_ms) {
    return Status::DeadlineExceeded("query timed out in expression evaluation");
  }
  return Status::OK();
}

Status QueryState::CheckDeadline() {
  if ((++deadline_calls_ & 63) != 0) return Status::OK();
  return CheckDeadlineNow();
}

int64_t QueryState::AtTime(AtModifier at, int64_t at_ms) const {
  switch (at) {
    case AtModifier::kStart:
      return opts_.query_start;
    case AtModifier::kEnd:
      return opts_.query_end;
    default:
      return at_ms;
  }
}

namespace {

// Prometheus' preprocessExprHelper: which subtrees are evaluated once and
// copied to every step. Returns {is step invariant, should be wrapped}.
struct Invariance {
  bool invariant;
  bool wrap;
};

class InvarianceMarker {
 public:
  explicit InvarianceMarker(std::unordered_set<const Expr*>* out) : out_(out) {}

  Invariance Visit(const Expr& e) {
    switch (e.kind) {
      case ExprKind::kVectorSelector: {
        bool at = static_cast<const VectorSelector&>(e).at != AtModifier::kNone;
        return {at, at};
      }
      case ExprKind::kAggregate:
        return Visit(Unparen(*static_cast<const AggregateExpr&>(e).expr));
      case ExprKind::kBinary: {
        const auto& b = static_cast<const BinaryExpr&>(e);
        Invariance l = Visit(*b.lhs);
        Invariance r = Visit(*b.rhs);
        if (l.invariant && r.invariant) return {true, true};
        if (l.wrap) out_->insert(b.lhs.get());
        if (r.wrap) out_->insert(b.rhs.get());
        return {false, false};
      }
      case ExprKind::kCall: {
        const auto& c = static_cast<const Call&>(e);
        bool invariant = c.func == nullptr || !IsAtModifierUnsafe(c.func->name);
        std::vector<bool> wrap(c.args.size());
        for (size_t i = 0; i < c.args.size(); ++i) {
          Invariance a = Visit(Unparen(*c.args[i]));
          invariant = invariant && a.invariant;
          wrap[i] = a.wrap;
        }
        if (invariant) return {true, true};
        for (size_t i = 0; i < c.args.size(); ++i) {
          if (wrap[i]) out_->insert(&Unparen(*c.args[i]));
        }
        return {false, false};
      }
      case ExprKind::kMatrixSelector:
        return {Visit(*static_cast<const MatrixSelector&>(e).selector).invariant, false};
      case ExprKind::kSubquery: {
        const auto& s = static_cast<const SubqueryExpr&>(e);
        if (Visit(*s.expr).invariant) out_->insert(s.expr.get());
        bool at = s.at != AtModifier::kNone;
        return {at, at};
      }
      case ExprKind::kParen:
        return Visit(*static_cast<const ParenExpr&>(e).expr);
      case ExprKind::kUnary:
        return Visit(*static_cast<const UnaryExpr&>(e).expr);
      case ExprKind::kStepInvariant:
        return Visit(*static_cast<const StepInvariantExpr&>(e).expr);
      case ExprKind::kNumber:
      case ExprKind::kString:
        return {true, false};
    }
    return {false, false};
  }

 private:
  std::unordered_set<const Expr*>* out_;
};

}  // namespace

void QueryState::MarkStepInvariant(const Expr& root) {
  InvarianceMarker m(&wrap_);
  if (m.Visit(root).wrap) wrap_.insert(&root);
}

// --- SeriesWorker ---

namespace {
// Samples a worker counts before it tells the query: large enough that two
// threads rarely touch the shared counters, small next to any useful limit.
constexpr int64_t kWorkerBatchSamples = 4096;
// Tasks per round of parallel work: series are selected (and handed to a
// streaming consumer) a round at a time, which bounds the iterators and
// outputs alive at once (4096 series with the default 32 per task).
constexpr size_t kTasksPerRound = 128;
}  // namespace

Status SeriesWorker::AddSamples(int64_t n) {
  pending_ += n;
  if (pending_ > pending_peak_) pending_peak_ = pending_;
  if (pending_ >= kWorkerBatchSamples ||
      q_->current_samples() + pending_ > q_->opts().max_samples) {
    return Flush();
  }
  return Status::OK();
}

Status SeriesWorker::Flush() {
  Status st = Status::OK();
  if (pending_ != 0 || pending_peak_ != 0) st = q_->AddSamples(pending_, pending_peak_);
  if (loaded_ != 0) q_->CountLoaded(loaded_);
  pending_ = 0;
  pending_peak_ = 0;
  loaded_ = 0;
  return st;
}

Status SeriesWorker::CheckDeadline() {
  if ((++deadline_calls_ & 63) != 0) return Status::OK();
  return q_->CheckDeadlineNow();
}

// --- Cursors over series iterators ---

namespace {

// Finds, for non-decreasing reference times, the newest sample at or before
// the reference time within the lookback window (ref - lookback, ref].
class LookbackCursor {
 public:
  explicit LookbackCursor(storage::SeriesIterator* it) : it_(it) {}

  // Sets *found when there is a sample (not a staleness marker) in range.
  Status At(int64_t ref, int64_t lookback, int64_t* t, double* v, bool* found) {
    *found = false;
    int64_t lo = ref - lookback;  // exclusive
    if (!started_) {
      started_ = true;
      has_cur_ = it_->Seek(lo + 1);
      if (has_cur_) Load();
    } else if (has_cur_ && cur_t_ <= lo) {
      // Everything before the window is of no use: skip it (whole chunks).
      has_cur_ = it_->Seek(lo + 1);
      if (has_cur_) Load();
    }
    while (has_cur_ && cur_t_ <= ref) {
      prev_t_ = cur_t_;
      prev_v_ = cur_v_;
      has_prev_ = true;
      has_cur_ = it_->Next();
      if (has_cur_) Load();
    }
    if (!has_cur_) VIGIL_RETURN_IF_ERROR(it_->status());
    if (has_prev_ && prev_t_ > lo && prev_t_ <= ref && !model::IsStaleNaN(prev_v_)) {
      *t = prev_t_;
      *v = prev_v_;
      *found = true;
    }
    return Status::OK();
  }

 private:
  void Load() {
    cur_t_ = it_->t();
    cur_v_ = it_->v();
  }

  storage::SeriesIterator* it_;
  bool started_ = false;
  bool has_cur_ = false;
  int64_t cur_t_ = 0;
  double cur_v_ = 0;
  bool has_prev_ = false;
  int64_t prev_t_ = 0;
  double prev_v_ = 0;
};

// The samples of one series in a window (mint, maxt] that slides forward:
// points leaving the window are dropped, new ones read from the iterator.
// Staleness markers are skipped. Loaded points count as held samples. With
// track_resets it also counts the counter resets between consecutive points,
// so rate() need not look for them in windows that have none.
class RangeWindow {
 public:
  // Uses the worker's scratch buffers (cleared here).
  RangeWindow(storage::SeriesIterator* it, SeriesWorker* w, bool track_resets)
      : it_(it), w_(w), buf_(w->window), resets_(w->window_resets), track_resets_(track_resets) {
    buf_.clear();
    resets_.clear();
  }
  ~RangeWindow() { w_->ReleaseSamples(static_cast<int64_t>(buf_.size() - head_)); }

  Status Advance(int64_t mint, int64_t maxt) {
    size_t drop = head_;
    while (head_ < buf_.size() && buf_[head_].t <= mint) ++head_;
    w_->ReleaseSamples(static_cast<int64_t>(head_ - drop));
    if (head_ == buf_.size()) {
      buf_.clear();
      resets_.clear();
      head_ = 0;
    } else if (head_ > 64 && head_ * 2 > buf_.size()) {
      buf_.erase(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(head_));
      if (track_resets_) {
        resets_.erase(resets_.begin(), resets_.begin() + static_cast<std::ptrdiff_t>(head_));
      }
      head_ = 0;
    }
    if (!started_) {
      started_ = true;
      has_cur_ = it_->Seek(mint + 1);
      if (has_cur_) Load();
    } else if (has_cur_ && cur_t_ <= mint) {
      has_cur_ = it_->Seek(mint + 1);
      if (has_cur_) Load();
    }
    int64_t added = 0;
    while (has_cur_ && cur_t_ <= maxt) {
      if (cur_t_ > mint && !model::IsStaleNaN(cur_v_)) {
        if (track_resets_) {
          resets_.push_back(buf_.empty() ? 0 : resets_.back() + (cur_v_ < buf_.back().f ? 1 : 0));
        }
        buf_.push_back(FPoint{cur_t_, cur_v_});
        ++added;
      }
      has_cur_ = it_->Next();
      if (has_cur_) Load();
    }
    if (!has_cur_) VIGIL_RETURN_IF_ERROR(it_->status());
    return added == 0 ? Status::OK() : w_->AddSamples(added);
  }

  std::span<const FPoint> points() const { return {buf_.data() + head_, buf_.size() - head_}; }
  // Counter resets between consecutive points of the window; -1 if not tracked.
  int64_t resets() const {
    if (!track_resets_) return -1;
    if (buf_.size() - head_ < 2) return 0;
    return static_cast<int64_t>(resets_.back() - resets_[head_]);
  }

 private:
  void Load() {
    cur_t_ = it_->t();
    cur_v_ = it_->v();
  }

  storage::SeriesIterator* it_;
  SeriesWorker* w_;
  std::vector<FPoint>& buf_;
  std::vector<uint32_t>& resets_;
  const bool track_resets_;
  size_t head_ = 0;
  bool started_ = false;
  bool has_cur_ = false;
  int64_t cur_t_ = 0;
  double cur_v_ = 0;
};

// A SeriesIterator over points in memory (a subquery's result).
class PointsIterator final : public storage::SeriesIterator {
 public:
  explicit PointsIterator(std::span<const FPoint> points) : points_(points) {}
  bool Next() override {
    if (started_) {
      if (pos_ < points_.size()) ++pos_;
    } else {
      started_ = true;
    }
    return pos_ < points_.size();
  }
  bool Seek(int64_t t) override {
    if (started_ && pos_ < points_.size() && points_[pos_].t >= t) return true;
    started_ = true;
    auto it = std::lower_bound(points_.begin() + static_cast<std::ptrdiff_t>(pos_), points_.end(),
                               t, [](const FPoint& p, int64_t b) { return p.t < b; });
    pos_ = static_cast<size_t>(it - points_.begin());
    return pos_ < points_.size();
  }
  int64_t t() const override { return points_[pos_].t; }
  double v() const override { return points_[pos_].f; }

 private:
  std::span<const FPoint> points_;
  size_t pos_ = 0;
  bool started_ = false;
};

}  // namespace

// --- Evaluator ---

Status Evaluator::Eval(const Expr& e, EvalValue* out) {
  VIGIL_RETURN_IF_ERROR(q_->CheckDeadline());
  out->matrix.clear();
  out->is_string = false;
  if (end_ < start_) return Status::OK();
  if (!instant() && q_->WrapStepInvariant(&e)) return EvalStepInvariant(e, out);
  switch (e.kind) {
    case ExprKind::kNumber:
      return EvalNumber(static_cast<const NumberLiteral&>(e).value, out);
    case ExprKind::kString:
      out->is_string = true;
      out->str = static_cast<const StringLiteral&>(e).value;
      return Status::OK();
    case ExprKind::kVectorSelector:
      return EvalVectorSelector(static_cast<const VectorSelector&>(e), out);
    case ExprKind::kMatrixSelector:
      return EvalMatrixSelector(static_cast<const MatrixSelector&>(e), out);
    case ExprKind::kSubquery:
      return EvalSubquery(static_cast<const SubqueryExpr&>(e), out);
    case ExprKind::kCall:
      return EvalCall(static_cast<const Call&>(e), out);
    case ExprKind::kAggregate:
      return EvalAggregate(static_cast<const AggregateExpr&>(e), out);
    case ExprKind::kBinary:
      return EvalBinary(static_cast<const BinaryExpr&>(e), out);
    case ExprKind::kUnary:
      return EvalUnary(static_cast<const UnaryExpr&>(e), out);
    case ExprKind::kParen:
      return Eval(*static_cast<const ParenExpr&>(e).expr, out);
    case ExprKind::kStepInvariant:
      return Eval(*static_cast<const StepInvariantExpr&>(e).expr, out);
  }
  return Status::Internal("unhandled expression kind");
}

Status Evaluator::EvalStepInvariant(const Expr& e, EvalValue* out) {
  Evaluator once(q_, start_, start_, interval_);
  VIGIL_RETURN_IF_ERROR(once.Eval(e, out));
  if (out->is_string) return Status::OK();
  const Expr& inner = Unparen(e);
  if (inner.kind == ExprKind::kMatrixSelector || inner.kind == ExprKind::kSubquery) {
    // A range vector's points have their own timestamps: nothing to copy.
    return Status::OK();
  }
  size_t steps = num_steps();
  for (EvalSeries& s : out->matrix) {
    if (s.points.size() != 1) return Status::Internal("unexpected number of samples");
    double f = s.points[0].f;
    s.points.reserve(steps);
    for (int64_t ts = start_ + interval_; ts <= end_; ts += interval_) {
      s.points.push_back(FPoint{ts, f});
    }
    VIGIL_RETURN_IF_ERROR(q_->AddSamples(static_cast<int64_t>(steps) - 1));
  }
  return Status::OK();
}

Status Evaluator::EvalNumber(double v, EvalValue* out) {
  EvalSeries s;
  s.metric = q_->labels().Empty();
  s.points.reserve(num_steps());
  for (int64_t ts = start_; ts <= end_; ts += interval_) s.points.push_back(FPoint{ts, v});
  VIGIL_RETURN_IF_ERROR(q_->AddSamples(static_cast<int64_t>(s.points.size())));
  out->matrix.push_back(std::move(s));
  return Status::OK();
}

storage::SeriesSet* Evaluator::Select(const VectorSelector& vs, int64_t range_ms,
                                      std::string_view func,
                                      std::unique_ptr<storage::SeriesSet>* owned) {
  storage::SelectHints hints;
  int64_t base_start = start_, base_end = end_;
  if (vs.at != AtModifier::kNone) base_start = base_end = q_->AtTime(vs.at, vs.at_ms);
  hints.start =
      base_start - vs.offset_ms - (range_ms > 0 ? range_ms - 1 : q_->opts().lookback_ms - 1);
  hints.end = base_end - vs.offset_ms;
  hints.step = interval_;
  hints.range = range_ms;
  hints.func = std::string(func);
  std::unique_ptr<storage::SeriesSet> set = q_->opts().querier->Select(false, &hints, vs.matchers);
  storage::SeriesSet* p = set.get();
  if (set->LabelsOutliveNext()) {
    // The query keeps the set, so the label pool can refer to its labels
    // instead of copying them (for 100k series, tens of MiB and much time).
    q_->KeepAlive(std::move(set));
  } else {
    *owned = std::move(set);
  }
  return p;
}

Status Evaluator::ForEachSeries(const VectorSelector& vs, int64_t range_ms, std::string_view func,
                                const SeriesFn& fn) {
  std::unique_ptr<storage::SeriesSet> owned;
  storage::SeriesSet* set = Select(vs, range_ms, func, &owned);
  const bool borrow = owned == nullptr;
  while (set->Next()) {
    VIGIL_RETURN_IF_ERROR(q_->CheckDeadline());
    const storage::Series& s = set->At();
    const model::Labels* metric =
        borrow ? q_->labels().InternBorrowed(s.labels()) : q_->labels().Intern(s.labels());
    std::unique_ptr<storage::SeriesIterator> it = s.Iterator();
    Status st = fn(metric, it.get());
    if (!st.ok()) return st;
  }
  for (const std::string& w : set->Warnings()) q_->annotations().AddWarning(w);
  Status st = set->status();
  if (!st.ok()) return st.WithContext("expanding series");
  return Status::OK();
}

bool Evaluator::Parallel() const {
  return q_->opts().pool != nullptr && q_->opts().pool->threads() > 0;
}

Status Evaluator::RunParallel(size_t n, const ParallelItemFn& fn, EvalMatrix* out) {
  const size_t per_task = q_->opts().series_per_task;
  const size_t tasks = (n + per_task - 1) / per_task;
  if (!Parallel() || tasks < 2) {
    SeriesWorker w(q_, &q_->annotations());
    for (size_t i = 0; i < n; ++i) {
      Status st = w.CheckDeadline();
      if (st.ok()) st = fn(w, i, out);
      if (!st.ok()) {
        (void)w.Flush();
        return st;
      }
    }
    return w.Flush();
  }
  // Each task has its own output and annotations, joined in task order so
  // that the result does not depend on which thread ran what.
  struct TaskResult {
    EvalMatrix out;
    Annotations annotations;
    Status status;
  };
  TaskPool* pool = q_->opts().pool;
  std::vector<TaskResult> results(tasks);
  std::vector<std::unique_ptr<SeriesWorker>> workers(static_cast<size_t>(pool->threads()) + 1);
  std::atomic<bool> failed{false};
  pool->ParallelFor(tasks, [&](int slot, size_t task) {
    if (failed.load(std::memory_order_relaxed)) return;
    std::unique_ptr<SeriesWorker>& w = workers[static_cast<size_t>(slot)];
    if (w == nullptr) w = std::make_unique<SeriesWorker>(q_, nullptr);
    TaskResult& r = results[task];
    w->set_annotations(&r.annotations);
    Status st = q_->CheckDeadlineNow();
    const size_t end = std::min(n, (task + 1) * per_task);
    for (size_t i = task * per_task; i < end && st.ok(); ++i) st = fn(*w, i, &r.out);
    Status flushed = w->Flush();
    if (st.ok()) st = flushed;
    if (!st.ok()) {
      r.status = st;
      failed.store(true, std::memory_order_relaxed);
    }
  });
  size_t total = out->size();
  for (const TaskResult& r : results) {
    if (!r.status.ok()) return r.status;
    total += r.out.size();
  }
  out->reserve(total);
  for (TaskResult& r : results) {
    for (EvalSeries& s : r.out) out->push_back(std::move(s));
    q_->annotations().Merge(r.annotations);
  }
  return Status::OK();
}

Status Evaluator::SelectParallel(const VectorSelector& vs, int64_t range_ms, std::string_view func,
                                 const ParallelSeriesFn& fn, EvalMatrix* out,
                                 const SeriesBatchFn* sink) {
  const int64_t span = (vs.at != AtModifier::kNone ? 0 : end_ - start_) +
                       (range_ms > 0 ? range_ms : q_->opts().lookback_ms);
  if (!Parallel() || span < q_->opts().min_parallel_span_ms) {
    SeriesWorker w(q_, &q_->annotations());
    Status st = ForEachSeries(
        vs, range_ms, func, [&](const model::Labels* metric, storage::SeriesIterator* it) {
          VIGIL_RETURN_IF_ERROR(fn(w, metric, it, out));
          if (sink != nullptr && out->size() >= kTasksPerRound * q_->opts().series_per_task) {
            VIGIL_RETURN_IF_ERROR(w.Flush());
            return (*sink)(*out);
          }
          return Status::OK();
        });
    Status flushed = w.Flush();
    if (st.ok()) st = flushed;
    if (st.ok() && sink != nullptr && !out->empty()) st = (*sink)(*out);
    return st;
  }
  // Declared before the round's iterators, so it outlives them.
  std::unique_ptr<storage::SeriesSet> owned;
  storage::SeriesSet* set = Select(vs, range_ms, func, &owned);
  const bool borrow = owned == nullptr;
  // Rounds of series: selected (labels interned, iterators made) on this
  // thread, then worked on by every thread of the pool.
  struct Selected {
    const model::Labels* metric;
    std::unique_ptr<storage::SeriesIterator> it;
  };
  std::vector<Selected> round;
  auto run_round = [&]() -> Status {
    Status st = RunParallel(
        round.size(),
        [&](SeriesWorker& w, size_t i, EvalMatrix* o) {
          return fn(w, round[i].metric, round[i].it.get(), o);
        },
        out);
    round.clear();
    if (st.ok() && sink != nullptr && !out->empty()) st = (*sink)(*out);
    return st;
  };
  while (set->Next()) {
    VIGIL_RETURN_IF_ERROR(q_->CheckDeadline());
    const storage::Series& s = set->At();
    round.push_back(
        Selected{borrow ? q_->labels().InternBorrowed(s.labels()) : q_->labels().Intern(s.labels()),
                 s.Iterator()});
    if (round.size() == kTasksPerRound * q_->opts().series_per_task)
      VIGIL_RETURN_IF_ERROR(run_round());
  }
  if (!round.empty()) VIGIL_RETURN_IF_ERROR(run_round());
  for (const std::string& w : set->Warnings()) q_->annotations().AddWarning(w);
  Status st = set->status();
  if (!st.ok()) return st.WithContext("expanding series");
  return Status::OK();
}

Status Evaluator::EvalVectorSelector(const VectorSelector& vs, EvalValue* out,
                                     const SeriesBatchFn* sink) {
  const bool has_at = vs.at != AtModifier::kNone;
  const int64_t at = has_at ? q_->AtTime(vs.at, vs.at_ms) : 0;
  const int64_t lookback = q_->opts().lookback_ms;
  const size_t steps = num_steps();
  auto per_series = [&](SeriesWorker& w, const model::Labels* metric, storage::SeriesIterator* it,
                        EvalMatrix* o) -> Status {
    LookbackCursor cursor(it);
    EvalSeries s;
    s.metric = metric;
    int64_t n = 0;
    for (int64_t ts = start_; ts <= end_; ts += interval_) {
      int64_t ref = (has_at ? at : ts) - vs.offset_ms;
      int64_t t;
      double v;
      bool found;
      VIGIL_RETURN_IF_ERROR(cursor.At(ref, lookback, &t, &v, &found));
      if (!found) continue;
      if (s.points.empty()) s.points.reserve(steps);
      s.points.push_back(FPoint{ts, v});
      ++n;
    }
    if (n == 0) return Status::OK();
    w.CountLoaded(static_cast<uint64_t>(n));
    VIGIL_RETURN_IF_ERROR(w.AddSamples(n));
    o->push_back(std::move(s));
    return Status::OK();
  };
  return SelectParallel(vs, 0, "", per_series, &out->matrix, sink);
}

Status Evaluator::EvalMatrixSelector(const MatrixSelector& ms, EvalValue* out) {
  if (!instant()) return Status::Internal("cannot do range evaluation of matrix selector");
  const VectorSelector& vs = *ms.selector;
  int64_t base = vs.at != AtModifier::kNone ? q_->AtTime(vs.at, vs.at_ms) : start_;
  int64_t maxt = base - vs.offset_ms;
  int64_t mint = maxt - ms.range_ms;
  auto per_series = [&](SeriesWorker& w, const model::Labels* metric, storage::SeriesIterator* it,
                        EvalMatrix* o) -> Status {
    EvalSeries s;
    s.metric = metric;
    if (!it->Seek(mint + 1)) return it->status();
    do {
      if (it->t() > maxt) break;
      if (!model::IsStaleNaN(it->v())) s.points.push_back(FPoint{it->t(), it->v()});
    } while (it->Next());
    VIGIL_RETURN_IF_ERROR(it->status());
    if (s.points.empty()) return Status::OK();
    int64_t n = static_cast<int64_t>(s.points.size());
    w.CountLoaded(static_cast<uint64_t>(n));
    VIGIL_RETURN_IF_ERROR(w.AddSamples(n));
    o->push_back(std::move(s));
    return Status::OK();
  };
  return SelectParallel(vs, ms.range_ms, "", per_series, &out->matrix);
}

Status Evaluator::EvalSubquery(const SubqueryExpr& sq, EvalValue* out) {
  int64_t step = sq.step_ms > 0 ? sq.step_ms : q_->opts().default_subquery_step_ms;
  int64_t base_start = start_, base_end = end_;
  if (sq.at != AtModifier::kNone) base_start = base_end = q_->AtTime(sq.at, sq.at_ms);
  // The first multiple of the step after (start - offset - range), as
  // Prometheus aligns subquery steps to absolute time.
  int64_t from = base_start - sq.offset_ms - sq.range_ms;
  int64_t sub_start = step * (from / step);
  if (sub_start <= from) sub_start += step;
  Evaluator sub(q_, sub_start, base_end - sq.offset_ms, step);
  return sub.Eval(*sq.expr, out);
}

Status Evaluator::EvalUnary(const UnaryExpr& u, EvalValue* out) {
  VIGIL_RETURN_IF_ERROR(Eval(*u.expr, out));
  if (!u.negate) return Status::OK();
  for (EvalSeries& s : out->matrix) {
    s.drop_name = true;
    for (FPoint& p : s.points) p.f = -p.f;
  }
  return Status::OK();
}

// --- rangeEval ---

namespace {

// Join signatures of series for vector matching: series with equal matching
// labels share an ordinal.
class Signatures {
 public:
  explicit Signatures(const VectorMatching& m) : on_(m.on), names_(m.matching_labels) {
    if (!on_) names_.push_back(std::string(model::kMetricName));
    std::sort(names_.begin(), names_.end());
  }

  uint32_t Of(const model::Labels* metric) {
    auto cached = by_metric_.find(metric);
    if (cached != by_metric_.end()) return cached->second;
    key_.clear();
    for (const model::Label& l : *metric) {
      bool listed = std::binary_search(names_.begin(), names_.end(), l.name);
      if (listed != on_) continue;
      key_ += l.name;
      key_.push_back('\xff');
      key_ += l.value;
      key_.push_back('\xff');
    }
    auto [it, inserted] = ordinals_.emplace(key_, static_cast<uint32_t>(ordinals_.size()));
    by_metric_.emplace(metric, it->second);
    return it->second;
  }
  uint32_t size() const { return static_cast<uint32_t>(ordinals_.size()); }

 private:
  bool on_;
  std::vector<std::string> names_;
  std::string key_;
  std::unordered_map<std::string, uint32_t> ordinals_;
  std::unordered_map<const model::Labels*, uint32_t> by_metric_;
};

}  // namespace

Status Evaluator::RangeEval(std::span<const Expr* const> exprs, const VectorMatching* matching,
                            const StepFn& fn, EvalValue* out) {
  std::vector<EvalMatrix> inputs(exprs.size());
  for (size_t i = 0; i < exprs.size(); ++i) {
    if (exprs[i] == nullptr || exprs[i]->type() == ValueType::kString) continue;
    EvalValue v;
    VIGIL_RETURN_IF_ERROR(Eval(*exprs[i], &v));
    inputs[i] = std::move(v.matrix);
  }
  return RangeEvalMatrices(std::move(inputs), matching, fn, out);
}

Status Evaluator::RangeEvalMatrices(std::vector<EvalMatrix> inputs, const VectorMatching* matching,
                                    const StepFn& fn, EvalValue* out) {
  // The inputs are counted already; what they hold is released at the end.
  int64_t input_samples = 0;
  for (const EvalMatrix& m : inputs) input_samples += TotalPoints(m);
  const int64_t original = q_->current_samples() - input_samples;

  std::vector<std::vector<uint32_t>> sigs(inputs.size());
  uint32_t num_sigs = 0;
  if (matching != nullptr) {
    Signatures signatures(*matching);
    for (size_t i = 0; i < inputs.size(); ++i) {
      sigs[i].reserve(inputs[i].size());
      for (const EvalSeries& s : inputs[i]) sigs[i].push_back(signatures.Of(s.metric));
    }
    num_sigs = signatures.size();
  }

  std::vector<StepVector> vectors(inputs.size());
  std::vector<std::vector<size_t>> cursors(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    cursors[i].assign(inputs[i].size(), 0);
    vectors[i].reserve(inputs[i].size());
  }
  StepVector result;
  EvalMatrix& output = out->matrix;
  std::unordered_map<const model::Labels*, size_t> index;  // output series by labels
  std::vector<int64_t> last_ts;
  const size_t steps = num_steps();
  int64_t held = q_->current_samples();

  for (int64_t ts = start_; ts <= end_; ts += interval_) {
    VIGIL_RETURN_IF_ERROR(q_->CheckDeadline());
    q_->SetCurrentSamples(held);
    int64_t gathered = 0;
    for (size_t i = 0; i < inputs.size(); ++i) {
      StepVector& vec = vectors[i];
      vec.clear();
      const EvalMatrix& m = inputs[i];
      for (size_t si = 0; si < m.size(); ++si) {
        size_t& c = cursors[i][si];
        const auto& pts = m[si].points;
        if (c < pts.size() && pts[c].t == ts) {
          vec.push_back(EvalSample{m[si].metric, ts, pts[c].f, m[si].drop_name,
                                   matching != nullptr ? sigs[i][si] : 0});
          ++c;
        }
      }
      gathered += static_cast<int64_t>(vec.size());
    }
    VIGIL_RETURN_IF_ERROR(q_->AddSamples(gathered));
    result.clear();
    VIGIL_RETURN_IF_ERROR(fn(ts, std::span<StepVector>(vectors), num_sigs, &result));
    VIGIL_RETURN_IF_ERROR(q_->AddSamples(static_cast<int64_t>(result.size())));
    held += static_cast<int64_t>(result.size());

    if (instant()) {
      // Keep the function's order (sort(), topk() rely on it).
      output.reserve(result.size());
      for (const EvalSample& s : result) {
        output.push_back(EvalSeries{s.metric, {FPoint{ts, s.f}}, s.drop_name});
      }
      break;
    }
    for (const EvalSample& s : result) {
      auto [it, inserted] = index.emplace(s.metric, output.size());
      if (inserted) {
        output.push_back(EvalSeries{s.metric, {}, s.drop_name});
        output.back().points.reserve(std::min<size_t>(steps, 4096));
        last_ts.push_back(ts);
      } else {
        if (last_ts[it->second] == ts) {
          return Status::FailedPrecondition("vector cannot contain metrics with the same labelset");
        }
        last_ts[it->second] = ts;
      }
      output[it->second].points.push_back(FPoint{ts, s.f});
    }
  }
  for (EvalMatrix& m : inputs) {
    m.clear();
    m.shrink_to_fit();
  }
  q_->SetCurrentSamples(original + TotalPoints(output));
  return Status::OK();
}

// --- Calls ---

namespace {

bool IsRangeArg(const Expr& e) {
  const Expr& u = Unparen(e);
  return u.kind == ExprKind::kMatrixSelector || u.kind == ExprKind::kSubquery;
}

}  // namespace

namespace {

// The node CanStream looks at: e without parentheses, or null if a step
// invariant part (evaluated once, then copied to every step) is in the way.
const Expr* StreamNode(const Expr& e, const QueryState& q, bool instant) {
  const Expr* p = &e;
  for (;;) {
    if (!instant && q.WrapStepInvariant(p)) return nullptr;
    if (p->kind != ExprKind::kParen) return p;
    p = static_cast<const ParenExpr*>(p)->expr.get();
  }
}

// The index of a range function's matrix-selector argument, or -1.
int StreamableRangeArg(const Call& c) {
  if (c.func == nullptr) return -1;
  std::string_view name = c.func->name;
  // absent_over_time looks at all series at once; the others named here are
  // evaluated by their own code.
  if (name == "absent_over_time" || name == "timestamp" || name == "label_replace" ||
      name == "label_join" || name == "info") {
    return -1;
  }
  const FuncImpl* impl = LookupFuncImpl(name);
  if (impl == nullptr || impl->range == nullptr) return -1;
  for (size_t i = 0; i < c.args.size(); ++i) {
    if (IsRangeArg(*c.args[i])) {
      return Unparen(*c.args[i]).kind == ExprKind::kMatrixSelector ? static_cast<int>(i) : -1;
    }
  }
  return -1;
}

}  // namespace

bool Evaluator::CanStream(const Expr& e) const {
  const Expr* p = StreamNode(e, *q_, instant());
  if (p == nullptr) return false;
  if (p->kind == ExprKind::kVectorSelector) return true;
  return p->kind == ExprKind::kCall && StreamableRangeArg(static_cast<const Call&>(*p)) >= 0;
}

Status Evaluator::EvalStreaming(const Expr& e, const SeriesBatchFn& consume) {
  VIGIL_RETURN_IF_ERROR(q_->CheckDeadline());
  const Expr* p = StreamNode(e, *q_, instant());
  EvalValue out;
  if (p != nullptr && p->kind == ExprKind::kVectorSelector) {
    return EvalVectorSelector(static_cast<const VectorSelector&>(*p), &out, &consume);
  }
  if (p != nullptr && p->kind == ExprKind::kCall) {
    const Call& c = static_cast<const Call&>(*p);
    int arg = StreamableRangeArg(c);
    if (arg >= 0) return EvalRangeFunction(c, static_cast<size_t>(arg), &out, &consume);
  }
  return Status::Internal("expression cannot be streamed");
}

Status Evaluator::EvalCall(const Call& c, EvalValue* out) {
  if (c.func == nullptr) return Status::Internal("call without a function");
  std::string_view name = c.func->name;
  if (name == "timestamp" && !c.args.empty()) {
    const Expr& arg = Unparen(*c.args[0]);
    if (arg.kind == ExprKind::kVectorSelector) {
      return EvalTimestampOfSelector(c, static_cast<const VectorSelector&>(arg), out);
    }
  }
  if (name == "label_replace") return EvalLabelReplace(c, out);
  if (name == "label_join") return EvalLabelJoin(c, out);
  if (name == "info") return EvalInfo(c, out);
  if (!instant() && (name == "sort" || name == "sort_desc" || name == "sort_by_label" ||
                     name == "sort_by_label_desc")) {
    q_->annotations().AddWarning(
        "PromQL warning: sort is ineffective for range queries since results are always ordered "
        "by labels",
        c.pos.start);
  }

  const FuncImpl* impl = LookupFuncImpl(name);
  if (impl == nullptr) return Status::Internal(fmt::format("function {} is not implemented", name));
  for (size_t i = 0; i < c.args.size(); ++i) {
    if (IsRangeArg(*c.args[i])) {
      if (impl->range == nullptr) {
        return Status::Internal(fmt::format("function {} takes no range vector", name));
      }
      return EvalRangeFunction(c, i, out);
    }
  }
  if (impl->instant == nullptr) {
    return Status::Internal(fmt::format("function {} needs a range vector", name));
  }
  std::vector<const Expr*> exprs;
  exprs.reserve(c.args.size());
  for (const auto& a : c.args) exprs.push_back(a.get());
  InstantFn fn = impl->instant;
  return RangeEval(
      exprs, nullptr,
      [&](int64_t ts, std::span<StepVector> args, uint32_t, StepVector* result) {
        InstantCall call{&c, this, ts, args, result};
        return fn(call);
      },
      out);
}

Status Evaluator::EvalRangeFunction(const Call& c, size_t matrix_arg, EvalValue* out,
                                    const SeriesBatchFn* sink) {
  std::string_view name = c.func->name;
  RangeFn fn = LookupFuncImpl(name)->range;

  // The other arguments are scalars (a point at every step) or strings.
  std::vector<EvalMatrix> others(c.args.size());
  std::vector<size_t> scalar_args;
  for (size_t i = 0; i < c.args.size(); ++i) {
    if (i == matrix_arg || c.args[i]->type() == ValueType::kString) continue;
    EvalValue v;
    VIGIL_RETURN_IF_ERROR(Eval(*c.args[i], &v));
    if (v.matrix.empty() || v.matrix[0].points.size() != num_steps()) {
      return Status::Internal("scalar argument without a value at every step");
    }
    others[i] = std::move(v.matrix);
    scalar_args.push_back(i);
  }

  const Expr& arg = Unparen(*c.args[matrix_arg]);
  const VectorSelector* vs = nullptr;
  const SubqueryExpr* sq = nullptr;
  int64_t range_ms, offset_ms;
  AtModifier at_mod;
  int64_t at_ms;
  if (arg.kind == ExprKind::kMatrixSelector) {
    const auto& ms = static_cast<const MatrixSelector&>(arg);
    vs = ms.selector.get();
    range_ms = ms.range_ms;
    offset_ms = vs->offset_ms;
    at_mod = vs->at;
    at_ms = vs->at_ms;
  } else {
    sq = &static_cast<const SubqueryExpr&>(arg);
    range_ms = sq->range_ms;
    offset_ms = sq->offset_ms;
    at_mod = sq->at;
    at_ms = sq->at_ms;
  }
  const bool has_at = at_mod != AtModifier::kNone;
  const int64_t at = has_at ? q_->AtTime(at_mod, at_ms) : 0;
  // last_over_time (and first_over_time) act like offset: they keep the name.
  const bool drop_name = name != "last_over_time" && name != "first_over_time";
  const bool counter_check = name == "rate" || name == "increase";
  const size_t steps = num_steps();

  // Runs on pool threads: reads only what is fixed for the whole call.
  auto per_series = [&](SeriesWorker& w, const model::Labels* metric, storage::SeriesIterator* it,
                        EvalMatrix* o) -> Status {
    RangeWindow window(it, &w, counter_check);
    std::vector<double>& scalars = w.scalars;
    scalars.resize(scalar_args.size());
    EvalSeries ss;
    ss.metric = metric;
    ss.drop_name = drop_name;
    size_t step = 0;
    uint64_t loaded = 0;
    int64_t range_start = 0, range_end = 0;
    for (int64_t ts = start_; ts <= end_; ts += interval_, ++step) {
      for (size_t k = 0; k < scalar_args.size(); ++k) {
        scalars[k] = others[scalar_args[k]][0].points[step].f;
      }
      if (step == 0 || !has_at) {
        range_end = (has_at ? at : ts) - offset_ms;
        range_start = range_end - range_ms;
        VIGIL_RETURN_IF_ERROR(window.Advance(range_start, range_end));
      }
      std::span<const FPoint> pts = window.points();
      if (pts.empty()) continue;
      // As Prometheus counts them: every sample of the window at every step.
      loaded += pts.size();
      RangeCall call{.call = &c,
                     .q = q_,
                     .annotations = &w.annotations(),
                     .metric = metric,
                     .points = pts,
                     .counter_resets = window.resets(),
                     .ts = ts,
                     .range_start = range_start,
                     .range_end = range_end,
                     .range_ms = range_ms,
                     .scalars = scalars};
      double v = 0;
      bool has = false;
      VIGIL_RETURN_IF_ERROR(fn(call, &v, &has));
      if (!has) continue;
      if (ss.points.empty()) ss.points.reserve(std::min<size_t>(steps, 4096));
      ss.points.push_back(FPoint{ts, v});
    }
    w.CountLoaded(loaded);
    if (ss.points.empty()) return Status::OK();
    VIGIL_RETURN_IF_ERROR(w.AddSamples(static_cast<int64_t>(ss.points.size())));
    if (counter_check) {
      std::string_view mname = metric->MetricName();
      auto ends = [&](std::string_view suffix) {
        return mname.size() >= suffix.size() &&
               mname.substr(mname.size() - suffix.size()) == suffix;
      };
      if (!mname.empty() && !ends("_total") && !ends("_sum") && !ends("_count") &&
          !ends("_bucket")) {
        w.annotations().AddInfo(
            "PromQL info: metric might not be a counter, name does not end in "
            "_total/_sum/_count/_bucket: " +
                GoQuote(mname),
            c.args[matrix_arg]->pos.start);
      }
    }
    o->push_back(std::move(ss));
    return Status::OK();
  };

  if (vs != nullptr) {
    VIGIL_RETURN_IF_ERROR(SelectParallel(*vs, range_ms, name, per_series, &out->matrix, sink));
  } else {
    // A subquery: evaluate it, then slide windows over its points.
    EvalValue sub;
    VIGIL_RETURN_IF_ERROR(EvalSubquery(*sq, &sub));
    // As in Prometheus, a subquery's series reach the function as plain
    // series: whether their name was to be dropped is forgotten.
    VIGIL_RETURN_IF_ERROR(RunParallel(
        sub.matrix.size(),
        [&](SeriesWorker& w, size_t i, EvalMatrix* o) {
          PointsIterator it(sub.matrix[i].points);
          return per_series(w, sub.matrix[i].metric, &it, o);
        },
        &out->matrix));
    ReleaseMatrix(q_, &sub.matrix);
  }
  for (EvalMatrix& m : others) ReleaseMatrix(q_, &m);

  if (name == "absent_over_time") {
    // One series with 1 at the steps where no input series has a value.
    std::vector<bool> found(steps, false);
    size_t nfound = 0;
    for (const EvalSeries& s : out->matrix) {
      for (const FPoint& p : s.points) {
        size_t k = static_cast<size_t>((p.t - start_) / interval_);
        if (!found[k]) {
          found[k] = true;
          ++nfound;
        }
      }
    }
    ReleaseMatrix(q_, &out->matrix);
    if (nfound == steps) return Status::OK();
    EvalSeries s;
    s.metric = AbsentLabels(arg);
    s.drop_name = true;
    for (size_t k = 0; k < steps; ++k) {
      if (!found[k]) s.points.push_back(FPoint{start_ + static_cast<int64_t>(k) * interval_, 1});
    }
    VIGIL_RETURN_IF_ERROR(q_->AddSamples(static_cast<int64_t>(s.points.size())));
    out->matrix.push_back(std::move(s));
  }
  return Status::OK();
}

const model::Labels* Evaluator::AbsentLabels(const Expr& arg) {
  const Expr& e = Unparen(arg);  // absent((x{a="b"})) is {a="b"} too
  const VectorSelector* vs = nullptr;
  if (e.kind == ExprKind::kVectorSelector) {
    vs = &static_cast<const VectorSelector&>(e);
  } else if (e.kind == ExprKind::kMatrixSelector) {
    vs = static_cast<const MatrixSelector&>(e).selector.get();
  }
  if (vs == nullptr) return q_->labels().Empty();
  // Labels of equality matchers; a name matched twice (or by another
  // matcher type) is left out, as Prometheus does.
  model::LabelsBuilder b;
  std::unordered_set<std::string> has;
  for (const model::Matcher& m : vs->matchers) {
    if (m.name() == model::kMetricName) continue;
    if (m.type() == model::MatchType::kEqual && has.insert(m.name()).second) {
      b.Set(m.name(), m.value());
    } else {
      b.Del(m.name());
    }
  }
  return q_->labels().Intern(b);
}

Status Evaluator::EvalTimestampOfSelector(const Call& c, const VectorSelector& vs, EvalValue* out) {
  (void)c;
  const bool has_at = vs.at != AtModifier::kNone;
  const int64_t at = has_at ? q_->AtTime(vs.at, vs.at_ms) : 0;
  const int64_t lookback = q_->opts().lookback_ms;
  const size_t steps = num_steps();
  return ForEachSeries(vs, 0, "timestamp",
                       [&](const model::Labels* metric, storage::SeriesIterator* it) {
                         LookbackCursor cursor(it);
                         EvalSeries s;
                         s.metric = metric;
                         s.drop_name = true;
                         for (int64_t ts = start_; ts <= end_; ts += interval_) {
                           // Prometheus replaces the selector's offset by the
                           // distance to the @ time here, so with @ the
                           // offset is not applied.
                           int64_t ref = has_at ? at : ts - vs.offset_ms;
                           int64_t t;
                           double v;
                           bool found;
                           VIGIL_RETURN_IF_ERROR(cursor.At(ref, lookback, &t, &v, &found));
                           if (!found) continue;
                           if (s.points.empty()) s.points.reserve(steps);
                           s.points.push_back(FPoint{ts, static_cast<double>(t) / 1000});
                         }
                         if (s.points.empty()) return Status::OK();
                         int64_t n = static_cast<int64_t>(s.points.size());
                         q_->CountLoaded(static_cast<uint64_t>(n));
                         VIGIL_RETURN_IF_ERROR(q_->AddSamples(n));
                         out->matrix.push_back(std::move(s));
                         return Status::OK();
                       });
}

}  // namespace vigil::promql::eval
