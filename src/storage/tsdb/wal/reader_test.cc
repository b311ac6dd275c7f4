#include "storage/tsdb/wal/reader.h"

#include <gtest/gtest.h>

#include <random>

#include "base/checksum.h"
#include "base/coding.h"
#include "base/file.h"
#include "storage/tsdb/wal/format.h"
#include "storage/tsdb/wal/wal.h"
#include "storage/tsdb/wal/wal_test_util.h"

namespace vigil::tsdb::wal {
namespace {

using testing::MakeRecord;
using testing::ReadMemory;
using testing::ReadResult;
using testing::TempDir;

uint64_t PageStart(uint64_t pos) { return pos / kPageSize * kPageSize; }
uint64_t NextPage(uint64_t pos) { return PageStart(pos) + kPageSize; }

// A segment written by the real writer, with the byte range of each record.
struct Segment {
  std::string data;
  std::vector<std::string> records;
  std::vector<uint64_t> starts, ends;
};

Segment WriteSegment(const std::vector<std::string>& records, bool compression = false) {
  TempDir tmp;
  WalOptions o;
  o.compression = compression;
  {
    auto w = Wal::Open(tmp.path(), o);
    EXPECT_TRUE(w.ok());
    for (const auto& r : records) EXPECT_TRUE((*w)->Log(r).ok());
  }
  Segment s;
  s.data = *fs::ReadFile(tmp.Join("00000001"));
  ReadResult full = ReadMemory(s.data);
  EXPECT_TRUE(full.corruptions.empty());
  EXPECT_EQ(full.records, records);
  s.records = full.records;
  s.starts = full.offsets;
  s.ends = full.ends;
  return s;
}

// Small records, with a few that span pages.
std::vector<std::string> MixedRecords(int n, int seed) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) {
    size_t size = i % 17 == 5 ? 40000 + i : (37 * i + seed) % 1500;
    out.push_back(MakeRecord(size, seed * 1000 + i, i % 3 == 0));
  }
  return out;
}

// A hand-made fragment, following docs/storage-format.md (write-ahead log).
std::string Fragment(FragmentKind kind, std::string_view payload, uint8_t flags = 0) {
  std::string f(kHeaderSize, '\0');
  f[4] = static_cast<char>(static_cast<uint8_t>(kind) | flags);
  f[5] = static_cast<char>(payload.size() >> 8);
  f[6] = static_cast<char>(payload.size());
  f.append(payload);
  EncodeFixed32BE(f.data(), Checksum32(f.data() + 4, 3 + payload.size()));
  return f;
}

TEST(ReaderTest, HandMadeSegmentFollowingTheSpecIsRead) {
  std::string seg = Fragment(FragmentKind::kFull, "hello");
  // A record split over a page boundary, with 3 bytes of padding before it.
  const size_t fill = kPageSize - seg.size() - kHeaderSize - 3;
  seg += Fragment(FragmentKind::kFull, std::string(fill, 'f'));
  ASSERT_EQ(kPageSize - seg.size(), 3u);
  seg.append(3, '\0');
  seg += Fragment(FragmentKind::kFirst, std::string(kMaxFragmentPayload, 'a'));
  seg += Fragment(FragmentKind::kMiddle, std::string(kMaxFragmentPayload, 'b'));
  seg += Fragment(FragmentKind::kLast, "c");
  seg += Fragment(FragmentKind::kFull, "");
  auto got = ReadMemory(seg);
  EXPECT_TRUE(got.corruptions.empty());
  ASSERT_EQ(got.records.size(), 4u);
  EXPECT_EQ(got.records[0], "hello");
  EXPECT_EQ(got.records[2],
            std::string(kMaxFragmentPayload, 'a') + std::string(kMaxFragmentPayload, 'b') + "c");
  EXPECT_EQ(got.records[3], "");
}

