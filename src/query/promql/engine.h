// The PromQL engine: evaluates parsed queries over any storage::Queryable,
// with Prometheus 3.5's semantics (5m lookback, staleness markers,
// left-open range selectors, rate/increase extrapolation, @ and offset,
// subqueries, delayed __name__ removal) and its limits (timeout, maximum
// samples in memory, concurrent queries, 11,000 points per series).
//
// Errors map to the HTTP API's error types through their Status code:
//   InvalidArgument    -> bad_data (400)   parse errors, bad parameters
//   FailedPrecondition -> execution (422)  evaluation errors ("vector cannot
//                                          contain metrics with the same labelset")
//   ResourceExhausted  -> execution (422)  "query processing would load too
//                                          many samples into memory in query execution"
//   DeadlineExceeded   -> timeout (503)    "query timed out in <where>"
//   Cancelled          -> canceled (499)
//   Unavailable        -> unavailable (503)
//   anything else      -> internal (500)
//
// Thread-safety: an Engine may run many queries concurrently (at most
// max_concurrent at a time; further queries wait, as in Prometheus).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/metrics.h"
#include "base/result.h"
#include "base/time.h"
#include "query/promql/ast.h"
#include "query/promql/parser.h"
#include "query/promql/value.h"
#include "storage/storage.h"

namespace vigil::promql {

struct EngineOptions {
  int64_t lookback_delta_ms = 5 * kMinute;  // --query.lookback-delta
  size_t max_samples = 50'000'000;          // --query.max-samples
  int64_t timeout_ms = 2 * kMinute;         // --query.timeout
  size_t max_concurrent = 20;               // --query.max-concurrency
  // Threads that work on one query's series at once, the query's own
  // included (--query.max-workers-per-query); 0: one per CPU core, 1: the
  // query's thread only. The helper threads are shared by all queries.
  size_t max_workers_per_query = 0;
  // Series per piece of work a helper thread takes (tests set 1 so that
  // every selector with two series runs in parallel).
  size_t series_per_parallel_task = 32;
  // Selectors whose series each cover less time than this (the steps' span
  // plus the range or lookback) stay on the query's thread: handing a
  // series to another core costs about as much as decoding a few dozen
  // samples (tests set 0).
  int64_t min_parallel_span_ms = 30 * kMinute;
  // Parser settings (experimental functions, duration expressions).
  ParseOptions parse;
  // The step of subqueries written without one ("[30m:]"): Prometheus' global
  // evaluation interval.
  int64_t default_subquery_step_ms = kMinute;
  metrics::Registry* registry = nullptr;  // vigil_promql_* metrics; null: private
  Clock clock = SystemClock();            // for timeouts (tests replace it)
};

// Per-query settings, as the HTTP API's timeout and lookback_delta
// parameters give them. Zero takes the engine's option; a per-query timeout
// can only shorten the engine's.
struct QueryOptions {
  int64_t lookback_delta_ms = 0;
  int64_t timeout_ms = 0;
};

struct QueryStats {
  // Samples read, as Prometheus' totalQueryableSamples counts them (a range
  // vector's window is counted again at every step).
  uint64_t samples_total = 0;
  uint64_t peak_samples = 0;  // most samples held in memory at once
  double eval_seconds = 0;
  double queue_seconds = 0;
};

struct QueryResult {
  Value value;              // Vector/Scalar/String for instant queries, Matrix for range
  Annotations annotations;  // warnings and infos
  QueryStats stats;
};

class Engine {
 public:
  explicit Engine(EngineOptions options = {});
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Evaluates query at time ts (ms).
  Result<QueryResult> InstantQuery(storage::Queryable* db, std::string_view query, int64_t ts);
  // Evaluates query at start, start+step, ... <= end (ms). The result is a
  // Matrix (a scalar or vector expression gives one series per output series).
  Result<QueryResult> RangeQuery(storage::Queryable* db, std::string_view query, int64_t start,
                                 int64_t end, int64_t step);
  // The same for an already parsed expression.
  Result<QueryResult> Evaluate(storage::Queryable* db, const Expr& expr, int64_t start, int64_t end,
                               int64_t step, bool instant);
  Result<QueryResult> Evaluate(storage::Queryable* db, const Expr& expr, int64_t start, int64_t end,
                               int64_t step, bool instant, const QueryOptions& query_options);

  const EngineOptions& options() const { return opts_; }

 private:
  struct State;
  EngineOptions opts_;
  std::unique_ptr<State> state_;
};

// The Prometheus API error type for an engine Status: "bad_data",
// "execution", "timeout", "canceled", "unavailable", "internal".
const char* ErrorTypeOf(const Status& s);
int HttpStatusOf(const Status& s);

}  // namespace vigil::promql
