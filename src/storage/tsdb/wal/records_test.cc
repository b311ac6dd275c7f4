#include "storage/tsdb/wal/records.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "base/coding.h"
#include "model/sample.h"

namespace vigil::tsdb::wal {
namespace {

using model::Labels;

std::vector<RefSeries> SomeSeries() {
  return {
      {1, Labels::FromStrings({"__name__", "up", "instance", "a:9100", "job", "node"})},
      {0, Labels::FromStrings({"__name__", "x"})},
      {std::numeric_limits<uint64_t>::max(),
       Labels::FromStrings({"a", "", "b", "\xc3\xa9t\xc3\xa9"})},
      {7, Labels()},
      {8, Labels::FromStrings({"__name__", std::string(300, 'n'), "v", std::string(70000, 'v')})},
  };
}

std::vector<RefSample> EdgeSamples() {
  const double inf = std::numeric_limits<double>::infinity();
  return {
      {5, 1700000000000, 1.0},
      {6, 1700000000000, 0.0},
      {7, 1700000000000, -0.0},
      {100, 1700000000001, model::StaleNaN()},
      {99, 1699999999999, BitsDouble(model::kNormalNaNBits)},
      {0, std::numeric_limits<int64_t>::min(), inf},
      {std::numeric_limits<uint64_t>::max(), std::numeric_limits<int64_t>::max(), -inf},
      {1, 0, std::numeric_limits<double>::denorm_min()},
      {2, -5, 0.1},
      {2, -5, 123456789.0},
  };
}

TEST(RecordsTest, SeriesRoundTripKeepsRefsAndLabels) {
  std::string rec;
  auto in = SomeSeries();
  EncodeSeries(in, &rec);
  EXPECT_EQ(GetRecordType(rec), RecordType::kSeries);
  std::vector<RefSeries> out;
  ASSERT_TRUE(DecodeSeries(rec, &out).ok());
  EXPECT_EQ(out, in);
}

TEST(RecordsTest, SeriesFromViewsEncodeLikeOwnedSeries) {
  auto in = SomeSeries();
  std::vector<std::vector<model::LabelView>> views;
  std::vector<RefSeriesView> vin;
  for (const auto& s : in) views.push_back(s.labels.View());
  for (size_t i = 0; i < in.size(); ++i) vin.push_back(RefSeriesView{in[i].ref, views[i]});
  std::string a, b;
  EncodeSeries(std::span<const RefSeries>(in), &a);
  EncodeSeries(std::span<const RefSeriesView>(vin), &b);
  EXPECT_EQ(a, b);
}

TEST(RecordsTest, SamplesRoundTripIsBitExactForEdgeValues) {
  std::string rec;
  auto in = EdgeSamples();
  EncodeSamples(in, &rec);
  EXPECT_EQ(GetRecordType(rec), RecordType::kSamples);
  std::vector<RefSample> out;
  ASSERT_TRUE(DecodeSamples(rec, &out).ok());
  ASSERT_EQ(out.size(), in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    EXPECT_EQ(out[i], in[i]) << i;
  }
  EXPECT_TRUE(model::IsStaleNaN(out[3].v));
}

TEST(RecordsTest, SamplesRoundTripForRandomInput) {
  std::mt19937_64 rng(42);
  for (int round = 0; round < 200; ++round) {
    std::vector<RefSample> in(rng() % 50);
    for (auto& s : in) {
      s.ref = rng() % 4 == 0 ? rng() : rng() % 1000;
      s.t = static_cast<int64_t>(rng() % 3 == 0 ? rng() : 1700000000000 + rng() % 100000);
      s.v = BitsDouble(rng() % 2 ? rng() : (rng() << (8 * (rng() % 8))));
    }
    std::string rec;
    EncodeSamples(in, &rec);
    std::vector<RefSample> out;
    ASSERT_TRUE(DecodeSamples(rec, &out).ok());
    ASSERT_EQ(out, in);
  }
}

TEST(RecordsTest, RemoteWriteBatchTakesFewBytesPerSample) {
  // 2000 distinct series with consecutive refs at one timestamp: half integer
  // counters, half fractional gauges.
  std::mt19937_64 rng(1);
  std::vector<RefSample> in;
  for (uint64_t i = 0; i < 2000; ++i) {
    double v = i % 2 ? static_cast<double>(rng() % 1000000) : (rng() % 100000) / 1000.0;
    in.push_back(RefSample{1000 + i, 1700000000000, v});
  }
  std::string rec;
  EncodeSamples(in, &rec);
  const double per_sample = static_cast<double>(rec.size()) / in.size();
  EXPECT_LT(per_sample, 8.0);  // Prometheus' layout takes ~11-12 bytes here
  std::vector<RefSample> out;
  ASSERT_TRUE(DecodeSamples(rec, &out).ok());
  EXPECT_EQ(out, in);
}

TEST(RecordsTest, TombstonesRoundTrip) {
  std::vector<RefTombstone> in = {
      {3, 100, 200},
      {1, std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()},
      {std::numeric_limits<uint64_t>::max(), 5, -5},  // odd but representable
  };
  std::string rec;
  EncodeTombstones(in, &rec);
  EXPECT_EQ(GetRecordType(rec), RecordType::kTombstones);
  std::vector<RefTombstone> out;
  ASSERT_TRUE(DecodeTombstones(rec, &out).ok());
  EXPECT_EQ(out, in);
}

TEST(RecordsTest, MetadataRoundTrip) {
  using T = storage::MetricMetadata::Type;
  std::vector<RefMetadata> in = {
      {"http_requests", {T::kCounter, "Requests served.", ""}},
      {"temp", {T::kGauge, "", "celsius"}},
      {"", {T::kStateset, std::string(1000, 'h'), "u"}},
  };
  std::string rec;
  EncodeMetadata(in, &rec);
  EXPECT_EQ(GetRecordType(rec), RecordType::kMetadata);
  std::vector<RefMetadata> out;
  ASSERT_TRUE(DecodeMetadata(rec, &out).ok());
  EXPECT_EQ(out, in);
}

TEST(RecordsTest, EmptyListsRoundTrip) {
  std::string a, b, c, d;
  EncodeSeries(std::span<const RefSeries>(), &a);
  EncodeSamples({}, &b);
  EncodeTombstones({}, &c);
  EncodeMetadata({}, &d);
  std::vector<RefSeries> s{{1, {}}};
  std::vector<RefSample> x{{1, 1, 1}};
  std::vector<RefTombstone> t{{1, 1, 1}};
  std::vector<RefMetadata> m{{"a", {}}};
  EXPECT_TRUE(DecodeSeries(a, &s).ok());
  EXPECT_TRUE(DecodeSamples(b, &x).ok());
  EXPECT_TRUE(DecodeTombstones(c, &t).ok());
  EXPECT_TRUE(DecodeMetadata(d, &m).ok());
  EXPECT_TRUE(s.empty() && x.empty() && t.empty() && m.empty());
}

TEST(RecordsTest, EncodeAppendsToExistingBytes) {
  std::string rec = "prefix";
  EncodeSamples(EdgeSamples(), &rec);
  ASSERT_EQ(rec.substr(0, 6), "prefix");
  std::vector<RefSample> out;
  EXPECT_TRUE(DecodeSamples(std::string_view(rec).substr(6), &out).ok());
}

TEST(RecordsTest, RecordTypeOfGarbageIsUnknown) {
  EXPECT_EQ(GetRecordType(""), RecordType::kUnknown);
  EXPECT_EQ(GetRecordType(std::string(1, '\0')), RecordType::kUnknown);
  EXPECT_EQ(GetRecordType("\x09"), RecordType::kUnknown);
  EXPECT_EQ(GetRecordType("\xff"), RecordType::kUnknown);
  EXPECT_STREQ(RecordTypeName(RecordType::kSamples), "samples");
}

// Every strict prefix and every extension of a valid record must be refused.
template <typename T, typename Decode>
void ExpectPrefixesAndExtensionsRejected(const std::string& rec, Decode decode) {
  std::vector<T> out;
  ASSERT_TRUE(decode(rec, &out).ok());
  for (size_t n = 0; n < rec.size(); ++n) {
    Status s = decode(std::string_view(rec).substr(0, n), &out);
    EXPECT_TRUE(s.IsCorruption()) << "prefix " << n << " of " << rec.size();
    EXPECT_TRUE(out.empty());
  }
  EXPECT_TRUE(decode(rec + "x", &out).IsCorruption());
}

TEST(RecordsTest, TruncatedOrExtendedRecordsAreCorruption) {
  std::string series, samples, tombstones, metadata;
  auto ss = SomeSeries();
  ss.pop_back();  // keep the loop short
  EncodeSeries(ss, &series);
  EncodeSamples(EdgeSamples(), &samples);
  EncodeTombstones(std::vector<RefTombstone>{{1, 2, 3}, {4, 5, 6}}, &tombstones);
  EncodeMetadata(std::vector<RefMetadata>{{"a", {}}, {"b", {}}}, &metadata);
  ExpectPrefixesAndExtensionsRejected<RefSeries>(series, DecodeSeries);
  ExpectPrefixesAndExtensionsRejected<RefSample>(samples, DecodeSamples);
  ExpectPrefixesAndExtensionsRejected<RefTombstone>(tombstones, DecodeTombstones);
  ExpectPrefixesAndExtensionsRejected<RefMetadata>(metadata, DecodeMetadata);
}

TEST(RecordsTest, DecoderRefusesRecordOfAnotherType) {
  std::string samples;
  EncodeSamples(EdgeSamples(), &samples);
  std::vector<RefSeries> s;
  std::vector<RefTombstone> t;
  std::vector<RefMetadata> m;
  EXPECT_TRUE(DecodeSeries(samples, &s).IsCorruption());
  EXPECT_TRUE(DecodeTombstones(samples, &t).IsCorruption());
  EXPECT_TRUE(DecodeMetadata(samples, &m).IsCorruption());
}

TEST(RecordsTest, HugeCountIsRefusedBeforeAllocating) {
  for (uint8_t type = 1; type <= 4; ++type) {
    std::string rec(1, static_cast<char>(type));
    Encbuf e(&rec);
    e.PutUvarint(uint64_t{1} << 60);
    e.PutVarint(0);
    rec.append(16, '\0');
    std::vector<RefSeries> s;
    std::vector<RefSample> x;
    std::vector<RefTombstone> t;
    std::vector<RefMetadata> m;
    Status st = type == 1   ? DecodeSeries(rec, &s)
                : type == 2 ? DecodeSamples(rec, &x)
                : type == 3 ? DecodeTombstones(rec, &t)
                            : DecodeMetadata(rec, &m);
    EXPECT_TRUE(st.IsCorruption()) << int{type};
    EXPECT_LT(s.capacity() + x.capacity() + t.capacity() + m.capacity(), 100u);
  }
}

TEST(RecordsTest, UnsortedOrDuplicateLabelNamesAreCorruption) {
  for (auto names : {std::pair<std::string, std::string>{"b", "a"}, {"a", "a"}}) {
    std::string rec(1, static_cast<char>(RecordType::kSeries));
    Encbuf e(&rec);
    e.PutUvarint(1);
    e.PutVarint(1);
    e.PutUvarint(2);
    e.PutUvarintStr(names.first);
    e.PutUvarintStr("v");
    e.PutUvarintStr(names.second);
    e.PutUvarintStr("v");
    std::vector<RefSeries> out;
    EXPECT_TRUE(DecodeSeries(rec, &out).IsCorruption());
  }
}

TEST(RecordsTest, UnknownMetricTypeIsCorruption) {
  std::string rec;
  EncodeMetadata(std::vector<RefMetadata>{{"a", {}}}, &rec);
  // record type, count 1, family length 1, 'a', metric type, unit, help
  ASSERT_EQ(rec.size(), 7u);
  rec[4] = 8;
  std::vector<RefMetadata> out;
  EXPECT_TRUE(DecodeMetadata(rec, &out).IsCorruption());
}

TEST(RecordsTest, SampleWithReservedHeaderBitsIsCorruption) {
  std::string rec;
  EncodeSamples(std::vector<RefSample>{{1, 5, 0.0}}, &rec);
  // type, count, base t, header
  ASSERT_EQ(rec.size(), 4u);
  rec[3] = static_cast<char>(rec[3] | 0x40);
  std::vector<RefSample> out;
  EXPECT_TRUE(DecodeSamples(rec, &out).IsCorruption());
  rec[3] = 0x09;  // 9 value bytes
  EXPECT_TRUE(DecodeSamples(rec, &out).IsCorruption());
}

TEST(RecordsTest, RandomBytesNeverCrashTheDecoders) {
  std::mt19937_64 rng(7);
  std::vector<RefSeries> s;
  std::vector<RefSample> x;
  std::vector<RefTombstone> t;
  std::vector<RefMetadata> m;
  for (int i = 0; i < 20000; ++i) {
    std::string rec(rng() % 64, '\0');
    for (char& c : rec) c = static_cast<char>(rng() % 4 == 0 ? rng() % 3 : rng());
    if (!rec.empty()) rec[0] = static_cast<char>(1 + rng() % 4);
    (void)DecodeSeries(rec, &s);
    (void)DecodeSamples(rec, &x);
    (void)DecodeTombstones(rec, &t);
    (void)DecodeMetadata(rec, &m);
  }
}

TEST(RecordsTest, DecodeClearsPreviousOutput) {
  std::string a, b;
  EncodeSamples(EdgeSamples(), &a);
  EncodeSamples(std::vector<RefSample>{{1, 2, 3}}, &b);
  std::vector<RefSample> out;
  ASSERT_TRUE(DecodeSamples(a, &out).ok());
  ASSERT_TRUE(DecodeSamples(b, &out).ok());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], (RefSample{1, 2, 3}));
}

}  // namespace
}  // namespace vigil::tsdb::wal
