#include "process/relabel/relabel.h"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <re2/re2.h>

#include <algorithm>
#include <array>
#include <charconv>

#include "base/strconv.h"
#include "process/relabel/go_regexp.h"
#include "process/relabel/go_template.h"
#include "process/relabel/unicode_case.h"

namespace vigil::relabel {

namespace {

using model::Label;

constexpr Action kAllActions[] = {
    Action::kReplace,   Action::kKeep,      Action::kDrop,      Action::kKeepEqual,
    Action::kDropEqual, Action::kHashMod,   Action::kLabelMap,  Action::kLabelDrop,
    Action::kLabelKeep, Action::kLowercase, Action::kUppercase,
};

constexpr std::string_view kDefaultRegex = "(.*)";
constexpr std::string_view kDefaultReplacement = "$1";
constexpr std::string_view kDefaultSeparator = ";";

// model.LabelName.IsValid under the chosen scheme.
bool IsValidLabelName(std::string_view s, bool utf8_names) {
  if (s.empty()) return false;
  return utf8_names ? model::IsValidUTF8(s) : IsLegacyLabelName(s);
}

// relabel.go's varInRegexTemplate.
bool HasTemplateVar(std::string_view s) { return s.find('$') != std::string_view::npos; }

// A legacy label name in which $1, ${1}, $name or ${name} may stand for
// characters (relabel.go's relabelTarget); under UTF-8 names any valid name.
bool IsValidNameWithTemplateVars(std::string_view s, bool utf8_names) {
  if (utf8_names) return IsValidLabelName(s, true);
  static const RE2 relabel_target(R"(^(?:(?:[a-zA-Z_]|\$(?:\{\w+\}|\w+))+\w*)+$)");
  return RE2::PartialMatch(re2::StringPiece(s.data(), s.size()), relabel_target);
}

Status Invalid(std::string msg) { return Status::InvalidArgument(msg); }

// relabel.Config.Validate, after the regex has compiled.
Status ValidateFields(const RelabelConfig& c, bool utf8_names) {
  const Action a = c.action;
  const char* name = ActionName(a);
  if (a == Action::kHashMod && c.modulus == 0) {
    return Invalid("relabel configuration for hashmod requires non-zero modulus");
  }
  const bool case_or_equal = a == Action::kLowercase || a == Action::kUppercase ||
                             a == Action::kKeepEqual || a == Action::kDropEqual;
  if ((a == Action::kReplace || a == Action::kHashMod || case_or_equal) && c.target_label.empty()) {
    return Invalid(
        fmt::format("relabel configuration for {} action requires 'target_label' value", name));
  }
  auto bad_target = [&] {
    return Invalid(
        fmt::format("{} is invalid 'target_label' for {} action", GoQuote(c.target_label), name));
  };
  if (a == Action::kReplace && !HasTemplateVar(c.target_label) &&
      !IsValidLabelName(c.target_label, utf8_names)) {
    return bad_target();
  }
  if (a == Action::kReplace && !IsValidNameWithTemplateVars(c.target_label, utf8_names)) {
    return bad_target();
  }
  if (case_or_equal && !IsValidLabelName(c.target_label, utf8_names)) return bad_target();
  if (case_or_equal && c.replacement != kDefaultReplacement) {
    return Invalid(fmt::format("'replacement' can not be set for {} action", name));
  }
  if (a == Action::kLabelMap && !IsValidNameWithTemplateVars(c.replacement, utf8_names)) {
    return Invalid(
        fmt::format("{} is invalid 'replacement' for {} action", GoQuote(c.replacement), name));
  }
  if (a == Action::kHashMod && !IsValidLabelName(c.target_label, utf8_names)) return bad_target();
  // Prometheus compares the regex by identity with the default one, so any
  // regex written in the file counts, even "(.*)".
  const bool regex_written = c.regex_set || c.regex != kDefaultRegex;
  if (a == Action::kKeepEqual || a == Action::kDropEqual) {
    if (regex_written || c.modulus != 0 || c.separator != kDefaultSeparator ||
        c.replacement != kDefaultReplacement) {
      return Invalid(fmt::format(
          "{} action requires only 'source_labels' and `target_label`, and no other fields", name));
    }
  }
  if (a == Action::kLabelDrop || a == Action::kLabelKeep) {
    if (c.source_labels_set || !c.source_labels.empty() || !c.target_label.empty() ||
        c.modulus != 0 || c.separator != kDefaultSeparator ||
        c.replacement != kDefaultReplacement) {
      return Invalid(fmt::format("{} action requires only 'regex', and no other fields", name));
    }
  }
  return Status::OK();
}

// The last 8 bytes of md5(s), big-endian, as relabel.go's hashmod reads
// them.
uint64_t Md5Low64(std::string_view s) {
  static EVP_MD* const md5 = EVP_MD_fetch(nullptr, "MD5", nullptr);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (md5 == nullptr || EVP_Digest(s.data(), s.size(), digest, &len, md5, nullptr) != 1 ||
      len != 16) {
    return 0;
  }
  uint64_t v = 0;
  for (int i = 8; i < 16; ++i) v = (v << 8) | digest[i];
  return v;
}

// RE2 matches text as Go's regexp does, except that Go reads each byte of
// invalid UTF-8 as U+FFFD (which "." and "[^x]" match) where RE2 matches
// nothing. A failed match on invalid UTF-8 is therefore retried on a copy
// with those bytes replaced, and the submatches mapped back to the original
// bytes, so that (.*) keeps and copies such a value as Prometheus does.
bool MatchAsGo(const RE2& re, std::string_view text, re2::StringPiece* sub, int nsub) {
  if (re.Match(re2::StringPiece(text.data(), text.size()), 0, text.size(), RE2::UNANCHORED, sub,
               nsub)) {
    return true;
  }
  if (model::IsValidUTF8(text)) return false;
  std::string fixed;
  std::vector<size_t> original;  // offset in fixed -> offset in text
  fixed.reserve(text.size() + 8);
  original.reserve(text.size() + 9);
  for (size_t i = 0; i < text.size();) {
    int width = 1;
    int32_t r = Utf8DecodeRune(text, i, &width);
    if (r == kUtf8RuneError && width == 1) {
      fixed.append("\xEF\xBF\xBD");
      original.insert(original.end(), 3, i);
    } else {
      fixed.append(text.substr(i, width));
      for (int k = 0; k < width; ++k) original.push_back(i + k);
    }
    i += width;
  }
  original.push_back(text.size());
  if (!re.Match(fixed, 0, fixed.size(), RE2::UNANCHORED, sub, nsub)) return false;
  for (int g = 0; g < nsub; ++g) {
    if (sub[g].data() == nullptr) continue;
    size_t begin = original[sub[g].data() - fixed.data()];
    size_t end = original[sub[g].data() + sub[g].size() - fixed.data()];
    sub[g] = re2::StringPiece(text.data() + begin, end - begin);
  }
  return true;
}

// Prometheus' labels.Builder, whose behaviour relabeling depends on: a base
// set, the labels set since (in the order they were first set) and the names
// deleted. Range (here Snapshot) visits the base labels not deleted or
// replaced, in order, and then the set ones in insertion order; that order
// decides which label wins when labelmap maps two labels to one name.
class PromBuilder {
 public:
  explicit PromBuilder(const std::vector<Label>& base) : base_(base) {}

