#include "storage/tsdb/wal/checkpoint.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <tuple>

#include "base/file.h"
#include "storage/tsdb/wal/records.h"
#include "storage/tsdb/wal/wal.h"
#include "storage/tsdb/wal/wal_test_util.h"

namespace vigil::tsdb::wal {
namespace {

using model::Labels;
using storage::MetricMetadata;
using testing::TempDir;

// What a replay sees, in a form that ignores record boundaries.
struct Content {
  std::map<uint64_t, Labels> series;
  std::vector<RefSample> samples;
  std::vector<RefTombstone> tombstones;
  std::map<std::string, MetricMetadata> metadata;  // the latest per family

  void Sort() {
    auto key = [](const RefSample& s) { return std::make_tuple(s.ref, s.t); };
    std::sort(samples.begin(), samples.end(),
              [&](const auto& a, const auto& b) { return key(a) < key(b); });
    std::sort(tombstones.begin(), tombstones.end(), [](const auto& a, const auto& b) {
      return std::tie(a.ref, a.mint, a.maxt) < std::tie(b.ref, b.mint, b.maxt);
    });
  }
  bool operator==(const Content& o) const {
    return series == o.series && samples == o.samples && tombstones == o.tombstones &&
           metadata == o.metadata;
  }
};

void Apply(std::string_view rec, Content* c) {
  std::vector<RefSeries> series;
  std::vector<RefSample> samples;
  std::vector<RefTombstone> tombstones;
  std::vector<RefMetadata> metadata;
  switch (GetRecordType(rec)) {
    case RecordType::kSeries:
      ASSERT_TRUE(DecodeSeries(rec, &series).ok());
      for (auto& s : series) c->series[s.ref] = s.labels;
      break;
    case RecordType::kSamples:
      ASSERT_TRUE(DecodeSamples(rec, &samples).ok());
      c->samples.insert(c->samples.end(), samples.begin(), samples.end());
      break;
    case RecordType::kTombstones:
      ASSERT_TRUE(DecodeTombstones(rec, &tombstones).ok());
      c->tombstones.insert(c->tombstones.end(), tombstones.begin(), tombstones.end());
      break;
    case RecordType::kMetadata:
      ASSERT_TRUE(DecodeMetadata(rec, &metadata).ok());
      for (auto& m : metadata) c->metadata[m.metric_family] = m.metadata;
      break;
    case RecordType::kUnknown:
      break;
  }
}

Content Filter(const Content& in, const KeepSeries& keep, int64_t mint) {
  Content out;
  for (const auto& [ref, ls] : in.series) {
    if (keep(ref)) out.series[ref] = ls;
  }
  for (const auto& s : in.samples) {
    if (keep(s.ref) && s.t >= mint) out.samples.push_back(s);
  }
  for (const auto& t : in.tombstones) {
    if (keep(t.ref) && t.maxt >= mint) out.tombstones.push_back(t);
  }
  out.metadata = in.metadata;
  out.Sort();
  return out;
}

Content ReadContent(std::unique_ptr<Reader> r) {
  Content c;
  while (r->Next()) Apply(r->record(), &c);
  EXPECT_TRUE(r->status().ok());
  EXPECT_EQ(r->corruptions(), 0u);
  c.Sort();
  return c;
}

// The records of WAL segment `seg` of the test's scenario: series 1..100
// appear in segment 1, 101..120 in segment 3; every segment has samples of
// the series known by then at ten timestamps seg*1000 + 0..9; segment 2 has
// tombstones; metadata changes over time.
std::vector<std::string> SegmentRecords(int seg) {
  std::vector<std::string> recs;
  auto add_series = [&](uint64_t from, uint64_t to) {
    std::vector<RefSeries> s;
    for (uint64_t r = from; r <= to; ++r) {
      s.push_back({r, Labels::FromStrings({"__name__", "m", "i", std::to_string(r)})});
    }
    recs.emplace_back();
    EncodeSeries(std::span<const RefSeries>(s), &recs.back());
  };
  auto add_metadata = [&](std::vector<RefMetadata> m) {
    recs.emplace_back();
    EncodeMetadata(m, &recs.back());
  };
  if (seg == 1) {
    add_series(1, 100);
    add_metadata({{"m", {MetricMetadata::Type::kCounter, "first help", ""}}});
  }
  if (seg == 3) {
    add_series(101, 120);
    add_metadata({{"m", {MetricMetadata::Type::kGauge, "second help", "s"}},
                  {"n", {MetricMetadata::Type::kCounter, "n help", ""}}});
  }
  const uint64_t known = seg >= 3 ? 120 : 100;
  for (int i = 0; i < 10; ++i) {
    std::vector<RefSample> s;
    for (uint64_t r = 1; r <= known; ++r) {
      s.push_back({r, seg * 1000 + i, static_cast<double>(r * 10 + i)});
    }
    recs.emplace_back();
    EncodeSamples(s, &recs.back());
  }
  if (seg == 2) {
    std::vector<RefTombstone> t;
    for (uint64_t r = 1; r <= 10; ++r) {
      t.push_back({r, 0, 1500});
      t.push_back({r, 3000, 5000});
    }
    recs.emplace_back();
    EncodeTombstones(t, &recs.back());
  }
  if (seg == 5) add_metadata({{"n", {MetricMetadata::Type::kSummary, "n help 2", ""}}});
  return recs;
}

Content ContentOf(int first, int last) {
  Content c;
  for (int seg = first; seg <= last; ++seg) {
    for (const auto& r : SegmentRecords(seg)) Apply(r, &c);
  }
  c.Sort();
  return c;
}

Content Merge(Content a, const Content& b) {
  for (const auto& [ref, ls] : b.series) a.series[ref] = ls;
  a.samples.insert(a.samples.end(), b.samples.begin(), b.samples.end());
  a.tombstones.insert(a.tombstones.end(), b.tombstones.begin(), b.tombstones.end());
  for (const auto& [k, v] : b.metadata) a.metadata[k] = v;
  a.Sort();
  return a;
}

// Writes segments first..last (one per index) into the WAL.
void WriteSegments(Wal& w, int first, int last) {
  for (int seg = first; seg <= last; ++seg) {
    ASSERT_EQ(w.CurrentSegment(), seg);
    ASSERT_TRUE(w.Log(SegmentRecords(seg)).ok());
    ASSERT_TRUE(w.NextSegment().ok());
  }
}

std::unique_ptr<Wal> OpenWal(const std::string& dir) {
  auto w = Wal::Open(dir);
  EXPECT_TRUE(w.ok()) << w.status().ToString();
  return std::move(w).value();
}

const KeepSeries kKeepEven = [](storage::SeriesRef r) { return r % 2 == 0; };

TEST(CheckpointTest, KeepsExactlyLiveSeriesRecentSamplesAndLatestMetadata) {
  TempDir tmp;
  metrics::Registry reg;
  auto w = OpenWal(tmp.path());
  WriteSegments(*w, 1, 4);

  CheckpointOptions o;
  o.registry = &reg;
  auto stats = Checkpoint(tmp.path(), 1, 3, kKeepEven, 2500, o);
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->checkpoint.dir, tmp.Join("checkpoint.00000003"));
  EXPECT_EQ(stats->checkpoint.index, 3);
  EXPECT_EQ(stats->total_series, 120u);
  EXPECT_EQ(stats->dropped_series, 60u);
  EXPECT_EQ(stats->total_samples, 100u * 10 * 2 + 120u * 10);
  EXPECT_EQ(stats->dropped_samples, stats->total_samples - 60 * 10);
  EXPECT_EQ(stats->total_tombstones, 20u);
  EXPECT_EQ(stats->dropped_tombstones, 15u);  // odd refs, and [0, 1500] ends before mint
  EXPECT_EQ(stats->total_metadata, 3u);
  EXPECT_EQ(stats->dropped_metadata, 1u);
  EXPECT_EQ(reg.Get("vigil_tsdb_checkpoints_total"), 1);

