// Tests that hold for both encodings: round trips bit for bit, Seek, Reset,
// and corrupt input.
#include "storage/tsdb/chunkenc/chunkenc.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "storage/tsdb/chunkenc/test_util.h"

namespace vigil::tsdb::chunkenc {
namespace {

using model::Sample;
using testing::TrickyValues;

class BothEncodings : public ::testing::TestWithParam<Encoding> {
 protected:
  std::string Encode(const std::vector<Sample>& s) {
    std::string out;
    Status st = EncodeTo(GetParam(), s, &out);
    EXPECT_TRUE(st.ok()) << st.ToString();
    return out;
  }
  // Encodes, decodes and checks every bit; also checks the header helpers.
  void ExpectRoundTrip(const std::vector<Sample>& s) {
    std::string bytes = Encode(s);
    std::vector<Sample> got;
    Status st = DecodeAll(GetParam(), bytes, &got);
    ASSERT_TRUE(st.ok()) << st.ToString();
    ASSERT_EQ(got.size(), s.size());
    for (size_t i = 0; i < s.size(); ++i) {
      ASSERT_EQ(got[i].t, s[i].t) << "sample " << i;
      ASSERT_EQ(DoubleBits(got[i].v), DoubleBits(s[i].v)) << "sample " << i << " value " << s[i].v;
    }
    EXPECT_EQ(NumSamples(GetParam(), bytes), static_cast<int>(s.size()));
    EXPECT_TRUE(Validate(GetParam(), bytes).ok());
    Result<TimeRange> r = TimeBounds(GetParam(), bytes);
    if (s.empty()) {
      EXPECT_TRUE(r.status().IsNotFound());
    } else {
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      EXPECT_EQ(r->min_t, s.front().t);
      EXPECT_EQ(r->max_t, s.back().t);
    }
  }
};

std::vector<Sample> Regular(int n, int64_t start, int64_t step, double v0, double dv) {
  std::vector<Sample> s;
  for (int i = 0; i < n; ++i) s.push_back({start + i * step, v0 + i * dv});
  return s;
}

TEST_P(BothEncodings, EmptyChunkHasNoSamples) { ExpectRoundTrip({}); }

TEST_P(BothEncodings, SingleSampleRoundTrips) {
  ExpectRoundTrip({{1'700'000'000'000, 42.5}});
  ExpectRoundTrip({{-5, model::StaleNaN()}});
  ExpectRoundTrip({{0, -0.0}});
}

TEST_P(BothEncodings, TwoAndThreeSamplesRoundTrip) {
  ExpectRoundTrip({{10, 1}, {20, 2}});
  ExpectRoundTrip({{10, 1}, {20, 2}, {35, 2}});
}

TEST_P(BothEncodings, FullChunkOf120RoundTrips) {
  ExpectRoundTrip(Regular(120, 1'700'000'000'000, 15000, 100, 0.25));
}

TEST_P(BothEncodings, ThousandsOfSamplesRoundTrip) {
  ExpectRoundTrip(Regular(5000, 1'700'000'000'000, 15000, 0, 1.5));
  std::vector<Sample> s;
  synthetic::Rng r(7);
  for (int i = 0; i < 20000; ++i)
    s.push_back({i * 1000 + static_cast<int64_t>(r.Next() % 50), r.Uniform()});
  ExpectRoundTrip(s);
}

TEST_P(BothEncodings, SpecialFloatsKeepEveryBit) {
  std::vector<Sample> s;
  int64_t t = 1000;
  for (double v : TrickyValues()) {
    s.push_back({t += 15000, v});
    s.push_back({t += 15000, 1.5});
  }
  for (double v : TrickyValues()) s.push_back({t += 15000, v});
  ExpectRoundTrip(s);
}

TEST_P(BothEncodings, ConstantSpecialFloatChunkKeepsBits) {
  for (double v : TrickyValues()) {
    std::vector<Sample> s;
    for (int i = 0; i < 120; ++i) s.push_back({i * 15000, v});
    ExpectRoundTrip(s);
  }
}

TEST_P(BothEncodings, StalenessMarkerAmongDecimalsKeepsBits) {
  std::vector<Sample> s = Regular(119, 0, 15000, 12.25, 0.01);
  s.push_back({119 * 15000, model::StaleNaN()});
  ExpectRoundTrip(s);
  s[50].v = model::StaleNaN();
  s[51].v = -0.0;
  s[52].v = std::numeric_limits<double>::infinity();
  ExpectRoundTrip(s);
}

TEST_P(BothEncodings, LargeTimestampGapsRoundTrip) {
  const int64_t hour = 3'600'000, day = 24 * hour;
  ExpectRoundTrip({{0, 1},
                   {15000, 2},
                   {15000 + hour, 3},
                   {15000 + hour + 15000, 4},
                   {15000 + 30 * day, 5},
                   {15000 + 30 * day + 1, 6}});
  // Deltas and delta-of-deltas beyond 2^32.
  ExpectRoundTrip(
      {{1, 1}, {int64_t{1} << 33, 2}, {int64_t{1} << 40, 3}, {(int64_t{1} << 40) + 7, 4}});
  // Every dod bucket boundary of the XOR format.
  std::vector<Sample> s;
  int64_t t = 0, delta = 1000;
  for (int64_t dod : {0LL, 8192LL, -8191LL, 8193LL, -8192LL, 65536LL, -65535LL, 65537LL, -65536LL,
                      524288LL, -524287LL, 524289LL, -524288LL, 1LL << 40}) {
    delta += dod;
    t += delta;
    s.push_back({t, static_cast<double>(dod)});
  }
  ExpectRoundTrip(s);
}

TEST_P(BothEncodings, NegativeAndExtremeTimestampsRoundTrip) {
  ExpectRoundTrip(Regular(120, -1'000'000'000'000, 15000, 1, 1));
  ExpectRoundTrip({{std::numeric_limits<int64_t>::min(), 1},
                   {-1, 2},
                   {0, 3},
                   {std::numeric_limits<int64_t>::max(), 4}});
  // Not increasing: not what callers send, but the bytes must still not lie.
  ExpectRoundTrip({{100, 1}, {50, 2}, {50, 3}, {std::numeric_limits<int64_t>::min(), 4}, {7, 5}});
}

TEST_P(BothEncodings, SyntheticExporterShapesRoundTrip) {
  for (int shape = 0; shape < synthetic::kNumShapes; ++shape) {
    for (int jitter : {0, 25}) {
      for (uint64_t seed = 0; seed < 5; ++seed) {
        SCOPED_TRACE(synthetic::ShapeName(shape));
        ExpectRoundTrip(synthetic::GenerateSeries(shape, seed, 120, jitter));
      }
    }
  }
}

// Random sequences mixing every kind of delta and value the encoders branch on.
TEST_P(BothEncodings, RandomSequencesRoundTrip) {
  synthetic::Rng r(20240601);
  const std::vector<double> tricky = TrickyValues();
  for (int iter = 0; iter < 400; ++iter) {
    int n = 1 + static_cast<int>(r.Next() % 300);
    std::vector<Sample> s;
    int64_t t = static_cast<int64_t>(r.Next());
    double v = std::nearbyint(r.Uniform(-1e6, 1e6));
    int time_kind = static_cast<int>(r.Next() % 4);
    int value_kind = static_cast<int>(r.Next() % 6);
    for (int i = 0; i < n; ++i) {
      switch (time_kind) {
        case 0:
          t += 15000;
          break;
        case 1:
          t += 15000 + static_cast<int64_t>(r.Next() % 51) - 25;
          break;
        case 2:
          t += static_cast<int64_t>(r.Next() % 1'000'000'000'000);
          break;
        default:
          t = static_cast<int64_t>(static_cast<uint64_t>(t) + r.Next());
          break;
      }
      switch (value_kind) {
        case 0:
          v += std::nearbyint(r.Uniform(0, 1000));
          break;
        case 1:
          v = std::nearbyint(r.Uniform(-1e4, 1e4) * 100) / 100;
          break;
        case 2:
          v = BitsDouble(r.Next());
          break;
        case 3:
          v = r.Uniform();
          break;
        case 4:
          v = std::nearbyint(v + r.Uniform(-5, 5));
          break;
        default:
          v = r.Next() % 2 ? tricky[r.Next() % tricky.size()] : std::nearbyint(v + 1);
          break;
      }
      if (r.Next() % 50 == 0) v = tricky[r.Next() % tricky.size()];
      s.push_back({t, v});
    }
    ExpectRoundTrip(s);
    if (HasFatalFailure()) {
      ADD_FAILURE() << "iteration " << iter;
      return;
    }
  }
}

TEST_P(BothEncodings, SeekFindsFirstSampleAtOrAfterAndNeverGoesBack) {
  std::string bytes = Encode(Regular(120, 1000, 10, 0, 1));  // t = 1000, 1010, ...
  std::unique_ptr<Iterator> it = NewIterator(GetParam(), bytes);
  ASSERT_TRUE(it->Seek(-5));
  EXPECT_EQ(it->t(), 1000);
  ASSERT_TRUE(it->Seek(1000));  // current sample qualifies: stays
  EXPECT_EQ(it->t(), 1000);
  ASSERT_TRUE(it->Seek(1015));
  EXPECT_EQ(it->t(), 1020);
  EXPECT_EQ(it->v(), 2);
  ASSERT_TRUE(it->Seek(1020));
  EXPECT_EQ(it->t(), 1020);
  ASSERT_TRUE(it->Seek(0));  // backwards: no move
  EXPECT_EQ(it->t(), 1020);
  ASSERT_TRUE(it->Next());
  EXPECT_EQ(it->t(), 1030);
  ASSERT_TRUE(it->Seek(2190));  // the last sample
  EXPECT_EQ(it->t(), 2190);
  EXPECT_FALSE(it->Seek(2191));
  EXPECT_FALSE(it->Next());
  EXPECT_FALSE(it->Seek(0));  // exhausted stays exhausted
  EXPECT_TRUE(it->status().ok());
}

TEST_P(BothEncodings, SeekPastEndOfFreshIteratorReturnsFalse) {
  std::string bytes = Encode(Regular(3, 0, 10, 0, 1));
  std::unique_ptr<Iterator> it = NewIterator(GetParam(), bytes);
  EXPECT_FALSE(it->Seek(21));
  EXPECT_TRUE(it->status().ok());
  std::string empty = Encode({});
  it->Reset(empty);
  EXPECT_FALSE(it->Seek(0));
  EXPECT_TRUE(it->status().ok());
}

TEST_P(BothEncodings, ResetReusesIteratorOnOtherBytes) {
  std::string a = Encode(Regular(120, 0, 15000, 1, 1));
  std::string b = Encode(Regular(7, 5, 3, 0.5, 0.25));
  std::unique_ptr<Iterator> it = NewIterator(GetParam(), a);
  ASSERT_TRUE(it->Seek(60000));
  it->Reset(b);
  int n = 0;
  while (it->Next()) {
    EXPECT_EQ(it->t(), 5 + 3 * n);
    EXPECT_EQ(it->v(), 0.5 + 0.25 * n);
    ++n;
  }
  EXPECT_EQ(n, 7);
  it->Reset(std::string_view("\x01", 1));  // garbage, then good bytes again
  while (it->Next()) {
  }
  it->Reset(a);
  n = 0;
  while (it->Next()) ++n;
  EXPECT_EQ(n, 120);
  EXPECT_TRUE(it->status().ok());
}

TEST_P(BothEncodings, RecodeToOtherEncodingKeepsSamples) {
  std::vector<Sample> s = synthetic::GenerateSeries(synthetic::kCounterCenti, 3, 120, 25);
  s[60].v = model::StaleNaN();
  std::string bytes = Encode(s);
  Encoding other = GetParam() == Encoding::kXor ? Encoding::kCompact : Encoding::kXor;
  Result<std::string> re = Recode(GetParam(), bytes, other);
  ASSERT_TRUE(re.ok()) << re.status().ToString();
  std::vector<Sample> got;
  ASSERT_TRUE(DecodeAll(other, *re, &got).ok());
  EXPECT_EQ(got, s);
}

TEST_P(BothEncodings, TooManySamplesIsInvalidArgument) {
  std::vector<Sample> s = Regular(kMaxSamplesPerChunk + 1, 0, 1, 0, 0);
  std::string out;
  EXPECT_TRUE(EncodeTo(GetParam(), s, &out).IsInvalidArgument());
  s.pop_back();
  ExpectRoundTrip(s);
}

// Every truncation and every single-bit flip of a few chunks: no crash, no
// read outside the bytes (ASan builds check), and either an error or some
// samples. A truncated chunk must not decode to all its samples silently.
TEST_P(BothEncodings, CorruptInputNeverCrashesAndTruncationIsReported) {
  std::vector<std::vector<Sample>> inputs = {
      synthetic::GenerateSeries(synthetic::kCounterCenti, 1, 120, 25),
      synthetic::GenerateSeries(synthetic::kNoiseFull, 2, 60, 0),
      synthetic::GenerateSeries(synthetic::kGaugePages, 3, 40, 0),
  };
  inputs[0][70].v = model::StaleNaN();
  std::unique_ptr<Iterator> it = NewIterator(GetParam(), "");
  for (const auto& s : inputs) {
    const std::string good = Encode(s);
    for (size_t len = 0; len < good.size(); ++len) {
      // Copy so that ASan sees reads past the truncated end.
      std::string cut = good.substr(0, len);
      it->Reset(cut);
      size_t n = 0;
      bool all_equal = true;
      while (it->Next()) {
        if (n >= s.size() || !(it->sample() == s[n])) all_equal = false;
        ++n;
      }
      EXPECT_FALSE(it->status().ok() == true && n == s.size() && all_equal &&
                   Validate(GetParam(), cut).ok())
          << "truncated to " << len << " of " << good.size() << " decodes as the whole chunk";
    }
    for (size_t bit = 0; bit < good.size() * 8; ++bit) {
      std::string bad = good;
      bad[bit / 8] = static_cast<char>(bad[bit / 8] ^ (1 << (bit % 8)));
      it->Reset(bad);
      int n = 0;
      while (it->Next()) ++n;
      EXPECT_LE(n, kMaxSamplesPerChunk);
      (void)Validate(GetParam(), bad);
      (void)TimeBounds(GetParam(), bad);
    }
  }
}

TEST_P(BothEncodings, RandomGarbageNeverCrashes) {
  synthetic::Rng r(99);
  std::unique_ptr<Iterator> it = NewIterator(GetParam(), "");
  for (int iter = 0; iter < 3000; ++iter) {
    std::string junk(r.Next() % 64, '\0');
    for (char& c : junk) c = static_cast<char>(r.Next());
    it->Reset(junk);
    int n = 0;
    while (it->Next()) ++n;
    EXPECT_LE(n, kMaxSamplesPerChunk);
  }
}

INSTANTIATE_TEST_SUITE_P(Chunkenc, BothEncodings,
                         ::testing::Values(Encoding::kXor, Encoding::kCompact),
                         [](const ::testing::TestParamInfo<Encoding>& info) {
                           return std::string(EncodingName(info.param));
                         });

TEST(ChunkencDispatch, UnknownEncodingIsReportedNotCrashed) {
  auto bad = static_cast<Encoding>(9);
  std::unique_ptr<Iterator> it = NewIterator(bad, "abc");
  EXPECT_FALSE(it->Next());
  EXPECT_FALSE(it->status().ok());
  EXPECT_FALSE(Validate(bad, "abc").ok());
  EXPECT_EQ(NumSamples(bad, "abc"), -1);
  EXPECT_FALSE(IsKnownEncoding(0));
  EXPECT_TRUE(IsKnownEncoding(1));
  EXPECT_TRUE(IsKnownEncoding(2));
  EXPECT_FALSE(IsKnownEncoding(3));
}

TEST(ChunkencDispatch, EncodingValuesAreStable) {
  EXPECT_EQ(static_cast<int>(Encoding::kXor), 1);
  EXPECT_EQ(static_cast<int>(Encoding::kCompact), 2);
}

}  // namespace
}  // namespace vigil::tsdb::chunkenc
