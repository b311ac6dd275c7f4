// Path globs for the file tailer: glob(3) patterns plus `{a,b}` alternatives
// and `**` (a whole path component matching zero or more directories), as
// Promtail's and Fluent Bit's path settings take them.
//
//  - ExpandGlob lists the existing paths a pattern names (via glob(3) and a
//    directory walk for `**`, not following symlinked directories).
//  - MatchGlob tests a path against a pattern without touching the disk
//    (for exclude patterns): `*` and `?` do not match '/', `[...]` classes
//    (with `!` or `^` negation and ranges), `\` escapes the next character.
//
// Owner: helper "tail". Thread-safety: pure functions, safe from any thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace vigil::logs {

// InvalidArgument for an empty pattern, an unclosed '[' or '{', a stray '}'
// or a trailing '\'.
Status ValidateGlob(std::string_view pattern);

// The alternatives of every `{a,b,...}` group, expanded (nested groups too),
// in order; escapes are kept for glob(3) to interpret.
std::vector<std::string> ExpandBraces(std::string_view pattern);

// Existing paths matching pattern, sorted and unique.
std::vector<std::string> ExpandGlob(std::string_view pattern);

bool MatchGlob(std::string_view pattern, std::string_view path);

}  // namespace vigil::logs
