#include "api/remote/write_request_decoder.h"

#include <google/protobuf/stubs/logging.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "api/remote/decoder_compare_test_util.h"
#include "api/remote/wire_test_util.h"

namespace vigil::remote {
namespace {

using testing::CompareDecoded;
using testing::DoubleField;
using testing::Fixed32Field;
using testing::Fixed64Field;
using testing::Len;
using testing::RawLabel;
using testing::RawSample;
using testing::Tag;
using testing::Uvarint;
using testing::VarintField;

std::string RandomString(std::mt19937_64& rng, bool allow_empty) {
  static const char* const kPieces[] = {"a",  "job",  "__name__", "node_cpu_seconds_total",
                                        "é",  "日本", "x y",      "\"",
                                        "\\", "\n",   "le",       "0.5"};
  std::string s;
  int n = static_cast<int>(rng() % 4) + (allow_empty ? 0 : 1);
  for (int i = 0; i < n; ++i) s += kPieces[rng() % std::size(kPieces)];
  if (rng() % 16 == 0) s.append(rng() % 300, 'z');  // two-byte length prefixes
  return s;
}

double RandomValue(std::mt19937_64& rng) {
  switch (rng() % 8) {
    case 0:
      return model::StaleNaN();
    case 1:
      return BitsDouble(model::kNormalNaNBits);
    case 2:
      return -0.0;
    case 3:
      return std::numeric_limits<double>::infinity();
    case 4:
      return 0.0;
    default:
      return BitsDouble(rng());
  }
}

int64_t RandomTimestamp(std::mt19937_64& rng) {
  switch (rng() % 6) {
    case 0:
      return 0;
    case 1:
      return -static_cast<int64_t>(rng() % 100000);
    case 2:
      return std::numeric_limits<int64_t>::min();
    case 3:
      return std::numeric_limits<int64_t>::max();
    default:
      return 1'700'000'000'000 + static_cast<int64_t>(rng() % 1'000'000);
  }
}

wire::WriteRequest RandomRequest(std::mt19937_64& rng) {
  wire::WriteRequest req;
  int series = static_cast<int>(rng() % 6);
  for (int i = 0; i < series; ++i) {
    wire::TimeSeries* ts = req.add_timeseries();
    int labels = static_cast<int>(rng() % 10);
    for (int j = 0; j < labels; ++j) {
      wire::Label* l = ts->add_labels();
      l->set_name(RandomString(rng, true));
      l->set_value(RandomString(rng, true));
    }
    int samples = static_cast<int>(rng() % 5);
    for (int j = 0; j < samples; ++j) {
      wire::Sample* s = ts->add_samples();
      s->set_value(RandomValue(rng));
      s->set_timestamp(RandomTimestamp(rng));
    }
    if (rng() % 4 == 0) {
      wire::Exemplar* e = ts->add_exemplars();
      e->set_value(1.5);
      e->add_labels()->set_name("trace_id");
    }
    if (rng() % 4 == 0) {
      wire::Histogram* h = ts->add_histograms();
      h->set_count_int(rng() % 100);
      h->set_schema(3);
      h->add_positive_deltas(-2);
    }
  }
  int metadata = static_cast<int>(rng() % 3);
  for (int i = 0; i < metadata; ++i) {
    wire::MetricMetadata* m = req.add_metadata();
    m->set_type(static_cast<wire::MetricMetadata::MetricType>(rng() % 10));
    m->set_metric_family_name(RandomString(rng, true));
    m->set_help(RandomString(rng, true));
    m->set_unit(RandomString(rng, true));
  }
  return req;
}

TEST(WriteRequestDecoder, RandomRequestsMatchTheGeneratedParser) {
  std::mt19937_64 rng(42);
  WriteRequestDecoder dec;  // one object for all, to check reuse between calls
  for (int i = 0; i < 2000; ++i) {
    wire::WriteRequest req = RandomRequest(rng);
    std::string bytes = req.SerializeAsString();
    ASSERT_TRUE(dec.Decode(bytes).ok()) << i;
    EXPECT_EQ(CompareDecoded(dec, req), "") << i;
  }
}

TEST(WriteRequestDecoder, EveryPrefixFailsOrDecodesLikeTheGeneratedParser) {
  // Prefixes cut strings in the middle of UTF-8 sequences; protobuf logs each.
  google::protobuf::LogHandler* old_log = google::protobuf::SetLogHandler(nullptr);
  std::mt19937_64 rng(7);
  WriteRequestDecoder dec;
  for (int round = 0; round < 50; ++round) {
    std::string bytes = RandomRequest(rng).SerializeAsString();
    for (size_t n = 0; n <= bytes.size(); ++n) {
      std::string_view prefix(bytes.data(), n);
      wire::WriteRequest req;
      bool pb_ok = req.ParseFromArray(prefix.data(), static_cast<int>(prefix.size()));
      bool ours_ok = dec.Decode(prefix).ok();
      ASSERT_EQ(ours_ok, pb_ok) << "round " << round << " prefix " << n;
      if (ours_ok) {
        ASSERT_EQ(CompareDecoded(dec, req), "");
      }
    }
  }
  google::protobuf::SetLogHandler(old_log);
}

TEST(WriteRequestDecoder, StalenessMarkerAndNaNBitsSurvive) {
  std::string ts = Len(1, RawLabel("__name__", "up")) + Len(2, RawSample(model::StaleNaN(), 1)) +
                   Len(2, RawSample(BitsDouble(model::kNormalNaNBits), 2)) +
                   Len(2, RawSample(-0.0, 3));
  WriteRequestDecoder dec;
  ASSERT_TRUE(dec.Decode(Len(1, ts)).ok());
  ASSERT_EQ(dec.total_samples(), 3u);
  EXPECT_EQ(DoubleBits(dec.samples(0)[0].v), model::kStaleNaNBits);
  EXPECT_EQ(DoubleBits(dec.samples(0)[1].v), model::kNormalNaNBits);
  EXPECT_EQ(DoubleBits(dec.samples(0)[2].v), DoubleBits(-0.0));
}

TEST(WriteRequestDecoder, LabelsAfterSamplesBelongToTheSameSeries) {
  std::string ts1 = Len(2, RawSample(1, 10)) + Len(1, RawLabel("__name__", "a")) +
                    Len(2, RawSample(2, 20)) + Len(1, RawLabel("job", "x"));
  std::string ts2 = Len(1, RawLabel("__name__", "b")) + Len(2, RawSample(3, 30));
  std::string bytes = Len(1, ts1) + Len(1, ts2);  // the decoded views point into it
  WriteRequestDecoder dec;
  ASSERT_TRUE(dec.Decode(bytes).ok());
  ASSERT_EQ(dec.num_series(), 2u);
  ASSERT_EQ(dec.labels(0).size(), 2u);
  EXPECT_EQ(dec.labels(0)[0], (model::LabelView{"__name__", "a"}));
  EXPECT_EQ(dec.labels(0)[1], (model::LabelView{"job", "x"}));
  ASSERT_EQ(dec.samples(0).size(), 2u);
  EXPECT_EQ(dec.samples(0)[1], (model::Sample{20, 2}));
  ASSERT_EQ(dec.labels(1).size(), 1u);
  EXPECT_EQ(dec.samples(1)[0], (model::Sample{30, 3}));
}

TEST(WriteRequestDecoder, FieldsInsideMessagesInAnyOrderAndLastValueWins) {
  // Sample: timestamp before value, value twice. Label: value before name, name twice.
  std::string sample = VarintField(2, 5) + DoubleField(1, 1.0) + DoubleField(1, 2.0);
  std::string label = Len(2, "v") + Len(1, "first") + Len(1, "second");
  WriteRequestDecoder dec;
  std::string bytes = Len(1, Len(1, label) + Len(2, sample));
  ASSERT_TRUE(dec.Decode(bytes).ok());
  EXPECT_EQ(dec.labels(0)[0], (model::LabelView{"second", "v"}));
  EXPECT_EQ(dec.samples(0)[0], (model::Sample{5, 2.0}));
  wire::WriteRequest req;
  ASSERT_TRUE(req.ParseFromString(bytes));
  EXPECT_EQ(CompareDecoded(dec, req), "");
}

TEST(WriteRequestDecoder, UnknownFieldsOfEveryWireTypeAreSkipped) {
  std::string unknown = VarintField(9, 300) + Fixed64Field(10, 1) + Len(11, "junk") +
                        Fixed32Field(12, 7) + VarintField(2000000, 1);
  std::string sample = unknown + RawSample(1.5, 100) + unknown;
  std::string label = unknown + RawLabel("__name__", "up") + unknown;
  std::string ts = unknown + Len(1, label) + unknown + Len(2, sample) + unknown;
  std::string md = VarintField(1, 2) + Len(2, "up") + Len(3, "field 3 is not used") +
                   Len(4, "help") + Len(5, "unit") + unknown;
  // WriteRequest field 2 is reserved (Cortex' source field): skipped.
  std::string bytes = unknown + VarintField(2, 1) + Len(1, ts) + unknown + Len(3, md);
  WriteRequestDecoder dec;
  ASSERT_TRUE(dec.Decode(bytes).ok()) << dec.Decode(bytes).ToString();
  ASSERT_EQ(dec.num_series(), 1u);
  EXPECT_EQ(dec.labels(0)[0], (model::LabelView{"__name__", "up"}));
  EXPECT_EQ(dec.samples(0)[0], (model::Sample{100, 1.5}));
  ASSERT_EQ(dec.metadata().size(), 1u);
  EXPECT_EQ(dec.metadata()[0].type, 2);
  EXPECT_EQ(dec.metadata()[0].metric_family_name, "up");
  EXPECT_EQ(dec.metadata()[0].help, "help");
  EXPECT_EQ(dec.metadata()[0].unit, "unit");
  wire::WriteRequest req;
  ASSERT_TRUE(req.ParseFromString(bytes));
  EXPECT_EQ(CompareDecoded(dec, req), "");
}

TEST(WriteRequestDecoder, ExemplarsAndHistogramsAreCountedNotDecoded) {
  wire::WriteRequest req;
  wire::TimeSeries* ts = req.add_timeseries();
  ts->add_labels()->set_name("__name__");
  ts->add_exemplars()->set_value(1);
  ts->add_exemplars()->set_value(2);
  ts->add_histograms()->set_count_int(3);
  req.add_timeseries()->add_histograms()->set_sum(1);
  WriteRequestDecoder dec;
  ASSERT_TRUE(dec.Decode(req.SerializeAsString()).ok());
  EXPECT_EQ(dec.series(0).num_exemplars, 2u);
  EXPECT_EQ(dec.series(0).num_histograms, 1u);
  EXPECT_EQ(dec.series(1).num_histograms, 1u);
  EXPECT_EQ(dec.total_exemplars(), 2u);
  EXPECT_EQ(dec.total_histograms(), 2u);
}

TEST(WriteRequestDecoder, EnumTypeKeepsOutOfRangeValues) {
  WriteRequestDecoder dec;
  // 2^32 + 5 as a varint: protobuf keeps the low 32 bits of an enum.
  ASSERT_TRUE(dec.Decode(Len(3, VarintField(1, (uint64_t{1} << 32) + 5) + Len(2, "m"))).ok());
  EXPECT_EQ(dec.metadata()[0].type, 5);
  ASSERT_TRUE(dec.Decode(Len(3, VarintField(1, static_cast<uint64_t>(-1)))).ok());
  EXPECT_EQ(dec.metadata()[0].type, -1);
}

TEST(WriteRequestDecoder, ReuseReplacesPreviousContents) {
  WriteRequestDecoder dec;
  std::mt19937_64 rng(3);
  wire::WriteRequest big;
  for (int i = 0; i < 50; ++i) big.MergeFrom(RandomRequest(rng));
  ASSERT_TRUE(dec.Decode(big.SerializeAsString()).ok());
  ASSERT_TRUE(dec.Decode("").ok());
  EXPECT_EQ(dec.num_series(), 0u);
  EXPECT_EQ(dec.total_samples(), 0u);
  EXPECT_EQ(dec.total_exemplars(), 0u);
  EXPECT_TRUE(dec.metadata().empty());
}

struct BadInput {
  const char* name;
  std::string bytes;
  WireError error;
  const char* message;
};

class WriteRequestDecoderErrors : public ::testing::TestWithParam<BadInput> {};

TEST_P(WriteRequestDecoderErrors, IsInvalidArgumentNamingTheProblem) {
  const BadInput& in = GetParam();
  WriteRequestDecoder dec;
  Status s = dec.Decode(in.bytes);
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_EQ(s.message(), in.message);
  EXPECT_EQ(dec.last_error(), in.error) << WireErrorName(dec.last_error());
}

std::string Series(std::string_view body) { return Len(1, body); }

INSTANTIATE_TEST_SUITE_P(
    All, WriteRequestDecoderErrors,
    ::testing::Values(
        BadInput{"LabelsLengthPastEndOfSeries",
                 Tag(1, 2) + Uvarint(3) + Tag(1, 2) + Uvarint(10) + "x", WireError::kTruncated,
                 "proto: TimeSeries.labels: unexpected EOF"},
        BadInput{"SeriesLengthPastEnd", Tag(1, 2) + Uvarint(100) + "abc", WireError::kTruncated,
                 "proto: WriteRequest.timeseries: unexpected EOF"},
        BadInput{"LabelNamePastEndOfLabel", Series(Len(1, Tag(1, 2) + Uvarint(5) + "ab")),
                 WireError::kTruncated, "proto: Label.name: unexpected EOF"},
        BadInput{"TruncatedTagVarint", std::string("\x80", 1), WireError::kTruncated,
                 "proto: WriteRequest: unexpected EOF"},
        BadInput{"TruncatedTimestampVarint", Series(Len(2, Tag(2, 0) + "\xff\xff")),
                 WireError::kTruncated, "proto: Sample.timestamp: unexpected EOF"},
        BadInput{"TruncatedDouble", Series(Len(2, Tag(1, 1) + "1234567")), WireError::kTruncated,
                 "proto: Sample.value: unexpected EOF"},
        BadInput{"VarintOverflow", Series(Len(2, Tag(2, 0) + std::string(9, '\xff') + "\x02")),
                 WireError::kVarintOverflow, "proto: Sample.timestamp: varint overflows 64 bits"},
        BadInput{"ElevenByteVarint", Series(Len(2, Tag(2, 0) + std::string(10, '\x80') + "\x01")),
                 WireError::kVarintOverflow, "proto: Sample.timestamp: varint overflows 64 bits"},
        BadInput{"FieldNumberZero", Tag(0, 2) + Uvarint(0), WireError::kBadTag,
                 "proto: WriteRequest: invalid field number 0"},
        BadInput{"TagAbove32Bits", Uvarint(uint64_t{1} << 35), WireError::kTagOverflow,
                 "proto: WriteRequest: invalid tag (more than 32 bits or 5 bytes)"},
        BadInput{"SixByteTag", std::string("\x8a\x80\x80\x80\x80\x00", 6) + Uvarint(0),
                 WireError::kTagOverflow,
                 "proto: WriteRequest: invalid tag (more than 32 bits or 5 bytes)"},
        BadInput{"SixByteLength", Tag(1, 2) + std::string("\x80\x80\x80\x80\x80\x00", 6),
                 WireError::kLengthOverflow,
                 "proto: WriteRequest.timeseries: invalid length (more than 2^31 or 5 bytes)"},
        BadInput{"SeriesAsVarint", VarintField(1, 3), WireError::kWrongWireType,
                 "proto: WriteRequest.timeseries: wrong wire type 0 (want 2)"},
        BadInput{"LabelNameAsFixed32", Series(Len(1, Fixed32Field(1, 0))),
                 WireError::kWrongWireType, "proto: Label.name: wrong wire type 5 (want 2)"},
        BadInput{"SampleValueAsVarint", Series(Len(2, VarintField(1, 1))),
                 WireError::kWrongWireType, "proto: Sample.value: wrong wire type 0 (want 1)"},
        BadInput{"TimestampAsFixed64", Series(Len(2, Fixed64Field(2, 1))),
                 WireError::kWrongWireType, "proto: Sample.timestamp: wrong wire type 1 (want 0)"},
        BadInput{"MetadataTypeAsBytes", Len(3, Len(1, "x")), WireError::kWrongWireType,
                 "proto: MetricMetadata.type: wrong wire type 2 (want 0)"},
        BadInput{"Group", Series(Tag(7, 3) + Tag(7, 4)), WireError::kGroup,
                 "proto: TimeSeries: groups are not supported (field 7, wire type 3)"},
        BadInput{"EndGroupAtTop", Tag(5, 4), WireError::kGroup,
                 "proto: WriteRequest: groups are not supported (field 5, wire type 4)"},
        BadInput{"WireType7", Series(Len(2, Tag(3, 7))), WireError::kBadWireType,
                 "proto: Sample: invalid wire type 7 (field 3)"},
        BadInput{"UnknownFixed64Truncated", Tag(9, 1) + "abc", WireError::kTruncated,
                 "proto: WriteRequest: unexpected EOF in field 9"},
        BadInput{"UnknownLengthPastEnd", Series(Tag(9, 2) + Uvarint(4)), WireError::kTruncated,
                 "proto: TimeSeries: unexpected EOF in field 9"}),
    [](const ::testing::TestParamInfo<BadInput>& info) { return info.param.name; });

}  // namespace
}  // namespace vigil::remote
