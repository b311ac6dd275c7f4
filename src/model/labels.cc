#include "model/labels.h"

#include <fmt/format.h>
#include <xxhash.h>

#include <algorithm>
#include <cstring>

#include "base/metrics.h"
#include "base/strconv.h"

namespace vigil::model {

namespace {

constexpr char kSep = '\xff';  // never valid in UTF-8, so it cannot appear in names or values

template <typename It>
uint64_t HashRange(It begin, It end) {
  // One contiguous buffer hashed once is faster than a streaming hash for
  // label sets of typical size (100-300 bytes).
  thread_local std::string buf;
  buf.clear();
  for (It it = begin; it != end; ++it) {
    buf.append(it->name);
    buf.push_back(kSep);
    buf.append(it->value);
    buf.push_back(kSep);
  }
  return XXH3_64bits(buf.data(), buf.size());
}

}  // namespace

Labels::Labels(std::vector<Label> labels) : labels_(std::move(labels)) {
  std::sort(labels_.begin(), labels_.end(),
            [](const Label& a, const Label& b) { return a.name < b.name; });
}

Labels Labels::FromSorted(std::vector<Label> labels) {
  Labels out;
  out.labels_ = std::move(labels);
  return out;
}

Labels Labels::FromStrings(std::initializer_list<std::string_view> kv) {
  std::vector<Label> ls;
  for (auto it = kv.begin(); it != kv.end() && std::next(it) != kv.end(); it += 2) {
    ls.push_back(Label{std::string(*it), std::string(*std::next(it))});
  }
  return Labels(std::move(ls));
}

Labels Labels::FromView(LabelsView view) {
  std::vector<Label> ls;
  ls.reserve(view.size());
  for (const auto& l : view) ls.push_back(Label{std::string(l.name), std::string(l.value)});
  return Labels(std::move(ls));
}

std::string_view Labels::Get(std::string_view name) const {
  for (const auto& l : labels_) {
    if (l.name == name) return l.value;
  }
  return {};
}

bool Labels::Has(std::string_view name) const {
  for (const auto& l : labels_) {
    if (l.name == name) return true;
  }
  return false;
}

Labels Labels::With(std::string_view name, std::string_view value) const {
  LabelsBuilder b(*this);
  b.Set(name, value);
  return b.Build();
}

Labels Labels::Without(std::string_view name) const {
  LabelsBuilder b(*this);
  b.Del(name);
  return b.Build();
}

std::vector<LabelView> Labels::View() const {
  std::vector<LabelView> v;
  v.reserve(labels_.size());
  for (const auto& l : labels_) v.push_back(LabelView{l.name, l.value});
  return v;
}

uint64_t Labels::Hash() const { return HashRange(labels_.begin(), labels_.end()); }

uint64_t HashLabels(LabelsView labels) { return HashRange(labels.begin(), labels.end()); }

std::string Labels::ToString() const {
  std::string out = "{";
  for (size_t i = 0; i < labels_.size(); ++i) {
    if (i > 0) out += ", ";
    out += labels_[i].name;
    out += "=\"";
    metrics::AppendEscapedLabelValue(&out, labels_[i].value);
    out += '"';
  }
  out += '}';
  return out;
}

int Labels::Compare(const Labels& o) const {
  size_t n = std::min(labels_.size(), o.labels_.size());
  for (size_t i = 0; i < n; ++i) {
    if (int c = labels_[i].name.compare(o.labels_[i].name); c != 0) return c < 0 ? -1 : 1;
    if (int c = labels_[i].value.compare(o.labels_[i].value); c != 0) return c < 0 ? -1 : 1;
  }
  if (labels_.size() == o.labels_.size()) return 0;
  return labels_.size() < o.labels_.size() ? -1 : 1;
}

int CompareLabels(LabelsView a, LabelsView b) {
  size_t n = std::min(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    if (int c = a[i].name.compare(b[i].name); c != 0) return c < 0 ? -1 : 1;
    if (int c = a[i].value.compare(b[i].value); c != 0) return c < 0 ? -1 : 1;
  }
  if (a.size() == b.size()) return 0;
  return a.size() < b.size() ? -1 : 1;
}

bool EqualLabels(LabelsView a, const Labels& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].name != b[i].name || a[i].value != b[i].value) return false;
  }
  return true;
}