TEST(ReaderTest, TornTailAtEveryOffsetOfTheLastPageKeepsEveryCompleteRecord) {
  Segment s = WriteSegment(MixedRecords(150, 1));
  ASSERT_GT(s.data.size(), 2 * kPageSize);
  for (uint64_t cut = PageStart(s.data.size() - 1); cut <= s.data.size(); ++cut) {
    ReadResult got = ReadMemory(std::string_view(s.data).substr(0, cut));
    size_t complete = 0;
    while (complete < s.records.size() && s.ends[complete] <= cut) ++complete;
    ASSERT_EQ(got.records.size(), complete) << "cut at " << cut;
    for (size_t i = 0; i < complete; ++i) ASSERT_EQ(got.records[i], s.records[i]) << cut;
    const bool torn = complete < s.records.size() && s.starts[complete] < cut;
    if (!torn) {
      ASSERT_TRUE(got.corruptions.empty()) << "cut at " << cut;
      continue;
    }
    ASSERT_EQ(got.corruptions.size(), 1u) << "cut at " << cut;
    const Corruption& c = got.corruptions[0];
    EXPECT_TRUE(c.at_end);
    EXPECT_EQ(c.offset, s.starts[complete]) << cut;
    EXPECT_EQ(c.bytes, cut - s.starts[complete]) << cut;
    EXPECT_EQ(c.reason, CorruptionReason::kTruncated);
  }
}

TEST(ReaderTest, TornTailOfCompressedRecordsKeepsEveryCompleteRecord) {
  Segment s = WriteSegment(MixedRecords(200, 2), /*compression=*/true);
  const uint64_t step = s.data.size() / 600 + 1;
  for (uint64_t cut = s.data.size() / 2; cut <= s.data.size(); cut += step) {
    ReadResult got = ReadMemory(std::string_view(s.data).substr(0, cut));
    size_t complete = 0;
    while (complete < s.records.size() && s.ends[complete] <= cut) ++complete;
    ASSERT_EQ(got.records.size(), complete) << "cut at " << cut;
    for (size_t i = 0; i < complete; ++i) ASSERT_EQ(got.records[i], s.records[i]) << cut;
    ASSERT_LE(got.corruptions.size(), 1u);
  }
}

TEST(ReaderTest, TornTailOnDiskIsCutByOpenAndNotReportedAgain) {
  Segment s = WriteSegment(MixedRecords(120, 3));
  std::mt19937 rng(3);
  for (int round = 0; round < 25; ++round) {
    const uint64_t cut = rng() % s.data.size();
    TempDir tmp;
    ASSERT_TRUE(fs::WriteFileAtomic(tmp.Join("00000001"), s.data.substr(0, cut)).ok());
    { ASSERT_TRUE(Wal::Open(tmp.path()).ok()); }
    ReadResult got = testing::ReadDir(tmp.path());
    EXPECT_TRUE(got.corruptions.empty()) << "cut at " << cut;
    size_t complete = 0;
    while (complete < s.records.size() && s.ends[complete] <= cut) ++complete;
    ASSERT_EQ(got.records.size(), complete) << "cut at " << cut;
    EXPECT_EQ(*fs::FileSize(tmp.Join("00000001")),
              std::min<uint64_t>(cut, complete < s.records.size() ? s.starts[complete] : cut));
  }
}

TEST(ReaderTest, ZeroFilledTailIsOneReportAndRepairCutsIt) {
  Segment s = WriteSegment(MixedRecords(150, 4));
  const size_t k = s.records.size() / 2;
  // Zeros from a record boundary to the end, and two more pages of zeros, as
  // a file system may leave after power loss.
  std::string data = s.data.substr(0, s.starts[k]);
  data.append(s.data.size() - s.starts[k] + 2 * kPageSize, '\0');
  ReadResult got = ReadMemory(data);
  EXPECT_EQ(got.records, std::vector<std::string>(s.records.begin(), s.records.begin() + k));
  ASSERT_EQ(got.corruptions.size(), 1u);
  EXPECT_EQ(got.corruptions[0].reason, CorruptionReason::kZeroFilled);
  EXPECT_EQ(got.corruptions[0].offset, s.starts[k]);
  EXPECT_EQ(got.corruptions[0].bytes, data.size() - s.starts[k]);
  EXPECT_TRUE(got.corruptions[0].at_end);

  TempDir tmp;
  ASSERT_TRUE(fs::WriteFileAtomic(tmp.Join("00000001"), data).ok());
  auto r = Repair(tmp.path());
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->repaired);
  EXPECT_EQ(r->new_size, s.starts[k]);
  EXPECT_EQ(r->bytes_dropped, data.size() - s.starts[k]);
}

