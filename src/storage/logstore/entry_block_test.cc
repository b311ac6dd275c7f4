#include "storage/logstore/entry_block.h"

#include <gtest/gtest.h>

#include "storage/logstore/chunk_file.h"

namespace vigil::logstore {
namespace {

TEST(EntryBlockTest, SortKeepsArrivalOrderForEqualTimes) {
  EntryBlock b;
  b.Append(20, "c", "");
  b.Append(10, "a", "");
  b.Append(20, "d", "");
  b.Append(10, "b", "");
  EXPECT_FALSE(b.sorted());
  b.Sort();
  ASSERT_EQ(b.size(), 4u);
  EXPECT_EQ(b.Line(0), "a");
  EXPECT_EQ(b.Line(1), "b");
  EXPECT_EQ(b.Line(2), "c");
  EXPECT_EQ(b.Line(3), "d");
  EXPECT_EQ(b.min_time(), 10);
  EXPECT_EQ(b.max_time(), 20);
}

TEST(EntryBlockTest, EncodeDecodeRoundTripsLinesMetadataAndNegativeTimes) {
  EntryBlock b;
  std::string meta;
  EncodeMeta({{"trace_id", "abc"}, {"k", ""}}, &meta);
  b.Append(-5, "first", meta);
  b.Append(0, "", "");
  b.Append(1700000000000000000, std::string(1000, 'x'), meta);
  std::string raw;
  b.EncodeTo(&raw);
  EntryBlock d;
  ASSERT_TRUE(EntryBlock::Decode(raw, &d).ok());
  ASSERT_EQ(d.size(), 3u);
  EXPECT_EQ(d.time(0), -5);
  EXPECT_EQ(d.Line(0), "first");
  EXPECT_EQ(d.Line(1), "");
  EXPECT_EQ(d.Line(2), std::string(1000, 'x'));
  std::vector<model::LogAttribute> attrs;
  ASSERT_TRUE(DecodeMeta(d.Meta(2), &attrs));
  ASSERT_EQ(attrs.size(), 2u);
  EXPECT_EQ(attrs[0].key, "trace_id");
  EXPECT_EQ(attrs[1].value, "");
  EXPECT_TRUE(d.Meta(1).empty());
}

TEST(EntryBlockTest, DecodeRejectsTruncatedAndUnsortedBlocks) {
  EntryBlock b;
  b.Append(1, "hello", "");
  b.Append(2, "world", "");
  std::string raw;
  b.EncodeTo(&raw);
  EntryBlock d;
  for (size_t n = 0; n < raw.size(); ++n) {
    EXPECT_FALSE(EntryBlock::Decode(raw.substr(0, n), &d).ok()) << n;
  }
  std::string unsorted = raw;
  unsorted[2] = 0x03;  // second delta becomes negative (zig-zag 3 = -2)
  EXPECT_FALSE(EntryBlock::Decode(unsorted, &d).ok());
}

TEST(EntryBlockTest, RecordMetaAddsResourceAndTraceWithoutDuplicates) {
  model::LogRecord r;
  r.attributes = {{"a", "1"}, {"service.name", "x"}};
  r.resource = {{"service.name", "y"}, {"host.name", "h"}};
  r.trace_id = "00ff";
  r.severity_text = "err";
  std::string meta;
  EncodeRecordMeta(r, &meta);
  std::vector<model::LogAttribute> got;
  ASSERT_TRUE(DecodeMeta(meta, &got));
  std::vector<model::LogAttribute> want = {{"a", "1"},
                                           {"service.name", "x"},
                                           {"host.name", "h"},
                                           {"severity_text", "err"},
                                           {"trace_id", "00ff"}};
  EXPECT_EQ(got, want);
  model::LogRecord plain;
  meta.clear();
  EncodeRecordMeta(plain, &meta);
  EXPECT_TRUE(meta.empty());
}

TEST(ChunkTest, ChunkRecordRoundTripsAndDetectsFlippedBits) {
  EntryBlock b;
  for (int i = 0; i < 100; ++i) b.Append(i * 10, "line number " + std::to_string(i), "");
  std::string data;
  uint64_t raw_len = 0;
  ASSERT_TRUE(CompressBlock(b, 3, &data, &raw_len).ok());
  ChunkMeta m;
  m.labels = model::Labels::FromStrings({"job", "x"});
  m.min_time_ns = 0;
  m.max_time_ns = 990;
  m.entries = 100;
  m.raw_len = raw_len;
  std::string rec = EncodeChunk(m, data);
  ChunkMeta dm;
  EntryBlock db;
  size_t used = 0;
  ASSERT_TRUE(DecodeChunk(rec, &dm, &db, &used).ok());
  EXPECT_EQ(used, rec.size());
  EXPECT_EQ(dm.labels, m.labels);
  ASSERT_EQ(db.size(), 100u);
  EXPECT_EQ(db.Line(99), "line number 99");
  for (size_t i = 0; i < rec.size(); i += 7) {
    std::string bad = rec;
    bad[i] ^= 0x10;
    EXPECT_FALSE(DecodeChunk(bad, &dm, &db, &used).ok()) << i;
  }
}

}  // namespace
}  // namespace vigil::logstore
