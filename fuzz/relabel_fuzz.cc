// Fuzz target for relabeling: the input is a small text script of rules and
// a label set (see below). Every rule must compile or fail with a message
// that Validate gives too; a compiled list must apply to the label set
// without crashing, the Labels and LabelsBuilder forms must agree, and the
// result must be sorted with unique names.
//
// Script: lines up to a line "--" are rules, after it labels.
//   rule:   action \t sources \t separator \t regex \t modulus \t target \t replacement
//           (sources comma-separated; a field "-" or a missing field keeps
//           Prometheus' default and counts as not written)
//   label:  name \t value
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "process/relabel/relabel.h"

namespace {

using vigil::relabel::RelabelConfig;

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == sep) {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return out;
}

bool ParseRule(std::string_view line, RelabelConfig* c) {
  std::vector<std::string_view> f = Split(line, '\t');
  f.resize(7, "-");
  auto set = [](std::string_view v) { return v != "-"; };
  if (set(f[0])) {
    auto a = vigil::relabel::ParseAction(f[0]);
    if (!a.ok()) {
      if (a.status().message().empty()) std::abort();
      return false;
    }
    c->action = *a;
  }
  if (set(f[1])) {
    c->source_labels_set = true;
    if (!f[1].empty()) {
      for (std::string_view s : Split(f[1], ',')) c->source_labels.emplace_back(s);
    }
  }
  if (set(f[2])) c->separator = std::string(f[2]), c->separator_set = true;
  if (set(f[3])) c->regex = std::string(f[3]), c->regex_set = true;
  if (set(f[4])) {
    uint64_t m = 0;
    for (char ch : f[4]) m = m * 31 + static_cast<unsigned char>(ch);
    c->modulus = m, c->modulus_set = true;
  }
  if (set(f[5])) c->target_label = std::string(f[5]), c->target_label_set = true;
  if (set(f[6])) c->replacement = std::string(f[6]), c->replacement_set = true;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 4096) return 0;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<RelabelConfig> rules;
  std::map<std::string, std::string> labels;
  bool in_labels = false;
  for (std::string_view line : Split(text, '\n')) {
    if (!in_labels && line == "--") {
      in_labels = true;
      continue;
    }
    if (in_labels) {
      size_t tab = line.find('\t');
      std::string name(line.substr(0, tab));
      std::string value(tab == std::string_view::npos ? "" : line.substr(tab + 1));
      if (!name.empty() && !value.empty()) labels[name] = value;
    } else if (rules.size() < 8) {
      RelabelConfig c;
      if (!ParseRule(line, &c)) return 0;
      rules.push_back(std::move(c));
    }
  }
  bool utf8_names = (size % 2) == 0;

  auto relabeler = vigil::relabel::Relabeler::Compile(rules, utf8_names);
  if (!relabeler.ok()) {
    if (relabeler.status().message().empty()) std::abort();
    bool some_invalid = false;
    for (const auto& c : rules) {
      vigil::Status s = vigil::relabel::Validate(c, utf8_names);
      if (!s.ok()) {
        if (s.message() != relabeler.status().message()) std::abort();
        some_invalid = true;
        break;
      }
    }
    if (!some_invalid) std::abort();
    return 0;
  }
  for (const auto& c : rules) {
    if (!vigil::relabel::Validate(c, utf8_names).ok()) std::abort();
  }

  std::vector<vigil::model::Label> in;
  for (auto& [n, v] : labels) in.push_back({n, v});
  vigil::model::Labels input(std::move(in));
  vigil::model::Labels out = (*relabeler)->Process(input);
  vigil::model::LabelsBuilder b(input);
  bool kept = (*relabeler)->Process(&b);
  if (kept != !out.empty()) std::abort();
  if (kept && b.Build() != out) std::abort();
  for (size_t i = 1; i < out.size(); ++i) {
    if (!(out[i - 1].name < out[i].name)) std::abort();
  }
  for (const auto& l : out) {
    if (l.value.empty()) std::abort();
  }
  return 0;
}
