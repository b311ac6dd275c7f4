// The OpenMetrics 1.0 text parser. The syntax is strict (single blanks, no
// trailing commas, "# EOF" last, no blank lines, no free comments), and by
// default so are the family rules of the specification, as the OpenMetrics
// parser suite checks them: metadata before samples and at most once, names
// that do not clash with earlier families, samples of a family grouped by
// label set with non-decreasing timestamps, counter-like values neither
// negative nor NaN, histogram buckets cumulative and ending in +Inf with a
// matching _count, info values 1, stateset values 0/1, valid quantiles, and
// exemplars only on counters' _total and histograms' _bucket.
//
// The family rules need no copy of a label: groups are tracked by hashes of
// the label pairs as written (so a group written with two different label
// orders or escapings reads as two groups).

#include <xxhash.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "base/strconv.h"
#include "collect/textparse/flat_hash_set.h"
#include "collect/textparse/lex.h"
#include "collect/textparse/parser.h"

namespace vigil::textparse {
namespace {

using internal::Got;
using internal::Is;
using internal::LineError;
using internal::RawLabel;
using MType = storage::MetricMetadata::Type;

constexpr size_t kMaxExemplarRunes = 128;

inline uint64_t Mix(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  x ^= x >> 31;
  return x;
}

inline uint64_t Hash(std::string_view s) { return XXH3_64bits(s.data(), s.size()); }

size_t CountRunes(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<uint8_t>(c) & 0xC0) != 0x80;
  return n;
}

// The sample-name suffixes a family of each type owns.
std::span<const std::string_view> Suffixes(MType t) {
  static constexpr std::string_view kCounter[] = {"_total", "_created"};
  static constexpr std::string_view kSummary[] = {"", "_count", "_sum", "_created"};
  static constexpr std::string_view kHistogram[] = {"_count", "_sum", "_bucket", "_created"};
  static constexpr std::string_view kGaugeHistogram[] = {"_gcount", "_gsum", "_bucket"};
  static constexpr std::string_view kInfo[] = {"_info"};
  static constexpr std::string_view kPlain[] = {""};
  switch (t) {
    case MType::kCounter:
      return kCounter;
    case MType::kSummary:
      return kSummary;
    case MType::kHistogram:
      return kHistogram;
    case MType::kGaugeHistogram:
      return kGaugeHistogram;
    case MType::kInfo:
      return kInfo;
    default:
      return kPlain;
  }
}

bool IsHistogramType(MType t) { return t == MType::kHistogram || t == MType::kGaugeHistogram; }

class OpenMetricsParser final : public Parser {
 public:
  OpenMetricsParser(std::string_view body, const OpenMetricsOptions& options)
      : body_(body), validate_(options.validate_families) {
    labels_.reserve(16);
  }

  Result<Entry> Next() override {
    if (!status_.ok()) return status_;
    if (done_) return Entry::kEOF;
    Status s = Step();
    if (!s.ok()) {
      status_ = std::move(s);
      return status_;
    }
    return entry_;
  }

