// Helpers for the tsdb tests: temp dirs, label literals, reading samples back.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "base/file.h"
#include "model/labels.h"
#include "model/matcher.h"
#include "model/sample.h"
#include "storage/storage.h"

namespace vigil::tsdb::testing {

using TempDir = fs::TempDir;

inline model::Labels L(std::initializer_list<std::string_view> kv) {
  return model::Labels::FromStrings(kv);
}

// Appends one sample through a fresh appender and commits.
inline storage::AppendResult AppendOne(storage::Appendable* db, const model::Labels& ls, int64_t t,
                                       double v) {
  auto app = db->NewAppender();
  auto view = ls.View();
  auto r = app->Append(0, view, t, v);
  EXPECT_TRUE(app->Commit().ok());
  return r;
}

struct SeriesSamples {
  model::Labels labels;
  std::vector<model::Sample> samples;
};

inline std::vector<SeriesSamples> Query(storage::Queryable* db,
                                        const std::vector<model::Matcher>& matchers,
                                        int64_t mint = INT64_MIN, int64_t maxt = INT64_MAX) {
  std::vector<SeriesSamples> out;
  auto q = db->NewQuerier(mint, maxt);
  EXPECT_TRUE(q.ok()) << q.status().ToString();
  if (!q.ok()) return out;
  auto set = (*q)->Select(true, nullptr, matchers);
  while (set->Next()) {
    SeriesSamples s;
    s.labels = set->At().labels();
    auto it = set->At().Iterator();
    while (it->Next()) s.samples.push_back({it->t(), it->v()});
    EXPECT_TRUE(it->status().ok()) << it->status().ToString();
    out.push_back(std::move(s));
  }
  EXPECT_TRUE(set->status().ok()) << set->status().ToString();
  return out;
}

inline std::vector<model::Matcher> NameIs(const std::string& name) {
  return {model::Matcher::Equal("__name__", name)};
}

inline std::vector<model::Matcher> AllSeries() {
  return {*model::Matcher::Make(model::MatchType::kRegexMatch, "__name__", ".+")};
}

}  // namespace vigil::tsdb::testing