  std::string_view Get(std::string_view name) const {
    for (const Label& l : add_) {
      if (l.name == name) return l.value;
    }
    for (const std::string& d : del_) {
      if (d == name) return {};
    }
    auto it = std::lower_bound(base_.begin(), base_.end(), name,
                               [](const Label& l, std::string_view n) { return l.name < n; });
    if (it != base_.end() && it->name == name) return it->value;
    return {};
  }

  void Set(std::string_view name, std::string_view value) {
    if (value.empty()) {
      Del(name);
      return;
    }
    for (Label& l : add_) {
      if (l.name == name) {
        l.value.assign(value);
        return;
      }
    }
    add_.push_back(Label{std::string(name), std::string(value)});
  }

  void Del(std::string_view name) {
    std::erase_if(add_, [&](const Label& l) { return l.name == name; });
    del_.emplace_back(name);
  }

  // Visits the labels in Range order; fn may call Set and Del, which the
  // visit does not see.
  template <typename Fn>
  void Range(Fn fn) {
    // The base never changes, so pointers into it stay valid; the set
    // labels may, so they are copied (there are few).
    std::vector<const Label*> base;
    base.reserve(base_.size());
    for (const Label& l : base_) {
      if (!Hidden(l.name)) base.push_back(&l);
    }
    std::vector<Label> added = add_;
    for (const Label* l : base) fn(*l);
    for (const Label& l : added) fn(l);
  }

  bool changed() const { return !add_.empty() || !del_.empty(); }

