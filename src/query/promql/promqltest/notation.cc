#include "query/promql/promqltest/notation.h"

#include <fmt/format.h>

#include <charconv>
#include <cstring>

#include "base/strconv.h"
#include "model/sample.h"
#include "model/selector.h"

namespace vigil::promql::promqltest {

namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsAlphaNumeric(char c) { return IsAlpha(c) || IsDigit(c); }
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualFold(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (Lower(a[i]) != Lower(b[i])) return false;
  }
  return true;
}

// Parses series_description from Prometheus' grammar (see notation.h).
class SeriesDescParser {
 public:
  explicit SeriesDescParser(std::string_view s) : s_(s) {}

  Result<SeriesDesc> Parse() {
    SkipSpace();
    SeriesDesc desc;
    std::vector<model::Label> labels;
    std::string name;
    bool have_name = false;
    if (pos_ < s_.size() && (IsAlpha(s_[pos_]) || s_[pos_] == ':')) {
      size_t start = pos_;
      while (pos_ < s_.size() && (IsAlphaNumeric(s_[pos_]) || s_[pos_] == ':')) ++pos_;
      name = std::string(s_.substr(start, pos_ - start));
      have_name = true;
    }
    if (pos_ < s_.size() && s_[pos_] == '{') {
      ++pos_;
      Status st = ParseLabelSet(&labels, &name, &have_name);
      if (!st.ok()) return st;
    } else if (!have_name) {
      return Error("expected a metric name or '{' at the start of a series");
    }
    if (have_name) labels.push_back({std::string(model::kMetricName), name});
    // Prometheus drops labels with empty values when building the label set.
    std::vector<model::Label> kept;
    for (auto& l : labels) {
      if (!l.value.empty()) kept.push_back(std::move(l));
    }
    for (size_t i = 0; i < kept.size(); ++i) {
      for (size_t j = i + 1; j < kept.size(); ++j) {
        if (kept[i].name == kept[j].name) {
          return Error(fmt::format("duplicate label name \"{}\"", kept[i].name));
        }
      }
    }
    desc.labels = model::Labels(std::move(kept));

    // Values: items separated by whitespace; a histogram may hold spaces.
    while (pos_ < s_.size()) {
      if (!IsSpace(s_[pos_])) return Error("expected a space before the next value");
      SkipSpace();
      if (pos_ >= s_.size()) break;
      size_t start = pos_;
      while (pos_ < s_.size() && !IsSpace(s_[pos_])) {
        if (s_.substr(pos_, 2) == "{{") {
          size_t close = s_.find("}}", pos_ + 2);
          if (close == std::string_view::npos) return Error("unclosed histogram '{{'");
          pos_ = close + 2;
        } else {
          ++pos_;
        }
      }
      Status st = ParseItem(s_.substr(start, pos_ - start), &desc.values);
      if (!st.ok()) return st;
    }
    return desc;
  }

 private:
  Status Error(std::string_view msg) const {
    return Status::InvalidArgument(fmt::format("bad series \"{}\": {}", s_, msg));
  }

  void SkipSpace() {
    while (pos_ < s_.size() && IsSpace(s_[pos_])) ++pos_;
  }

  // A quoted string literal at pos_ ("...", '...' or `...`), unquoted.
  Result<std::string> StringLiteral() {
    char q = s_[pos_];
    size_t start = pos_++;
    while (pos_ < s_.size() && s_[pos_] != q) {
      if (s_[pos_] == '\\' && q != '`') ++pos_;
      ++pos_;
    }
    if (pos_ >= s_.size()) return Error("unterminated string");
    ++pos_;
    auto r = model::UnquoteString(s_.substr(start, pos_ - start));
    if (!r.ok()) return Error(r.status().message());
    return r;
  }

