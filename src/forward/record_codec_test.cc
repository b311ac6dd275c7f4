#include "forward/record_codec.h"

#include <gtest/gtest.h>

namespace vigil::forward {
namespace {

model::LogRecord FullRecord() {
  model::LogRecord r;
  r.time_ns = 1700000000123456789;
  r.observed_time_ns = -5;  // negative times must survive the zig-zag varint
  r.severity_number = 17;
  r.severity_text = "err";
  r.body = std::string("line with \0 nul and ünïcode", 27);
  r.stream = model::Labels::FromStrings({"host", "a", "job", "x"});
  r.attributes = {{"syslog.procid", "42"}, {"k", ""}};
  r.resource = {{"host.name", "a"}};
  r.trace_id = "0123456789abcdef0123456789abcdef";
  r.span_id = "0123456789abcdef";
  return r;
}

void ExpectEqual(const model::LogRecord& a, const model::LogRecord& b) {
  EXPECT_EQ(a.time_ns, b.time_ns);
  EXPECT_EQ(a.observed_time_ns, b.observed_time_ns);
  EXPECT_EQ(a.severity_number, b.severity_number);
  EXPECT_EQ(a.severity_text, b.severity_text);
  EXPECT_EQ(a.body, b.body);
  EXPECT_EQ(a.stream, b.stream);
  EXPECT_EQ(a.attributes, b.attributes);
  EXPECT_EQ(a.resource, b.resource);
  EXPECT_EQ(a.trace_id, b.trace_id);
  EXPECT_EQ(a.span_id, b.span_id);
}

TEST(RecordCodec, EveryFieldSurvivesARoundTrip) {
  std::string enc;
  EncodeLogRecord(FullRecord(), &enc);
  model::LogRecord got;
  ASSERT_TRUE(DecodeLogRecord(enc, &got).ok());
  ExpectEqual(FullRecord(), got);
}

TEST(RecordCodec, EmptyRecordRoundTrips) {
  std::string enc;
  EncodeLogRecord(model::LogRecord{}, &enc);
  model::LogRecord got = FullRecord();
  ASSERT_TRUE(DecodeLogRecord(enc, &got).ok());
  ExpectEqual(model::LogRecord{}, got);
}

TEST(RecordCodec, EveryTruncationIsCorruptionNotACrash) {
  std::string enc;
  EncodeLogRecord(FullRecord(), &enc);
  for (size_t n = 0; n < enc.size(); ++n) {
    model::LogRecord got;
    EXPECT_TRUE(DecodeLogRecord(std::string_view(enc).substr(0, n), &got).IsCorruption()) << n;
  }
  model::LogRecord got;
  EXPECT_TRUE(DecodeLogRecord(enc + "x", &got).IsCorruption());
}

TEST(RecordCodec, UnknownVersionIsRefused) {
  std::string enc;
  EncodeLogRecord(FullRecord(), &enc);
  enc[0] = 2;
  model::LogRecord got;
  EXPECT_TRUE(DecodeLogRecord(enc, &got).IsCorruption());
}

TEST(RecordCodec, UnsortedStreamLabelsAreRefused) {
  // version, time 0, observed 0, severity 0, text "", body "", 2 labels b=1, a=1, ...
  std::string enc = {1, 0, 0, 0, 0, 0, 2, 1, 'b', 1, '1', 1, 'a', 1, '1', 0, 0, 0, 0};
  model::LogRecord got;
  EXPECT_TRUE(DecodeLogRecord(enc, &got).IsCorruption());
  enc = {1, 0, 0, 0, 0, 0, 2, 1, 'a', 1, '1', 1, 'b', 1, '1', 0, 0, 0, 0};
  EXPECT_TRUE(DecodeLogRecord(enc, &got).ok());
}

TEST(RecordCodec, HugeCountInShortInputDoesNotAllocate) {
  std::string enc = {1, 0, 0, 0, 0, 0, '\xff', '\xff', '\xff', '\xff', 0x0f};
  model::LogRecord got;
  EXPECT_TRUE(DecodeLogRecord(enc, &got).IsCorruption());
}

}  // namespace
}  // namespace vigil::forward
