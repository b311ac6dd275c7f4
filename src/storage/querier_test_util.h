// Test-only: the LabelValues/LabelNames half of storage::Querier for test
// fakes that only know how to Select. Derive a fake querier from
// SelectOnlyQuerier and implement Select; label values and names are then
// collected from the selected series, sorted, deduplicated and cut to the
// limit, as the seam's contract (storage.h) asks.
//
// With no matchers the fake is asked for __name__!="" (all named series),
// because Select wants a matcher that does not match the empty string;
// series without a metric name are therefore not seen then.
//
// Thread-safety: as the derived fake's Select.
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "model/matcher.h"
#include "storage/storage.h"

namespace vigil::storage::testing {

class SelectOnlyQuerier : public Querier {
 public:
  Result<std::vector<std::string>> LabelValues(std::string_view name,
                                               const std::vector<model::Matcher>& matchers,
                                               size_t limit) override {
    std::set<std::string> values;
    Status s = ForEachSeries(matchers, [&](const model::Labels& ls) {
      if (std::string_view v = ls.Get(name); !v.empty()) values.emplace(v);
    });
    if (!s.ok()) return s;
    return Cut(values, limit);
  }

  Result<std::vector<std::string>> LabelNames(const std::vector<model::Matcher>& matchers,
                                              size_t limit) override {
    std::set<std::string> names;
    Status s = ForEachSeries(matchers, [&](const model::Labels& ls) {
      for (const auto& l : ls) names.insert(l.name);
    });
    if (!s.ok()) return s;
    return Cut(names, limit);
  }

 private:
  template <typename Fn>
  Status ForEachSeries(const std::vector<model::Matcher>& matchers, Fn&& fn) {
    SelectHints hints;
    hints.series_only = true;
    std::vector<model::Matcher> all = {model::Matcher::NotEqual("__name__", "")};
    auto set = Select(false, &hints, matchers.empty() ? all : matchers);
    while (set->Next()) fn(set->At().labels());
    return set->status();
  }

  static std::vector<std::string> Cut(const std::set<std::string>& items, size_t limit) {
    std::vector<std::string> out(items.begin(), items.end());
    if (limit > 0 && out.size() > limit) out.resize(limit);
    return out;
  }
};

}  // namespace vigil::storage::testing