  auto cp_segs = ListSegments(stats->checkpoint.dir);
  ASSERT_TRUE(cp_segs.ok());
  Content got = ReadContent(Reader::Open(*cp_segs));
  Content want = Filter(ContentOf(1, 3), kKeepEven, 2500);
  EXPECT_EQ(got.series.size(), 60u);
  EXPECT_EQ(got.samples.size(), 600u);
  EXPECT_EQ(got.metadata.at("m").help, "second help");
  EXPECT_TRUE(got == want);

  auto last = LastCheckpoint(tmp.path());
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(last->index, 3);
}

TEST(CheckpointTest, ReplayOfCheckpointAndLaterSegmentsGivesTheExpectedSet) {
  TempDir tmp;
  auto w = OpenWal(tmp.path());
  WriteSegments(*w, 1, 4);
  ASSERT_TRUE(Checkpoint(tmp.path(), 1, 3, kKeepEven, 2500).ok());
  ASSERT_TRUE(w->TruncateBefore(4).ok());
  EXPECT_EQ(w->Segments(), std::make_pair(4, 5));

  auto segs = ReplaySegments(tmp.path());
  ASSERT_TRUE(segs.ok());
  ASSERT_GE(segs->size(), 3u);
  EXPECT_TRUE(segs->front().in_checkpoint);
  EXPECT_EQ(segs->back().index, 5);
  EXPECT_FALSE(segs->back().in_checkpoint);

  Content want = Merge(Filter(ContentOf(1, 3), kKeepEven, 2500), ContentOf(4, 4));
  Content got = ReadContent(std::move(OpenReplay(tmp.path())).value());
  EXPECT_TRUE(got == want);

  // A second checkpoint folds the first one in and replaces it.
  WriteSegments(*w, 5, 6);
  const KeepSeries keep4 = [](storage::SeriesRef r) { return r % 4 == 0; };
  auto stats = Checkpoint(tmp.path(), 4, 6, keep4, 4500);
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->from, 4);
  ASSERT_TRUE(w->TruncateBefore(7).ok());
  EXPECT_FALSE(fs::Exists(tmp.Join("checkpoint.00000003")));
  EXPECT_TRUE(fs::Exists(tmp.Join("checkpoint.00000006")));
  ASSERT_TRUE(w->Log(SegmentRecords(7)).ok());

