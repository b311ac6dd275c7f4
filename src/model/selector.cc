#include "model/selector.h"

#include <fmt/format.h>

#include "base/strconv.h"

namespace vigil::model {

namespace {

bool IsIdentStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsIdentChar(char c) { return IsIdentStart(c) || (c >= '0' && c <= '9'); }
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

class Parser {
 public:
  explicit Parser(std::string_view s) : s_(s) {}

  Result<std::vector<Matcher>> Parse() {
    SkipSpace();
    std::string name;
    bool have_name = false;
    if (pos_ < s_.size() && IsIdentStart(s_[pos_])) {
      name = Identifier(/*allow_colon=*/true);
      have_name = true;
      SkipSpace();
    }
    std::vector<Matcher> ms;
    if (pos_ < s_.size() && s_[pos_] == '{') {
      ++pos_;
      VIGIL_RETURN_IF_ERROR(Braces(&ms, &have_name, &name));
      SkipSpace();
    } else if (!have_name) {
      return Error(pos_ < s_.size() ? fmt::format("unexpected character: '{}'", s_[pos_])
                                    : std::string("unexpected end of input"));
    }
    if (pos_ < s_.size()) {
      return Error(fmt::format("unexpected character after selector: '{}'", s_[pos_]));
    }
    if (have_name) ms.insert(ms.begin(), Matcher::Equal(std::string(kMetricName), name));
    bool non_empty = false;
    for (const auto& m : ms) non_empty |= !m.MatchesEmpty();
    if (!non_empty) {
      return Status::InvalidArgument(
          "1:1: parse error: vector selector must contain at least one non-empty matcher");
    }
    return ms;
  }

 private:
  Status Error(std::string_view msg) const { return ErrorAt(pos_, msg); }
  Status ErrorAt(size_t pos, std::string_view msg) const {
    // Line and column (1-based, in bytes) as Prometheus reports them.
    int line = 1;
    size_t line_start = 0;
    for (size_t i = 0; i < pos && i < s_.size(); ++i) {
      if (s_[i] == '\n') {
        ++line;
        line_start = i + 1;
      }
    }
    return Status::InvalidArgument(
        fmt::format("{}:{}: parse error: {}", line, pos - line_start + 1, msg));
  }

  void SkipSpace() {
    while (pos_ < s_.size() && IsSpace(s_[pos_])) ++pos_;
  }

  std::string Identifier(bool allow_colon) {
    size_t start = pos_;
    while (pos_ < s_.size() && (IsIdentChar(s_[pos_]) || (allow_colon && s_[pos_] == ':'))) ++pos_;
    return std::string(s_.substr(start, pos_ - start));
  }

  Result<std::string> StringLiteral() {
    size_t start = pos_;
    char q = s_[pos_];
    ++pos_;
    if (q == '`') {
      while (pos_ < s_.size() && s_[pos_] != '`') ++pos_;
      if (pos_ >= s_.size()) return ErrorAt(start, "unterminated raw string");
      ++pos_;
    } else {
      while (pos_ < s_.size() && s_[pos_] != q) {
        if (s_[pos_] == '\n') return ErrorAt(start, "unterminated quoted string");
        if (s_[pos_] == '\\') ++pos_;
        ++pos_;
      }
      if (pos_ >= s_.size()) return ErrorAt(start, "unterminated quoted string");
      ++pos_;
    }
    auto r = UnquoteString(s_.substr(start, pos_ - start));
    if (!r.ok()) return ErrorAt(start, r.status().message());
    return r;
  }

  Status Braces(std::vector<Matcher>* ms, bool* have_name, std::string* name) {
    for (;;) {
      SkipSpace();
      if (pos_ >= s_.size()) return Error("unexpected end of input inside braces");
      if (s_[pos_] == '}') {
        ++pos_;
        return Status::OK();
      }
      size_t label_pos = pos_;
      std::string label;
      bool quoted = false;
      if (s_[pos_] == '"' || s_[pos_] == '\'' || s_[pos_] == '`') {
        VIGIL_ASSIGN_OR_RETURN(label, StringLiteral());
        quoted = true;
      } else if (IsIdentStart(s_[pos_])) {
        label = Identifier(/*allow_colon=*/false);
      } else {
        return Error(fmt::format("unexpected character inside braces: '{}'", s_[pos_]));
      }
      SkipSpace();
      if (quoted && pos_ < s_.size() && (s_[pos_] == ',' || s_[pos_] == '}')) {
        // {"my.metric"}: a lone quoted string is the metric name.
        if (*have_name) return ErrorAt(label_pos, "metric name must not be set twice");
        *have_name = true;
        *name = label;
      } else {
        if (pos_ >= s_.size()) return Error("unexpected end of input inside braces");
        MatchType type;
        if (s_.substr(pos_, 2) == "=~") {
          type = MatchType::kRegexMatch;
          pos_ += 2;
        } else if (s_.substr(pos_, 2) == "!~") {
          type = MatchType::kRegexNoMatch;
          pos_ += 2;
        } else if (s_.substr(pos_, 2) == "!=") {
          type = MatchType::kNotEqual;
          pos_ += 2;
        } else if (s_[pos_] == '=') {
          type = MatchType::kEqual;
          pos_ += 1;
        } else {
          return Error(fmt::format("unexpected character inside braces: '{}'", s_[pos_]));
        }
        SkipSpace();
        if (pos_ >= s_.size() || (s_[pos_] != '"' && s_[pos_] != '\'' && s_[pos_] != '`')) {
          return Error("unexpected token inside braces, expected a string");
        }
        size_t value_pos = pos_;
        VIGIL_ASSIGN_OR_RETURN(std::string value, StringLiteral());
        if (label == kMetricName && *have_name && type == MatchType::kEqual) {
          return ErrorAt(label_pos, "metric name must not be set twice");
        }
        auto m = Matcher::Make(type, label, value);
        if (!m.ok()) return ErrorAt(value_pos, m.status().message());
        ms->push_back(std::move(*m));
      }
      SkipSpace();
      if (pos_ < s_.size() && s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < s_.size() && s_[pos_] == '}') continue;
      if (pos_ >= s_.size()) return Error("unexpected end of input inside braces");
      return Error(fmt::format("unexpected character inside braces: '{}'", s_[pos_]));
    }
  }

  std::string_view s_;
  size_t pos_ = 0;
};

}  // namespace

Result<std::string> UnquoteString(std::string_view lit) {
  // Checked before unquoting: UnquotePromString turns invalid bytes into
  // U+FFFD where it unescapes, but a selector must not hold invalid UTF-8.
  if (!IsValidUTF8(lit)) return Status::InvalidArgument("invalid UTF-8 in string literal");
  auto out = UnquotePromString(lit);
  // The lexers hand over whole literals, so only an escape can be wrong.
  if (!out.ok()) return Status::InvalidArgument("invalid escape sequence in string literal");
  // \x and octal escapes may still spell invalid UTF-8.
  if (!IsValidUTF8(*out)) return Status::InvalidArgument("invalid UTF-8 in string literal");
  return out;
}

Result<std::vector<Matcher>> ParseSelector(std::string_view text) { return Parser(text).Parse(); }

}  // namespace vigil::model