TEST(ReaderTest, ZerosFromTheMiddleOfARecordAreDroppedWithIt) {
  Segment s = WriteSegment(MixedRecords(150, 5));
  const size_t k = s.records.size() / 2;
  std::string data = s.data;
  const uint64_t from = s.starts[k] + kHeaderSize + 1;
  ASSERT_LT(from, s.ends[k]);
  std::fill(data.begin() + from, data.end(), '\0');
  ReadResult got = ReadMemory(data);
  EXPECT_EQ(got.records, std::vector<std::string>(s.records.begin(), s.records.begin() + k));
  ASSERT_EQ(got.corruptions.size(), 1u);
  EXPECT_EQ(got.corruptions[0].offset, s.starts[k]);
  EXPECT_TRUE(got.corruptions[0].at_end);
}

TEST(ReaderTest, FlippedPayloadBitDropsOnlyThatRecordAndCountsItsBytes) {
  std::vector<std::string> records;
  for (int i = 0; i < 200; ++i) records.push_back(MakeRecord(300 + i, i));
  Segment s = WriteSegment(records);
  const size_t k = 150;  // in the second page
  ASSERT_GT(s.starts[k], kPageSize);
  std::string data = s.data;
  data[s.starts[k] + kHeaderSize + 10] ^= 0x10;

  metrics::Registry reg;
  std::vector<Corruption> seen;
  ReaderOptions o;
  o.registry = &reg;
  o.log_corruptions = false;
  o.reporter = [&](const Corruption& c) { seen.push_back(c); };
  auto reader = Reader::FromMemory(data, o);
  std::vector<std::string> got;
  while (reader->Next()) got.emplace_back(reader->record());
  std::vector<std::string> want = records;
  want.erase(want.begin() + k);
  EXPECT_EQ(got, want);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].reason, CorruptionReason::kChecksum);
  EXPECT_EQ(seen[0].offset, s.starts[k]);
  EXPECT_EQ(seen[0].bytes, s.ends[k] - s.starts[k]);
  EXPECT_FALSE(seen[0].at_end);
  EXPECT_EQ(reader->bytes_dropped(), s.ends[k] - s.starts[k]);
  EXPECT_EQ(reg.Get("vigil_tsdb_wal_corruptions_total", {{"reason", "checksum_mismatch"}}), 1);
  EXPECT_EQ(reg.Get("vigil_tsdb_wal_bytes_dropped_total"), s.ends[k] - s.starts[k]);
}

TEST(ReaderTest, FlippedLengthBitLosesTheRestOfThePageOnly) {
  std::vector<std::string> records;
  for (int i = 0; i < 200; ++i) records.push_back(MakeRecord(300 + i, i));
  Segment s = WriteSegment(records);
  const size_t k = 60;
  const uint64_t resume = NextPage(s.starts[k]);
  for (auto [byte, bit] : {std::pair<int, int>{5, 7}, {6, 0}, {5, 0}}) {
    std::string data = s.data;
    data[s.starts[k] + byte] ^= static_cast<char>(1 << bit);
    ReadResult got = ReadMemory(data);
    std::vector<std::string> want;
    size_t first_after = 0;
    for (size_t i = 0; i < records.size(); ++i) {
      if (s.ends[i] <= s.starts[k] || s.starts[i] >= resume) want.push_back(records[i]);
      if (s.starts[i] < resume) first_after = i + 1;
    }
    EXPECT_EQ(got.records, want) << byte << "/" << bit;
    ASSERT_EQ(got.corruptions.size(), 1u);
    EXPECT_EQ(got.corruptions[0].offset, s.starts[k]);
    EXPECT_EQ(got.corruptions[0].bytes, s.starts[first_after] - s.starts[k]);
  }
}