  want = Merge(Filter(ContentOf(1, 6), keep4, 4500), ContentOf(7, 7));
  got = ReadContent(std::move(OpenReplay(tmp.path())).value());
  EXPECT_TRUE(got == want);
  EXPECT_EQ(got.metadata.at("n").type, MetricMetadata::Type::kSummary);
}

TEST(CheckpointTest, LeftoverTmpDirOfACrashedCheckpointIsIgnoredAndCleanedUp) {
  TempDir tmp;
  {
    auto w = OpenWal(tmp.path());
    WriteSegments(*w, 1, 3);
    ASSERT_TRUE(Checkpoint(tmp.path(), 1, 1, kKeepEven, 0).ok());
  }
  // A crash while writing checkpoint.00000002 (and one for the same index as
  // the next attempt) left its temporary directories behind.
  for (const char* name : {"checkpoint.00000002.tmp", "checkpoint.00000003.tmp"}) {
    ASSERT_TRUE(fs::CreateDirs(tmp.Join(name)).ok());
    ASSERT_TRUE(fs::WriteFileAtomic(fs::Join(tmp.Join(name), "00000001"), "garbage").ok());
  }
  auto last = LastCheckpoint(tmp.path());
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(last->index, 1);
  auto segs = ReplaySegments(tmp.path());
  for (const auto& s : *segs) EXPECT_EQ(s.path.find(".tmp"), std::string::npos) << s.path;

  auto stats = Checkpoint(tmp.path(), 2, 3, kKeepEven, 0);
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_FALSE(fs::Exists(tmp.Join("checkpoint.00000003.tmp")));
  Content got = ReadContent(Reader::Open(*ListSegments(stats->checkpoint.dir)));
  EXPECT_TRUE(got == Filter(ContentOf(1, 3), kKeepEven, 0));

  auto w = OpenWal(tmp.path());  // removes the other leftover
  EXPECT_FALSE(fs::Exists(tmp.Join("checkpoint.00000002.tmp")));
}

