// XOR chunk specifics: exact Prometheus bytes, in-place appends.
#include "storage/tsdb/chunkenc/xor.h"

#include <gtest/gtest.h>

#include "storage/tsdb/chunkenc/test_util.h"

namespace vigil::tsdb::chunkenc {
namespace {

using model::Sample;

std::string Hex(std::string_view s) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out.push_back(d[c >> 4]);
    out.push_back(d[c & 15]);
  }
  return out;
}

std::string Unhex(std::string_view h) {
  std::string out;
  for (size_t i = 0; i + 1 < h.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(h.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

// Derived by hand from the format: count 4; t0 = 1000 as zig-zag varint d00f;
// 1.0 raw; delta 1000 as uvarint e807; then bits
//   0 (same value) | 0 (dod 0) | 11 00001 001011 11111111111 (1.0 -> 2.0)
//   | 10 00000111110100 (dod 500) | 0 (same value), zero padded.
TEST(XorChunk, BytesMatchPrometheusLayoutForHandDerivedExample) {
  XorChunk c;
  c.Append(1000, 1.0);
  c.Append(2000, 1.0);
  c.Append(3000, 2.0);
  c.Append(4500, 2.0);
  EXPECT_EQ(Hex(c.Bytes()), "0004d00f3ff0000000000000e8073097ffe07d00");
}

// Chunk bytes produced by Prometheus 2.42 itself: `promtool tsdb
// create-blocks-from openmetrics` on the series listed below, the chunk read
// out of the block's chunks/000001 (see docs/storage-format.md (chunk encodings)).
struct PromVector {
  const char* name;
  std::vector<Sample> samples;
  const char* hex;
};

class PrometheusVectors : public ::testing::TestWithParam<int> {};

std::vector<PromVector> Vectors();

TEST_P(PrometheusVectors, EncoderProducesPrometheusBytesAndDecodesThem) {
  const PromVector pv = Vectors()[static_cast<size_t>(GetParam())];
  SCOPED_TRACE(pv.name);
  XorChunk c;
  for (const Sample& s : pv.samples) ASSERT_TRUE(c.Append(s.t, s.v));
  EXPECT_EQ(Hex(c.Bytes()), pv.hex);
  std::vector<Sample> got;
  ASSERT_TRUE(DecodeAll(Encoding::kXor, Unhex(pv.hex), &got).ok());
  EXPECT_EQ(got, pv.samples);
}

std::vector<PromVector> Vectors() {
  return {
#include "storage/tsdb/chunkenc/testdata/prometheus_xor_vectors.inc"
  };
}

INSTANTIATE_TEST_SUITE_P(Xor, PrometheusVectors,
                         ::testing::Range(0, static_cast<int>(Vectors().size())));

TEST(XorChunk, BytesAfterEachAppendDecodeToThePrefix) {
  std::vector<Sample> s = synthetic::GenerateSeries(synthetic::kHistogramSum, 5, 150, 25);
  s[3].v = model::StaleNaN();
  XorChunk c;
  for (size_t i = 0; i < s.size(); ++i) {
    ASSERT_TRUE(c.Append(s[i].t, s[i].v));
    std::string copy(c.Bytes());
    std::vector<Sample> got;
    ASSERT_TRUE(DecodeAll(Encoding::kXor, copy, &got).ok()) << i;
    ASSERT_EQ(got.size(), i + 1);
    ASSERT_EQ(got.back(), s[i]);
    EXPECT_EQ(c.NumSamples(), static_cast<int>(i + 1));
    EXPECT_EQ(c.MinTime(), s[0].t);
    EXPECT_EQ(c.MaxTime(), s[i].t);
  }
}

TEST(XorChunk, FromBytesContinuesAppendingWithIdenticalBytes) {
  std::vector<Sample> s = synthetic::GenerateSeries(synthetic::kCounterBytes, 1, 120);
  for (size_t split : {size_t{0}, size_t{1}, size_t{2}, size_t{3}, size_t{77}}) {
    XorChunk whole, first;
    for (size_t i = 0; i < s.size(); ++i) {
      whole.Append(s[i].t, s[i].v);
      if (i < split) first.Append(s[i].t, s[i].v);
    }
    Result<XorChunk> resumed = XorChunk::FromBytes(first.Bytes());
    ASSERT_TRUE(resumed.ok());
    for (size_t i = split; i < s.size(); ++i) resumed->Append(s[i].t, s[i].v);
    EXPECT_EQ(resumed->Bytes(), whole.Bytes()) << "split " << split;
  }
  EXPECT_FALSE(XorChunk::FromBytes("\x00\x05\x01").ok());
}

TEST(XorChunk, AppendRefusesSampleBeyondSixteenBitCount) {
  XorChunk c;
  for (int i = 0; i < kMaxSamplesPerChunk; ++i) ASSERT_TRUE(c.Append(i, 1.0));
  EXPECT_FALSE(c.Append(kMaxSamplesPerChunk, 1.0));
  EXPECT_EQ(c.NumSamples(), kMaxSamplesPerChunk);
  EXPECT_EQ(NumSamples(Encoding::kXor, c.Bytes()), kMaxSamplesPerChunk);
}

TEST(XorIterator, HeaderCountBeyondStreamIsCorruption) {
  XorChunk c;
  c.Append(1, 1);
  c.Append(2, 2);
  std::string b(c.Bytes());
  b[1] = 3;  // claims a third sample
  XorIterator it(b);
  int n = 0;
  while (it.Next()) ++n;
  EXPECT_EQ(n, 2);
  EXPECT_TRUE(it.status().IsCorruption());
}

TEST(XorIterator, ShortHeaderIsCorruption) {
  XorIterator it(std::string_view("\x00", 1));
  EXPECT_FALSE(it.Next());
  EXPECT_TRUE(it.status().IsCorruption());
}

}  // namespace
}  // namespace vigil::tsdb::chunkenc
