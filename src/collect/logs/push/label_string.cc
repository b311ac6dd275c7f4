#include "collect/logs/push/label_string.h"

#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <vector>

#include "base/strconv.h"

namespace vigil::logs {
namespace {

bool IsNameStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsNameChar(char c) { return IsNameStart(c) || (c >= '0' && c <= '9'); }

class LabelStringParser {
 public:
  explicit LabelStringParser(std::string_view text) : s_(text) {}

  Status Parse(std::vector<model::Label>* labels) {
    SkipSpace();
    if (!Consume('{')) return Error("expected '{'");
    for (;;) {
      SkipSpace();
      if (Consume('}')) break;
      model::Label label;
      VIGIL_RETURN_IF_ERROR(ParseName(&label.name));
      SkipSpace();
      if (!Consume('=')) return Error("expected '=' after label name");
      SkipSpace();
      VIGIL_RETURN_IF_ERROR(ParseQuoted(&label.value));
      if (!label.value.empty()) labels->push_back(std::move(label));
      SkipSpace();
      if (Consume(',')) continue;
      if (Consume('}')) break;
      return Error("expected ',' or '}'");
    }
    SkipSpace();
    if (pos_ != s_.size()) return Error("unexpected text after '}'");
    return Status::OK();
  }

 private:
  void SkipSpace() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) {
      ++pos_;
    }
  }
  bool Consume(char c) {
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  Status Error(std::string_view what) const {
    return Status::InvalidArgument(fmt::format("invalid stream labels at byte {}: {}", pos_, what));
  }

  Status ParseName(std::string* name) {
    if (pos_ < s_.size() && s_[pos_] == '"') {
      VIGIL_RETURN_IF_ERROR(ParseQuoted(name));
      if (name->empty()) return Error("empty label name");
      return Status::OK();
    }
    size_t start = pos_;
    if (pos_ >= s_.size() || !IsNameStart(s_[pos_])) return Error("expected a label name");
    while (pos_ < s_.size() && IsNameChar(s_[pos_])) ++pos_;
    name->assign(s_.substr(start, pos_ - start));
    return Status::OK();
  }

  Status ParseQuoted(std::string* value) {
    if (pos_ >= s_.size()) return Error("expected a quoted string");
    char quote = s_[pos_];
    if (quote != '"' && quote != '\'' && quote != '`') return Error("expected a quoted string");
    size_t start = pos_;
    bool escaped = false;
    size_t i = pos_ + 1;
    for (; i < s_.size(); ++i) {
      char c = s_[i];
      if (c == quote) break;
      if (c == '\\' && quote != '`') {
        escaped = true;
        ++i;  // skip the escaped byte (may be the quote)
      }
    }
    if (i >= s_.size()) return Error("unterminated string");
    pos_ = i + 1;
    if (!escaped) {
      value->assign(s_.substr(start + 1, i - start - 1));
    } else {
      Result<std::string> unquoted = UnquotePromString(s_.substr(start, pos_ - start));
      if (!unquoted.ok()) return Error("invalid escape sequence");
      *value = std::move(unquoted).value();
    }
    if (!model::IsValidUTF8(*value)) return Error("invalid UTF-8");
    return Status::OK();
  }

  std::string_view s_;
  size_t pos_ = 0;
};

}  // namespace

Status ParseLokiLabels(std::string_view text, model::Labels* out) {
  std::vector<model::Label> labels;
  VIGIL_RETURN_IF_ERROR(LabelStringParser(text).Parse(&labels));
  if (labels.empty()) {
    return Status::InvalidArgument("at least one label pair is required per stream");
  }
  std::sort(labels.begin(), labels.end(),
            [](const model::Label& a, const model::Label& b) { return a.name < b.name; });
  for (size_t i = 1; i < labels.size(); ++i) {
    if (labels[i].name == labels[i - 1].name) {
      return Status::InvalidArgument(
          fmt::format("invalid stream labels: duplicate label name {}", labels[i].name));
    }
  }
  *out = model::Labels::FromSorted(std::move(labels));
  return Status::OK();
}

void AppendLokiLabels(std::string* out, const model::Labels& labels) {
  out->push_back('{');
  bool first = true;
  for (const model::Label& label : labels) {
    if (!first) out->append(", ");
    first = false;
    if (IsLegacyLabelName(label.name)) {
      out->append(label.name);
    } else {
      AppendGoQuoted(out, label.name);
    }
    out->push_back('=');
    AppendGoQuoted(out, label.value);
  }
  out->push_back('}');
}

}  // namespace vigil::logs