TEST(ReaderTest, DamagedFirstFragmentDropsTheWholeMultiPageRecordOnce) {
  std::vector<std::string> records = {MakeRecord(1000, 1), MakeRecord(3 * kPageSize, 2),
                                      MakeRecord(1000, 3), MakeRecord(1000, 4)};
  Segment s = WriteSegment(records);
  for (uint64_t at :
       {s.starts[1] + kHeaderSize + 5, s.starts[1] + kPageSize + 100, s.ends[1] - 1}) {
    std::string data = s.data;
    data[at] ^= 1;
    ReadResult got = ReadMemory(data);
    EXPECT_EQ(got.records, (std::vector<std::string>{records[0], records[2], records[3]}));
    ASSERT_EQ(got.corruptions.size(), 1u);
    EXPECT_EQ(got.corruptions[0].offset, s.starts[1]);
    EXPECT_EQ(got.corruptions[0].bytes, s.starts[2] - s.starts[1]);
  }
}

TEST(ReaderTest, FlippedBitAnywhereKeepsEveryRecordOutsideTheDamagedPage) {
  Segment s = WriteSegment(MixedRecords(300, 6), /*compression=*/true);
  std::mt19937_64 rng(6);
  for (int round = 0; round < 300; ++round) {
    const uint64_t at = rng() % s.data.size();
    std::string data = s.data;
    data[at] ^= static_cast<char>(1 << (rng() % 8));
    ReadResult got = ReadMemory(data);
    // Returned records are original records, in order, and include every
    // record before the damage and every record starting after its page.
    size_t j = 0;
    uint64_t dropped = 0;
    for (size_t i = 0; i < s.records.size(); ++i) {
      const bool damaged = s.starts[i] <= at && at < s.ends[i];
      const bool must_keep = s.ends[i] <= at || s.starts[i] >= NextPage(at);
      if (j < got.records.size() && got.records[j] == s.records[i] && !damaged) {
        ++j;
        continue;
      }
      ASSERT_FALSE(must_keep) << "record " << i << " lost, flip at " << at;
      dropped += s.ends[i] - s.starts[i];
    }
    ASSERT_EQ(j, got.records.size()) << "unexpected record, flip at " << at;
    uint64_t reported = 0;
    for (const auto& c : got.corruptions) reported += c.bytes;
    EXPECT_GE(reported, dropped) << "flip at " << at;
    if (dropped > 0) {
      EXPECT_FALSE(got.corruptions.empty());
    }
  }
}

TEST(ReaderTest, RandomBytesNeverCrashTheReader) {
  std::mt19937_64 rng(9);
  for (int round = 0; round < 100; ++round) {
    std::string data(rng() % (3 * kPageSize), '\0');
    for (char& c : data) c = static_cast<char>(rng() % 3 == 0 ? 0 : rng());
    ReadResult got = ReadMemory(data);
    uint64_t reported = 0;
    for (const auto& c : got.corruptions) reported += c.bytes;
    EXPECT_LE(reported, data.size());
  }
  // Valid fragments with random payload and flags: snappy garbage.
  for (int round = 0; round < 200; ++round) {
    std::string payload(rng() % 200, '\0');
    for (char& c : payload) c = static_cast<char>(rng());
    std::string seg = Fragment(FragmentKind::kFull, payload, kFlagSnappy);
    ReadResult got = ReadMemory(seg);
    EXPECT_LE(got.records.size() + got.corruptions.size(), 1u);
  }
}

