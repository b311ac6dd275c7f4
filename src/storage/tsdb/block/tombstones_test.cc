#include "storage/tsdb/block/tombstones.h"

#include <gtest/gtest.h>

#include <random>

namespace vigil::tsdb::block {
namespace {

TEST(Tombstones, AddMergesOverlappingAndAdjacentIntervals) {
  Intervals ivs;
  AddInterval(&ivs, {10, 20});
  AddInterval(&ivs, {30, 40});
  EXPECT_EQ(ivs, (Intervals{{10, 20}, {30, 40}}));
  AddInterval(&ivs, {21, 25});  // touches [10, 20]
  EXPECT_EQ(ivs, (Intervals{{10, 25}, {30, 40}}));
  AddInterval(&ivs, {0, 5});
  AddInterval(&ivs, {50, 60});
  EXPECT_EQ(ivs, (Intervals{{0, 5}, {10, 25}, {30, 40}, {50, 60}}));
  AddInterval(&ivs, {24, 52});  // swallows two, joins two
  EXPECT_EQ(ivs, (Intervals{{0, 5}, {10, 60}}));
  AddInterval(&ivs, {INT64_MIN, INT64_MIN});
  AddInterval(&ivs, {INT64_MAX, INT64_MAX});
  AddInterval(&ivs, {7, 3});  // empty: ignored
  EXPECT_EQ(ivs, (Intervals{{INT64_MIN, INT64_MIN}, {0, 5}, {10, 60}, {INT64_MAX, INT64_MAX}}));
  EXPECT_TRUE(IsDeleted(ivs, 10));
  EXPECT_TRUE(IsDeleted(ivs, 60));
  EXPECT_FALSE(IsDeleted(ivs, 61));
  EXPECT_FALSE(IsDeleted(ivs, 6));
  EXPECT_TRUE(IsDeleted(ivs, INT64_MAX));
}

TEST(Tombstones, AddMatchesBruteForceOnSmallRange) {
  std::mt19937_64 rng(3);
  for (int round = 0; round < 200; ++round) {
    Intervals ivs;
    std::vector<bool> want(100, false);
    for (int k = 0; k < 6; ++k) {
      int64_t a = static_cast<int64_t>(rng() % 100), b = static_cast<int64_t>(rng() % 100);
      if (a > b) std::swap(a, b);
      AddInterval(&ivs, {a, b});
      for (int64_t t = a; t <= b; ++t) want[t] = true;
    }
    for (int64_t t = 0; t < 100; ++t) ASSERT_EQ(IsDeleted(ivs, t), want[t]) << t;
    for (size_t i = 1; i < ivs.size(); ++i) ASSERT_GT(ivs[i].mint, ivs[i - 1].maxt + 1);
  }
}

TEST(Tombstones, EncodeDecodeRoundTrip) {
  Tombstones t;
  EXPECT_TRUE(Tombstones::Decode(t.Encode()).ok());
  t.Add(0, {1, 2});
  t.Add(0, {10, 20});
  t.Add(7, {-100, 100});
  t.Add(1ull << 40, {INT64_MIN, INT64_MAX});
  t.Add(9, {INT64_MAX, INT64_MAX});
  auto got = Tombstones::Decode(t.Encode());
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, t);
  EXPECT_EQ(got->num_series(), 4u);
  EXPECT_EQ(got->num_intervals(), 5u);
  ASSERT_NE(got->Get(7), nullptr);
  EXPECT_EQ(*got->Get(7), (Intervals{{-100, 100}}));
  EXPECT_EQ(got->Get(8), nullptr);
}

TEST(Tombstones, CorruptFilesAreCorruption) {
  Tombstones t;
  for (uint64_t r = 0; r < 20; ++r)
    t.Add(r * 3, {static_cast<int64_t>(r), static_cast<int64_t>(r * 2)});
  std::string good = t.Encode();
  for (size_t i = 0; i < good.size(); ++i) {
    std::string bad = good;
    bad[i] ^= 0x04;
    if (i >= 5 && i < 8) continue;  // header padding
    EXPECT_TRUE(Tombstones::Decode(bad).status().IsCorruption()) << i;
  }
  for (size_t n = 0; n < good.size(); ++n) {
    EXPECT_TRUE(Tombstones::Decode(good.substr(0, n)).status().IsCorruption()) << n;
  }
}

}  // namespace
}  // namespace vigil::tsdb::block