  std::string_view SeriesBytes() const override { return series_; }
  double Value() const override { return value_; }
  std::optional<int64_t> Timestamp() const override {
    if (!has_ts_) return std::nullopt;
    return ts_ms_;
  }
  Result<model::Labels> Labels() const override {
    return internal::BuildLabels(name_raw_, name_quoted_, labels_, last_type_, line_);
  }
  // Looks ahead within the family for the <family>_created sample of the
  // same label set (without le or quantile); only when asked.
  std::optional<double> CreatedTimestamp() const override {
    if (entry_ != Entry::kSeries) return std::nullopt;
    const MType t = validate_ ? fam_type_ : last_type_;
    if (t != MType::kCounter && t != MType::kHistogram && t != MType::kSummary) {
      return std::nullopt;
    }
    std::string scratch;
    std::string_view name = name_quoted_ ? internal::Unescape(name_raw_, &scratch) : name_raw_;
    std::string_view suffix;
    if (validate_) {
      if (!name.starts_with(fam_)) return std::nullopt;
      suffix = name.substr(fam_.size());
    } else {
      for (std::string_view s : Suffixes(t)) {
        if (!s.empty() && name.ends_with(s)) suffix = s;
      }
    }
    if (suffix == "_created") return std::nullopt;
    std::string family(name.substr(0, name.size() - suffix.size()));
    std::string_view skip;
    if (suffix == "_bucket") skip = "le";
    if (t == MType::kSummary && suffix.empty()) skip = "quantile";
    const uint64_t key = PairsHash(labels_, skip);

    OpenMetricsOptions lenient;
    lenient.validate_families = false;
    OpenMetricsParser ahead(body_.substr(pos_), lenient);
    const std::string created = family + "_created";
    for (;;) {
      auto e = ahead.Next();
      if (!e.ok() || *e != Entry::kSeries) return std::nullopt;
      std::string_view n =
          ahead.name_quoted_ ? internal::Unescape(ahead.name_raw_, &scratch) : ahead.name_raw_;
      if (!n.starts_with(family)) return std::nullopt;
      if (n == created && PairsHash(ahead.labels_, {}) == key) return ahead.value_;
    }
  }

  bool Exemplar(textparse::Exemplar* out) const override {
    if (!has_exemplar_) return false;
    std::vector<RawLabel> raw;
    size_t p = 0;
    if (!ParseLabelSet(exemplar_labels_, &p, &raw, nullptr).ok()) return false;
    std::vector<model::Label> labels;
    labels.reserve(raw.size());
    for (const RawLabel& l : raw) {
      model::Label& dst = labels.emplace_back();
      if (l.name_quoted) {
        internal::AppendUnescaped(&dst.name, l.name);
      } else {
        dst.name.assign(l.name);
      }
      internal::AppendUnescaped(&dst.value, l.value);
    }
    out->labels = model::Labels(std::move(labels));
    out->value = exemplar_value_;
    out->timestamp_ms = exemplar_ts_ms_;
    return true;
  }

  std::string_view MetricFamily() const override { return fam_; }
  MType Type() const override { return last_type_; }
  std::string_view Help() const override { return help_; }
  std::string_view Unit() const override { return unit_; }

 private:
  Status Fail(std::string_view msg) const { return LineError(line_, msg); }
  Status Expected(std::string_view what, std::string_view line, size_t p) const {
    return Fail(fmt::format("expected {}, got {}", what, Got(line, p)));
  }

  Status Step() {
    if (pos_ >= body_.size()) return LineError(line_ + 1, "unexpected end of input, no \"# EOF\"");
    ++line_;
    const char* base = body_.data() + pos_;
    const char* nl = static_cast<const char*>(memchr(base, '\n', body_.size() - pos_));
    size_t len = nl != nullptr ? static_cast<size_t>(nl - base) : body_.size() - pos_;
    std::string_view line(base, len);
    pos_ += len + (nl != nullptr ? 1 : 0);
    if (line.empty()) return Fail("blank line");
    if (line[0] == '#') {
      if (line == "# EOF") {
        if (pos_ != body_.size()) return LineError(line_ + 1, "unexpected content after \"# EOF\"");
        Status s = CloseFamily();
        if (!s.ok()) return s;
        done_ = true;
        entry_ = Entry::kEOF;
        return Status::OK();
      }
      return ParseMetadata(line);
    }
    if (nl == nullptr) return Fail("last line has no newline and is not \"# EOF\"");
    return ParseSeries(line);
  }

