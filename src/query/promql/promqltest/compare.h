// promqltest/compare: checks a query's outcome against an eval command,
// with the rules of Prometheus 3.5's promqltest (compareResult,
// checkAnnotations, checkExpectedFailure):
//
//   values    equal within a relative error of 1e-6 (util/almost.Equal);
//             NaN equals NaN; the stale marker equals only itself
//   vectors   matched by label set; order checked only when the command
//             expects it ("ordered"); every expected series must appear and
//             nothing else
//   matrices  must be sorted by labels; expected value i is at start + i*step
//             ("_" means no point there); point counts and timestamps must match
//   scalars   one value; a scalar result against series lines is a mismatch
//   warnings/infos
//             eval_warn / eval_info: at least one of that kind. `expect warn`
//             lines: each must match one warning and every warning must match
//             one of them (the same for info); `expect no_warn` / `no_info`:
//             none of that kind. Without any of these, annotations are not
//             checked (FORMAT.md: no_warn / no_info must now be explicit).
//   failures  expected_fail_message (exact), expected_fail_regexp and
//             `expect fail regex:` (unanchored search), `expect fail msg:` (exact)
//
// Beyond upstream, CheckResultShape holds the engine to what Prometheus'
// engine always does (upstream's runner need not check it, Vigil's HTTP API
// exposes it): instant vector and scalar results carry the evaluation time;
// no two series of a result share a label set; a matrix has no series
// without points and its points are in increasing time order; a range
// query's points lie on start + k*step within [start, end].
//
// Annotation messages are compared without a trailing " (line:col)"
// position, as upstream compares err.Error() of the annotation.
//
// Each function returns OK or an error whose message says what differs.
//
// Owner: the conformance runner (src/query/promql/promqltest).
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "query/promql/promqltest/script.h"
#include "query/promql/value.h"

namespace vigil::promql::promqltest {

inline constexpr double kDefaultEpsilon = 0.000001;

// Prometheus' util/almost.Equal.
bool AlmostEqual(double a, double b, double epsilon = kDefaultEpsilon);

Status CompareResult(const EvalCmd& cmd, const Value& result);
Status CheckAnnotations(const EvalCmd& cmd, const Annotations& annotations);
// For a command that expects failure and got this error message.
Status CheckExpectedFailure(const EvalCmd& cmd, std::string_view error_message);
// Range query results must come sorted by labels.
Status AssertMatrixSorted(const Matrix& m);
// For an instant query at eval_time (step 0) or a range query.
Status CheckResultShape(const Value& result, int64_t start, int64_t end, int64_t step);

// "PromQL warning: foo (1:5)" -> "PromQL warning: foo".
std::string_view StripAnnotationPosition(std::string_view message);

// Human-readable forms for failure reports.
std::string FormatVector(const Vector& v);
std::string FormatSeries(const Series& s);
std::string FormatValue(const Value& v);

}  // namespace vigil::promql::promqltest
