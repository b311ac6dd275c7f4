// The LogQL syntax tree: what the parser (parser.h) builds and the
// evaluator (engine.cc) and the entry pipeline (pipeline.h) run. Compiled
// parts (regexes, templates, JSON paths, parsers) are built at parse time so
// a tree is ready to evaluate and may be shared.
//
// Owner: helper "logql" (src/query/logql).
// Thread-safety: a tree is immutable after parsing; every compiled member is
// immutable too, so one tree may be evaluated from several threads.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "model/matcher.h"

namespace re2 {
class RE2;
}

namespace vigil::logparse {
class JsonPath;
class RegexpParser;
class PatternParser;
class Template;
}  // namespace vigil::logparse

namespace vigil::logql {

class IpMatcher;    // ip.h
class LinePattern;  // line_pattern.h

enum class LineFilterOp { kContains, kNotContains, kRegex, kNotRegex, kPattern, kNotPattern };

// `|= "a" or "b"`: one stage; a positive filter passes when any alternative
// matches, a negative one when none does.
struct LineFilter {
  LineFilterOp op = LineFilterOp::kContains;
  bool ip = false;  // |= ip("...")
  std::vector<std::string> values;
  std::vector<std::shared_ptr<const re2::RE2>> regexes;      // kRegex / kNotRegex
  std::vector<std::shared_ptr<const LinePattern>> patterns;  // kPattern / kNotPattern
  std::shared_ptr<const IpMatcher> ip_matcher;
};

enum class CmpOp { kEq, kNe, kRe, kNre, kEqEq, kGt, kGe, kLt, kLe };

struct LabelFilterNode {
  enum class Kind { kAnd, kOr, kString, kNumber, kDuration, kBytes, kIp };
  Kind kind = Kind::kString;
  std::shared_ptr<const LabelFilterNode> left, right;  // kAnd / kOr
  std::string name;
  CmpOp op = CmpOp::kEq;
  std::optional<model::Matcher> matcher;        // kString
  double value = 0;                             // kNumber; kDuration in seconds; kBytes
  std::string text;                             // the literal as written (for printing)
  std::shared_ptr<const IpMatcher> ip_matcher;  // kIp
};

// A label named with an optional matcher: `drop a, b="v"`, `keep a`.
struct NamedMatcher {
  std::string name;
  std::optional<model::Matcher> matcher;
};

struct LabelFormatItem {
  std::string dst;
  std::string src;  // rename source, or template text
  bool is_template = false;
  std::shared_ptr<const logparse::Template> tmpl;
};

struct ExtractionParam {
  std::string label;
  std::string expression;  // JSON path / logfmt key
  std::shared_ptr<const logparse::JsonPath> json_path;
};

struct Stage {
  enum class Kind {
    kLineFilter,
    kJson,
    kLogfmt,
    kRegexp,
    kPattern,
    kUnpack,
    kLabelFilter,
    kLineFormat,
    kLabelFormat,
    kDrop,
    kKeep,
    kDecolorize,
  };
  Kind kind = Kind::kLineFilter;
  LineFilter line_filter;
  std::shared_ptr<const LabelFilterNode> label_filter;
  std::vector<ExtractionParam> params;  // json / logfmt with parameters
  bool logfmt_strict = false;
  bool logfmt_keep_empty = false;
  std::string text;  // regexp / pattern / line_format
  std::shared_ptr<const logparse::RegexpParser> regexp;
  std::shared_ptr<const logparse::PatternParser> pattern;
  std::shared_ptr<const logparse::Template> tmpl;
  std::vector<LabelFormatItem> label_formats;
  std::vector<NamedMatcher> names;  // drop / keep
};

struct LogSelector {
  std::vector<model::Matcher> matchers;
  std::vector<Stage> stages;
};

enum class UnwrapConversion { kFloat, kDuration, kDurationSeconds, kBytes };

struct Unwrap {
  std::string label;
  UnwrapConversion conversion = UnwrapConversion::kFloat;
  std::vector<Stage> post_filters;  // label filters after unwrap
};

struct Grouping {
  bool present = false;
  bool without = false;
  std::vector<std::string> labels;
};

enum class RangeOp {
  kCount,
  kRate,
  kRateCounter,
  kBytes,
  kBytesRate,
  kAbsent,
  kSum,
  kAvg,
  kMin,
  kMax,
  kFirst,
  kLast,
  kStddev,
  kStdvar,
  kQuantile,
};

enum class VectorOp {
  kSum,
  kAvg,
  kMin,
  kMax,
  kCount,
  kStddev,
  kStdvar,
  kTopk,
  kBottomk,
  kSort,
  kSortDesc
};

enum class BinOp {
  kOr,
  kAnd,
  kUnless,
  kEq,
  kNe,
  kGt,
  kGe,
  kLt,
  kLe,
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kPow,
};

struct VectorMatching {
  bool on = false;       // on(...) rather than ignoring(...)
  bool present = false;  // on/ignoring given
  std::vector<std::string> labels;
  enum class Card { kOneToOne, kManyToOne, kOneToMany } card = Card::kOneToOne;
  std::vector<std::string> include;  // group_left(...) / group_right(...)
};

struct Expr {
  enum class Kind { kLog, kRangeAgg, kVectorAgg, kBinary, kLiteral, kVector, kLabelReplace };
  Kind kind = Kind::kLog;

  // kLog, and the selection of kRangeAgg.
  LogSelector log;

  // kRangeAgg
  RangeOp range_op = RangeOp::kCount;
  int64_t range_ns = 0;
  int64_t offset_ns = 0;
  std::optional<Unwrap> unwrap;
  double quantile = 0;

  // kRangeAgg / kVectorAgg
  Grouping grouping;

  // kVectorAgg
  VectorOp vector_op = VectorOp::kSum;
  int64_t k = 0;  // topk / bottomk

  // kBinary
  BinOp bin_op = BinOp::kAdd;
  bool return_bool = false;
  VectorMatching matching;

  // kLiteral / kVector
  double value = 0;

  // kLabelReplace
  std::string dst, replacement, src, regex_text;
  std::shared_ptr<const re2::RE2> regex;

  // kVectorAgg / kLabelReplace: child in lhs; kBinary: lhs and rhs.
  std::shared_ptr<const Expr> lhs, rhs;

  bool IsMetric() const { return kind != Kind::kLog; }
};

// The query printed back, as Loki's String() prints it.
std::string Format(const Expr& expr);
std::string FormatStages(const std::vector<Stage>& stages);

const char* RangeOpName(RangeOp op);
const char* VectorOpName(VectorOp op);
const char* BinOpName(BinOp op);

}  // namespace vigil::logql