  // Reads a metric name (bare or quoted) at line[*p].
  bool ReadMetricName(std::string_view line, size_t* pos, std::string_view* raw, bool* quoted) {
    size_t p = *pos;
    if (p < line.size() && line[p] == '"') {
      bool escaped = false;
      size_t end = internal::ScanQuoted(line, p, &escaped);
      if (end == std::string_view::npos) return false;
      *raw = line.substr(p + 1, end - p - 2);
      *quoted = true;
      *pos = end;
      return true;
    }
    if (p >= line.size() || !Is(line[p], internal::kMetricStart)) return false;
    size_t start = p;
    while (p < line.size() && Is(line[p], internal::kMetricChar)) ++p;
    *raw = line.substr(start, p - start);
    *quoted = false;
    *pos = p;
    return true;
  }

  Status ParseMetadata(std::string_view line) {
    Entry kind;
    if (line.starts_with("# HELP ")) {
      kind = Entry::kHelp;
    } else if (line.starts_with("# TYPE ")) {
      kind = Entry::kType;
    } else if (line.starts_with("# UNIT ")) {
      kind = Entry::kUnit;
    } else {
      return Fail(fmt::format("expected \"# HELP\", \"# TYPE\", \"# UNIT\" or \"# EOF\", got {}",
                              GoQuote(line.substr(0, std::min<size_t>(line.size(), 24)))));
    }
    std::string_view what = line.substr(2, 4);
    size_t p = 7;
    std::string_view raw;
    bool quoted = false;
    if (!ReadMetricName(line, &p, &raw, &quoted)) {
      return Expected(fmt::format("metric name after {}", what), line, p);
    }
    if (p >= line.size() || line[p] != ' ') {
      return Expected(fmt::format("blank after metric name in {}", what), line, p);
    }
    std::string_view rest = line.substr(p + 1);
    std::string_view name = quoted ? internal::Unescape(raw, &name_scratch_) : raw;
    if (quoted && name.empty()) return Fail("empty metric name");

    if (validate_ && fam_open_ && name == fam_) {
      if (fam_samples_) {
        return Fail(fmt::format("{} for {} after its samples", what, GoQuote(fam_)));
      }
    } else {
      Status s = CloseFamily();
      if (s.ok()) s = OpenFamily(name);
      if (!s.ok()) return s;
    }
    entry_ = kind;
    switch (kind) {
      case Entry::kHelp:
        if (validate_ && help_set_) return Fail(fmt::format("second HELP for {}", GoQuote(fam_)));
        help_set_ = true;
        help_ = internal::Unescape(rest, &help_scratch_);
        break;
      case Entry::kType: {
        if (validate_ && type_set_) return Fail(fmt::format("second TYPE for {}", GoQuote(fam_)));
        MType t;
        if (rest == "counter") {
          t = MType::kCounter;
        } else if (rest == "gauge") {
          t = MType::kGauge;
        } else if (rest == "histogram") {
          t = MType::kHistogram;
        } else if (rest == "gaugehistogram") {
          t = MType::kGaugeHistogram;
        } else if (rest == "summary") {
          t = MType::kSummary;
        } else if (rest == "info") {
          t = MType::kInfo;
        } else if (rest == "stateset") {
          t = MType::kStateset;
        } else if (rest == "unknown") {
          t = MType::kUnknown;
        } else {
          return Fail(fmt::format("invalid metric type {}", GoQuote(rest)));
        }
        type_set_ = true;
        fam_type_ = t;
        last_type_ = t;
        return CheckUnit();
      }
      case Entry::kUnit:
        if (validate_ && unit_set_) return Fail(fmt::format("second UNIT for {}", GoQuote(fam_)));
        unit_set_ = true;
        unit_.assign(rest);
        return CheckUnit();
      default:
        break;
    }
    return Status::OK();
  }

  Status CheckUnit() const {
    if (!validate_ || unit_.empty()) return Status::OK();
    if (fam_type_ == MType::kInfo || fam_type_ == MType::kStateset) {
      return Fail(fmt::format("{} of type {} cannot have a unit", GoQuote(fam_),
                              storage::MetricTypeName(fam_type_)));
    }
    if (fam_.size() <= unit_.size() || !std::string_view(fam_).ends_with(unit_) ||
        fam_[fam_.size() - unit_.size() - 1] != '_') {
      return Fail(
          fmt::format("metric name {} does not end in \"_{}\", its unit", GoQuote(fam_), unit_));
    }
    return Status::OK();
  }

