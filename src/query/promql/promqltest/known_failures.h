// promqltest/known_failures: the list of conformance cases that are known to
// fail (tests/promql/known_failures.txt), one per line:
//
//   functions.test:123  # why it fails
//
// Blank lines and lines starting with '#' are ignored. The ctest check
// passes iff the failing cases are exactly the listed ones, so the list can
// only shrink: a case that starts passing must be removed (the check says so).
//
// Owner: the conformance runner (src/query/promql/promqltest).
// Thread-safety: pure functions.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace vigil::promql::promqltest {

// Key "file:line" -> reason (may be empty).
using FailureList = std::map<std::string, std::string>;

Result<FailureList> ParseKnownFailures(std::string_view text);
// Sorted by file, then by line number; reasons kept on one line.
std::string FormatKnownFailures(const FailureList& list);

struct FailureDiff {
  std::vector<std::string> unexpected;  // failing but not listed
  std::vector<std::string> fixed;       // listed but not failing (any more)
  bool ok() const { return unexpected.empty() && fixed.empty(); }
};
FailureDiff DiffFailures(const FailureList& listed, const FailureList& failing);

// For --update-known-failures: the failing cases, each keeping its listed
// reason if it had one, else the given one.
FailureList MergeReasons(const FailureList& listed, const FailureList& failing);

}  // namespace vigil::promql::promqltest
