// promqltest/script: a PromQL test script (FORMAT.md) as a list of
// commands, parsed as Prometheus 3.5's promqltest parses it:
//
//   - lines are trimmed; a line starting with '#' counts as an empty line, so
//     a comment ends a load or eval block just as a blank line does;
//   - `load <interval>` / `load_with_nhcb <interval>` then series lines;
//   - `clear`;
//   - `eval[_fail|_warn|_info|_ordered] instant at <time> <query>` and
//     `eval[_fail|_warn|_info] range from <t> to <t> step <d> <query>`, then
//     `expect ...` lines, expected series lines, or a scalar line (which ends
//     the block), or `expected_fail_message` / `expected_fail_regexp` (which
//     end it too, for eval_fail);
//   - `expect fail|warn|info|no_warn|no_info|ordered [msg: text|regex: re]`;
//   - and two later additions of upstream, accepted for Vigil's own tests:
//     `expect string "..."` and `expect range vector from <t> to <t> step <d>`.
//
// The query text is not parsed here: the PromQL parser is under test, so the
// runner parses it and counts a parse error as a failed case.
//
// Owner: the conformance runner (src/query/promql/promqltest).
// Thread-safety: plain values; an Expectation's compiled regex is immutable.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/result.h"
#include "model/labels.h"
#include "query/promql/promqltest/notation.h"

namespace re2 {
class RE2;
}

namespace vigil::promql::promqltest {

struct LoadCmd {
  struct Series {
    model::Labels labels;
    std::vector<SequenceValue> values;  // value i is at i * interval_ms
    int line = 0;
  };
  int line = 0;  // 1-based, as all lines here
  int64_t interval_ms = 0;
  bool with_nhcb = false;
  // In order of first appearance; a series given twice keeps the later values
  // (upstream keys them by label hash).
  std::vector<Series> series;
};

struct ClearCmd {
  int line = 0;
};

enum class ExpectType { kOrdered, kFail, kWarn, kNoWarn, kInfo, kNoInfo };
const char* ExpectTypeName(ExpectType t);

// One `expect` line. Without msg:/regex: it matches any message.
struct Expectation {
  ExpectType type = ExpectType::kFail;
  bool is_regex = false;
  std::string text;                    // the message, or the regex source
  std::shared_ptr<const re2::RE2> re;  // when is_regex; unanchored, as Go's MatchString
  bool Matches(std::string_view message) const;
};

// The expected points of one series (or of the scalar, with empty labels).
struct ExpectedSeries {
  model::Labels labels;
  std::vector<SequenceValue> values;
  int pos = 0;   // 1-based position among the expected lines (for ordered)
  int line = 0;  // where it was written
};

struct EvalCmd {
  int line = 0;
  std::string expr;
  bool is_range = false;
  // Instant: eval_time; start == eval_time, step 0, end kMinTime (upstream's
  // zero time), unless `expect range vector` set start/end/step and moved
  // eval_time to end. Range: start, end, step.
  int64_t eval_time = 0;
  int64_t start = 0;
  int64_t end = 0;
  int64_t step = 0;

  // The deprecated forms.
  bool legacy_fail = false, legacy_warn = false, legacy_info = false, legacy_ordered = false;
  std::string expected_fail_message;                     // exact
  std::shared_ptr<const re2::RE2> expected_fail_regexp;  // unanchored
  std::string expected_fail_regexp_text;

  std::vector<Expectation> expects;

  bool expect_scalar = false;
  // Keyed by labels; the scalar is under empty labels.
  std::map<model::Labels, ExpectedSeries> expected;
  std::optional<std::string> expected_string;
  bool expect_range_vector = false;
  bool exclude_from_range_query = false;
  // An expected value is a native histogram (the runner skips the case).
  bool expects_histogram = false;

  bool IsOrdered() const;
  bool IsFail() const;
  std::vector<const Expectation*> ExpectsOf(ExpectType t) const;
};

using Command = std::variant<LoadCmd, ClearCmd, EvalCmd>;

struct Script {
  std::vector<Command> commands;
};

// Errors name the 1-based line: "line 12: invalid command \"foo\"".
Result<Script> ParseScript(std::string_view text);

}  // namespace vigil::promql::promqltest