  // The family's own name clashing with an earlier family fails its close
  // anyway; saying so at its first line points at the right place.
  Status OpenFamily(std::string_view name) {
    if (validate_ && seen_names_.Contains(Hash(name))) {
      return Fail(fmt::format("clashing name {}: an earlier metric family has it", GoQuote(name)));
    }
    fam_.assign(name);
    fam_open_ = true;
    fam_type_ = MType::kUnknown;
    type_set_ = help_set_ = unit_set_ = false;
    help_ = {};
    unit_.clear();
    fam_samples_ = false;
    has_group_ = false;
    seen_groups_.Clear();
    group_series_.clear();
    hist_ = HistogramGroup();
    return Status::OK();
  }

  Status CloseFamily() {
    if (!fam_open_) return Status::OK();
    fam_open_ = false;
    if (!validate_) return Status::OK();
    if (hist_.active) {
      Status s = FinishHistogramGroup();
      if (!s.ok()) return s;
    }
    auto claim = [&](std::string_view suffix) -> Status {
      name_scratch_.assign(fam_);
      name_scratch_.append(suffix);
      if (!seen_names_.Insert(Hash(name_scratch_))) {
        return Fail(fmt::format("clashing name {}: an earlier metric family has it",
                                GoQuote(name_scratch_)));
      }
      return Status::OK();
    };
    bool has_plain = false;
    for (std::string_view suffix : Suffixes(fam_type_)) {
      has_plain |= suffix.empty();
      Status s = claim(suffix);
      if (!s.ok()) return s;
    }
    if (!has_plain) return claim("");
    return Status::OK();
  }

  Status ParseSeries(std::string_view line) {
    entry_ = Entry::kSeries;
    labels_.clear();
    name_raw_ = {};
    name_quoted_ = false;
    has_ts_ = false;
    has_exemplar_ = false;
    size_t p = 0;
    bool have_name = false;
    if (Is(line[0], internal::kMetricStart)) {
      while (p < line.size() && Is(line[p], internal::kMetricChar)) ++p;
      name_raw_ = line.substr(0, p);
      have_name = true;
    } else if (line[0] != '{') {
      return Expected("metric name", line, 0);
    }
    if (p < line.size() && line[p] == '{') {
      Status s = ParseLabelSet(line, &p, &labels_, &have_name);
      if (!s.ok()) return s;
    }
    if (!have_name) return Fail("metric name not set");
    series_ = line.substr(0, p);
    if (p >= line.size() || line[p] != ' ') return Expected("blank and value", line, p);
    ++p;
    size_t vstart = p;
    while (p < line.size() && line[p] != ' ') ++p;
    std::string_view token = line.substr(vstart, p - vstart);
    if (token.empty()) return Expected("value", line, vstart);
    if (!internal::ParseValue(token, &value_)) return Fail(internal::ValueError(token));

    double ts_seconds = 0;
    if (p < line.size()) {
      ++p;  // the blank
      if (p == line.size()) return Expected("timestamp or exemplar", line, p);
      if (line[p] != '#') {
        size_t tstart = p;
        while (p < line.size() && line[p] != ' ') ++p;
        Status s = ParseTimestamp(line, tstart, p, &ts_seconds, &ts_ms_);
        if (!s.ok()) return s;
        has_ts_ = true;
        if (p < line.size())
          ++p;
        else
          p = line.size() + 1;  // no exemplar
      }
      if (p <= line.size()) {
        Status s = ParseExemplar(line, p);
        if (!s.ok()) return s;
      }
    }
    if (!validate_) return Status::OK();
    return CheckSample(has_ts_ ? std::optional<double>(ts_seconds) : std::nullopt);
  }