  Status ParseLabelSet(std::vector<model::Label>* labels, std::string* name, bool* have_name) {
    for (;;) {
      SkipSpace();
      if (pos_ >= s_.size()) return Error("unexpected end of input inside braces");
      char c = s_[pos_];
      if (c == '}') {
        ++pos_;
        return Status::OK();
      }
      std::string label;
      bool quoted = false;
      if (c == '"' || c == '\'' || c == '`') {
        auto lit = StringLiteral();
        if (!lit.ok()) return lit.status();
        label = std::move(lit).value();
        quoted = true;
      } else if (IsAlpha(c)) {
        size_t start = pos_;
        while (pos_ < s_.size() && IsAlphaNumeric(s_[pos_])) ++pos_;
        label = std::string(s_.substr(start, pos_ - start));
      } else {
        return Error(fmt::format("unexpected character inside braces: '{}'", c));
      }
      SkipSpace();
      if (pos_ < s_.size() && s_[pos_] == '=') {
        ++pos_;
        if (pos_ < s_.size() && s_[pos_] == '~') return Error("only '=' is allowed in a series");
        SkipSpace();
        if (pos_ >= s_.size() || (s_[pos_] != '"' && s_[pos_] != '\'' && s_[pos_] != '`')) {
          return Error("expected a label value string");
        }
        auto value = StringLiteral();
        if (!value.ok()) return value.status();
        if (label == model::kMetricName) {
          if (*have_name) return Error("metric name given twice");
          *name = std::move(value).value();
          *have_name = true;
        } else {
          labels->push_back({std::move(label), std::move(value).value()});
        }
      } else if (quoted) {
        // {"metric.name", ...}: a quoted string alone is the metric name.
        if (*have_name) return Error("metric name given twice");
        *name = std::move(label);
        *have_name = true;
      } else {
        return Error(fmt::format("expected '=' after label name \"{}\"", label));
      }
      SkipSpace();
      if (pos_ < s_.size() && s_[pos_] == ',') {
        ++pos_;
      } else if (pos_ < s_.size() && s_[pos_] != '}') {
        return Error("expected ',' or '}' inside braces");
      }
    }
  }

  // A number token of the lexer in series mode at item[*i]: digits, point,
  // exponent, or the words Inf and NaN (any case). Advances *i.
  Result<double> Number(std::string_view item, size_t* i) {
    size_t start = *i;
    if (*i < item.size() && IsAlpha(item[*i])) {
      while (*i < item.size() && (IsAlphaNumeric(item[*i]) || item[*i] == ':')) ++*i;
      std::string_view word = item.substr(start, *i - start);
      if (EqualFold(word, "inf") || EqualFold(word, "nan")) {
        auto r = ParseNumber(word);
        if (!r.ok()) return Error(r.status().message());
        return r;
      }
      return Error(fmt::format("unexpected \"{}\" in series values, expected a number", word));
    }
    while (*i < item.size() && IsDigit(item[*i])) ++*i;
    if (*i < item.size() && item[*i] == '.') {
      ++*i;
      while (*i < item.size() && IsDigit(item[*i])) ++*i;
    }
    if (*i < item.size() && (item[*i] == 'e' || item[*i] == 'E')) {
      ++*i;
      if (*i < item.size() && (item[*i] == '+' || item[*i] == '-')) ++*i;
      while (*i < item.size() && IsDigit(item[*i])) ++*i;
    }
    if (*i == start) return Error(fmt::format("expected a number in \"{}\"", item));
    // The next character must not be alphanumeric, except the 'x' of repetitions.
    if (*i < item.size() && item[*i] != 'x' && IsAlphaNumeric(item[*i])) {
      return Error(fmt::format("bad number in \"{}\"", item));
    }
    auto r = ParseNumber(item.substr(start, *i - start));
    if (!r.ok()) return Error(r.status().message());
    return r;
  }

  Result<uint64_t> Times(std::string_view item, size_t i) {
    if (i >= item.size() || item[i] != 'x')
      return Error(fmt::format("expected 'x' in \"{}\"", item));
    std::string_view digits = item.substr(i + 1);
    if (digits.empty()) return Error(fmt::format("expected a count after 'x' in \"{}\"", item));
    uint64_t n = 0;
    auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    if (ec != std::errc() || ptr != digits.data() + digits.size()) {
      return Error(fmt::format("bad repetition count in \"{}\"", item));
    }
    if (n > 1'000'000) return Error(fmt::format("repetition count too large in \"{}\"", item));
    return n;
  }

  Status ParseHistogramItem(std::string_view item, std::vector<SequenceValue>* out) {
    size_t close = item.find("}}");
    size_t i = close + 2;
    SequenceValue h{SequenceValue::Kind::kHistogram, 0};
    if (i == item.size()) {
      out->push_back(h);
      return Status::OK();
    }
    if (item[i] == '+' || item[i] == '-') {
      ++i;
      if (item.substr(i, 2) != "{{")
        return Error(fmt::format("expected a histogram in \"{}\"", item));
      size_t close2 = item.find("}}", i + 2);
      if (close2 == std::string_view::npos) return Error("unclosed histogram '{{'");
      i = close2 + 2;
    }
    auto n = Times(item, i);
    if (!n.ok()) return n.status();
    for (uint64_t j = 0; j <= *n; ++j) out->push_back(h);
    return Status::OK();
  }

