#include "query/promql/promqltest/mem_storage.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

namespace vigil::promql::promqltest {
namespace {

model::Labels L(std::initializer_list<std::string_view> kv) {
  return model::Labels::FromStrings(kv);
}

struct Got {
  model::Labels labels;
  std::vector<model::Sample> samples;
};

std::vector<Got> SelectAll(MemStorage* db, int64_t mint, int64_t maxt,
                           const std::vector<model::Matcher>& ms) {
  auto q = db->NewQuerier(mint, maxt);
  EXPECT_TRUE(q.ok());
  auto set = (*q)->Select(true, nullptr, ms);
  std::vector<Got> out;
  while (set->Next()) {
    Got g{set->At().labels(), {}};
    auto it = set->At().Iterator();
    while (it->Next()) g.samples.push_back({it->t(), it->v()});
    out.push_back(std::move(g));
  }
  EXPECT_TRUE(set->status().ok());
  return out;
}

TEST(MemStorageTest, AcceptsSamplesOutOfTimeOrderAndKeepsThemSorted) {
  MemStorage db;
  auto a = L({"__name__", "a"});
  ASSERT_TRUE(db.Add(a, 300, 3).ok());
  ASSERT_TRUE(db.Add(a, 100, 1).ok());
  ASSERT_TRUE(db.Add(a, 200, 2).ok());
  auto got = SelectAll(&db, 0, 1000, {model::Matcher::Equal("__name__", "a")});
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].samples, (std::vector<model::Sample>{{100, 1}, {200, 2}, {300, 3}}));
}

TEST(MemStorageTest, DuplicateTimestampIgnoredWhenIdenticalRefusedOtherwise) {
  MemStorage db;
  auto a = L({"__name__", "a"});
  ASSERT_TRUE(db.Add(a, 100, 1).ok());
  EXPECT_TRUE(db.Add(a, 100, 1).ok());
  EXPECT_FALSE(db.Add(a, 100, 2).ok());
  ASSERT_TRUE(db.Add(a, 200, model::StaleNaN()).ok());
  EXPECT_TRUE(db.Add(a, 200, model::StaleNaN()).ok());
  EXPECT_FALSE(db.Add(a, 200, std::nan("")).ok());
}

TEST(MemStorageTest, SelectHonorsMatchersRangeAndSortsByLabels) {
  MemStorage db;
  ASSERT_TRUE(db.Add(L({"__name__", "m", "job", "b"}), 10, 1).ok());
  ASSERT_TRUE(db.Add(L({"__name__", "m", "job", "a"}), 10, 2).ok());
  ASSERT_TRUE(db.Add(L({"__name__", "m", "job", "a"}), 50, 3).ok());
  ASSERT_TRUE(db.Add(L({"__name__", "other"}), 10, 4).ok());
  auto re = model::Matcher::Make(model::MatchType::kRegexMatch, "job", "a|b");
  ASSERT_TRUE(re.ok());
  auto got = SelectAll(&db, 0, 100, {model::Matcher::Equal("__name__", "m"), *re});
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].labels.Get("job"), "a");
  EXPECT_EQ(got[1].labels.Get("job"), "b");
  // [mint, maxt] is inclusive at both ends; series with nothing there are left out.
  got = SelectAll(&db, 50, 50, {model::Matcher::Equal("__name__", "m")});
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].samples, (std::vector<model::Sample>{{50, 3}}));
  got = SelectAll(&db, 11, 49, {model::Matcher::Equal("__name__", "m")});
  EXPECT_TRUE(got.empty());
}

TEST(MemStorageTest, IteratorSeekNeverMovesBackwards) {
  MemStorage db;
  auto a = L({"__name__", "a"});
  for (int t = 0; t <= 100; t += 10) ASSERT_TRUE(db.Add(a, t, t).ok());
  auto q = db.NewQuerier(20, 80);
  ASSERT_TRUE(q.ok());
  auto set = (*q)->Select(true, nullptr, {model::Matcher::Equal("__name__", "a")});
  ASSERT_TRUE(set->Next());
  auto it = set->At().Iterator();
  ASSERT_TRUE(it->Seek(0));  // before the querier's range: its first sample
  EXPECT_EQ(it->t(), 20);
  ASSERT_TRUE(it->Seek(35));
  EXPECT_EQ(it->t(), 40);
  ASSERT_TRUE(it->Seek(30));  // stays
  EXPECT_EQ(it->t(), 40);
  ASSERT_TRUE(it->Next());
  EXPECT_EQ(it->t(), 50);
  EXPECT_FALSE(it->Seek(81));
  // A fresh iterator starts over.
  auto it2 = set->At().Iterator();
  ASSERT_TRUE(it2->Next());
  EXPECT_EQ(it2->t(), 20);
  EXPECT_FALSE(set->Next());
}

TEST(MemStorageTest, StaleMarkerComesBackBitForBit) {
  MemStorage db;
  ASSERT_TRUE(db.Add(L({"__name__", "a"}), 0, model::StaleNaN()).ok());
  auto got = SelectAll(&db, 0, 0, {model::Matcher::Equal("__name__", "a")});
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(model::IsStaleNaN(got[0].samples[0].v));
}

TEST(MemStorageTest, QuerierKeepsItsSnapshotAcrossClear) {
  MemStorage db;
  ASSERT_TRUE(db.Add(L({"__name__", "a"}), 0, 1).ok());
  auto q = db.NewQuerier(0, 10);
  ASSERT_TRUE(q.ok());
  auto set = (*q)->Select(true, nullptr, {model::Matcher::Equal("__name__", "a")});
  db.Clear();
  EXPECT_EQ(db.NumSeries(), 0u);
  ASSERT_TRUE(set->Next());
  auto it = set->At().Iterator();
  ASSERT_TRUE(it->Next());
  EXPECT_EQ(it->v(), 1);
}

TEST(MemStorageTest, LabelNamesAndValues) {
  MemStorage db;
  ASSERT_TRUE(db.Add(L({"__name__", "m", "job", "b"}), 10, 1).ok());
  ASSERT_TRUE(db.Add(L({"__name__", "m", "job", "a", "x", "1"}), 10, 2).ok());
  auto q = db.NewQuerier(0, 100);
  ASSERT_TRUE(q.ok());
  auto values = (*q)->LabelValues("job", {}, 0);
  ASSERT_TRUE(values.ok());
  EXPECT_EQ(*values, (std::vector<std::string>{"a", "b"}));
  auto names = (*q)->LabelNames({model::Matcher::Equal("job", "a")}, 0);
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names, (std::vector<std::string>{"__name__", "job", "x"}));
}

}  // namespace
}  // namespace vigil::promql::promqltest