  Status ParseTimestamp(std::string_view line, size_t start, size_t end, double* seconds,
                        int64_t* ms) const {
    std::string_view token = line.substr(start, end - start);
    if (token.empty()) return Expected("timestamp", line, start);
    if (!internal::ParseValue(token, seconds)) {
      return Fail(fmt::format("invalid timestamp: {}", internal::ValueError(token)));
    }
    if (std::isnan(*seconds) || std::isinf(*seconds)) {
      return Fail(fmt::format("invalid timestamp {}", GoQuote(token)));
    }
    // As Prometheus: int64(seconds * 1000), truncating; clamped, not wrapped.
    double m = *seconds * 1000;
    if (m >= 9.2233720368547758e18) {
      *ms = INT64_MAX;
    } else if (m <= -9.2233720368547758e18) {
      *ms = INT64_MIN;
    } else {
      *ms = static_cast<int64_t>(m);
    }
    return Status::OK();
  }

  // line[p] should start "# {labels} value [timestamp]", the rest of the line.
  Status ParseExemplar(std::string_view line, size_t p) {
    if (line.substr(p, 3) != "# {") return Expected("exemplar \"# {\"", line, p);
    p += 2;
    size_t lstart = p;
    exemplar_scratch_.clear();
    Status s = ParseLabelSet(line, &p, &exemplar_scratch_, nullptr);
    if (!s.ok()) return s;
    exemplar_labels_ = line.substr(lstart, p - lstart);
    size_t runes = 0;
    for (const RawLabel& l : exemplar_scratch_) {
      runes += CountRunes(internal::Unescape(l.name, &name_scratch_));
      runes += CountRunes(internal::Unescape(l.value, &name_scratch_));
    }
    if (runes > kMaxExemplarRunes) {
      return Fail(
          fmt::format("exemplar labels have {} runes, more than {}", runes, kMaxExemplarRunes));
    }
    if (p >= line.size() || line[p] != ' ') return Expected("blank and exemplar value", line, p);
    ++p;
    size_t vstart = p;
    while (p < line.size() && line[p] != ' ') ++p;
    std::string_view token = line.substr(vstart, p - vstart);
    if (token.empty()) return Expected("exemplar value", line, vstart);
    if (!internal::ParseValue(token, &exemplar_value_)) {
      return Fail(fmt::format("invalid exemplar value: {}", internal::ValueError(token)));
    }
    exemplar_ts_ms_.reset();
    if (p < line.size()) {
      ++p;
      size_t tstart = p;
      while (p < line.size() && line[p] != ' ') ++p;
      double seconds;
      int64_t ms;
      s = ParseTimestamp(line, tstart, p, &seconds, &ms);
      if (!s.ok()) return s;
      if (p != line.size()) return Expected("end of line", line, p);
      exemplar_ts_ms_ = ms;
    }
    has_exemplar_ = true;
    return Status::OK();
  }

