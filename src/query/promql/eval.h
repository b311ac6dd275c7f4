// The PromQL evaluator: the engine's internals (engine.h is the public
// face). Owned by the engine engineer; nothing outside src/query/promql
// includes this header.
//
// Evaluation follows Prometheus 3.5's promql/engine.go: every expression
// node is evaluated once over all steps [start, end] (an instant query is a
// range of one step) into an EvalMatrix, one series per output label set
// with a point per step where it has a value. Selectors stream each storage
// series once through an iterator that only moves forward; functions over
// range vectors slide a window over that iterator; operators and
// aggregations combine their inputs step by step.
//
// Label sets live in a per-query pool that interns them, so a label set is
// one pointer: copying a sample never copies strings, and two series are
// the same series exactly when their pointers are equal.
//
// Every sample held in memory (loaded points, intermediate vectors and
// matrices) is counted against EngineOptions::max_samples, as Prometheus
// counts them.
//
// Selectors and the functions over them do per-series work that does not
// depend on other series: decoding, lookback, sliding windows. With a
// TaskPool in the options, that work is spread over the pool's threads in
// chunks of series (SelectParallel); each thread counts samples and
// collects annotations in its own SeriesWorker, handed to the QueryState in
// batches, so threads share no cache line per sample. Everything else
// (label interning, operators, aggregations) runs on the query's thread.
//
// Thread-safety: one QueryState and its Evaluators belong to one thread;
// during SelectParallel the pool's threads also use the QueryState's
// sample counters and options (atomics and constants), nothing else.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <span>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "base/status.h"
#include "base/time.h"
#include "model/labels.h"
#include "query/promql/ast.h"
#include "query/promql/value.h"
#include "storage/storage.h"

namespace vigil {
class TaskPool;
}

namespace vigil::promql::eval {

// Prometheus 3's type and unit labels (PROM-39) describe the metric name;
// wherever __name__ is dropped they are dropped too.
inline constexpr std::string_view kTypeLabel = "__type__";
inline constexpr std::string_view kUnitLabel = "__unit__";
// __name__, __type__ or __unit__.
bool IsMetricNameLabel(std::string_view name);

// Interned label sets, alive until the query ends.
class LabelsPool {
 public:
  LabelsPool();
  LabelsPool(const LabelsPool&) = delete;
  LabelsPool& operator=(const LabelsPool&) = delete;

  // The pooled copy of labels (the same pointer for equal label sets).
  const model::Labels* Intern(model::Labels&& labels);
  // Copies labels only when the pool does not hold them yet.
  const model::Labels* Intern(const model::Labels& labels);
  // Like Intern, but keeps a reference to labels rather than a copy; the
  // caller keeps labels alive (at their address) as long as the pool.
  const model::Labels* InternBorrowed(const model::Labels& labels);
  const model::Labels* Intern(const model::LabelsBuilder& builder) {
    return Intern(builder.Build());
  }
  const model::Labels* Empty() const { return empty_; }
  // labels without __name__ and the metadata labels that go with it
  // (labels itself if it has none of them).
  const model::Labels* WithoutName(const model::Labels* labels);

 private:
  std::deque<model::Labels> store_;
  const model::Labels* Find(const model::Labels& labels, uint64_t hash) const;

  std::unordered_multimap<uint64_t, const model::Labels*> by_hash_;
  std::unordered_map<const model::Labels*, const model::Labels*> without_name_;
  const model::Labels* empty_;
};

// One series of an evaluated expression: points at step timestamps (or, for
// range vectors, at the samples' own timestamps), in time order.
struct EvalSeries {
  const model::Labels* metric = nullptr;
  std::vector<FPoint> points;
  // __name__ is to be removed at the end of the query (Prometheus 3's
  // delayed name removal).
  bool drop_name = false;
};
using EvalMatrix = std::vector<EvalSeries>;

// One element of an instant vector at one step.
struct EvalSample {
  const model::Labels* metric;
  int64_t t;  // the step's time (or the sample's own time for timestamp())
  double f;
  bool drop_name;
  uint32_t sig;  // the vector-matching signature ordinal (binary operators)
};
using StepVector = std::vector<EvalSample>;

struct EvalValue {
  EvalMatrix matrix;  // scalars are one series with empty labels
  bool is_string = false;
  std::string str;
};

int64_t TotalPoints(const EvalMatrix& m);

// State shared by every evaluator of one query.
class QueryState {
 public:
  struct Options {
    storage::Querier* querier = nullptr;
    int64_t lookback_ms = 5 * kMinute;
    int64_t default_subquery_step_ms = kMinute;
    int64_t max_samples = 50'000'000;
    int64_t deadline_ms = kMaxTime;  // by clock
    Clock clock;
    int64_t query_start = 0;  // for start() and end() in @
    int64_t query_end = 0;
    // Threads that help with per-series work (null: the query's thread only).
    TaskPool* pool = nullptr;
    size_t series_per_task = 32;  // series a pool thread takes at a time
    int64_t min_parallel_span_ms = 0;  // see EngineOptions
  };
  QueryState(Options opts, const Expr& root);

