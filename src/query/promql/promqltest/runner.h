// promqltest/runner: runs PromQL test scripts against Vigil's parser and
// engine the way Prometheus 3.5's promqltest runs them against its own:
//
//   - data starts at t=0 and one `load` point follows another by its interval;
//   - an instant eval also runs, unless the script excludes it,
//       * as a range query from t-1m to t+1m step 1m whose middle step must
//         give the same result (`range_mode`), and
//       * with `@ <t>` put on every selector and subquery outside subqueries
//         and then evaluated at -10t, 0, t/5, t, 10t (or -1s, 0, 1s when t=0),
//         unless it calls a function whose value depends on the evaluation
//         time (time, timestamp, hour, ...; `at_modifier_variants`); the
//         modified tree is printed (FormatExpr) and parsed again, as upstream
//         does with Expr.String(), so printing is checked too;
//     each variant (range mode included) must give the expected result (or
//     the expected failure);
//   - the engine gets upstream's test settings: 5m lookback, at most 10000
//     samples per query, 100 s timeout, subquery default step 1m (the
//     engine's own default), experimental functions and duration expressions.
//
// Native histograms: Vigil has none, so a case is SKIPPED (never passed)
// when its file is native_histograms.test, when an expected value is a
// histogram `{{...}}`, or when a selector of its query matches a series that
// was loaded with histogram points (including the native histograms a
// `load_with_nhcb` derives from classic ones).
//
// A query that Vigil fails to parse counts as failed, also for eval_fail
// (upstream refuses to even load a script with an unparsable query). A `load`
// the storage refuses counts as one failed case at its line.
//
// Owner: the conformance runner (src/query/promql/promqltest).
// Thread-safety: a Runner runs one script at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "query/promql/engine.h"
#include "query/promql/promqltest/script.h"
#include "query/promql/promqltest/test_db.h"

namespace vigil::promql::promqltest {

struct RunnerOptions {
  StorageKind storage = StorageKind::kMemory;
  bool range_mode = true;
  bool at_modifier_variants = true;
  size_t max_samples = 10000;  // upstream's DefaultMaxSamplesPerQuery
  int64_t lookback_delta_ms = 5 * 60 * 1000;
  int64_t timeout_ms = 100 * 1000;
  // Run (rather than skip) cases whose query selects a series loaded with
  // histogram points; Vigil stores only their float points. For exploring
  // only: such a case passing says little (vigil_promqltest
  // --run-histogram-queries).
  bool run_histogram_queries = false;
  // Files whose cases are all skipped, by base name.
  std::set<std::string> skipped_files = {"native_histograms.test"};
  // Evaluate on two threads, one series per piece of work, so that every
  // selector of two or more series takes the parallel path.
  bool parallel = false;
};

enum class Outcome { kPassed, kFailed, kSkipped };

struct CaseResult {
  int line = 0;
  std::string query;  // the query, or "load" / "script"
  Outcome outcome = Outcome::kPassed;
  std::string detail;  // why it failed or was skipped
};

struct FileResult {
  std::string name;  // as given (the base name of the file)
  std::vector<CaseResult> cases;
  int Count(Outcome o) const;
};

class Runner {
 public:
  explicit Runner(RunnerOptions options);
  ~Runner();
  Runner(const Runner&) = delete;
  Runner& operator=(const Runner&) = delete;

  FileResult RunScript(std::string_view name, std::string_view text);

  const RunnerOptions& options() const { return opts_; }

 private:
  struct FileState;
  CaseResult RunEval(FileState* st, const EvalCmd& cmd, bool skip_file);
  Status RunInstant(FileState* st, const EvalCmd& cmd, Expr* parsed);
  Status RunRange(FileState* st, const EvalCmd& cmd);
  Status CheckInstantVariant(FileState* st, const EvalCmd& cmd, const std::string& query, int64_t t,
                             const std::string& what);

  RunnerOptions opts_;
  std::unique_ptr<Engine> engine_;
};

// The pieces of the above, exposed for tests.
//
// Upstream's atModifierTestCases: "@ ts" on every selector and subquery not
// inside a subquery (a fixed @ stays; @ start() / end() become ts, as
// upstream's printing of the modified tree has it). Returns false if a
// function whose value depends on the evaluation time is called outside
// subqueries (then upstream adds no variants).
bool AddAtModifiers(Expr* root, int64_t ts);
// Whether a selector anywhere in the query (subqueries included) matches one
// of the label sets.
bool SelectsAnyOf(Expr* root, const std::vector<model::Labels>& series);
// Upstream's convertnhcb.GetHistogramMetricBase: the native histogram series
// that load_with_nhcb derives from a classic histogram series, if any.
bool NhcbSeries(const model::Labels& classic, model::Labels* out);

}  // namespace vigil::promql::promqltest