  // line[*pos] is '{'. Leaves *pos just past the '}'. have_name non-null:
  // a series' label set, where a lone quoted string is the metric name.
  Status ParseLabelSet(std::string_view line, size_t* pos, std::vector<RawLabel>* out,
                       bool* have_name) const {
    size_t p = *pos + 1;
    if (p < line.size() && line[p] == '}') {
      *pos = p + 1;
      return Status::OK();
    }
    for (;;) {
      if (p >= line.size()) return Expected("label name", line, p);
      RawLabel l;
      if (line[p] == '"') {
        bool escaped = false;
        size_t end = internal::ScanQuoted(line, p, &escaped);
        if (end == std::string_view::npos) return Expected("label name", line, p);
        std::string_view inner = line.substr(p + 1, end - p - 2);
        p = end;
        if (have_name != nullptr && p < line.size() && (line[p] == ',' || line[p] == '}')) {
          if (*have_name) return Fail("metric name already set");
          *have_name = true;
          name_raw_ = inner;
          name_quoted_ = true;
          if (line[p] == '}') {
            *pos = p + 1;
            return Status::OK();
          }
          ++p;
          continue;
        }
        l.name = inner;
        l.name_quoted = true;
      } else if (Is(line[p], internal::kLabelStart)) {
        size_t start = p;
        while (p < line.size() && Is(line[p], internal::kLabelChar)) ++p;
        l.name = line.substr(start, p - start);
      } else {
        return Expected("label name", line, p);
      }
      if (p >= line.size() || line[p] != '=') return Expected("\"=\" after label name", line, p);
      ++p;
      if (p >= line.size() || line[p] != '"') return Expected("quoted label value", line, p);
      bool escaped = false;
      size_t end = internal::ScanQuoted(line, p, &escaped);
      if (end == std::string_view::npos) return Expected("quoted label value", line, p);
      l.value = line.substr(p + 1, end - p - 2);
      out->push_back(l);
      p = end;
      if (p < line.size() && line[p] == ',') {
        ++p;
        continue;
      }
      if (p < line.size() && line[p] == '}') {
        *pos = p + 1;
        return Status::OK();
      }
      return Expected("\",\" or \"}\" after label value", line, p);
    }
  }

  // An order-independent hash of the label pairs as written, without skip.
  static uint64_t PairsHash(const std::vector<RawLabel>& labels, std::string_view skip) {
    uint64_t h = 0;
    for (const RawLabel& l : labels) {
      if (!skip.empty() && l.name == skip) continue;
      const char* b = l.name.data();
      const char* e = l.value.data() + l.value.size();
      h += Mix(XXH3_64bits(b, static_cast<size_t>(e - b)));
    }
    return h;
  }

  const RawLabel* FindLabel(std::string_view name) const {
    for (const RawLabel& l : labels_) {
      if (l.name == name) return &l;
    }
    return nullptr;
  }

