#include "storage/logstore/wal_record.h"

#include <gtest/gtest.h>

namespace vigil::logstore {
namespace {

TEST(WalRecordTest, BatchRoundTripsOffsetsStreamsAndEntries) {
  std::string rec;
  PutBatchHeader(42, 1, &rec);
  PutOffset("file:/a", "inode=1 off=99", &rec);
  PutStreamCount(2, &rec);
  PutStreamHeader(model::Labels::FromStrings({"job", "a"}), 2, &rec);
  PutEntry(-1, "x", "", &rec);
  PutEntry(5, "yy", "m", &rec);
  PutStreamHeader(model::Labels::FromStrings({"host", "h", "job", "b"}), 0, &rec);
  WalRecordView v;
  ASSERT_TRUE(DecodeWalRecord(rec, &v).ok());
  EXPECT_EQ(v.type, WalRecordType::kBatch);
  EXPECT_EQ(v.seq, 42u);
  ASSERT_EQ(v.offsets.size(), 1u);
  EXPECT_EQ(v.offsets[0].second, "inode=1 off=99");
  ASSERT_EQ(v.streams.size(), 2u);
  ASSERT_EQ(v.streams[0].entries.size(), 2u);
  EXPECT_EQ(v.streams[0].entries[0].time_ns, -1);
  EXPECT_EQ(v.streams[0].entries[1].line, "yy");
  EXPECT_EQ(v.streams[0].entries[1].meta, "m");
  EXPECT_EQ(v.streams[1].labels.size(), 2u);
  for (size_t n = 0; n < rec.size(); ++n) {
    EXPECT_FALSE(DecodeWalRecord(std::string_view(rec).substr(0, n), &v).ok()) << n;
  }
}

TEST(WalRecordTest, CutRoundTrips) {
  std::string rec = EncodeCut(7, model::Labels::FromStrings({"job", "a"}));
  WalRecordView v;
  ASSERT_TRUE(DecodeWalRecord(rec, &v).ok());
  EXPECT_EQ(v.type, WalRecordType::kCut);
  EXPECT_EQ(v.seq, 7u);
  ASSERT_EQ(v.streams.size(), 1u);
  EXPECT_EQ(v.streams[0].labels[0].value, "a");
  rec.push_back('x');
  EXPECT_FALSE(DecodeWalRecord(rec, &v).ok());
}

}  // namespace
}  // namespace vigil::logstore