  const Options& opts() const { return opts_; }
  LabelsPool& labels() { return labels_; }
  Annotations& annotations() { return annos_; }

  // Sample accounting.
  Status AddSamples(int64_t n) { return AddSamples(n, n); }
  // n samples more, of which at most `peak` were held at once on top of
  // the current count (a SeriesWorker's batch).
  Status AddSamples(int64_t n, int64_t peak);
  void ReleaseSamples(int64_t n) { current_samples_.fetch_sub(n, std::memory_order_relaxed); }
  int64_t current_samples() const { return current_samples_.load(std::memory_order_relaxed); }
  void SetCurrentSamples(int64_t n);
  int64_t peak_samples() const { return peak_samples_.load(std::memory_order_relaxed); }
  uint64_t total_samples() const { return total_samples_.load(std::memory_order_relaxed); }
  void CountLoaded(uint64_t n) { total_samples_.fetch_add(n, std::memory_order_relaxed); }

  // DeadlineExceeded once the query's time is up (checks the clock every
  // few calls).
  Status CheckDeadline();
  Status CheckDeadlineNow();

  // Whether the node is the highest step-invariant part of its subtree
  // (Prometheus wraps it in a StepInvariantExpr).
  bool WrapStepInvariant(const Expr* e) const { return wrap_.count(e) > 0; }

  // Keeps a selected set alive until the query ends (its labels are
  // interned by reference; see storage::SeriesSet::LabelsOutliveNext).
  void KeepAlive(std::unique_ptr<storage::SeriesSet> set) { kept_sets_.push_back(std::move(set)); }

  // The @ time of a selector or subquery (start()/end() resolved).
  int64_t AtTime(AtModifier at, int64_t at_ms) const;

  // What histogram functions learned about a bucket series: its
  // histogram's labels (without "le") and its upper bound.
  struct BucketInfo {
    const model::Labels* group = nullptr;
    double upper = 0;
    bool ok = false;
  };
  std::unordered_map<const model::Labels*, BucketInfo>& bucket_cache() { return bucket_cache_; }

 private:
  void MarkStepInvariant(const Expr& root);

  void RaisePeak(int64_t level);

  Options opts_;
  // Declared before labels_, so destroyed after it: the pool may hold
  // references into these sets.
  std::vector<std::unique_ptr<storage::SeriesSet>> kept_sets_;
  LabelsPool labels_;
  Annotations annos_;
  std::atomic<int64_t> current_samples_{0};
  std::atomic<int64_t> peak_samples_{0};
  std::atomic<uint64_t> total_samples_{0};
  uint32_t deadline_calls_ = 0;
  std::unordered_set<const Expr*> wrap_;
  std::unordered_map<const model::Labels*, BucketInfo> bucket_cache_;
};

// What one thread keeps while it works on series for a query: its sample
// counts, handed to the QueryState in batches (and whenever the batch would
// take the query over max_samples, so the limit holds exactly on one
// thread), where its annotations go, and scratch space reused from series
// to series.
class SeriesWorker {
 public:
  SeriesWorker(QueryState* q, Annotations* annotations) : q_(q), annotations_(annotations) {}
  SeriesWorker(const SeriesWorker&) = delete;
  SeriesWorker& operator=(const SeriesWorker&) = delete;

  QueryState* query() const { return q_; }
  Status AddSamples(int64_t n);
  void ReleaseSamples(int64_t n) { pending_ -= n; }
  void CountLoaded(uint64_t n) { loaded_ += n; }
  // DeadlineExceeded once the query's time is up (checks every few calls).
  Status CheckDeadline();
  Annotations& annotations() { return *annotations_; }
  void set_annotations(Annotations* a) { annotations_ = a; }
  // Hands the pending counts to the query; fails if it holds too many samples.
  Status Flush();

  // Scratch space for the sliding windows of range functions.
  std::vector<FPoint> window;
  std::vector<uint32_t> window_resets;  // counter resets up to each window point
  std::vector<double> scalars;

 private:
  QueryState* q_;
  Annotations* annotations_;
  int64_t pending_ = 0;
  int64_t pending_peak_ = 0;
  uint64_t loaded_ = 0;
  uint32_t deadline_calls_ = 0;
};

// Evaluates expressions over the steps start, start+interval, ... <= end.
class Evaluator {
 public:
  Evaluator(QueryState* q, int64_t start, int64_t end, int64_t interval)
      : q_(q), start_(start), end_(end), interval_(interval) {}

  Status Eval(const Expr& e, EvalValue* out);

  QueryState* query() const { return q_; }
  int64_t start() const { return start_; }
  int64_t end() const { return end_; }
  int64_t interval() const { return interval_; }
  size_t num_steps() const { return static_cast<size_t>((end_ - start_) / interval_) + 1; }
  bool instant() const { return start_ == end_; }