  Status ParseItem(std::string_view item, std::vector<SequenceValue>* out) {
    if (item.substr(0, 2) == "{{") return ParseHistogramItem(item, out);
    if (item[0] == '_') {
      if (item.size() == 1) {
        out->push_back({SequenceValue::Kind::kOmitted, 0});
        return Status::OK();
      }
      auto n = Times(item, 1);
      if (!n.ok()) return n.status();
      for (uint64_t j = 0; j < *n; ++j) out->push_back({SequenceValue::Kind::kOmitted, 0});
      return Status::OK();
    }
    size_t i = 0;
    double value;
    if (item.substr(0, 5) == "stale" &&
        (item.size() == 5 || !(IsAlphaNumeric(item[5]) || item[5] == ':'))) {
      value = model::StaleNaN();
      i = 5;
    } else {
      bool neg = false;
      if (item[0] == '+' || item[0] == '-') {
        neg = item[0] == '-';
        ++i;
      }
      auto v = Number(item, &i);
      if (!v.ok()) return v.status();
      value = neg ? -*v : *v;
    }
    if (i == item.size()) {
      out->push_back({SequenceValue::Kind::kFloat, value});
      return Status::OK();
    }
    if (item[i] == 'x') {
      auto n = Times(item, i);
      if (!n.ok()) return n.status();
      for (uint64_t j = 0; j <= *n; ++j) out->push_back({SequenceValue::Kind::kFloat, value});
      return Status::OK();
    }
    if (item[i] != '+' && item[i] != '-') {
      return Error(fmt::format("unexpected '{}' in \"{}\"", item[i], item));
    }
    bool neg = item[i] == '-';
    ++i;
    if (i < item.size() && IsAlpha(item[i])) {
      return Error(fmt::format("expected a number after the sign in \"{}\"", item));
    }
    auto step = Number(item, &i);
    if (!step.ok()) return step.status();
    double delta = neg ? -*step : *step;
    auto n = Times(item, i);
    if (!n.ok()) return n.status();
    // Go adds the step repeatedly (not a + j*b); keep its rounding.
    for (uint64_t j = 0; j <= *n; ++j) {
      out->push_back({SequenceValue::Kind::kFloat, value});
      value += delta;
    }
    return Status::OK();
  }

  std::string_view s_;
  size_t pos_ = 0;
};

}  // namespace

Result<int64_t> ParseDuration(std::string_view s) {
  auto ns = ParsePromDurationNanos(s);
  if (!ns.ok()) return ns.status();
  return *ns / 1'000'000;
}

// The runner tells Go's NaN from the stale marker by these bits.
static_assert(kGoNaNBits == model::kNormalNaNBits);

Result<double> ParseNumber(std::string_view s) {
  auto v = ParseGoNumber(s);
  if (!v.ok()) return Status::InvalidArgument(fmt::format("error parsing number: \"{}\"", s));
  return v;
}

bool SequenceValue::operator==(const SequenceValue& o) const {
  if (kind != o.kind) return false;
  if (kind != Kind::kFloat) return true;
  uint64_t a, b;
  std::memcpy(&a, &value, sizeof a);
  std::memcpy(&b, &o.value, sizeof b);
  return a == b;
}

bool SeriesDesc::HasHistogram() const {
  for (const auto& v : values) {
    if (v.kind == SequenceValue::Kind::kHistogram) return true;
  }
  return false;
}

Result<SeriesDesc> ParseSeriesDesc(std::string_view line) { return SeriesDescParser(line).Parse(); }

std::string FormatFloat(double v) {
  if (model::IsStaleNaN(v)) return "stale";
  return FormatGoFloat(v, 'g');
}

std::string FormatSequenceValue(const SequenceValue& v) {
  switch (v.kind) {
    case SequenceValue::Kind::kOmitted:
      return "_";
    case SequenceValue::Kind::kHistogram:
      return "{{histogram}}";
    case SequenceValue::Kind::kFloat:
      break;
  }
  return FormatFloat(v.value);
}

}  // namespace vigil::promql::promqltest