TEST(ReaderTest, StructuralDamageWithValidChecksumsIsReportedByReason) {
  struct Case {
    std::string name;
    std::string segment;
    std::vector<std::string> want;
    CorruptionReason reason;
  };
  std::vector<Case> cases = {
      {"orphan middle",
       Fragment(FragmentKind::kMiddle, "m") + Fragment(FragmentKind::kFull, "ok"),
       {"ok"},
       CorruptionReason::kOrphanFragment},
      {"orphan last",
       Fragment(FragmentKind::kLast, "l") + Fragment(FragmentKind::kFull, "ok"),
       {"ok"},
       CorruptionReason::kOrphanFragment},
      {"first then full",
       Fragment(FragmentKind::kFirst, "f") + Fragment(FragmentKind::kFull, "ok"),
       {"ok"},
       CorruptionReason::kUnterminatedRecord},
      {"first then first",
       Fragment(FragmentKind::kFirst, "f") + Fragment(FragmentKind::kFirst, "o") +
           Fragment(FragmentKind::kLast, "k"),
       {"ok"},
       CorruptionReason::kUnterminatedRecord},
      {"reserved type bits",
       Fragment(FragmentKind::kFull, "x", 0x40),
       {},
       CorruptionReason::kBadType},
      {"kind 0", Fragment(static_cast<FragmentKind>(0), "x"), {}, CorruptionReason::kBadType},
      {"kind 5", Fragment(static_cast<FragmentKind>(5), "x"), {}, CorruptionReason::kBadType},
      {"snappy flag changes mid-record",
       Fragment(FragmentKind::kFirst, "f") + Fragment(FragmentKind::kLast, "l", kFlagSnappy) +
           Fragment(FragmentKind::kFull, "ok"),
       {"ok"},
       CorruptionReason::kBadType},
      {"bad snappy",
       Fragment(FragmentKind::kFull, "\xff\xff\xff", kFlagSnappy) +
           Fragment(FragmentKind::kFull, "ok"),
       {"ok"},
       CorruptionReason::kDecompress},
      {"first at end",
       Fragment(FragmentKind::kFull, "ok") + Fragment(FragmentKind::kFirst, "f"),
       {"ok"},
       CorruptionReason::kTruncated},
      {"half a header",
       Fragment(FragmentKind::kFull, "ok") + "\x01\x02\x03",
       {"ok"},
       CorruptionReason::kTruncated},
  };
  for (const Case& c : cases) {
    ReadResult got = ReadMemory(c.segment);
    EXPECT_EQ(got.records, c.want) << c.name;
    ASSERT_EQ(got.corruptions.size(), 1u) << c.name;
    EXPECT_EQ(got.corruptions[0].reason, c.reason) << c.name;
  }
}

TEST(ReaderTest, ReadsSegmentsInOrderAndStopsAtAMissingFile) {
  TempDir tmp;
  {
    auto w = Wal::Open(tmp.path());
    ASSERT_TRUE((*w)->Log("one").ok());
    ASSERT_TRUE((*w)->NextSegment().ok());
    ASSERT_TRUE((*w)->Log("two").ok());
  }
  auto segs = *ListSegments(tmp.path());
  segs.push_back(SegmentRef{9, tmp.Join("00000009"), false});
  ReadResult got = testing::ReadSegments(segs);
  EXPECT_EQ(got.records, (std::vector<std::string>{"one", "two"}));
  EXPECT_EQ(got.segments, (std::vector<int>{1, 2}));
  EXPECT_TRUE(got.status.IsIOError());
}

TEST(ReaderTest, EmptyInputHasNoRecords) {
  ReadResult got = ReadMemory("");
  EXPECT_TRUE(got.records.empty());
  EXPECT_TRUE(got.corruptions.empty());
  EXPECT_TRUE(got.status.ok());
}

TEST(ReaderTest, RecordsSpanningPagesInDamagedSegmentsAreNotConfusedAcrossSegments) {
  // A record torn at the end of one segment must not be completed by the
  // next segment's fragments: records never span segments.
  TempDir tmp;
  std::string torn = Fragment(FragmentKind::kFirst, "half");
  std::string next = Fragment(FragmentKind::kLast, "orphan") + Fragment(FragmentKind::kFull, "ok");
  ASSERT_TRUE(fs::WriteFileAtomic(tmp.Join("00000001"), torn).ok());
  ASSERT_TRUE(fs::WriteFileAtomic(tmp.Join("00000002"), next).ok());
  ReadResult got = testing::ReadDir(tmp.path());
  EXPECT_EQ(got.records, std::vector<std::string>{"ok"});
  ASSERT_EQ(got.corruptions.size(), 2u);
  EXPECT_EQ(got.corruptions[0].segment_index, 1);
  EXPECT_EQ(got.corruptions[0].reason, CorruptionReason::kTruncated);
  EXPECT_EQ(got.corruptions[1].segment_index, 2);
  EXPECT_EQ(got.corruptions[1].reason, CorruptionReason::kOrphanFragment);
}

}  // namespace
}  // namespace vigil::tsdb::wal
