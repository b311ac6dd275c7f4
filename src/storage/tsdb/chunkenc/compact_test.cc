// Compact chunk specifics: the encoder picks the cheap layouts it should.
#include "storage/tsdb/chunkenc/compact.h"

#include <gtest/gtest.h>

#include <limits>

#include "storage/tsdb/chunkenc/test_util.h"
#include "storage/tsdb/chunkenc/xor.h"

namespace vigil::tsdb::chunkenc {
namespace {

using model::Sample;
using namespace compact;  // NOLINT(build/namespaces)

struct Encoded {
  std::string bytes;
  CompactEncoder::Choice choice;
};

Encoded EncodeWithChoice(const std::vector<Sample>& s) {
  CompactEncoder enc;
  Encoded e;
  EXPECT_TRUE(enc.Encode(s, &e.bytes).ok());
  e.choice = enc.last_choice();
  std::vector<Sample> got;
  EXPECT_TRUE(DecodeAll(Encoding::kCompact, e.bytes, &got).ok());
  EXPECT_EQ(got, s);
  return e;
}

size_t XorSize(const std::vector<Sample>& s) {
  XorChunk c;
  for (const Sample& x : s) c.Append(x.t, x.v);
  return c.Bytes().size();
}

TEST(CompactEncoder, FixedIntervalConstantChunkCostsOnlyAHeader) {
  std::vector<Sample> s;
  for (int i = 0; i < 120; ++i) s.push_back({1'700'000'000'000 + i * 15000, 1});
  Encoded e = EncodeWithChoice(s);
  EXPECT_EQ(e.choice.time, kTimeLinearSpan);
  EXPECT_EQ(e.choice.value, kValueDecimal);
  EXPECT_EQ(e.choice.ints, kIntConst);
  EXPECT_LE(e.bytes.size(), 18u);  // count, t0, span, residual base+width, modes, 1
}

TEST(CompactEncoder, ConstantNaNChunkIsOneRawValue) {
  std::vector<Sample> s;
  for (int i = 0; i < 120; ++i) s.push_back({i * 15000, BitsDouble(model::kNormalNaNBits)});
  Encoded e = EncodeWithChoice(s);
  EXPECT_EQ(e.choice.value, kValueConst);
  EXPECT_LE(e.bytes.size(), 20u);
}

TEST(CompactEncoder, JitteredTimestampsUseNarrowResiduals) {
  std::vector<Sample> s = synthetic::GenerateSeries(synthetic::kConstant, 1, 120, 25);
  Encoded e = EncodeWithChoice(s);
  EXPECT_NE(e.choice.time, kTimeDodBits);
  // ±25 ms is 51 values: 6 bits a sample, 90 bytes for 119 residuals.
  EXPECT_LE(e.bytes.size(), 90u + 30u);
}

TEST(CompactEncoder, TimestampGapsFallBackToDodBitCodes) {
  std::vector<Sample> s;
  int64_t t = 0;
  for (int i = 0; i < 120; ++i) {
    t += (i % 10 == 0) ? 3'600'000 * (i + 1) : 15000;
    s.push_back({t, 1});
  }
  Encoded e = EncodeWithChoice(s);
  EXPECT_EQ(e.choice.time, kTimeDodBits);
}

TEST(CompactEncoder, ScrapeGapCostsBitsNotBytesPerSample) {
  std::vector<Sample> s = synthetic::GenerateSeries(synthetic::kCounterRequests, 3, 120);
  for (size_t i = 40; i < s.size(); ++i) s[i].t += 5 * 60 * 1000;  // 5 minutes missing
  Encoded e = EncodeWithChoice(s);
  EXPECT_EQ(e.choice.time, kTimeDodBits);
  EXPECT_LT(e.bytes.size(), XorSize(s));
}

TEST(CompactEncoder, CentiCounterIsStoredAsDecimalIntegers) {
  std::vector<Sample> s = synthetic::GenerateSeries(synthetic::kCounterCenti, 4, 120);
  Encoded e = EncodeWithChoice(s);
  EXPECT_EQ(e.choice.value, kValueDecimal);
  EXPECT_EQ(e.choice.decimals, 2);
  EXPECT_EQ(e.choice.exceptions, 0);
  EXPECT_LT(e.bytes.size() * 2, XorSize(s));
}

TEST(CompactEncoder, PageGaugeDividesDeltasByTheirCommonFactor) {
  std::vector<Sample> s = synthetic::GenerateSeries(synthetic::kGaugePages, 2, 120);
  Encoded e = EncodeWithChoice(s);
  EXPECT_EQ(e.choice.value, kValueDecimal);
  EXPECT_EQ(e.choice.decimals, 0);
  // Costs what the same walk counted in pages costs (plus the GCD's varint).
  std::vector<Sample> pages = s;
  for (Sample& x : pages) x.v /= 4096;
  EXPECT_LE(e.bytes.size(), EncodeWithChoice(pages).bytes.size() + 6);
  EXPECT_LT(e.bytes.size(), XorSize(s));
}

TEST(CompactEncoder, OneStalenessMarkerIsAnExceptionNotAFloatChunk) {
  std::vector<Sample> s = synthetic::GenerateSeries(synthetic::kCounterRequests, 4, 120);
  s.back().v = model::StaleNaN();
  Encoded e = EncodeWithChoice(s);
  EXPECT_EQ(e.choice.value, kValueDecimal);
  EXPECT_EQ(e.choice.exceptions, 1);
  // The marker costs index gap + tag, not 8 raw bytes.
  std::vector<Sample> without(s.begin(), s.end() - 1);
  EXPECT_LE(e.bytes.size(), EncodeWithChoice(without).bytes.size() + 4);
}

TEST(CompactEncoder, ConstantWithTrailingStaleMarkerStaysTiny) {
  std::vector<Sample> s;
  for (int i = 0; i < 120; ++i) s.push_back({i * 15000, 1});
  s.push_back({120 * 15000, model::StaleNaN()});
  Encoded e = EncodeWithChoice(s);
  EXPECT_EQ(e.choice.value, kValueDecimal);
  EXPECT_EQ(e.choice.ints, kIntConst);
  EXPECT_LE(e.bytes.size(), 24u);
}

TEST(CompactEncoder, FullPrecisionFloatsUseGorillaAndStayNearXorSize) {
  std::vector<Sample> s = synthetic::GenerateSeries(synthetic::kNoiseFull, 1, 120);
  Encoded e = EncodeWithChoice(s);
  EXPECT_EQ(e.choice.value, kValueFloat);
  EXPECT_LE(e.bytes.size(), XorSize(s));
}

TEST(CompactEncoder, ValueNeedingMoreDigitsThanOthersBecomesException) {
  std::vector<Sample> s;
  for (int i = 0; i < 120; ++i) s.push_back({i * 15000, 10.0 + i});
  s[40].v = 0.1 + 0.2;  // 0.30000000000000004: no short decimal
  Encoded e = EncodeWithChoice(s);
  EXPECT_EQ(e.choice.value, kValueDecimal);
  EXPECT_EQ(e.choice.decimals, 0);
  EXPECT_EQ(e.choice.exceptions, 1);
}

TEST(CompactEncoder, NegativeZeroAndHugeIntegersKeepTheirBits) {
  std::vector<Sample> s;
  for (int i = 0; i < 50; ++i) s.push_back({i, static_cast<double>(i % 3) - 1});
  s[10].v = -0.0;
  s[11].v = 1e300;
  s[12].v = 9007199254740994.0;
  s[13].v = -9007199254740992.0;
  EncodeWithChoice(s);
}

TEST(CompactEncoder, NoisyGaugeUsesFrameOfReferenceOnValues) {
  std::vector<Sample> s = synthetic::GenerateSeries(synthetic::kNoiseNano, 2, 120);
  Encoded e = EncodeWithChoice(s);
  EXPECT_EQ(e.choice.value, kValueDecimal);
  EXPECT_EQ(e.choice.ints, kIntFor);
}

TEST(CompactEncoder, CounterResetStillRoundTripsWithVarintOrWideDeltas) {
  std::vector<Sample> s = synthetic::GenerateSeries(synthetic::kCounterBytes, 9, 120);
  for (size_t i = 60; i < s.size(); ++i) s[i].v = s[i].v - s[59].v;
  EncodeWithChoice(s);
}

// The iterator decodes 32 samples at a time with a fast path that is taken
// only when no exception falls in the batch: put them around the boundaries.
TEST(CompactIterator, ExceptionsAtBatchBoundariesKeepTheirPlace) {
  for (int shape : {synthetic::kCounterCenti, synthetic::kCounterRequests, synthetic::kGaugePages,
                    synthetic::kNoiseNano, synthetic::kConstant, synthetic::kNoiseFull}) {
    for (int jitter : {0, 25}) {
      std::vector<Sample> base = synthetic::GenerateSeries(shape, 11, 200, jitter);
      for (std::vector<int> at : std::vector<std::vector<int>>{
               {}, {0}, {1}, {31}, {32}, {33}, {31, 32}, {63, 64, 65}, {199}, {0, 95, 96, 199}}) {
        std::vector<Sample> s = base;
        for (int i : at) s[static_cast<size_t>(i)].v = model::StaleNaN();
        SCOPED_TRACE(synthetic::ShapeName(shape));
        EncodeWithChoice(s);  // checks the round trip
      }
    }
  }
}

TEST(CompactIterator, HeaderTimeRangeIsAvailableWithoutDecoding) {
  std::vector<Sample> s = synthetic::GenerateSeries(synthetic::kGaugeLoad, 1, 120, 25);
  Encoded e = EncodeWithChoice(s);
  CompactIterator it(e.bytes);
  EXPECT_EQ(it.num_samples(), 120);
  EXPECT_EQ(it.min_time(), s.front().t);
  EXPECT_EQ(it.max_time(), s.back().t);
}

TEST(CompactIterator, MalformedModesAreCorruption) {
  std::vector<Sample> s = synthetic::GenerateSeries(synthetic::kGaugeLoad, 1, 10);
  std::string good = EncodeWithChoice(s).bytes;
  // Sample count beyond the limit.
  CompactIterator it(std::string_view("\xff\xff\x7f", 3));
  EXPECT_FALSE(it.Next());
  EXPECT_TRUE(it.status().IsCorruption());
  // Trailing bytes after a complete chunk are ignored by the iterator, but a
  // chunk cut inside its header is not.
  for (size_t len = 1; len < 6 && len < good.size(); ++len) {
    std::string cut = good.substr(0, len);
    it.Reset(cut);
    while (it.Next()) {
    }
    EXPECT_FALSE(it.status().ok()) << len;
  }
}

}  // namespace
}  // namespace vigil::tsdb::chunkenc
