#include "storage/tsdb/block/select.h"

#include <gtest/gtest.h>

#include <random>

#include "storage/tsdb/block/index_reader.h"
#include "storage/tsdb/block/index_writer.h"
#include "storage/tsdb/block/test_util.h"

namespace vigil::tsdb::block {
namespace {

using model::Matcher;
using model::MatchType;
using testing::TempDir;

class SelectTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::mt19937_64 rng(42);
    series_ = testing::RandomSeries(rng, 2000);
    auto w = IndexWriter::Create(tmp_.Join("index"));
    ASSERT_TRUE(w.ok());
    for (const auto& s : series_) ASSERT_TRUE((*w)->AddSeries(s, {}).ok());
    ASSERT_TRUE((*w)->Finish().ok());
    auto r = IndexReader::Open(tmp_.Join("index"));
    ASSERT_TRUE(r.ok());
    index_ = std::move(*r);
  }

  PostingsList BruteForce(const std::vector<Matcher>& ms) const {
    PostingsList out;
    for (size_t i = 0; i < series_.size(); ++i) {
      if (model::MatchesAll(ms, series_[i])) out.push_back(i);
    }
    return out;
  }

  static Matcher M(MatchType t, std::string name, std::string value) {
    auto m = Matcher::Make(t, std::move(name), std::move(value));
    EXPECT_TRUE(m.ok()) << m.status().ToString();
    return *m;
  }

  void ExpectBruteForce(const std::vector<Matcher>& ms) {
    std::string desc;
    for (const auto& m : ms) desc += m.ToString() + " ";
    bool any_nonempty = false;
    for (const auto& m : ms) any_nonempty |= !m.MatchesEmpty();
    auto got = Select(*index_, ms);
    if (!any_nonempty) {
      EXPECT_TRUE(got.status().IsInvalidArgument()) << desc;
      return;
    }
    ASSERT_TRUE(got.ok()) << desc << got.status().ToString();
    EXPECT_EQ(*got, BruteForce(ms)) << desc;
  }

  TempDir tmp_;
  std::vector<model::Labels> series_;
  std::unique_ptr<IndexReader> index_;
};

TEST_F(SelectTest, EachMatcherTypeAloneAndWithAName) {
  const std::vector<std::pair<MatchType, std::string>> ops = {
      {MatchType::kEqual, "v1"},
      {MatchType::kEqual, ""},
      {MatchType::kNotEqual, "v1"},
      {MatchType::kNotEqual, ""},
      {MatchType::kRegexMatch, "v1|v3"},
      {MatchType::kRegexMatch, "v1.*"},
      {MatchType::kRegexMatch, ".*"},
      {MatchType::kRegexMatch, ".+"},
      {MatchType::kRegexMatch, "v[0-4]"},
      {MatchType::kRegexMatch, "v1|"},
      {MatchType::kRegexMatch, ""},
      {MatchType::kRegexMatch, ".*long.*"},
      {MatchType::kRegexNoMatch, "v1"},
      {MatchType::kRegexNoMatch, "v1.*"},
      {MatchType::kRegexNoMatch, ".*"},
      {MatchType::kRegexNoMatch, ".+"},
      {MatchType::kRegexNoMatch, ""},
      {MatchType::kRegexNoMatch, "v1|"},
      {MatchType::kRegexMatch, "v1-long-suffix|x3"},
  };
  for (const auto& [t, v] : ops) {
    for (const char* name : {"a", "b", "job", "missing"}) {
      ExpectBruteForce({M(t, name, v)});
      ExpectBruteForce({Matcher::Equal("__name__", "x1"), M(t, name, v)});
      ExpectBruteForce({M(MatchType::kRegexMatch, "__name__", ".+"), M(t, name, v)});
    }
  }
}

TEST_F(SelectTest, SameLabelTwiceMustBeSetAndExcluded) {
  // {l=~".+", l!="v1"}: the != only subtracts among series that have l.
  ExpectBruteForce({M(MatchType::kRegexMatch, "a", ".+"), Matcher::NotEqual("a", "v1")});
  ExpectBruteForce({M(MatchType::kRegexMatch, "a", ".+"), Matcher::Equal("a", "")});
  ExpectBruteForce({Matcher::NotEqual("a", ""), M(MatchType::kRegexNoMatch, "a", "v1|v3")});
  ExpectBruteForce({Matcher::Equal("a", "v1"), Matcher::Equal("a", "v3")});
}

TEST_F(SelectTest, RandomCombinationsMatchBruteForce) {
  std::mt19937_64 rng(99);
  const char* names[] = {"__name__", "a", "b", "c", "d", "job", "zz", "missing"};
  const char* values[] = {"", "v1", "x1", "v2", "x4", "v1-long-suffix", "x0", "nope"};
  const char* regexes[] = {".*",  ".+", "v1|x1",    "v.*", "x.*",    "v[13]",     ".*-long-suffix",
                           "v1|", "",   "(v|x)1.*", "V1",  "(?i)V1", "x1|v1|nope"};
  for (int round = 0; round < 400; ++round) {
    std::vector<Matcher> ms;
    size_t k = 1 + rng() % 4;
    for (size_t i = 0; i < k; ++i) {
      std::string name = names[rng() % std::size(names)];
      auto t = static_cast<MatchType>(rng() % 4);
      std::string v = t == MatchType::kEqual || t == MatchType::kNotEqual
                          ? values[rng() % std::size(values)]
                          : regexes[rng() % std::size(regexes)];
      ms.push_back(M(t, name, v));
    }
    ExpectBruteForce(ms);
  }
}

TEST_F(SelectTest, NoMatchersIsInvalidArgument) {
  EXPECT_TRUE(Select(*index_, {}).status().IsInvalidArgument());
}

TEST(ValueFilter, NarrowsByMatcherShape) {
  auto eq = Matcher::Equal("a", "x");
  EXPECT_TRUE(MakeValueFilter(eq, true).exact);
  EXPECT_FALSE(MakeValueFilter(eq, false).exact);
  auto ne = Matcher::NotEqual("a", "x");
  EXPECT_TRUE(MakeValueFilter(ne, false).exact);
  auto set = *Matcher::Make(MatchType::kRegexMatch, "a", "x|y");
  EXPECT_EQ(MakeValueFilter(set, true).values, (std::vector<std::string>{"x", "y"}));
  auto pre = *Matcher::Make(MatchType::kRegexNoMatch, "a", "foo.*");
  EXPECT_EQ(MakeValueFilter(pre, false).prefix, "foo");
  EXPECT_EQ(MakeValueFilter(pre, true).prefix, "");
}

}  // namespace
}  // namespace vigil::tsdb::block