TEST(CheckpointTest, RefusesRangesAlreadyCoveredOrLeavingAGap) {
  TempDir tmp;
  auto w = OpenWal(tmp.path());
  WriteSegments(*w, 1, 5);
  EXPECT_TRUE(Checkpoint(tmp.path(), 3, 2, kKeepEven, 0).status().IsInvalidArgument());
  ASSERT_TRUE(Checkpoint(tmp.path(), 1, 2, kKeepEven, 0).ok());
  EXPECT_TRUE(Checkpoint(tmp.path(), 1, 2, kKeepEven, 0).status().IsInvalidArgument());
  EXPECT_TRUE(Checkpoint(tmp.path(), 4, 5, kKeepEven, 0).status().IsInvalidArgument());
  // Asking from 1 again is fine: segments below the checkpoint are skipped.
  auto stats = Checkpoint(tmp.path(), 1, 4, kKeepEven, 0);
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->from, 3);
}

TEST(CheckpointTest, DamagedAndUnknownRecordsAreSkippedAndCounted) {
  TempDir tmp;
  {
    auto w = OpenWal(tmp.path());
    ASSERT_TRUE(w->Log(SegmentRecords(1)).ok());
    ASSERT_TRUE(w->Log(std::string("\x02garbage", 8)).ok());  // a samples record that won't decode
    ASSERT_TRUE(w->Log(std::string("\x63"
                                   "future",
                                   7))
                    .ok());  // an unknown type
    ASSERT_TRUE(w->NextSegment().ok());
  }
  // Damage a byte in the middle of segment 1.
  std::string seg = *fs::ReadFile(tmp.Join("00000001"));
  seg[seg.size() / 2] ^= 1;
  ASSERT_TRUE(fs::WriteFileAtomic(tmp.Join("00000001"), seg).ok());
  auto stats = Checkpoint(tmp.path(), 1, 2, nullptr, 0);
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->corruptions, 1u);
  EXPECT_GT(stats->bytes_dropped, 0u);
  EXPECT_EQ(stats->undecodable_records, 1u);
  EXPECT_EQ(stats->unknown_records, 1u);
  EXPECT_EQ(stats->dropped_series, 0u);  // a null KeepSeries keeps everything
}

TEST(CheckpointTest, NamesAndLastCheckpoint) {
  EXPECT_EQ(CheckpointDirName(7), "checkpoint.00000007");
  EXPECT_EQ(ParseCheckpointName("checkpoint.00000007"), 7);
  EXPECT_EQ(ParseCheckpointName("checkpoint.00000007.tmp"), -1);
  EXPECT_EQ(ParseCheckpointName("00000007"), -1);
  TempDir tmp;
  EXPECT_TRUE(LastCheckpoint(tmp.path()).status().IsNotFound());
  ASSERT_TRUE(fs::WriteFileAtomic(tmp.Join("checkpoint.00000009"), "").ok());  // not a directory
  ASSERT_TRUE(fs::CreateDirs(tmp.Join("checkpoint.00000002")).ok());
  ASSERT_TRUE(fs::CreateDirs(tmp.Join("checkpoint.00000005")).ok());
  EXPECT_EQ(LastCheckpoint(tmp.path())->index, 5);
  ASSERT_TRUE(DeleteCheckpointsBefore(tmp.path(), 5).ok());
  EXPECT_FALSE(fs::Exists(tmp.Join("checkpoint.00000002")));
  EXPECT_TRUE(fs::Exists(tmp.Join("checkpoint.00000005")));
}

}  // namespace
}  // namespace vigil::tsdb::wal
