#include "storage/tsdb/block/postings.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>

#include "storage/tsdb/block/postings_codec.h"

namespace vigil::tsdb::block {
namespace {

PostingsList RandomList(std::mt19937_64& rng, size_t n, uint64_t universe) {
  std::set<uint64_t> s;
  while (s.size() < n && s.size() < universe) s.insert(rng() % universe);
  return {s.begin(), s.end()};
}

PostingsList SetOp(const PostingsList& a, const PostingsList& b, char op) {
  PostingsList out;
  if (op == '&')
    std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  if (op == '|') std::set_union(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  if (op == '-')
    std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

TEST(Postings, SetOperationsMatchStdAlgorithmsForAllSizeRatios) {
  std::mt19937_64 rng(1);
  // Includes ratios on both sides of the galloping threshold.
  const size_t sizes[] = {0, 1, 2, 7, 50, 300, 1000, 5000};
  for (size_t na : sizes) {
    for (size_t nb : sizes) {
      for (uint64_t universe : {uint64_t{100}, uint64_t{20000}}) {
        PostingsList a = RandomList(rng, na, universe), b = RandomList(rng, nb, universe);
        EXPECT_EQ(Intersect(a, b), SetOp(a, b, '&')) << na << " " << nb;
        EXPECT_EQ(Merge(a, b), SetOp(a, b, '|')) << na << " " << nb;
        EXPECT_EQ(Subtract(a, b), SetOp(a, b, '-')) << na << " " << nb;
        EXPECT_EQ(Subtract(b, a), SetOp(b, a, '-')) << na << " " << nb;
      }
    }
  }
}

TEST(Postings, IntersectAllAndMergeAllOfManyLists) {
  std::mt19937_64 rng(2);
  for (int round = 0; round < 50; ++round) {
    size_t k = rng() % 12;
    uint64_t universe = 1 + rng() % 5000;
    std::vector<PostingsList> lists;
    for (size_t i = 0; i < k; ++i) lists.push_back(RandomList(rng, rng() % 3000, universe));
    PostingsList want_and, want_or;
    for (size_t i = 0; i < k; ++i) {
      want_and = i == 0 ? lists[0] : SetOp(want_and, lists[i], '&');
      want_or = SetOp(want_or, lists[i], '|');
    }
    EXPECT_EQ(IntersectAll(lists), want_and);
    EXPECT_EQ(MergeAll(lists), want_or);
    EXPECT_EQ(MergeAll(lists, universe), want_or);  // bitmap path when dense
  }
}

TEST(Postings, MergeAllWithTooSmallUniverseStillCorrect) {
  std::vector<PostingsList> lists = {{1, 5, 900}, {2, 5}, {3}, {4}};
  EXPECT_EQ(MergeAll(lists, 10), (PostingsList{1, 2, 3, 4, 5, 900}));
}

TEST(Postings, SortUniqueRefsMatchesMakePostingsSparseAndDense) {
  std::mt19937_64 rng(5);
  for (size_t n : {size_t{0}, size_t{10}, size_t{100}, size_t{5000}, size_t{50000}}) {
    std::vector<uint64_t> refs(n);
    for (auto& r : refs) r = rng() % 20000;
    auto want = MakePostings(refs);
    SortUniqueRefs(&refs, 20000);
    EXPECT_EQ(refs, want) << n;
  }
  std::vector<uint64_t> bad(200, 5);
  bad.push_back(1 << 30);  // beyond the stated universe
  SortUniqueRefs(&bad, 100);
  EXPECT_EQ(bad, (PostingsList{5, 1 << 30}));
}

TEST(Postings, ConstructionHelpers) {
  EXPECT_EQ(MakePostings({5, 1, 5, 3}), (PostingsList{1, 3, 5}));
  EXPECT_EQ(AllRefs(4), (PostingsList{0, 1, 2, 3}));
  EXPECT_TRUE(IsValidPostings(PostingsList{1, 2, 9}));
  EXPECT_FALSE(IsValidPostings(PostingsList{1, 1}));
}

TEST(PostingsCodec, RoundTripsDenseSparseAndBlockBoundaries) {
  std::mt19937_64 rng(3);
  std::vector<PostingsList> cases = {{}, {0}, {7}, AllRefs(128), AllRefs(129), AllRefs(1000)};
  for (size_t n : {size_t{1}, size_t{127}, size_t{128}, size_t{256}, size_t{300}, size_t{5000}}) {
    cases.push_back(RandomList(rng, n, 1u << 20));
    cases.push_back(RandomList(rng, n, 2 * n + 1));
  }
  PostingsList wide = {0, (1ull << 32) - 2};
  cases.push_back(wide);
  for (const auto& refs : cases) {
    std::string enc;
    EncodePostings(refs, &enc);
    PostingsList got;
    ASSERT_TRUE(DecodePostings(enc, 1ull << 32, &got).ok()) << refs.size();
    EXPECT_EQ(got, refs);
  }
}

TEST(PostingsCodec, ConsecutiveRunsCostOneBytePerBlock) {
  std::string enc;
  EncodePostings(AllRefs(128 * 100), &enc);
  EXPECT_LE(enc.size(), 100u + 3);
}

TEST(PostingsCodec, RefBeyondUniverseIsCorruption) {
  std::string enc;
  EncodePostings(PostingsList{1, 2, 50}, &enc);
  PostingsList got;
  EXPECT_TRUE(DecodePostings(enc, 50, &got).IsCorruption());
  std::string block;
  EncodePostings(AllRefs(200), &block);
  got.clear();
  EXPECT_TRUE(DecodePostings(block, 150, &got).IsCorruption());
}

TEST(PostingsCodec, GarbageNeverCrashesAndYieldsValidListsOnly) {
  std::mt19937_64 rng(4);
  std::string enc;
  EncodePostings(RandomList(rng, 700, 4000), &enc);
  for (int i = 0; i < 3000; ++i) {
    std::string bad = enc;
    if (i % 3 == 0) bad.resize(1 + rng() % bad.size());
    for (int k = 0; k < 3; ++k) bad[rng() % bad.size()] = static_cast<char>(rng());
    PostingsList got;
    if (DecodePostings(bad, 4000, &got).ok()) {
      EXPECT_TRUE(IsValidPostings(got));
      EXPECT_TRUE(got.empty() || got.back() < 4000);
    }
  }
  // A huge count with no data must not allocate for it.
  std::string huge = "\xff\xff\xff\xff\x0f";
  PostingsList got;
  EXPECT_TRUE(DecodePostings(huge, 1ull << 32, &got).IsCorruption());
}

}  // namespace
}  // namespace vigil::tsdb::block
