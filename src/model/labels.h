// Labels: the identity of a series, a set of (name, value) pairs sorted by
// name with unique names, as in Prometheus.
//
// Labels owns its strings and is the type used at API boundaries. LabelView
// and LabelsView are non-owning views with the same ordering rules, used on
// hot paths (a remote_write body decoded in place) so that a known series can
// be found without copying a single string. HashLabels gives the same hash for
// a Labels and a LabelsView of the same pairs.
//
// Validation follows Prometheus 3 with UTF-8 names allowed: names are
// non-empty valid UTF-8, values valid UTF-8, names unique, pairs sorted, the
// set non-empty, and __name__ (if present) non-empty. LabelLimits adds the
// operator's limits on lengths and counts.
//
// Thread-safety: values; const methods may be called concurrently.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace vigil::model {

inline constexpr std::string_view kMetricName = "__name__";

struct Label {
  std::string name;
  std::string value;
  bool operator==(const Label&) const = default;
};

struct LabelView {
  std::string_view name;
  std::string_view value;
  bool operator==(const LabelView&) const = default;
};
using LabelsView = std::span<const LabelView>;

class Labels {
 public:
  Labels() = default;
  // Sorts by name; the caller guarantees names are unique (see Validate).
  explicit Labels(std::vector<Label> labels);
  // Pairs "name", "value", "name", "value"... (for tests and literals).
  static Labels FromStrings(std::initializer_list<std::string_view> kv);
  // For labels known to be sorted by name already (decoded from storage):
  // skips the sort.
  static Labels FromSorted(std::vector<Label> labels);
  static Labels FromView(LabelsView view);

  size_t size() const { return labels_.size(); }
  bool empty() const { return labels_.empty(); }
  const Label& operator[](size_t i) const { return labels_[i]; }
  std::vector<Label>::const_iterator begin() const { return labels_.begin(); }
  std::vector<Label>::const_iterator end() const { return labels_.end(); }
  const std::vector<Label>& vec() const { return labels_; }

  // The value of name, or "" if absent.
  std::string_view Get(std::string_view name) const;
  bool Has(std::string_view name) const;
  std::string_view MetricName() const { return Get(kMetricName); }

  // A copy with name set to value (removed if value is empty).
  Labels With(std::string_view name, std::string_view value) const;
  Labels Without(std::string_view name) const;

  // Views into this object's strings; valid while it lives unchanged.
  std::vector<LabelView> View() const;

  uint64_t Hash() const;
  // {__name__="up", job="node"} as Prometheus prints label sets.
  std::string ToString() const;

  bool operator==(const Labels& o) const { return labels_ == o.labels_; }
  bool operator!=(const Labels& o) const { return !(*this == o); }
  // Lexicographic by (name, value) pairs, as Prometheus' labels.Compare.
  bool operator<(const Labels& o) const { return Compare(o) < 0; }
  int Compare(const Labels& o) const;

 private:
  std::vector<Label> labels_;
};

uint64_t HashLabels(LabelsView labels);
int CompareLabels(LabelsView a, LabelsView b);
bool EqualLabels(LabelsView a, const Labels& b);

struct LabelLimits {
  size_t max_labels_per_series = 0;  // 0: unlimited
  size_t max_label_name_length = 0;
  size_t max_label_value_length = 0;
};

// Why a label set was refused; the reason string becomes the `reason` label
// of a rejection counter.
enum class LabelError {
  kNone,
  kEmpty,        // no labels at all
  kMissingName,  // __name__ absent or empty
  kEmptyLabelName,
  kInvalidUTF8,
  kUnsorted,
  kDuplicateName,
  kTooManyLabels,
  kNameTooLong,
  kValueTooLong,
};
const char* LabelErrorReason(LabelError e);

struct LabelValidation {
  LabelError error = LabelError::kNone;
  std::string message;  // names the offending label; empty when valid
  bool ok() const { return error == LabelError::kNone; }
};

// Checks a label set as it arrives (e.g. from remote_write): sorted,
// unique, valid UTF-8, within limits. require_name: __name__ must be set.
LabelValidation ValidateLabels(LabelsView labels, const LabelLimits& limits,
                               bool require_name = true);

// utf8.ValidString: no overlong forms, surrogates or runes beyond U+10FFFF.
// Built on Utf8DecodeRune (base/strconv.h), with a fast path for ASCII.
bool IsValidUTF8(std::string_view s);

// Builds a Labels by setting and deleting names on top of a base set.
class LabelsBuilder {
 public:
  LabelsBuilder() = default;
  explicit LabelsBuilder(const Labels& base) { Reset(base); }
  void Reset(const Labels& base);
  // An empty value deletes the label, as in Prometheus.
  LabelsBuilder& Set(std::string_view name, std::string_view value);
  LabelsBuilder& Del(std::string_view name);
  std::string_view Get(std::string_view name) const;
  Labels Build() const;
  // The current labels, sorted by name.
  const std::vector<Label>& labels() const { return labels_; }

 private:
  std::vector<Label> labels_;  // kept sorted
};

}  // namespace vigil::model
