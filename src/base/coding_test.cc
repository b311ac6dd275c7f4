#include "base/coding.h"

#include <gtest/gtest.h>

#include <limits>

namespace vigil {
namespace {

TEST(CodingTest, UvarintRoundTripAtBoundaries) {
  const uint64_t values[] = {
      0, 1, 127, 128, 16383, 16384, (1ull << 35) - 1, std::numeric_limits<uint64_t>::max()};
  for (uint64_t v : values) {
    std::string s;
    Encbuf e(&s);
    e.PutUvarint(v);
    EXPECT_EQ(static_cast<int>(s.size()), UvarintLength(v));
    Decbuf d(s);
    EXPECT_EQ(d.Uvarint(), v);
    EXPECT_FALSE(d.err());
    EXPECT_TRUE(d.Done());
  }
}

TEST(CodingTest, VarintZigZagRoundTrip) {
  const int64_t values[] = {
      0, -1, 1, -64, 64, std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()};
  for (int64_t v : values) {
    std::string s;
    Encbuf e(&s);
    e.PutVarint(v);
    Decbuf d(s);
    EXPECT_EQ(d.Varint(), v);
    EXPECT_FALSE(d.err());
  }
}

TEST(CodingTest, TruncatedVarintSetsStickyError) {
  std::string s = "\x80\x80";
  Decbuf d(s);
  EXPECT_EQ(d.Uvarint(), 0u);
  EXPECT_TRUE(d.err());
  EXPECT_EQ(d.BE32(), 0u);
  EXPECT_TRUE(d.err());
}

TEST(CodingTest, OverlongVarintIsRejected) {
  std::string s(11, '\xff');
  Decbuf d(s);
  d.Uvarint();
  EXPECT_TRUE(d.err());
}

TEST(CodingTest, ShortReadOfBytesFails) {
  std::string s;
  Encbuf e(&s);
  e.PutUvarint(10);
  e.PutBytes("abc");
  Decbuf d(s);
  EXPECT_TRUE(d.UvarintStr().empty());
  EXPECT_TRUE(d.err());
}

TEST(CodingTest, FixedBigEndian) {
  std::string s;
  Encbuf e(&s);
  e.PutBE32(0x01020304);
  e.PutBE64(0x1122334455667788ull);
  e.PutBEDouble(-2.5);
  ASSERT_EQ(s.size(), 20u);
  EXPECT_EQ(s[0], 1);
  EXPECT_EQ(s[3], 4);
  Decbuf d(s);
  EXPECT_EQ(d.BE32(), 0x01020304u);
  EXPECT_EQ(d.BE64(), 0x1122334455667788ull);
  EXPECT_EQ(d.BEDouble(), -2.5);
  EXPECT_TRUE(d.Done());
}

}  // namespace
}  // namespace vigil
