// Relabel regexes as Prometheus compiles them: relabel.NewRegexp anchors the
// user's expression as "^(?s:" + regex + ")$" and Go's regexp package
// compiles it. RE2 implements the same syntax; this adds Go's error text
// ("error parsing regexp: missing closing ): `^(?s:abc(def)$`") so that a
// bad config is reported word for word as Prometheus reports it.
//
// Owner: relabel. Thread-safety: pure functions; a compiled RE2 is immutable
// and may be shared between threads.
#pragma once

#include <memory>
#include <string_view>

#include <re2/re2.h>

#include "base/result.h"

namespace vigil::relabel {

// The anchored expression Prometheus compiles for `regex`.
std::string AnchorRelabelRegex(std::string_view regex);

// Compiles AnchorRelabelRegex(regex). Errors are Go's regexp/syntax
// messages, with the anchored expression (or the offending part of it) in
// backquotes, as Go prints them.
Result<std::unique_ptr<RE2>> CompileRelabelRegex(std::string_view regex);

}  // namespace vigil::relabel