  // The family rules for the sample just parsed.
  Status CheckSample(std::optional<double> ts) {
    std::string_view name =
        name_quoted_ ? internal::Unescape(name_raw_, &sample_name_scratch_) : name_raw_;
    std::string_view suffix;
    if (!BelongsToFamily(name, &suffix)) {
      Status s = CloseFamily();
      if (!s.ok()) return s;
      if (name.empty()) return Fail("empty metric name");
      s = OpenFamily(name);
      if (!s.ok()) return s;
      type_set_ = true;
      suffix = {};
    }
    fam_samples_ = true;
    const MType t = fam_type_;

    if (t == MType::kStateset && FindLabel(fam_) == nullptr) {
      return Fail(fmt::format("stateset sample has no label {}", GoQuote(fam_)));
    }
    double le = 0;
    const bool bucket = suffix == "_bucket";
    if (bucket) {
      const RawLabel* l = FindLabel("le");
      if (l == nullptr) return Fail("histogram bucket without le label");
      std::string_view v = internal::Unescape(l->value, &value_scratch_);
      if (!internal::ParseValue(v, &le) || std::isnan(le) ||
          (std::isinf(le) && v != "+Inf" && v != "-Inf")) {
        return Fail(fmt::format("invalid le label {}", GoQuote(v)));
      }
    }
    if (t == MType::kSummary && suffix.empty()) {
      const RawLabel* l = FindLabel("quantile");
      double q = -1;
      std::string_view v;
      if (l != nullptr) v = internal::Unescape(l->value, &value_scratch_);
      if (l == nullptr || !internal::ParseValue(v, &q) || !(q >= 0 && q <= 1)) {
        return Fail(fmt::format("invalid quantile label {}", GoQuote(v)));
      }
    }

    // Groups: the label set without le (buckets), quantile (quantiles) or
    // the state label (statesets); an info family is one group.
    uint64_t group = 0;
    if (t != MType::kInfo) {
      std::string_view skip;
      if (bucket) {
        skip = "le";
      } else if (t == MType::kSummary && suffix.empty()) {
        skip = "quantile";
      } else if (t == MType::kStateset) {
        skip = fam_;
      }
      group = PairsHash(labels_, skip);
    }
    const bool same_group = has_group_ && group == group_;
    if (has_group_ && !same_group && seen_groups_.Contains(group)) {
      return Fail(fmt::format("samples of {} are not grouped by label set", GoQuote(fam_)));
    }
    if (same_group) {
      if (ts.has_value() != group_ts_.has_value()) {
        return Fail("some samples of a group have timestamps and others not");
      }
      if (group_ts_.has_value() && *group_ts_ > *ts && t != MType::kInfo) {
        return Fail("timestamps go backwards within a group");
      }
    } else {
      group_series_.clear();
    }
    // A repeated series at the same timestamp is a duplicate the histogram
    // checks ignore (only they look at more than one sample).
    bool duplicate = false;
    if (IsHistogramType(t)) {
      const uint64_t series_id = Hash(series_);
      if (ts == group_ts_) {
        for (uint64_t id : group_series_) duplicate |= id == series_id;
      }
      group_series_.push_back(series_id);
    }
    group_ = group;
    group_ts_ = ts;
    has_group_ = true;
    seen_groups_.Insert(group);

    const double v = value_;
    if (t == MType::kStateset && v != 0 && v != 1) {
      return Fail("stateset values must be 0 or 1");
    }
    if (t == MType::kInfo && v != 1) return Fail("info values must be 1");
    if (t == MType::kSummary && suffix.empty() && v < 0) {
      return Fail("quantile values cannot be negative");
    }
    const bool counter_like = suffix == "_total" || suffix == "_sum" || suffix == "_count" ||
                              bucket || suffix == "_gcount";
    if ((counter_like || suffix == "_gsum") && std::isnan(v)) {
      return Fail(fmt::format("{} cannot be NaN", GoQuote(name)));
    }
    if (counter_like && v < 0) return Fail(fmt::format("{} cannot be negative", GoQuote(name)));
    if (has_exemplar_ &&
        !((IsHistogramType(t) && bucket) || (t == MType::kCounter && suffix == "_total"))) {
      return Fail("exemplars are allowed only on counters' _total and histograms' _bucket");
    }
    if (IsHistogramType(t) && !duplicate) return HistogramSample(group, ts, suffix, le, v);
    return Status::OK();
  }

  bool BelongsToFamily(std::string_view name, std::string_view* suffix) const {
    if (!fam_open_ || name.size() < fam_.size() ||
        memcmp(name.data(), fam_.data(), fam_.size()) != 0) {
      return false;
    }
    std::string_view s = name.substr(fam_.size());
    for (std::string_view allowed : Suffixes(fam_type_)) {
      if (s == allowed) {
        *suffix = s;
        return true;
      }
    }
    return false;
  }

  struct HistogramGroup {
    bool active = false;
    uint64_t group = 0;
    std::optional<double> ts;
    std::optional<double> bucket;  // le of the last bucket
    double bucket_value = 0;
    std::optional<double> count;
    bool negative_buckets = false;
    bool has_sum = false;
    bool has_gsum = false;
    bool negative_gsum = false;
  };

  Status HistogramSample(uint64_t group, std::optional<double> ts, std::string_view suffix,
                         double le, double v) {
    if (!hist_.active || hist_.group != group || hist_.ts != ts) {
      if (hist_.active) {
        Status s = FinishHistogramGroup();
        if (!s.ok()) return s;
      }
      hist_ = HistogramGroup();
      hist_.active = true;
      hist_.group = group;
      hist_.ts = ts;
    }
    if (suffix == "_bucket") {
      if (le < 0) hist_.negative_buckets = true;
      if (hist_.bucket.has_value() && le <= *hist_.bucket) {
        return Fail("histogram buckets out of order");
      }
      if (v < hist_.bucket_value) return Fail("histogram bucket counts decrease");
      hist_.bucket = le;
      hist_.bucket_value = v;
    } else if (suffix == "_count" || suffix == "_gcount") {
      hist_.count = v;
    } else if (suffix == "_sum") {
      hist_.has_sum = true;
    } else if (suffix == "_gsum") {
      hist_.has_gsum = true;
      if (v < 0) hist_.negative_gsum = true;
    }
    return Status::OK();
  }

