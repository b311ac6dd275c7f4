#include "storage/tsdb/wal/wal.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "base/file.h"
#include "storage/tsdb/wal/checkpoint.h"
#include "storage/tsdb/wal/format.h"
#include "storage/tsdb/wal/wal_test_util.h"

namespace vigil::tsdb::wal {
namespace {

using testing::MakeRecord;
using testing::ReadDir;
using testing::TempDir;

std::unique_ptr<Wal> MustOpen(const std::string& dir, WalOptions o = {}) {
  auto w = Wal::Open(dir, o);
  EXPECT_TRUE(w.ok()) << w.status().ToString();
  return w.ok() ? std::move(w).value() : nullptr;
}

class WalRoundTripTest : public ::testing::TestWithParam<bool> {};

TEST_P(WalRoundTripTest, RecordsOfEverySizeReadBackInOrder) {
  TempDir tmp;
  WalOptions o;
  o.compression = GetParam();
  o.segment_size = 256 * 1024;
  std::vector<std::string> want;
  const size_t sizes[] = {0,
                          1,
                          kHeaderSize,
                          kMaxFragmentPayload - 1,
                          kMaxFragmentPayload,
                          kMaxFragmentPayload + 1,
                          kPageSize,
                          3 * kPageSize + 17,
                          100,
                          1 << 20};  // larger than a segment
  {
    auto w = MustOpen(tmp.path(), o);
    for (int round = 0; round < 4; ++round) {
      for (size_t i = 0; i < std::size(sizes); ++i) {
        want.push_back(MakeRecord(sizes[i], round * 100 + i, /*compressible=*/i % 2 == 0));
        ASSERT_TRUE(w->Log(want.back()).ok());
      }
    }
    ASSERT_TRUE(w->Close().ok());
  }
  auto got = ReadDir(tmp.path());
  ASSERT_TRUE(got.status.ok());
  EXPECT_TRUE(got.corruptions.empty());
  ASSERT_EQ(got.records.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(got.records[i], want[i]) << i;
}

INSTANTIATE_TEST_SUITE_P(Compression, WalRoundTripTest, ::testing::Bool());

TEST(WalTest, SegmentsRollOverAtTheConfiguredSize) {
  TempDir tmp;
  WalOptions o;
  o.segment_size = 64 * 1024;
  o.compression = false;
  auto w = MustOpen(tmp.path(), o);
  std::vector<std::string> want;
  for (int i = 0; i < 200; ++i) {
    want.push_back(MakeRecord(1000 + i, i));
    ASSERT_TRUE(w->Log(want.back()).ok());
  }
  ASSERT_TRUE(w->Close().ok());
  auto segs = ListSegments(tmp.path());
  ASSERT_TRUE(segs.ok());
  EXPECT_GT(segs->size(), 3u);
  for (const auto& s : *segs) {
    EXPECT_LE(*fs::FileSize(s.path), o.segment_size) << s.path;
  }
  auto got = ReadDir(tmp.path());
  EXPECT_EQ(got.records, want);
  EXPECT_TRUE(got.corruptions.empty());
}

TEST(WalTest, BatchNeverSpansTwoSegments) {
  TempDir tmp;
  WalOptions o;
  o.segment_size = 64 * 1024;
  o.compression = false;
  auto w = MustOpen(tmp.path(), o);
  std::vector<std::string> want;
  std::vector<int> batch_of;
  for (int b = 0; b < 30; ++b) {
    std::vector<std::string> batch;
    for (int i = 0; i < 5; ++i) {
      batch.push_back(MakeRecord(1500 + 97 * i + b, b * 10 + i));
      batch_of.push_back(b);
    }
    want.insert(want.end(), batch.begin(), batch.end());
    ASSERT_TRUE(w->Log(batch).ok());
  }
  ASSERT_TRUE(w->Close().ok());
  auto got = ReadDir(tmp.path());
  ASSERT_EQ(got.records, want);
  for (size_t i = 1; i < want.size(); ++i) {
    if (batch_of[i] == batch_of[i - 1]) {
      EXPECT_EQ(got.segments[i], got.segments[i - 1]) << i;
    }
  }
  EXPECT_GT(got.segments.back(), got.segments.front());
}

TEST(WalTest, RecordLargerThanASegmentGetsASegmentOfItsOwn) {
  TempDir tmp;
  WalOptions o;
  o.segment_size = kPageSize * 2;
  o.compression = false;
  auto w = MustOpen(tmp.path(), o);
  std::string small = MakeRecord(100, 1);
  std::string big = MakeRecord(kPageSize * 5, 2);
  ASSERT_TRUE(w->Log(small).ok());
  ASSERT_TRUE(w->Log(big).ok());
  ASSERT_TRUE(w->Log(small).ok());
  ASSERT_TRUE(w->Close().ok());
  auto got = ReadDir(tmp.path());
  ASSERT_EQ(got.records, (std::vector<std::string>{small, big, small}));
  EXPECT_EQ(got.segments[1], got.segments[0] + 1);
  EXPECT_EQ(got.segments[2], got.segments[1] + 1);
  EXPECT_EQ(got.offsets[1], 0u);
}

TEST(WalTest, OpenStartsANewSegmentAndReplaySeesEveryRun) {
  TempDir tmp;
  std::vector<std::string> want;
  for (int run = 0; run < 3; ++run) {
    auto w = MustOpen(tmp.path());
    EXPECT_EQ(w->CurrentSegment(), kFirstSegmentIndex + run);
    for (int i = 0; i < 10; ++i) {
      want.push_back(MakeRecord(50 * i, run * 100 + i, true));
      ASSERT_TRUE(w->Log(want.back()).ok());
    }
    // No Close: the destructor must leave the data readable too.
  }
  auto segs = ListSegments(tmp.path());
  ASSERT_EQ(segs->size(), 3u);
  EXPECT_EQ(fs::Join(tmp.path(), "00000001"), segs->front().path);
  auto got = ReadDir(tmp.path());
  EXPECT_EQ(got.records, want);
}

TEST(WalTest, OpenStartsAfterTheLastCheckpointWhenSegmentsAreGone) {
  TempDir tmp;
  ASSERT_TRUE(fs::CreateDirs(tmp.Join(CheckpointDirName(41))).ok());
  auto w = MustOpen(tmp.path());
  EXPECT_EQ(w->CurrentSegment(), 42);
}

TEST(WalTest, NextSegmentSegmentsAndTruncateBefore) {
  TempDir tmp;
  metrics::Registry reg;
  WalOptions o;
  o.registry = &reg;
  auto w = MustOpen(tmp.path(), o);
  ASSERT_TRUE(w->Log("a").ok());
  for (int want = 2; want <= 5; ++want) {
    auto next = w->NextSegment();
    ASSERT_TRUE(next.ok());
    EXPECT_EQ(*next, want);
    ASSERT_TRUE(w->Log("x").ok());
  }
  EXPECT_EQ(w->Segments(), std::make_pair(1, 5));
  EXPECT_EQ(reg.Get("vigil_tsdb_wal_segment_current"), 5);
  EXPECT_GE(reg.Get("vigil_tsdb_wal_fsyncs_total"), 4);

  EXPECT_TRUE(w->TruncateBefore(6).IsInvalidArgument());  // would delete the live segment
  ASSERT_TRUE(w->TruncateBefore(4).ok());
  EXPECT_EQ(w->Segments(), std::make_pair(4, 5));
  EXPECT_EQ(reg.Get("vigil_tsdb_wal_truncations_total"), 1);
  ASSERT_TRUE(w->TruncateBefore(2).ok());  // nothing left to delete
  EXPECT_EQ(reg.Get("vigil_tsdb_wal_truncations_total"), 1);
  ASSERT_TRUE(w->TruncateBefore(5).ok());
  EXPECT_EQ(w->Segments(), std::make_pair(5, 5));
  auto got = ReadDir(tmp.path());
  EXPECT_EQ(got.records, std::vector<std::string>{"x"});
}

TEST(WalTest, LogAfterCloseFails) {
  TempDir tmp;
  auto w = MustOpen(tmp.path());
  ASSERT_TRUE(w->Close().ok());
  EXPECT_FALSE(w->Log("a").ok());
  EXPECT_FALSE(w->NextSegment().ok());
  EXPECT_TRUE(w->Close().ok());
}

TEST(WalTest, SegmentSizeBelowOnePageIsRefused) {
  TempDir tmp;
  WalOptions o;
  o.segment_size = 1000;
  EXPECT_TRUE(Wal::Open(tmp.path(), o).status().IsInvalidArgument());
}

TEST(WalTest, EmptyBatchWritesNothing) {
  TempDir tmp;
  auto w = MustOpen(tmp.path());
  ASSERT_TRUE(w->Log(std::vector<std::string>{}).ok());
  ASSERT_TRUE(w->Close().ok());
  EXPECT_EQ(*fs::FileSize(tmp.Join("00000001")), 0u);
}

TEST(WalTest, IncompressibleRecordsAreStoredUncompressed) {
  TempDir tmp;
  auto w = MustOpen(tmp.path());  // compression on
  std::string random = MakeRecord(10000, 5, /*compressible=*/false);
  std::string text = MakeRecord(10000, 5, /*compressible=*/true);
  ASSERT_TRUE(w->Log(random).ok());
  const uint64_t after_random = *fs::FileSize(tmp.Join("00000001"));
  EXPECT_EQ(after_random, random.size() + kHeaderSize);
  ASSERT_TRUE(w->Log(text).ok());
  EXPECT_LT(*fs::FileSize(tmp.Join("00000001")) - after_random, text.size() * 3 / 4);
  ASSERT_TRUE(w->Close().ok());
  auto got = ReadDir(tmp.path());
  EXPECT_EQ(got.records, (std::vector<std::string>{random, text}));
}

TEST(WalTest, MetricsCountRecordsBytesAndSyncs) {
  TempDir tmp;
  metrics::Registry reg;
  WalOptions o;
  o.registry = &reg;
  auto w = MustOpen(tmp.path(), o);
  ASSERT_TRUE(w->Log(std::vector<std::string>{"a", "bb", "ccc"}).ok());
  ASSERT_TRUE(w->Sync().ok());
  EXPECT_EQ(reg.Get("vigil_tsdb_wal_records_written_total"), 3);
  EXPECT_EQ(reg.Get("vigil_tsdb_wal_bytes_written_total"), 3 * kHeaderSize + 6);
  EXPECT_EQ(reg.Get("vigil_tsdb_wal_fsyncs_total"), 1);
  EXPECT_EQ(reg.Get("vigil_tsdb_wal_segment_current"), 1);
  std::string text = reg.Expose();
  EXPECT_NE(text.find("vigil_tsdb_wal_fsync_duration_seconds_count 1"), std::string::npos);
}

TEST(WalTest, BackgroundSyncerSyncsAfterWrites) {
  TempDir tmp;
  metrics::Registry reg;
  WalOptions o;
  o.registry = &reg;
  o.fsync_interval_ms = 5;
  auto w = MustOpen(tmp.path(), o);
  // Nothing written: nothing to sync.
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  EXPECT_EQ(reg.Get("vigil_tsdb_wal_fsyncs_total"), 0);
  ASSERT_TRUE(w->Log("a").ok());
  for (int i = 0; i < 400 && reg.Get("vigil_tsdb_wal_fsyncs_total") < 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_GE(reg.Get("vigil_tsdb_wal_fsyncs_total"), 1);
  ASSERT_TRUE(w->Close().ok());
}

TEST(WalTest, ConcurrentLogsKeepEachThreadsOrder) {
  TempDir tmp;
  WalOptions o;
  o.segment_size = 128 * 1024;
  auto w = MustOpen(tmp.path(), o);
  constexpr int kThreads = 4, kPerThread = 300;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::string rec = std::to_string(t) + ":" + std::to_string(i) + ":" +
                          MakeRecord(i * 7 % 3000, t * 1000 + i, true);
        if (!w->Log(rec).ok()) ++failures;
        if (i % 50 == 0 && !w->Sync().ok()) ++failures;
        if (t == 0 && i % 100 == 99 && !w->NextSegment().ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_EQ(failures, 0);
  ASSERT_TRUE(w->Close().ok());
  auto got = ReadDir(tmp.path());
  EXPECT_TRUE(got.corruptions.empty());
  ASSERT_EQ(got.records.size(), size_t{kThreads * kPerThread});
  std::vector<int> next(kThreads, 0);
  for (const std::string& r : got.records) {
    int t = r[0] - '0';
    size_t colon = r.find(':', 2);
    int i = std::stoi(r.substr(2, colon - 2));
    EXPECT_EQ(i, next[t]) << "thread " << t;
    next[t] = i + 1;
    EXPECT_EQ(r.substr(colon + 1), MakeRecord(i * 7 % 3000, t * 1000 + i, true));
  }
}

TEST(WalTest, OpenRepairsATornTailOnceAndKeepsCompleteRecords) {
  TempDir tmp;
  metrics::Registry reg;
  WalOptions o;
  o.registry = &reg;
  o.compression = false;
  std::vector<std::string> want;
  {
    auto w = MustOpen(tmp.path(), o);
    for (int i = 0; i < 20; ++i) {
      want.push_back(MakeRecord(3000, i));
      ASSERT_TRUE(w->Log(want.back()).ok());
    }
  }
  const std::string seg = tmp.Join("00000001");
  const uint64_t size = *fs::FileSize(seg);
  ASSERT_TRUE(fs::Truncate(seg, size - 1000).ok());  // the last record is torn
  want.pop_back();
  {
    auto w = MustOpen(tmp.path(), o);
    EXPECT_EQ(w->CurrentSegment(), 2);
  }
  EXPECT_EQ(reg.Get("vigil_tsdb_wal_repairs_total"), 1);
  EXPECT_EQ(reg.Get("vigil_tsdb_wal_corruptions_total", {{"reason", "truncated"}}), 1);
  EXPECT_EQ(reg.Get("vigil_tsdb_wal_bytes_dropped_total"), 3000 + kHeaderSize - 1000);
  EXPECT_EQ(*fs::FileSize(seg), size - 3000 - kHeaderSize);
  auto got = ReadDir(tmp.path());
  EXPECT_EQ(got.records, want);
  EXPECT_TRUE(got.corruptions.empty());
  // A second start finds nothing to repair.
  { auto w = MustOpen(tmp.path(), o); }
  EXPECT_EQ(reg.Get("vigil_tsdb_wal_repairs_total"), 1);
}

TEST(WalTest, RepairLooksPastEmptySegmentsOfRestartsThatWroteNothing) {
  TempDir tmp;
  {
    auto w = MustOpen(tmp.path());
    ASSERT_TRUE(w->Log(MakeRecord(500, 1)).ok());
    ASSERT_TRUE(w->Log(MakeRecord(500, 2)).ok());
  }
  ASSERT_TRUE(fs::Truncate(tmp.Join("00000001"), 600).ok());
  ASSERT_TRUE(fs::WriteFileAtomic(tmp.Join("00000002"), "").ok());
  auto r = Repair(tmp.path());
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->repaired);
  EXPECT_EQ(r->segment, 1);
  EXPECT_EQ(r->new_size, 500 + kHeaderSize);
}

TEST(WalTest, RepairLeavesDamageFollowedByIntactRecordsAlone) {
  TempDir tmp;
  WalOptions o;
  o.compression = false;
  {
    auto w = MustOpen(tmp.path(), o);
    for (int i = 0; i < 30; ++i) ASSERT_TRUE(w->Log(MakeRecord(3000, i)).ok());
  }
  const std::string seg = tmp.Join("00000001");
  std::string data = *fs::ReadFile(seg);
  data[100] ^= 1;
  ASSERT_TRUE(fs::WriteFileAtomic(seg, data).ok());
  auto r = Repair(tmp.path());
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->repaired);
  EXPECT_EQ(*fs::FileSize(seg), data.size());
}

TEST(WalTest, OpenRemovesLeftoverCheckpointTmpDirs) {
  TempDir tmp;
  const std::string leftover = tmp.Join(CheckpointDirName(3) + ".tmp");
  ASSERT_TRUE(fs::CreateDirs(leftover).ok());
  ASSERT_TRUE(fs::WriteFileAtomic(fs::Join(leftover, "00000001"), "junk").ok());
  auto w = MustOpen(tmp.path());
  EXPECT_FALSE(fs::Exists(leftover));
  EXPECT_EQ(w->CurrentSegment(), 1);
}

TEST(SegmentTest, NamesParseBackAndOtherEntriesAreIgnored) {
  EXPECT_EQ(SegmentName(42), "00000042");
  EXPECT_EQ(ParseSegmentName("00000042"), 42);
  EXPECT_EQ(ParseSegmentName("7"), 7);
  EXPECT_EQ(ParseSegmentName(""), -1);
  EXPECT_EQ(ParseSegmentName("0000004a"), -1);
  EXPECT_EQ(ParseSegmentName("1234567890"), -1);
  TempDir tmp;
  for (const char* name : {"00000003", "10", "lock", "checkpoint.00000002"}) {
    ASSERT_TRUE(fs::WriteFileAtomic(tmp.Join(name), "").ok());
  }
  ASSERT_TRUE(fs::CreateDirs(tmp.Join("00000004")).ok());  // a directory is not a segment
  auto segs = ListSegments(tmp.path());
  ASSERT_TRUE(segs.ok());
  ASSERT_EQ(segs->size(), 2u);
  EXPECT_EQ((*segs)[0].index, 3);
  EXPECT_EQ((*segs)[1].index, 10);
  auto range = ListSegmentsInRange(tmp.path(), 4, 10);
  ASSERT_EQ(range->size(), 1u);
  EXPECT_EQ((*range)[0].index, 10);
}

}  // namespace
}  // namespace vigil::tsdb::wal
