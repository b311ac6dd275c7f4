#include "query/promql/promqltest/notation.h"

#include <fmt/format.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>

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

double GoNaN() {
  double d;
  std::memcpy(&d, &model::kNormalNaNBits, sizeof d);
  return d;
}

// Go's underscoreOK: underscores only between digits (a base prefix counts
// as a digit), never leading or trailing.
bool UnderscoreOK(std::string_view s) {
  char saw = '^';
  size_t i = 0;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  bool hex = false;
  if (s.size() >= 2 && s[0] == '0' &&
      (Lower(s[1]) == 'b' || Lower(s[1]) == 'o' || Lower(s[1]) == 'x')) {
    i = 2;
    saw = '0';
    hex = Lower(s[1]) == 'x';
  }
  for (; i < s.size(); ++i) {
    if (IsDigit(s[i]) || (hex && Lower(s[i]) >= 'a' && Lower(s[i]) <= 'f')) {
      saw = '0';
      continue;
    }
    if (s[i] == '_') {
      if (saw != '0') return false;
      saw = '_';
      continue;
    }
    if (saw == '_') return false;
    saw = '!';
  }
  return saw != '_';
}

// Go's strconv.ParseInt(s, 0, 64): sign, base prefix (0x, 0o, 0b, or a
// leading 0 for octal), underscores as digit separators.
bool ParseGoInt(std::string_view s0, int64_t* out) {
  std::string_view s = s0;
  if (s.empty()) return false;
  bool neg = false;
  if (s[0] == '+' || s[0] == '-') {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s.empty()) return false;
  int base = 10;
  if (s[0] == '0') {
    if (s.size() >= 3 && Lower(s[1]) == 'b') {
      base = 2;
      s.remove_prefix(2);
    } else if (s.size() >= 3 && Lower(s[1]) == 'o') {
      base = 8;
      s.remove_prefix(2);
    } else if (s.size() >= 3 && Lower(s[1]) == 'x') {
      base = 16;
      s.remove_prefix(2);
    } else {
      base = 8;
      s.remove_prefix(1);
    }
  }
  const uint64_t limit = neg ? (uint64_t{1} << 63) : (uint64_t{1} << 63) - 1;
  uint64_t v = 0;
  bool underscores = false;
  for (char c : s) {
    if (c == '_') {
      underscores = true;
      continue;
    }
    int d;
    if (IsDigit(c)) {
      d = c - '0';
    } else if (Lower(c) >= 'a' && Lower(c) <= 'z') {
      d = Lower(c) - 'a' + 10;
    } else {
      return false;
    }
    if (d >= base) return false;
    if (v > (limit - static_cast<uint64_t>(d)) / static_cast<uint64_t>(base)) return false;
    v = v * static_cast<uint64_t>(base) + static_cast<uint64_t>(d);
  }
  if (underscores && !UnderscoreOK(s0)) return false;
  *out = neg ? static_cast<int64_t>(0 - v) : static_cast<int64_t>(v);
  return true;
}

// Go's strconv.ParseFloat(s, 64) for decimal numbers, infinities and NaN.
bool ParseGoFloat(std::string_view s, double* out) {
  if (s.empty()) return false;
  bool neg = false;
  std::string_view body = s;
  if (body[0] == '+' || body[0] == '-') {
    neg = body[0] == '-';
    body.remove_prefix(1);
  }
  if (EqualFold(body, "inf") || EqualFold(body, "infinity")) {
    *out = neg ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
    return true;
  }
  if (EqualFold(body, "nan")) {
    if (body.size() != s.size()) return false;  // Go accepts no sign on NaN
    *out = GoNaN();
    return true;
  }
  if (body.empty()) return false;
  // Decimal only: digits, one point, an exponent. No underscores, no hex.
  size_t i = 0;
  bool digits = false;
  while (i < body.size() && IsDigit(body[i])) ++i, digits = true;
  if (i < body.size() && body[i] == '.') {
    ++i;
    while (i < body.size() && IsDigit(body[i])) ++i, digits = true;
  }
  if (!digits) return false;
  if (i < body.size() && Lower(body[i]) == 'e') {
    ++i;
    if (i < body.size() && (body[i] == '+' || body[i] == '-')) ++i;
    size_t exp_start = i;
    while (i < body.size() && IsDigit(body[i])) ++i;
    if (i == exp_start) return false;
  }
  if (i != body.size()) return false;
  // strtod on the validated text: ERANGE with a huge result is overflow
  // (an error in Go), with a tiny one underflow (Go rounds it).
  std::string text(body);
  errno = 0;
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size()) return false;
  if (errno == ERANGE && std::isinf(v)) return false;
  *out = neg ? -v : v;
  return true;
}

struct Unit {
  std::string_view name;
  int64_t ms;
  int pos;
};
constexpr Unit kUnits[] = {
    {"y", 365 * 24 * 3600 * 1000LL, 1},
    {"w", 7 * 24 * 3600 * 1000LL, 2},
    {"d", 24 * 3600 * 1000LL, 3},
    {"h", 3600 * 1000LL, 4},
    {"m", 60 * 1000LL, 5},
    {"s", 1000LL, 6},
    {"ms", 1LL, 7},
};

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
  if (s == "0") return int64_t{0};
  if (s.empty()) return Status::InvalidArgument("empty duration string");
  const std::string_view orig = s;
  auto invalid = [&] {
    return Status::InvalidArgument(fmt::format("not a valid duration string: \"{}\"", orig));
  };
  int64_t total = 0;
  int last_pos = 0;
  while (!s.empty()) {
    if (!IsDigit(s[0])) return invalid();
    size_t i = 0;
    while (i < s.size() && IsDigit(s[i])) ++i;
    uint64_t v = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + i, v);
    if (ec != std::errc() || ptr != s.data() + i) return invalid();
    s.remove_prefix(i);
    i = 0;
    while (i < s.size() && !IsDigit(s[i])) ++i;
    if (i == 0) return invalid();
    std::string_view u = s.substr(0, i);
    s.remove_prefix(i);
    const Unit* unit = nullptr;
    for (const Unit& cand : kUnits) {
      if (cand.name == u) unit = &cand;
    }
    if (unit == nullptr) {
      return Status::InvalidArgument(
          fmt::format("unknown unit \"{}\" in duration \"{}\"", u, orig));
    }
    if (unit->pos <= last_pos) return invalid();
    last_pos = unit->pos;
    // Go's limit: the duration in nanoseconds must fit an int64.
    constexpr int64_t kMaxMs = std::numeric_limits<int64_t>::max() / 1'000'000;
    if (v > static_cast<uint64_t>(kMaxMs / unit->ms)) {
      return Status::InvalidArgument("duration out of range");
    }
    total += static_cast<int64_t>(v) * unit->ms;
    if (total > kMaxMs) return Status::InvalidArgument("duration out of range");
  }
  return total;
}

Result<double> ParseNumber(std::string_view s) {
  int64_t i;
  if (ParseGoInt(s, &i)) return static_cast<double>(i);
  double f;
  if (ParseGoFloat(s, &f)) return f;
  return Status::InvalidArgument(fmt::format("error parsing number: \"{}\"", s));
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
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  return fmt::format("{}", v);
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