  Status FinishHistogramGroup() {
    const HistogramGroup h = hist_;
    hist_.active = false;
    if (!h.bucket.has_value() || !std::isinf(*h.bucket) || *h.bucket < 0) {
      return Fail(fmt::format("histogram {} has no +Inf bucket", GoQuote(fam_)));
    }
    if (h.count.has_value() && *h.count != h.bucket_value) {
      return Fail(fmt::format("histogram {}: count does not match the +Inf bucket", GoQuote(fam_)));
    }
    if ((h.has_sum || h.has_gsum) && !h.count.has_value()) {
      return Fail(fmt::format("histogram {} has a sum but no count", GoQuote(fam_)));
    }
    if (!(h.has_sum || h.has_gsum) && h.count.has_value()) {
      return Fail(fmt::format("histogram {} has a count but no sum", GoQuote(fam_)));
    }
    if (h.negative_buckets && h.has_sum) {
      return Fail(fmt::format("histogram {} has negative buckets and a _sum", GoQuote(fam_)));
    }
    if (!h.negative_buckets && h.negative_gsum) {
      return Fail(fmt::format("gauge histogram {} has a negative _gsum without negative buckets",
                              GoQuote(fam_)));
    }
    return Status::OK();
  }

  std::string_view body_;
  const bool validate_;
  size_t pos_ = 0;
  int line_ = 0;
  Status status_;
  bool done_ = false;
  Entry entry_ = Entry::kComment;

  // The current sample. name_raw_ and name_quoted_ are mutable because the
  // label-set scanner (const, shared with Exemplar()) may find the name.
  std::string_view series_;
  mutable std::string_view name_raw_;
  mutable bool name_quoted_ = false;
  std::vector<RawLabel> labels_;
  double value_ = 0;
  bool has_ts_ = false;
  int64_t ts_ms_ = 0;
  bool has_exemplar_ = false;
  std::string_view exemplar_labels_;
  double exemplar_value_ = 0;
  std::optional<int64_t> exemplar_ts_ms_;
  std::vector<RawLabel> exemplar_scratch_;

  // Metadata.
  MType last_type_ = MType::kUnknown;  // of the last TYPE line, as Prometheus keeps it
  std::string_view help_;
  std::string help_scratch_;
  std::string unit_;

  // The current family and the rules' bookkeeping.
  bool fam_open_ = false;
  std::string fam_;
  MType fam_type_ = MType::kUnknown;
  bool type_set_ = false;
  bool help_set_ = false;
  bool unit_set_ = false;
  bool fam_samples_ = false;
  bool has_group_ = false;
  uint64_t group_ = 0;
  std::optional<double> group_ts_;
  std::vector<uint64_t> group_series_;
  internal::FlatHashSet seen_groups_;
  internal::FlatHashSet seen_names_;
  HistogramGroup hist_;

  std::string name_scratch_;
  std::string sample_name_scratch_;
  std::string value_scratch_;
};

}  // namespace

std::unique_ptr<Parser> NewOpenMetricsParser(std::string_view body) {
  return NewOpenMetricsParser(body, OpenMetricsOptions());
}

std::unique_ptr<Parser> NewOpenMetricsParser(std::string_view body,
                                             const OpenMetricsOptions& options) {
  return std::make_unique<OpenMetricsParser>(body, options);
}

}  // namespace vigil::textparse
