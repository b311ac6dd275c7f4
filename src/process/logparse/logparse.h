// Parsers that turn a log line into fields, shared by LogQL's parser stages
// (src/query/logql) and the processing pipeline's parse steps
// (src/process/pipeline), so that `| json` in a query and a `json` step in a
// pipeline extract the same fields.
//
// Field names follow Loki: nested JSON keys are joined with '_'
// (`{"http":{"method":"GET"}}` -> http_method), and every name is made a
// valid Prometheus label name (characters outside [a-zA-Z0-9_] become '_', a
// leading digit gets a '_' prefix). Values are strings: JSON strings
// unescaped, numbers and booleans as written; null and arrays are skipped
// (as Loki 3's json parser does without expressions). As Loki 3, U+FFFD and
// invalid UTF-8 in parsed json/logfmt values become spaces.
//
// A parser that fails on a line returns an error Status; LogQL turns that
// into the __error__="JSONParserErr" label (or LogfmtParserErr, ...), the
// pipeline counts it. Fields parsed before the error are kept in `out`.
//
// Thread-safety: functions are pure; compiled parsers (RegexpParser,
// PatternParser, Template) are immutable after Make and may be shared.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"
#include "base/status.h"

namespace vigil::logparse {

using Fields = std::vector<std::pair<std::string, std::string>>;

// Valid label name as above ("" -> "_"). As Loki's sanitizeLabelKey:
// surrounding spaces are trimmed first, and each invalid character (a whole
// UTF-8 sequence counts as one) becomes one '_'.
std::string SanitizeFieldName(std::string_view name);
// Appends SanitizeFieldName(name) to *out without a temporary.
void AppendSanitizedFieldName(std::string* out, std::string_view name);

// JSON object -> fields (nested objects flattened with '_'). The line must
// be a JSON object ('{' first, leading spaces allowed); anything else is an
// error. A key that appears twice yields two fields in order (the later one
// wins when the caller folds them into labels). Loki's rule of suffixing
// "_extracted" to a name that clashes with a stream label is the caller's
// concern (LogQL does it; the pipeline may not want it).
Status ParseJson(std::string_view line, Fields* out);

// A JSON path expression of LogQL's `json name="path"` form: `a.b[0]`,
// `a["b.c"]`. Extract returns the value at the path (strings unescaped,
// numbers and booleans as written, null as "", objects and arrays as their
// JSON text), or an empty string when absent or when the path crosses a value
// of another type; an error when the line is not a JSON object or is
// malformed before the value. Only the part of the line up to the value is
// scanned, so one Extract per path costs less than ParseJson.
class JsonPath {
 public:
  static Result<std::shared_ptr<const JsonPath>> Make(std::string_view expression);
  virtual ~JsonPath() = default;
  virtual Result<std::string> Extract(std::string_view line) const = 0;
};

// logfmt (key=value key="quoted value" flag) -> fields. A bare key has value "".
// Syntax as go-logfmt: keys are runs of bytes above ' ' without '=' or '"';
// quoted values take JSON-style escapes (\" \\ \n \t \uXXXX ...); an
// unquoted value may not contain '=' or '"'. A malformed token is skipped
// (up to the next space) and parsing goes on; the Status then reports the
// first syntax error. Keys are sanitized (SanitizeFieldName).
Status ParseLogfmt(std::string_view line, Fields* out);

// LogQL's `| logfmt --strict --keep-empty` flags. Loki's defaults are
// strict=false, keep_empty=false, and without --strict Loki ignores syntax
// errors (the caller ignores the Status); ParseLogfmt(line, out) above is
// {strict=false, keep_empty=true}.
struct LogfmtOptions {
  bool strict = false;     // stop at the first syntax error
  bool keep_empty = true;  // keep bare keys and `k=` as "" (else drop them)
};
Status ParseLogfmt(std::string_view line, Fields* out, const LogfmtOptions& options);

// RE2 with named groups: every named group becomes a field (unmatched: no
// fields, Status NotFound "no match"; a group that did not take part in the
// match gives ""). Search is unanchored and leftmost-first, as Go's
// FindSubmatch. Make fails when there is no named group, on a duplicate name
// or on a name that is not a valid label name.
class RegexpParser {
 public:
  static Result<std::shared_ptr<const RegexpParser>> Make(std::string_view pattern);
  virtual ~RegexpParser() = default;
  virtual Status Parse(std::string_view line, Fields* out) const = 0;
};

// LogQL's pattern parser: `<ip> - - [<ts>] "<method> <path> <_>" <status>`.
// Named captures <name>, <_> skips; literals between them must match.
// As Loki: a leading literal must be a prefix of the line; each capture
// takes text up to the next occurrence of the literal after it; when that
// literal is missing the capture takes the rest of the line and matching
// stops (a partial match is OK); a trailing literal need not end the line.
// No capture at all gives Status NotFound "no match". Make rejects patterns
// without a named capture, with two adjacent captures or a repeated name.
class PatternParser {
 public:
  static Result<std::shared_ptr<const PatternParser>> Make(std::string_view pattern);
  virtual ~PatternParser() = default;
  virtual Status Parse(std::string_view line, Fields* out) const = 0;
};

// nginx / Apache "combined" access log -> remote_addr, remote_user,
// time_local, method, path, protocol, status, body_bytes_sent, http_referer,
// http_user_agent. (Apache's "common" format, without the last two, too.)
// Values as written ("-" stays "-"; quoted fields keep backslash escapes);
// a request that is not "METHOD PATH PROTOCOL" gives what can be told apart
// (empty strings for the rest). Text after the user agent is ignored.
Status ParseCombinedAccessLog(std::string_view line, Fields* out);

// LogQL `unpack`: a JSON object whose string fields become fields, and whose
// "_entry" key (Promtail's pack stage) replaces the line. Non-string values
// are skipped. *new_line is the unescaped "_entry", or a copy of line when
// there is none.
Status Unpack(std::string_view line, Fields* out, std::string* new_line);

// Go text/template subset used by LogQL's line_format and label_format:
// {{.label}}, {{ .label | upper }}, pipelines, {{if}}/{{else}}/{{end}},
// {{range}} is not supported. Functions: Loki's string functions (ToLower,
// ToUpper, lower, upper, title, trim, trimAll, trimLeft, trimRight,
// trimPrefix, trimSuffix, replace, substr, trunc, contains, hasPrefix,
// hasSuffix, indent, nindent, repeat, regexReplaceAll, regexReplaceAllLiteral,
// printf, default, count, unixEpoch, toDate, date, __line__, __timestamp__,
// add, sub, mul, div, mod, ...). Unknown functions fail Make.
//
// As Loki runs it: missingkey=zero (an absent label prints ""), labels are
// strings, `.` is the label map. Supported: text, {{- -}} trimming,
// comments, pipelines, parenthesized pipelines, string/raw/char/number/bool
// literals, $variables (:= and =), if/else if/else/end. Not supported (Make
// fails): range, with, define, template, block, break, continue. Functions:
// Go's and/or/not/eq/ne/lt/le/gt/ge/len/index/print/printf/println/html/
// urlquery; Loki's __line__, __timestamp__, ToLower, ToUpper, Replace, Trim,
// TrimLeft, TrimRight, TrimPrefix, TrimSuffix, TrimSpace, regexReplaceAll,
// regexReplaceAllLiteral, count (regexp matches), urlencode, urldecode,
// b64enc, b64dec, alignLeft, alignRight, unixEpoch, unixEpochMillis,
// unixEpochNanos, unixToTime; sprig's lower, upper, title, trunc, substr,
// replace, trim, trimAll, trimPrefix, trimSuffix, contains, hasPrefix,
// hasSuffix, indent, nindent, repeat, default, add, add1, sub, mul, div, mod,
// max, min, addf, subf, mulf, divf, maxf, minf, ceil, floor, round, int,
// int64, float64, date, toDate, toDateInZone, now. Times are UTC (zones
// print as "UTC"; toDateInZone reads any zone as UTC). upper/lower map
// ASCII, Latin-1, Latin Extended-A, Greek and Cyrillic; other runes pass.
// Execute errors (wrong argument types, division by zero, bad regexp,
// output over 1 MiB) are a Status (LogQL: __error__="TemplateFormatErr").
class Template {
 public:
  struct Context {
    const Fields* labels = nullptr;  // current labels (name -> value), looked up by .name
    std::string_view line;           // __line__
    int64_t time_ns = 0;             // __timestamp__
  };
  static Result<std::shared_ptr<const Template>> Make(std::string_view text);
  virtual ~Template() = default;
  virtual Result<std::string> Execute(const Context& ctx) const = 0;
};

}  // namespace vigil::logparse
