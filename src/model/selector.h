// Parsing series selectors: the `metric{label="value", ...}` part of PromQL
// that the HTTP API takes in match[] parameters.
//
// Accepts what Prometheus 3 accepts in a vector selector: an optional metric
// name (an identifier with colons, e.g. job:rate5m), then optional braces
// holding matchers separated by commas (a trailing comma is fine). A label
// name is an identifier or, for UTF-8 names, a quoted string; a quoted string
// on its own inside the braces is the metric name ({"my.metric", a="b"}).
// Values are string literals in double quotes, single quotes (both with Go
// escapes) or backticks (raw). At least one matcher must not match the empty
// string, and the metric name may be given only once.
//
// Errors read like Prometheus' ("1:7: parse error: unexpected end of input
// inside braces"), positions being line:column of the byte where it occurred.
//
// The PromQL parser (src/query/promql) has its own lexer; this one exists so
// that the storage-facing APIs need no query engine.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "model/matcher.h"

namespace vigil::model {

Result<std::vector<Matcher>> ParseSelector(std::string_view text);

// Unquotes a PromQL string literal including its quotes ("...", '...', `...`)
// with UnquotePromString (base/strconv.h), and refuses what a label value
// may not hold: invalid UTF-8, raw or escaped ("invalid UTF-8 in string
// literal"). Any other failure is "invalid escape sequence in string literal".
Result<std::string> UnquoteString(std::string_view literal);

}  // namespace vigil::model
