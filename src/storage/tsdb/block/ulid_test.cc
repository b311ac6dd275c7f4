#include "storage/tsdb/block/ulid.h"

#include <gtest/gtest.h>

namespace vigil::tsdb::block {
namespace {

TEST(ULID, NewULIDIsValidAndCarriesItsTime) {
  for (int64_t t : {int64_t{0}, int64_t{1}, int64_t{1700000000123}, (int64_t{1} << 48) - 1}) {
    std::string u = NewULID(t);
    ASSERT_EQ(u.size(), kULIDLength);
    EXPECT_TRUE(IsValidULID(u)) << u;
    auto got = ULIDTime(u);
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(*got, t) << u;
  }
}

TEST(ULID, NamesSortByTime) {
  EXPECT_LT(NewULID(1000), NewULID(1001));
  EXPECT_LT(NewULID(1700000000000), NewULID(1800000000000));
}

TEST(ULID, TwoULIDsOfTheSameMillisecondDiffer) { EXPECT_NE(NewULID(42), NewULID(42)); }

TEST(ULID, KnownValueDecodes) {
  // 01ARYZ6S41 = 1469918176385 ms (the ULID spec's example).
  auto t = ULIDTime("01ARYZ6S41TSV4RRFFQ69G5FAV");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(*t, 1469918176385);
  EXPECT_TRUE(IsValidULID("01arz3ndektsv4rrffq69g5fav"));
}

TEST(ULID, RejectsMalformedNames) {
  EXPECT_FALSE(IsValidULID(""));
  EXPECT_FALSE(IsValidULID("01ARZ3NDEKTSV4RRFFQ69G5FA"));    // 25
  EXPECT_FALSE(IsValidULID("01ARZ3NDEKTSV4RRFFQ69G5FAVV"));  // 27
  EXPECT_FALSE(IsValidULID("01ARZ3NDEKTSV4RRFFQ69G5FAU"));   // U not in alphabet
  EXPECT_FALSE(IsValidULID("01ARZ3NDEKTSV4RRFFQ69G5FAI"));
  EXPECT_FALSE(IsValidULID("81ARZ3NDEKTSV4RRFFQ69G5FAV"));  // overflows 128 bits
  EXPECT_FALSE(IsValidULID("01ARZ3NDEKTSV4RRFFQ69G5FA.tmp"));
  EXPECT_FALSE(ULIDTime("nope").ok());
}

}  // namespace
}  // namespace vigil::tsdb::block
