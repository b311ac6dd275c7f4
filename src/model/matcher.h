// Matcher: one label matcher of a series selector (=, !=, =~, !~).
//
// Regular expressions have Prometheus' semantics: RE2 syntax, fully anchored
// (the whole value must match), `.` matches newlines. Common shapes are
// answered without running the regex engine: a literal ("foo"), a set of
// literals ("a|b|c"), ".*", ".+" and a literal prefix ("foo.*"), as
// Prometheus' FastRegexMatcher does.
//
// A value that is absent matches as the empty string: {a=""} selects series
// without label a, {a!=""} series that have it.
//
// Thread-safety: immutable after Make; copies share the compiled regex.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "model/labels.h"

namespace re2 {
class RE2;
}

namespace vigil::model {

enum class MatchType { kEqual, kNotEqual, kRegexMatch, kRegexNoMatch };

class Matcher {
 public:
  // Compiles the regex for =~ and !~; an invalid regex is InvalidArgument.
  static Result<Matcher> Make(MatchType type, std::string name, std::string value);
  // For = and != (cannot fail).
  static Matcher Equal(std::string name, std::string value);
  static Matcher NotEqual(std::string name, std::string value);

  MatchType type() const { return type_; }
  const std::string& name() const { return name_; }
  const std::string& value() const { return value_; }

  bool Matches(std::string_view v) const;
  bool MatchesEmpty() const { return matches_empty_; }
  // True for = and =~ (the matcher selects by what a label is, not what it is not).
  bool IsPositive() const { return type_ == MatchType::kEqual || type_ == MatchType::kRegexMatch; }
  // For =~ whose regex is a finite set of literals ("a|b|c" or "a"): the set.
  // Empty when the regex is anything else. Lets an index look values up
  // instead of scanning them.
  const std::vector<std::string>& SetValues() const { return set_; }
  // For =~ "prefix.*" (or a literal prefix of a more complex regex, "" if none).
  const std::string& Prefix() const { return prefix_; }

  // a="b", a!="b", a=~"b", a!~"b" (value escaped as in PromQL strings).
  std::string ToString() const;

 private:
  enum class Fast { kNone, kLiteral, kSet, kAny, kNonEmpty, kPrefixAny };
  Matcher(MatchType type, std::string name, std::string value)
      : type_(type), name_(std::move(name)), value_(std::move(value)) {}
  bool RegexMatches(std::string_view v) const;

  MatchType type_;
  std::string name_;
  std::string value_;
  Fast fast_ = Fast::kNone;
  std::vector<std::string> set_;
  std::string prefix_;
  std::shared_ptr<const re2::RE2> re_;
  bool matches_empty_ = false;
};

// True if every matcher matches the labels (absent labels are "").
bool MatchesAll(const std::vector<Matcher>& matchers, const Labels& labels);

}  // namespace vigil::model
