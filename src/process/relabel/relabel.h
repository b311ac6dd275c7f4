// Relabeling: Prometheus' relabel_configs, metric_relabel_configs,
// write_relabel_configs and alert_relabel_configs, with results identical to
// Prometheus' model/relabel package.
//
// A RelabelConfig is parsed by src/config and checked by Validate (which
// gives Prometheus' own error messages); Compile turns a list of them into a
// Relabeler that applies them in order to a label set. Regexes are RE2 and
// fully anchored ("^(?s:" + regex + ")$"), as Prometheus anchors them.
//
// Actions: replace, keep, drop, keepequal, dropequal, hashmod, labelmap,
// labeldrop, labelkeep, lowercase, uppercase.
//
// Thread-safety: a RelabelConfig is a value. A compiled Relabeler is
// immutable and may be used from many threads at once.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/status.h"
#include "model/labels.h"

namespace vigil::relabel {

enum class Action : uint8_t {
  kReplace,
  kKeep,
  kDrop,
  kKeepEqual,
  kDropEqual,
  kHashMod,
  kLabelMap,
  kLabelDrop,
  kLabelKeep,
  kLowercase,
  kUppercase,
};
// "replace", "keep", ... as written in YAML (lowercase).
const char* ActionName(Action a);
// Accepts the names case-insensitively, as Prometheus does.
Result<Action> ParseAction(std::string_view name);

// One relabel rule as written in YAML, with Prometheus' defaults. The *_set
// flags record which fields the user wrote, which Validate needs (e.g.
// "labeldrop action requires only 'regex', and no other fields").
struct RelabelConfig {
  std::vector<std::string> source_labels;
  std::string separator = ";";
  std::string regex = "(.*)";  // unanchored, as written
  uint64_t modulus = 0;
  std::string target_label;
  std::string replacement = "$1";
  Action action = Action::kReplace;

  bool separator_set = false;
  bool regex_set = false;
  bool modulus_set = false;
  bool target_label_set = false;
  bool replacement_set = false;
  bool source_labels_set = false;
  bool operator==(const RelabelConfig&) const = default;
};

// Checks one rule as Prometheus' relabel.Config.Validate (plus regex
// compilation: "error parsing regexp: ..."). `utf8_names` selects the UTF-8
// label-name scheme (Prometheus 3's default) over the legacy one.
Status Validate(const RelabelConfig& cfg, bool utf8_names = true);

// A compiled list of rules.
class Relabeler {
 public:
  // Validates and compiles; the first invalid rule's error is returned.
  static Result<std::shared_ptr<const Relabeler>> Compile(const std::vector<RelabelConfig>& cfgs,
                                                          bool utf8_names = true);
  ~Relabeler();

  // Applies every rule in order to *labels. Returns false if the set was
  // dropped (keep/drop/keepequal/dropequal said so); *labels is then
  // unspecified. An empty result (every label removed) also returns false.
  bool Process(model::LabelsBuilder* labels) const;
  // Convenience: returns the relabeled set, or an empty Labels if dropped.
  model::Labels Process(const model::Labels& labels) const;

  bool empty() const;

 private:
  struct Rule;
  Relabeler();
  std::vector<Rule> rules_;
};

}  // namespace vigil::relabel
