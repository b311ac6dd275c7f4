#include "api/remote/xor_chunk_writer.h"

#include <gtest/gtest.h>

#include <limits>
#include <random>

#include "api/remote/xor_chunk_reader_test_util.h"

namespace vigil::remote {
namespace {

std::string Hex(std::string_view s) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out.push_back(d[c >> 4]);
    out.push_back(d[c & 15]);
  }
  return out;
}

TEST(RemoteXorChunkWriter, FirstTwoSamplesHaveTheDocumentedBytes) {
  XorChunkWriter w;
  w.Append(1000, 1.0);
  // count 1; zig-zag varint 2000 = d0 0f; 1.0 = 3ff0000000000000.
  EXPECT_EQ(Hex(w.data()), "0001d00f3ff0000000000000");
  w.Append(2000, 1.0);
  // count 2; delta 1000 = e8 07; same value = one 0 bit (padded).
  EXPECT_EQ(Hex(w.data()), "0002d00f3ff0000000000000e80700");
  w.Append(3000, 1.0);
  // dod 0 ('0') and same value ('0'): still fits the last byte.
  EXPECT_EQ(Hex(w.data()), "0003d00f3ff0000000000000e80700");
  EXPECT_EQ(w.num_samples(), 3);
}

TEST(RemoteXorChunkWriter, ValueChangeUsesLeadingAndTrailingZeroWindow) {
  XorChunkWriter w;
  w.Append(0, 1.0);
  w.Append(1, 2.0);  // 1.0 ^ 2.0 = 0x7ff0000000000000: 1 leading, 52 trailing, 11 bits
  // After the 13 header+first-sample bytes: delta 1 = 01, then bits
  // 1 1 00001 001011 11111111111 -> 11000010 01011111 11111111 (24 bits exactly)
  EXPECT_EQ(Hex(w.data()),
            "0002"
            "00"
            "3ff0000000000000"
            "01"
            "c25fff");
}

TEST(RemoteXorChunkWriter, RoundTripsIrregularSeriesAndSpecialValues) {
  std::mt19937_64 rng(1);
  std::vector<model::Sample> decoded;
  for (int round = 0; round < 200; ++round) {
    XorChunkWriter w;
    std::vector<model::Sample> in;
    int64_t t = static_cast<int64_t>(rng() % 2'000'000'000'000) - 1'000'000'000'000;
    double v = 0;
    size_t n = 1 + rng() % 120;
    for (size_t i = 0; i < n; ++i) {
      switch (rng() % 6) {
        case 0:
          t += 15000;
          break;
        case 1:
          t += 1 + static_cast<int64_t>(rng() % 20);
          break;
        case 2:
          t += static_cast<int64_t>(rng() % (int64_t{1} << 40));
          break;
        default:
          t += 15000 + static_cast<int64_t>(rng() % 50) - 25;
          break;
      }
      switch (rng() % 7) {
        case 0:
          v = model::StaleNaN();
          break;
        case 1:
          v = std::numeric_limits<double>::infinity();
          break;
        case 2:
          v = BitsDouble(rng());
          break;
        case 3:
          break;  // unchanged
        default:
          v += static_cast<double>(rng() % 1000) / 100;
          break;
      }
      in.push_back({t, v});
      w.Append(t, v);
    }
    ASSERT_TRUE(testing::DecodeXorChunk(w.data(), &decoded)) << round;
    ASSERT_EQ(decoded, in) << round;
  }
}

TEST(RemoteXorChunkWriter, DeltaOfDeltaBucketEdgesRoundTrip) {
  // Around each bucket's edges: 2^(k-1) fits the k-bit bucket, -2^(k-1) does not.
  std::vector<int64_t> dods = {0, 1, -1};
  for (int k : {14, 17, 20}) {
    int64_t e = int64_t{1} << (k - 1);
    for (int64_t d : {e, e + 1, -e, -e + 1, e - 1}) dods.push_back(d);
  }
  dods.push_back(int64_t{1} << 40);
  dods.push_back(-(int64_t{1} << 40));
  XorChunkWriter w;
  std::vector<model::Sample> in;
  int64_t t = 1'000'000'000, delta = 2'000'000;
  in.push_back({t, 0});
  w.Append(t, 0);
  for (int64_t d : dods) {
    delta += d;
    t += delta;
    in.push_back({t, 1});
    w.Append(t, 1);
  }
  std::vector<model::Sample> out;
  ASSERT_TRUE(testing::DecodeXorChunk(w.data(), &out));
  EXPECT_EQ(out, in);
}

TEST(RemoteXorChunkWriter, ResetStartsANewChunk) {
  XorChunkWriter w;
  w.Append(5, 5);
  w.Append(6, 6);
  w.Reset();
  w.Append(1000, 1.0);
  EXPECT_EQ(Hex(w.data()), "0001d00f3ff0000000000000");
}

}  // namespace
}  // namespace vigil::remote
