#include "model/matcher.h"

#include <re2/re2.h>

#include <algorithm>

#include "base/metrics.h"

namespace vigil::model {

namespace {

bool IsRegexMeta(char c) {
  switch (c) {
    case '\\':
    case '.':
    case '+':
    case '*':
    case '?':
    case '(':
    case ')':
    case '|':
    case '[':
    case ']':
    case '{':
    case '}':
    case '^':
    case '$':
      return true;
    default:
      return false;
  }
}

bool IsLiteral(std::string_view s) { return std::none_of(s.begin(), s.end(), IsRegexMeta); }

// "a|b|c" where every alternative is a literal; empty alternatives allowed.
bool SplitLiteralAlternation(std::string_view s, std::vector<std::string>* out) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == '|') {
      std::string_view part = s.substr(start, i - start);
      if (!IsLiteral(part)) return false;
      parts.emplace_back(part);
      start = i + 1;
    }
  }
  std::sort(parts.begin(), parts.end());
  parts.erase(std::unique(parts.begin(), parts.end()), parts.end());
  *out = std::move(parts);
  return true;
}

// The literal text every match must start with: leading ordinary characters
// and escaped punctuation ("10\\.1" gives "10.1"), stopping before anything
// that could make the last character optional or repeated.
bool HasTopLevelAlternation(std::string_view v) {
  int depth = 0;
  bool in_class = false;
  for (size_t i = 0; i < v.size(); ++i) {
    char c = v[i];
    if (c == '\\') {
      ++i;
    } else if (in_class) {
      if (c == ']') in_class = false;
    } else if (c == '[') {
      in_class = true;
      if (i + 1 < v.size() && v[i + 1] == ']') ++i;  // "[]a]": ']' first is literal
    } else if (c == '(') {
      ++depth;
    } else if (c == ')') {
      --depth;
    } else if (c == '|' && depth == 0) {
      return true;
    }
  }
  return false;
}

std::string LiteralPrefix(std::string_view v) {
  if (HasTopLevelAlternation(v)) return "";
  std::string prefix;
  size_t last_start = 0;  // where the last literal character began in prefix
  size_t i = 0;
  while (i < v.size()) {
    char c = v[i];
    if (c == '\\') {
      if (i + 1 >= v.size()) break;
      char e = v[i + 1];
      bool punct = (e >= '!' && e <= '/') || (e >= ':' && e <= '@') || (e >= '[' && e <= '`') ||
                   (e >= '{' && e <= '~');
      if (!punct) break;  // \d, \w, \Q... are classes or quoting, not literals
      last_start = prefix.size();
      prefix.push_back(e);
      i += 2;
    } else if (IsRegexMeta(c)) {
      break;
    } else {
      last_start = prefix.size();
      prefix.push_back(c);
      ++i;
    }
  }
  if (prefix.empty()) return prefix;
  if (i >= v.size()) return prefix;  // unreachable for non-literals, kept for safety
  char next = v[i];
  // "ab?", "ab*", "ab{0,1}" make the last character optional; "a|b" ends the
  // alternative. Drop the character (or everything, for alternation).
  if (next == '|') return "";
  if (next == '?' || next == '*' || next == '{') prefix.resize(last_start);
  return prefix;
}

}  // namespace

Matcher Matcher::Equal(std::string name, std::string value) {
  Matcher m(MatchType::kEqual, std::move(name), std::move(value));
  m.matches_empty_ = m.value_.empty();
  return m;
}

Matcher Matcher::NotEqual(std::string name, std::string value) {
  Matcher m(MatchType::kNotEqual, std::move(name), std::move(value));
  m.matches_empty_ = !m.value_.empty();
  return m;
}

Result<Matcher> Matcher::Make(MatchType type, std::string name, std::string value) {
  if (type == MatchType::kEqual) return Equal(std::move(name), std::move(value));
  if (type == MatchType::kNotEqual) return NotEqual(std::move(name), std::move(value));

  Matcher m(type, std::move(name), std::move(value));
  RE2::Options opts;
  opts.set_log_errors(false);
  opts.set_dot_nl(true);
  auto re = std::make_shared<RE2>("(?s:" + m.value_ + ")", opts);
  if (!re->ok()) {
    return Status::InvalidArgument("error parsing regexp: " + re->error());
  }
  m.re_ = std::move(re);
  const std::string& v = m.value_;
  if (v == ".*") {
    m.fast_ = Fast::kAny;
  } else if (v == ".+") {
    m.fast_ = Fast::kNonEmpty;
  } else if (IsLiteral(v)) {
    m.fast_ = Fast::kLiteral;
    m.set_ = {v};
  } else if (SplitLiteralAlternation(v, &m.set_)) {
    m.fast_ = Fast::kSet;
  } else if (v.size() > 2 && v.ends_with(".*") &&
             IsLiteral(std::string_view(v).substr(0, v.size() - 2))) {
    m.fast_ = Fast::kPrefixAny;
    m.prefix_ = v.substr(0, v.size() - 2);
  } else {
    m.set_.clear();
    m.prefix_ = LiteralPrefix(v);
  }
  m.matches_empty_ = m.RegexMatches("");
  if (type == MatchType::kRegexNoMatch) m.matches_empty_ = !m.matches_empty_;
  return m;
}

bool Matcher::RegexMatches(std::string_view v) const {
  switch (fast_) {
    case Fast::kAny:
      return true;
    case Fast::kNonEmpty:
      return !v.empty();
    case Fast::kLiteral:
      return v == value_;
    case Fast::kSet:
      return std::binary_search(set_.begin(), set_.end(), v);
    case Fast::kPrefixAny:
      return v.starts_with(prefix_);
    case Fast::kNone:
      break;
  }
  if (!prefix_.empty() && !v.starts_with(prefix_)) return false;
  return RE2::FullMatch(re2::StringPiece(v.data(), v.size()), *re_);
}

bool Matcher::Matches(std::string_view v) const {
  switch (type_) {
    case MatchType::kEqual:
      return v == value_;
    case MatchType::kNotEqual:
      return v != value_;
    case MatchType::kRegexMatch:
      return RegexMatches(v);
    case MatchType::kRegexNoMatch:
      return !RegexMatches(v);
  }
  return false;
}

std::string Matcher::ToString() const {
  static constexpr const char* kOps[] = {"=", "!=", "=~", "!~"};
  std::string out = name_;
  out += kOps[static_cast<int>(type_)];
  out += '"';
  metrics::AppendEscapedLabelValue(&out, value_);
  out += '"';
  return out;
}

bool MatchesAll(const std::vector<Matcher>& matchers, const Labels& labels) {
  for (const auto& m : matchers) {
    if (!m.Matches(labels.Get(m.name()))) return false;
  }
  return true;
}

}  // namespace vigil::model