  // rangeEval: evaluates exprs (strings are skipped), then calls fn once per
  // step with the instant vectors of that step; the results become the
  // output matrix. With matching, every sample carries its signature ordinal
  // (num_sigs tells how many there are).
  using StepFn = std::function<Status(int64_t ts, std::span<StepVector> args, uint32_t num_sigs,
                                      StepVector* out)>;
  Status RangeEval(std::span<const Expr* const> exprs, const VectorMatching* matching,
                   const StepFn& fn, EvalValue* out);
  // The same for matrices already evaluated (consumed).
  Status RangeEvalMatrices(std::vector<EvalMatrix> inputs, const VectorMatching* matching,
                           const StepFn& fn, EvalValue* out);

  // Selects the series of a selector; each is handed to fn with a fresh
  // iterator (series are streamed, never held all at once).
  using SeriesFn = std::function<Status(const model::Labels* metric, storage::SeriesIterator* it)>;
  Status ForEachSeries(const VectorSelector& vs, int64_t range_ms, std::string_view func,
                       const SeriesFn& fn);

  // Runs fn(worker, metric, iterator, out) for every series of a selector.
  // With a pool and enough series, chunks of series go to the pool's
  // threads at once, so fn may touch nothing shared except through its
  // worker (and read-only state). The outputs are concatenated in the
  // selector's series order, whichever thread produced them.
  using ParallelSeriesFn = std::function<Status(SeriesWorker& w, const model::Labels* metric,
                                                storage::SeriesIterator* it, EvalMatrix* out)>;
  // Hands a selector's output, a few thousand series at a time, to a
  // consumer instead of keeping it all: the consumer takes the batch
  // (releases its samples and clears it).
  using SeriesBatchFn = std::function<Status(EvalMatrix& batch)>;
  Status SelectParallel(const VectorSelector& vs, int64_t range_ms, std::string_view func,
                        const ParallelSeriesFn& fn, EvalMatrix* out,
                        const SeriesBatchFn* sink = nullptr);
  // The same for n items already in memory: fn(worker, i, out).
  using ParallelItemFn = std::function<Status(SeriesWorker& w, size_t i, EvalMatrix* out)>;
  Status RunParallel(size_t n, const ParallelItemFn& fn, EvalMatrix* out);

  // Whether e produces its series one by one, each independent of the
  // others (a vector selector, or a range function over a matrix
  // selector), so that EvalStreaming can hand them over in batches.
  bool CanStream(const Expr& e) const;
  // Evaluates e (CanStream(e) must hold) and hands its series to consume in
  // batches, in the order Eval would return them; nothing is kept.
  Status EvalStreaming(const Expr& e, const SeriesBatchFn& consume);

  // The labels absent() and absent_over_time() give their result: those of
  // the argument's equality matchers.
  const model::Labels* AbsentLabels(const Expr& arg);

 private:
  Status EvalVectorSelector(const VectorSelector& vs, EvalValue* out,
                            const SeriesBatchFn* sink = nullptr);
  Status EvalMatrixSelector(const MatrixSelector& ms, EvalValue* out);
  Status EvalSubquery(const SubqueryExpr& sq, EvalValue* out);
  Status EvalStepInvariant(const Expr& e, EvalValue* out);
  Status EvalNumber(double v, EvalValue* out);
  Status EvalUnary(const UnaryExpr& u, EvalValue* out);
  Status EvalBinary(const BinaryExpr& b, EvalValue* out);
  Status EvalAggregate(const AggregateExpr& a, EvalValue* out);
  Status EvalCall(const Call& c, EvalValue* out);
  Status EvalRangeFunction(const Call& c, size_t matrix_arg, EvalValue* out,
                           const SeriesBatchFn* sink = nullptr);
  Status EvalTimestampOfSelector(const Call& c, const VectorSelector& vs, EvalValue* out);
  Status EvalLabelReplace(const Call& c, EvalValue* out);
  Status EvalLabelJoin(const Call& c, EvalValue* out);
  Status EvalInfo(const Call& c, EvalValue* out);
  Status EvalCountValues(const AggregateExpr& a, EvalValue* out);
  bool Parallel() const;
  // Selects vs's series for a selector of range_ms (0: instant) inside
  // func. The set is owned by *owned, or by the query (then *owned stays
  // null) when its labels may be interned by reference.
  storage::SeriesSet* Select(const VectorSelector& vs, int64_t range_ms, std::string_view func,
                             std::unique_ptr<storage::SeriesSet>* owned);

  QueryState* q_;
  int64_t start_;
  int64_t end_;
  int64_t interval_;
};

// The expression without enclosing parentheses.
const Expr& Unparen(const Expr& e);
// The static type of an expression (as the parser checked it).
ValueType TypeOfExpr(const Expr& e);
// Prometheus' "documented" type names: "scalar", "instant vector", ...
const char* DocumentedType(ValueType t);

// Drops the matrix, and its points from the sample count.
void ReleaseMatrix(QueryState* q, EvalMatrix* m);

// Fails with "vector cannot contain metrics with the same labelset" if two
// series have equal labels (pooled labels: equal pointers), at any time, as
// Prometheus' Matrix.ContainsSameLabelset.
Status RequireUniqueLabelsets(const EvalMatrix& m);

}  // namespace vigil::promql::eval
