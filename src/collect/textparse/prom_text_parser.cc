// The Prometheus text format 0.0.4 parser, with Prometheus 3's additions
// (quoted UTF-8 metric and label names). It accepts what Prometheus'
// promlexer/PromParser accepts: whitespace between tokens, trailing (and
// missing) commas in label sets, a last line without newline, integer
// millisecond timestamps.

#include <cstring>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "base/strconv.h"
#include "collect/textparse/lex.h"
#include "collect/textparse/parser.h"

namespace vigil::textparse {
namespace {

using internal::Got;
using internal::Is;
using internal::LineError;
using internal::RawLabel;
using MType = storage::MetricMetadata::Type;

inline bool IsBlank(char c) { return c == ' ' || c == '\t'; }

class PromTextParser final : public Parser {
 public:
  explicit PromTextParser(std::string_view body) : body_(body) { labels_.reserve(16); }

  Result<Entry> Next() override {
    if (!status_.ok()) return status_;
    while (pos_ < body_.size()) {
      ++line_;
      const char* base = body_.data() + pos_;
      const char* nl = static_cast<const char*>(memchr(base, '\n', body_.size() - pos_));
      size_t len = nl != nullptr ? static_cast<size_t>(nl - base) : body_.size() - pos_;
      std::string_view line(base, len);
      pos_ += len + 1;
      size_t p = 0;
      while (p < line.size() && IsBlank(line[p])) ++p;
      if (p == line.size()) continue;  // blank lines are allowed
      Status s = line[p] == '#' ? ParseComment(line, p) : ParseSeries(line, p);
      if (!s.ok()) {
        status_ = std::move(s);
        return status_;
      }
      return entry_;
    }
    pos_ = body_.size();
    return Entry::kEOF;
  }

  std::string_view SeriesBytes() const override { return series_; }
  double Value() const override { return value_; }
  std::optional<int64_t> Timestamp() const override {
    if (!has_ts_) return std::nullopt;
    return ts_;
  }
  Result<model::Labels> Labels() const override {
    return internal::BuildLabels(name_, name_quoted_, labels_, type_, line_);
  }

  std::string_view MetricFamily() const override { return family_; }
  MType Type() const override { return type_; }
  std::string_view Help() const override { return help_; }
  std::string_view Unit() const override { return {}; }

 private:
  Status Fail(std::string_view msg) const { return LineError(line_, msg); }
  Status Expected(std::string_view what, std::string_view line, size_t p) const {
    return Fail(fmt::format("expected {}, got {}", what, Got(line, p)));
  }

  // "# HELP name text", "# TYPE name type"; any other '#' line is a comment.
  Status ParseComment(std::string_view line, size_t p) {
    entry_ = Entry::kComment;
    ++p;
    if (p >= line.size() || !IsBlank(line[p])) return Status::OK();
    while (p < line.size() && IsBlank(line[p])) ++p;
    std::string_view rest = line.substr(p);
    bool help = rest.starts_with("HELP");
    if (!help && !rest.starts_with("TYPE")) return Status::OK();
    p += 4;
    if (p >= line.size() || !IsBlank(line[p])) return Status::OK();
    while (p < line.size() && IsBlank(line[p])) ++p;
    const char* kind = help ? "HELP" : "TYPE";

    if (p < line.size() && line[p] == '"') {
      bool escaped = false;
      size_t end = internal::ScanQuoted(line, p, &escaped);
      if (end == std::string_view::npos) {
        return Expected(fmt::format("metric name after {}", kind), line, p);
      }
      family_ = internal::Unescape(line.substr(p + 1, end - p - 2), &family_scratch_);
      p = end;
    } else if (p < line.size() && Is(line[p], internal::kMetricStart)) {
      size_t start = p;
      while (p < line.size() && Is(line[p], internal::kMetricChar)) ++p;
      family_ = line.substr(start, p - start);
    } else {
      return Expected(fmt::format("metric name after {}", kind), line, p);
    }
    // Prometheus' lexer takes the rest of the line and drops its first byte
    // (the separating blank); a rest of only blanks is no text at all.
    std::string_view text = line.substr(p);
    size_t nonblank = 0;
    while (nonblank < text.size() && IsBlank(text[nonblank])) ++nonblank;
    text = nonblank == text.size() ? std::string_view() : text.substr(1);

    if (help) {
      if (!model::IsValidUTF8(text)) {
        return Fail(fmt::format("help text {} is not a valid utf8 string", GoQuote(text)));
      }
      help_ = internal::UnescapeHelp(text, &help_scratch_);
      entry_ = Entry::kHelp;
      return Status::OK();
    }
    if (text == "counter") {
      type_ = MType::kCounter;
    } else if (text == "gauge") {
      type_ = MType::kGauge;
    } else if (text == "histogram") {
      type_ = MType::kHistogram;
    } else if (text == "summary") {
      type_ = MType::kSummary;
    } else if (text == "untyped") {
      type_ = MType::kUnknown;
    } else {
      return Fail(fmt::format("invalid metric type {}", GoQuote(text)));
    }
    entry_ = Entry::kType;
    return Status::OK();
  }