  // The labels as a sorted vector (Builder.Labels).
  std::vector<Label> Build() const {
    std::vector<Label> out;
    out.reserve(base_.size() + add_.size());
    for (const Label& l : base_) {
      if (!Hidden(l.name)) out.push_back(l);
    }
    if (!add_.empty()) {
      out.insert(out.end(), add_.begin(), add_.end());
      std::sort(out.begin(), out.end(),
                [](const Label& a, const Label& b) { return a.name < b.name; });
    }
    return out;
  }

 private:
  bool Hidden(std::string_view name) const {
    for (const std::string& d : del_) {
      if (d == name) return true;
    }
    for (const Label& l : add_) {
      if (l.name == name) return true;
    }
    return false;
  }

  const std::vector<Label>& base_;
  std::vector<Label> add_;
  std::vector<std::string> del_;
};

// Submatch storage: on the stack for the usual few groups.
class Submatches {
 public:
  static constexpr int kInline = 8;
  explicit Submatches(int n) : n_(n) {
    if (n_ > kInline) {
      heap_.resize(n_);
      heap_views_.resize(n_);
    }
  }
  re2::StringPiece* data() { return n_ > kInline ? heap_.data() : inline_.data(); }
  int size() const { return n_; }
  // As string_views (null data() for groups that did not take part).
  std::span<const std::string_view> Views() {
    std::string_view* v = views();
    re2::StringPiece* p = data();
    for (int i = 0; i < n_; ++i) v[i] = std::string_view(p[i].data(), p[i].size());
    return {v, static_cast<size_t>(n_)};
  }
  // Every group is the whole text (a match of (.*)).
  std::span<const std::string_view> AllWhole(std::string_view text) {
    std::string_view* v = views();
    for (int i = 0; i < n_; ++i) v[i] = text;
    return {v, static_cast<size_t>(n_)};
  }

 private:
  std::string_view* views() { return n_ > kInline ? heap_views_.data() : inline_views_.data(); }

  int n_;
  std::array<re2::StringPiece, kInline> inline_{};
  std::array<std::string_view, kInline> inline_views_{};
  std::vector<re2::StringPiece> heap_;
  std::vector<std::string_view> heap_views_;
};

}  // namespace

const char* ActionName(Action a) {
  switch (a) {
    case Action::kReplace:
      return "replace";
    case Action::kKeep:
      return "keep";
    case Action::kDrop:
      return "drop";
    case Action::kKeepEqual:
      return "keepequal";
    case Action::kDropEqual:
      return "dropequal";
    case Action::kHashMod:
      return "hashmod";
    case Action::kLabelMap:
      return "labelmap";
    case Action::kLabelDrop:
      return "labeldrop";
    case Action::kLabelKeep:
      return "labelkeep";
    case Action::kLowercase:
      return "lowercase";
    case Action::kUppercase:
      return "uppercase";
  }
  return "unknown";
}

Result<Action> ParseAction(std::string_view name) {
  // Prometheus lower-cases with strings.ToLower, so Unicode case folds
  // count too (the Kelvin sign is a 'k').
  const std::string lower = GoToLower(name);
  for (Action a : kAllActions) {
    if (lower == ActionName(a)) return a;
  }
  return Status::InvalidArgument(fmt::format("unknown relabel action {}", GoQuote(name)));
}

Status Validate(const RelabelConfig& cfg, bool utf8_names) {
  // Prometheus compiles the regex while reading the YAML, before Validate
  // runs, so a bad regex is reported first.
  auto re = CompileRelabelRegex(cfg.regex);
  if (!re.ok()) return re.status();
  return ValidateFields(cfg, utf8_names);
}

struct Relabeler::Rule {
  Action action = Action::kReplace;
  std::vector<std::string> source_labels;
  std::string separator;
  std::unique_ptr<RE2> regex;
  uint64_t modulus = 0;
  std::string target_label;
  ExpandTemplate target_template;       // replace
  ExpandTemplate replacement_template;  // replace, labelmap
  int submatches = 0;                   // how many groups the templates read
  bool default_regex = false;           // "(.*)": every value matches whole
  bool utf8_names = true;

  bool Matches(std::string_view s) const { return MatchAsGo(*regex, s, nullptr, 0); }
  bool MatchGroups(std::string_view s, Submatches* m) const {
    return MatchAsGo(*regex, s, m->data(), m->size());
  }

