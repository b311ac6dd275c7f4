#include "model/matcher.h"

#include <re2/re2.h>

#include <algorithm>

#include "base/metrics.h"

namespace vigil::model {

namespace {

bool IsRegexMeta(char c) {
  switch (c) {
    case '\\': case '.': case '+': case '*': case '?': case '(': case ')': case '|':
    case '[': case ']': case '{': case '}': case '^': case '$':
      return true;
    default:
      return false;
  }
}

bool IsLiteral(std::string_view s) {
  return std::none_of(s.begin(), s.end(), IsRegexMeta);
}

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
  } else if (v.size() > 2 && v.ends_with(".*") && IsLiteral(std::string_view(v).substr(0, v.size() - 2))) {
    m.fast_ = Fast::kPrefixAny;
    m.prefix_ = v.substr(0, v.size() - 2);
  } else {
    m.set_.clear();
    size_t i = 0;
    while (i < v.size() && !IsRegexMeta(v[i])) ++i;
    // A literal prefix is only safe if the regex continues with something
    // that cannot make the prefix optional ("ab?" must not yield "ab").
    if (i > 0 && i < v.size() && v[i] != '?' && v[i] != '*' && v[i] != '{' && v[i] != '|') {
      m.prefix_ = v.substr(0, i);
    }
  }
  m.matches_empty_ = m.RegexMatches("");
  if (type == MatchType::kRegexNoMatch) m.matches_empty_ = !m.matches_empty_;
  return m;
}

bool Matcher::RegexMatches(std::string_view v) const {
  switch (fast_) {
    case Fast::kAny: return true;
    case Fast::kNonEmpty: return !v.empty();
    case Fast::kLiteral: return v == value_;
    case Fast::kSet: return std::binary_search(set_.begin(), set_.end(), v);
    case Fast::kPrefixAny: return v.starts_with(prefix_);
    case Fast::kNone: break;
  }
  if (!prefix_.empty() && !v.starts_with(prefix_)) return false;
  return RE2::FullMatch(re2::StringPiece(v.data(), v.size()), *re_);
}

bool Matcher::Matches(std::string_view v) const {
  switch (type_) {
    case MatchType::kEqual: return v == value_;
    case MatchType::kNotEqual: return v != value_;
    case MatchType::kRegexMatch: return RegexMatches(v);
    case MatchType::kRegexNoMatch: return !RegexMatches(v);
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