  Status ParseSeries(std::string_view line, size_t p) {
    entry_ = Entry::kSeries;
    size_t start = p;
    labels_.clear();
    name_ = {};
    name_quoted_ = false;
    bool have_name = false;
    if (Is(line[p], internal::kMetricStart)) {
      while (p < line.size() && Is(line[p], internal::kMetricChar)) ++p;
      name_ = line.substr(start, p - start);
      have_name = true;
      size_t q = p;
      while (q < line.size() && IsBlank(line[q])) ++q;
      if (q < line.size() && line[q] == '{') p = q;
    } else if (line[p] != '{') {
      return Expected("a valid start token", line, p);
    }
    if (p < line.size() && line[p] == '{') {
      Status s = ParseLabels(line, &p, &have_name);
      if (!s.ok()) return s;
    }
    if (!have_name) {
      return Fail(fmt::format("metric name not set while parsing: {}",
                              GoQuote(line.substr(start, p - start))));
    }
    series_ = line.substr(start, p - start);

    while (p < line.size() && IsBlank(line[p])) ++p;
    size_t vstart = p;
    while (p < line.size() && line[p] != ' ' && line[p] != '\t' && line[p] != '{') ++p;
    if (p == vstart) return Expected("value after metric", line, p);
    std::string_view token = line.substr(vstart, p - vstart);
    if (!internal::ParseValue(token, &value_)) return Fail(internal::ValueError(token));

    while (p < line.size() && IsBlank(line[p])) ++p;
    has_ts_ = false;
    if (p == line.size()) return Status::OK();
    if (!Is(line[p], internal::kDigit)) return Expected("timestamp or new record", line, p);
    size_t tstart = p;
    uint64_t ts = 0;
    bool overflow = false;
    while (p < line.size() && Is(line[p], internal::kDigit)) {
      unsigned d = line[p] - '0';
      if (ts > (static_cast<uint64_t>(INT64_MAX) - d) / 10) overflow = true;
      ts = ts * 10 + d;
      ++p;
    }
    if (overflow) {
      return Fail(fmt::format("strconv.ParseInt: parsing {}: value out of range",
                              GoQuote(line.substr(tstart, p - tstart))));
    }
    while (p < line.size() && IsBlank(line[p])) ++p;
    if (p != line.size()) return Expected("next entry after timestamp", line, p);
    has_ts_ = true;
    ts_ = static_cast<int64_t>(ts);
    return Status::OK();
  }

  // line[*p] is '{'. Leaves *p just past the matching '}'.
  Status ParseLabels(std::string_view line, size_t* pos, bool* have_name) {
    size_t p = *pos + 1;
    for (;;) {
      while (p < line.size() && IsBlank(line[p])) ++p;
      if (p >= line.size()) return Expected("label name", line, p);
      if (line[p] == '}') {
        *pos = p + 1;
        return Status::OK();
      }
      RawLabel l;
      if (line[p] == '"') {
        bool escaped = false;
        size_t end = internal::ScanQuoted(line, p, &escaped);
        if (end == std::string_view::npos) return Expected("label name", line, p);
        std::string_view inner = line.substr(p + 1, end - p - 2);
        p = end;
        while (p < line.size() && IsBlank(line[p])) ++p;
        if (p < line.size() && (line[p] == ',' || line[p] == '}')) {
          // A quoted string alone is the metric name.
          if (*have_name) {
            return Fail(fmt::format("metric name already set while parsing: {}",
                                    GoQuote(line.substr(0, p + 1))));
          }
          *have_name = true;
          name_ = inner;
          name_quoted_ = true;
          if (line[p] == ',') ++p;
          continue;
        }
        l.name = inner;
        l.name_quoted = true;
      } else if (Is(line[p], internal::kLabelStart)) {
        size_t start = p;
        while (p < line.size() && Is(line[p], internal::kLabelChar)) ++p;
        l.name = line.substr(start, p - start);
        while (p < line.size() && IsBlank(line[p])) ++p;
      } else {
        return Expected("label name", line, p);
      }
      if (p >= line.size() || line[p] != '=') return Expected("equal", line, p);
      ++p;
      while (p < line.size() && IsBlank(line[p])) ++p;
      if (p >= line.size() || line[p] != '"') return Expected("label value", line, p);
      bool escaped = false;
      size_t end = internal::ScanQuoted(line, p, &escaped);
      if (end == std::string_view::npos) return Expected("label value", line, p);
      l.value = line.substr(p + 1, end - p - 2);
      labels_.push_back(l);
      p = end;
      while (p < line.size() && IsBlank(line[p])) ++p;
      if (p < line.size() && line[p] == ',') ++p;
    }
  }

  std::string_view body_;
  size_t pos_ = 0;
  int line_ = 0;
  Status status_;
  Entry entry_ = Entry::kComment;

  std::string_view series_;
  std::string_view name_;
  bool name_quoted_ = false;
  std::vector<RawLabel> labels_;
  double value_ = 0;
  bool has_ts_ = false;
  int64_t ts_ = 0;

  std::string_view family_;
  std::string family_scratch_;
  std::string_view help_;
  std::string help_scratch_;
  MType type_ = MType::kUnknown;  // of the last TYPE line, as Prometheus keeps it
};

}  // namespace

std::unique_ptr<Parser> NewPromTextParser(std::string_view body) {
  return std::make_unique<PromTextParser>(body);
}

}  // namespace vigil::textparse