const char* LabelErrorReason(LabelError e) {
  switch (e) {
    case LabelError::kNone:
      return "none";
    case LabelError::kEmpty:
      return "empty_labels";
    case LabelError::kMissingName:
      return "missing_metric_name";
    case LabelError::kEmptyLabelName:
      return "empty_label_name";
    case LabelError::kInvalidUTF8:
      return "invalid_utf8";
    case LabelError::kUnsorted:
      return "unsorted_labels";
    case LabelError::kDuplicateName:
      return "duplicate_label_name";
    case LabelError::kTooManyLabels:
      return "too_many_labels";
    case LabelError::kNameTooLong:
      return "label_name_too_long";
    case LabelError::kValueTooLong:
      return "label_value_too_long";
  }
  return "unknown";
}

bool IsValidUTF8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    // Label names and values are nearly always ASCII: check 8 bytes at a time.
    while (s.size() - i >= 8) {
      uint64_t w;
      std::memcpy(&w, s.data() + i, 8);
      if ((w & 0x8080808080808080ull) != 0) break;
      i += 8;
    }
    if (i >= s.size()) break;
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    // Go's decoder decides what is valid; only an encoding error has width 1
    // (a U+FFFD written in the input has width 3).
    int width = 0;
    if (Utf8DecodeRune(s, i, &width) == kUtf8RuneError && width == 1) return false;
    i += static_cast<size_t>(width);
  }
  return true;
}

LabelValidation ValidateLabels(LabelsView labels, const LabelLimits& limits, bool require_name) {
  auto fail = [](LabelError e, std::string msg) { return LabelValidation{e, std::move(msg)}; };
  if (labels.empty()) return fail(LabelError::kEmpty, "series has no labels");
  if (limits.max_labels_per_series > 0 && labels.size() > limits.max_labels_per_series) {
    return fail(LabelError::kTooManyLabels,
                fmt::format("series has {} labels, more than the limit of {}", labels.size(),
                            limits.max_labels_per_series));
  }
  bool has_name = false;
  for (size_t i = 0; i < labels.size(); ++i) {
    const LabelView& l = labels[i];
    if (l.name.empty()) return fail(LabelError::kEmptyLabelName, "label with an empty name");
    if (!IsValidUTF8(l.name)) {
      return fail(LabelError::kInvalidUTF8, "label name is not valid UTF-8");
    }
    if (!IsValidUTF8(l.value)) {
      return fail(LabelError::kInvalidUTF8,
                  fmt::format("value of label \"{}\" is not valid UTF-8", l.name));
    }
    if (i > 0) {
      int c = labels[i - 1].name.compare(l.name);
      if (c == 0) {
        return fail(LabelError::kDuplicateName, fmt::format("duplicate label name \"{}\"", l.name));
      }
      if (c > 0) {
        return fail(LabelError::kUnsorted,
                    fmt::format("labels are not sorted by name (\"{}\" after \"{}\")", l.name,
                                labels[i - 1].name));
      }
    }
    if (limits.max_label_name_length > 0 && l.name.size() > limits.max_label_name_length) {
      return fail(LabelError::kNameTooLong,
                  fmt::format("label name \"{:.64}...\" is {} bytes, longer than the limit of {}",
                              l.name, l.name.size(), limits.max_label_name_length));
    }
    if (limits.max_label_value_length > 0 && l.value.size() > limits.max_label_value_length) {
      return fail(LabelError::kValueTooLong,
                  fmt::format("value of label \"{}\" is {} bytes, longer than the limit of {}",
                              l.name, l.value.size(), limits.max_label_value_length));
    }
    if (l.name == kMetricName) has_name = !l.value.empty();
  }
  if (require_name && !has_name) {
    return fail(LabelError::kMissingName, "series has no metric name (__name__ label)");
  }
  return {};
}

void LabelsBuilder::Reset(const Labels& base) { labels_ = base.vec(); }

LabelsBuilder& LabelsBuilder::Set(std::string_view name, std::string_view value) {
  if (value.empty()) return Del(name);
  auto it = std::lower_bound(labels_.begin(), labels_.end(), name,
                             [](const Label& l, std::string_view n) { return l.name < n; });
  if (it != labels_.end() && it->name == name) {
    it->value = std::string(value);
  } else {
    labels_.insert(it, Label{std::string(name), std::string(value)});
  }
  return *this;
}

LabelsBuilder& LabelsBuilder::Del(std::string_view name) {
  auto it = std::lower_bound(labels_.begin(), labels_.end(), name,
                             [](const Label& l, std::string_view n) { return l.name < n; });
  if (it != labels_.end() && it->name == name) labels_.erase(it);
  return *this;
}

std::string_view LabelsBuilder::Get(std::string_view name) const {
  for (const auto& l : labels_) {
    if (l.name == name) return l.value;
  }
  return {};
}

Labels LabelsBuilder::Build() const { return Labels(labels_); }

}  // namespace vigil::model