  // Returns false if the label set is dropped.
  bool Apply(PromBuilder* b, std::string* val) const;
};

bool Relabeler::Rule::Apply(PromBuilder* b, std::string* val) const {
  val->clear();
  for (size_t i = 0; i < source_labels.size(); ++i) {
    if (i > 0) val->append(separator);
    val->append(b->Get(source_labels[i]));
  }
  switch (action) {
    case Action::kDrop:
      return !Matches(*val);
    case Action::kKeep:
      return Matches(*val);
    case Action::kDropEqual:
      return b->Get(target_label) != *val;
    case Action::kKeepEqual:
      return b->Get(target_label) == *val;
    case Action::kReplace: {
      Submatches m(submatches);
      std::span<const std::string_view> groups;
      if (default_regex) {
        // (?s:(.*)) matches anything (MatchAsGo included): both groups are
        // the whole value.
        groups = m.AllWhole(*val);
      } else {
        if (!MatchGroups(*val, &m)) break;
        groups = m.Views();
      }
      std::string expanded_target;
      std::string_view target = target_template.literal_text();
      if (!target_template.is_literal()) {
        target_template.Expand(groups, &expanded_target);
        target = expanded_target;
      }
      if (!IsValidLabelName(target, utf8_names)) break;
      std::string res;
      replacement_template.Expand(groups, &res);
      if (res.empty()) {
        b->Del(target);
      } else {
        b->Set(target, res);
      }
      break;
    }
    case Action::kLowercase:
      b->Set(target_label, GoToLower(*val));
      break;
    case Action::kUppercase:
      b->Set(target_label, GoToUpper(*val));
      break;
    case Action::kHashMod: {
      uint64_t mod = Md5Low64(*val) % modulus;
      char buf[24];
      auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), mod);
      b->Set(target_label, std::string_view(buf, end - buf));
      break;
    }
    case Action::kLabelMap:
      b->Range([&](const Label& l) {
        Submatches m(replacement_template.groups_needed());
        if (!MatchGroups(l.name, &m)) return;
        std::string res;
        replacement_template.Expand(m.Views(), &res);
        b->Set(res, l.value);
      });
      break;
    case Action::kLabelDrop:
      b->Range([&](const Label& l) {
        if (Matches(l.name)) b->Del(l.name);
      });
      break;
    case Action::kLabelKeep:
      b->Range([&](const Label& l) {
        if (!Matches(l.name)) b->Del(l.name);
      });
      break;
  }
  return true;
}

Relabeler::Relabeler() = default;
Relabeler::~Relabeler() = default;

Result<std::shared_ptr<const Relabeler>> Relabeler::Compile(const std::vector<RelabelConfig>& cfgs,
                                                            bool utf8_names) {
  std::shared_ptr<Relabeler> r(new Relabeler());
  r->rules_.reserve(cfgs.size());
  for (const RelabelConfig& c : cfgs) {
    auto re = CompileRelabelRegex(c.regex);
    if (!re.ok()) return re.status();
    VIGIL_RETURN_IF_ERROR(ValidateFields(c, utf8_names));
    Rule rule;
    rule.action = c.action;
    rule.source_labels = c.source_labels;
    rule.separator = c.separator;
    rule.regex = std::move(re).value();
    rule.modulus = c.modulus;
    rule.target_label = c.target_label;
    rule.utf8_names = utf8_names;
    rule.default_regex = c.regex == kDefaultRegex && rule.regex->NumberOfCapturingGroups() == 1;
    if (c.action == Action::kReplace) {
      rule.target_template = ExpandTemplate(c.target_label, *rule.regex);
      rule.replacement_template = ExpandTemplate(c.replacement, *rule.regex);
      rule.submatches =
          std::max(rule.target_template.groups_needed(), rule.replacement_template.groups_needed());
    } else if (c.action == Action::kLabelMap) {
      rule.replacement_template = ExpandTemplate(c.replacement, *rule.regex);
      rule.submatches = rule.replacement_template.groups_needed();
    }
    r->rules_.push_back(std::move(rule));
  }
  return std::shared_ptr<const Relabeler>(std::move(r));
}

bool Relabeler::empty() const { return rules_.empty(); }

bool Relabeler::Process(model::LabelsBuilder* labels) const {
  PromBuilder b(labels->labels());
  std::string val;
  for (const Rule& rule : rules_) {
    if (!rule.Apply(&b, &val)) return false;
  }
  if (!b.changed()) return !labels->labels().empty();
  std::vector<Label> out = b.Build();
  if (out.empty()) return false;
  labels->Reset(model::Labels::FromSorted(std::move(out)));
  return true;
}

model::Labels Relabeler::Process(const model::Labels& labels) const {
  PromBuilder b(labels.vec());
  std::string val;
  for (const Rule& rule : rules_) {
    if (!rule.Apply(&b, &val)) return model::Labels();
  }
  if (!b.changed()) return labels;
  return model::Labels::FromSorted(b.Build());
}

}  // namespace vigil::relabel
