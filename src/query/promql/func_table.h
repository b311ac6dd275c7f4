// The implementations of PromQL's functions, looked up by name (the
// function table of functions.h says which exist and their types). Owned by
// the engine engineer.
//
// Two shapes, as in Prometheus' functions.go:
//   - instant functions get the instant vectors (or scalars, as one-element
//     vectors) of their arguments at one step and append to an output vector;
//   - range functions get the window of one series at one step, (start, end]
//     of its range vector argument, and produce at most one value.
// label_replace, label_join, info and timestamp() over a selector are
// handled by the evaluator itself (they act on whole series).
//
// Thread-safety: the table is immutable; calls share no state (range
// functions run on the query's pool threads).
#pragma once

#include <span>
#include <string_view>

#include "base/status.h"
#include "query/promql/eval.h"

namespace vigil::promql::eval {

struct InstantCall {
  const Call* call;
  Evaluator* ev;
  int64_t ts;
  std::span<StepVector> args;  // one per argument; string arguments are empty
  StepVector* out;
};
using InstantFn = Status (*)(InstantCall& c);

// Range functions may run on several threads at once (one series each):
// they report findings through `annotations`, never through q.
struct RangeCall {
  const Call* call;
  const QueryState* q;
  Annotations* annotations;
  const model::Labels* metric;
  std::span<const FPoint> points;  // the samples in (range_start, range_end], oldest first
  // How many times a value is below the one before it in points (-1: not
  // counted), so that counter functions can skip looking for resets.
  int64_t counter_resets;
  int64_t ts;  // the evaluation time of this step
  int64_t range_start;
  int64_t range_end;
  int64_t range_ms;
  std::span<const double> scalars;  // the other (scalar) arguments at this step, in order
};
// Sets *has (and *out) when the series has a value at this step.
using RangeFn = Status (*)(const RangeCall& c, double* out, bool* has);

struct FuncImpl {
  InstantFn instant = nullptr;
  RangeFn range = nullptr;
};

// nullptr for unknown names and for the functions the evaluator handles.
const FuncImpl* LookupFuncImpl(std::string_view name);

// Functions whose result depends on the evaluation time even when their
// arguments do not (Prometheus' AtModifierUnsafeFunctions).
bool IsAtModifierUnsafe(std::string_view name);

// Helpers shared by the function files.
double KahanSumInc(double inc, double sum, double* c);
// The q-quantile of values (sorted in place), as Prometheus' quantile().
double Quantile(double q, std::vector<double>* values);

}  // namespace vigil::promql::eval
