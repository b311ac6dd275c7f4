#include "storage/logstore/logstore.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "base/file.h"
#include "base/time.h"
#include "fmt/format.h"
#include "storage/tsdb/wal/reader.h"
#include "storage/tsdb/wal/segment.h"
#include "storage/tsdb/wal/wal.h"

namespace vigil::logstore {
namespace {

constexpr int64_t kSec = 1000000000;

model::LogRecord Rec(const model::Labels& stream, int64_t t, std::string line) {
  model::LogRecord r;
  r.time_ns = t;
  r.observed_time_ns = t;
  r.body = std::move(line);
  r.stream = stream;
  return r;
}

LogStoreOptions TestOptions() {
  LogStoreOptions o;
  o.background_maintenance = false;
  o.reject_future_ms = 0;
  o.retention_ms = 0;
  return o;
}

struct Got {
  model::Labels labels;
  std::vector<std::pair<int64_t, std::string>> entries;
};

std::vector<Got> SelectAll(LogReader& r, const std::string& job, int64_t start = 0,
                           int64_t end = INT64_MAX, Direction dir = Direction::kForward,
                           std::vector<std::string> contains = {}) {
  SelectParams p;
  p.matchers = {model::Matcher::Equal("job", job)};
  p.start_ns = start;
  p.end_ns = end;
  p.direction = dir;
  p.line_contains = std::move(contains);
  auto set = r.Select(p);
  EXPECT_TRUE(set.ok()) << set.status().ToString();
  std::vector<Got> out;
  if (!set.ok()) return out;
  while ((*set)->Next()) {
    Got g;
    g.labels = (*set)->labels();
    auto it = (*set)->Entries();
    while (it->Next()) g.entries.emplace_back(it->At().time_ns, it->At().line);
    EXPECT_TRUE(it->status().ok()) << it->status().ToString();
    out.push_back(std::move(g));
  }
  return out;
}

std::unique_ptr<LogStore> MustOpen(const std::string& dir, const LogStoreOptions& o,
                                   metrics::Registry* reg = nullptr) {
  auto s = LogStore::Open(dir, o, reg);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? std::move(s).value() : nullptr;
}

void MustConsume(LogStore& s, model::LogBatch& b) {
  auto res = s.Consume(b);
  ASSERT_TRUE(res.status.ok()) << res.status.ToString();
  ASSERT_TRUE(res.rejected.empty()) << res.rejected[0].reason << ": " << res.rejected[0].message;
}

// Writes n entries per stream for streams a and b (t = i, line "a-i").
void FillTwoStreams(LogStore& s, int n, int per_batch = 100) {
  auto a = model::Labels::FromStrings({"job", "app", "stream", "a"});
  auto b = model::Labels::FromStrings({"job", "app", "stream", "b"});
  for (int i = 0; i < n; i += per_batch) {
    model::LogBatch batch;
    for (int j = i; j < std::min(n, i + per_batch); ++j) {
      batch.records.push_back(Rec(a, j, fmt::format("a-{}", j)));
      batch.records.push_back(Rec(b, j, fmt::format("b-{}", j)));
    }
    MustConsume(s, batch);
  }
}

void ExpectTwoStreams(LogReader& r, int n) {
  auto got = SelectAll(r, "app");
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].labels.Get("stream"), "a");
  EXPECT_EQ(got[1].labels.Get("stream"), "b");
  for (int k = 0; k < 2; ++k) {
    ASSERT_EQ(got[k].entries.size(), static_cast<size_t>(n)) << k;
    for (int i = 0; i < n; ++i) {
      ASSERT_EQ(got[k].entries[i].first, i);
      ASSERT_EQ(got[k].entries[i].second, fmt::format("{}-{}", k == 0 ? 'a' : 'b', i));
    }
  }
}

TEST(LogStoreTest, ConsumeThenSelectReturnsStreamsInLabelOrderAndRange) {
  fs::TempDir dir("logstore");
  auto store = MustOpen(dir.path(), TestOptions());
  FillTwoStreams(*store, 50);
  ExpectTwoStreams(*store, 50);
  auto got = SelectAll(*store, "app", 10, 20);
  ASSERT_EQ(got.size(), 2u);
  ASSERT_EQ(got[0].entries.size(), 10u);
  EXPECT_EQ(got[0].entries.front().first, 10);
  EXPECT_EQ(got[0].entries.back().first, 19);  // end exclusive
  auto back = SelectAll(*store, "app", 10, 20, Direction::kBackward);
  ASSERT_EQ(back[0].entries.size(), 10u);
  EXPECT_EQ(back[0].entries.front().first, 19);
  EXPECT_EQ(back[0].entries.back().first, 10);
  EXPECT_TRUE(SelectAll(*store, "app", 1000, 2000).empty());
  EXPECT_TRUE(SelectAll(*store, "other").empty());
  ASSERT_TRUE(store->Close().ok());
}

TEST(LogStoreTest, SelectWithOnlyEmptyMatchingMatchersIsRefused) {
  fs::TempDir dir("logstore");
  auto store = MustOpen(dir.path(), TestOptions());
  SelectParams p;
  p.matchers = {model::Matcher::Equal("job", "")};
  p.end_ns = 100;
  EXPECT_FALSE(store->Select(p).ok());
}

TEST(LogStoreTest, OutOfOrderAndEqualTimesKeepArrivalOrderAcrossChunksAndHead) {
  fs::TempDir dir("logstore");
  LogStoreOptions o = TestOptions();
  o.chunk_target_bytes = 40;  // a chunk every few entries
  auto store = MustOpen(dir.path(), o);
  auto l = model::Labels::FromStrings({"job", "ooo"});
  // Times: 5 5 3 5 1 3 5 ... with lines numbered in arrival order.
  std::vector<int64_t> times = {5, 5, 3, 5, 1, 3, 5, 2, 5, 3, 1, 5};
  for (size_t i = 0; i < times.size(); ++i) {
    model::LogBatch b;
    b.records.push_back(Rec(l, times[i], fmt::format("line{:02}", i)));
    MustConsume(*store, b);
  }
  // Expected: stable sort by time.
  std::vector<std::pair<int64_t, std::string>> want;
  for (size_t i = 0; i < times.size(); ++i)
    want.emplace_back(times[i], fmt::format("line{:02}", i));
  std::stable_sort(want.begin(), want.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  auto check = [&](LogReader& r) {
    auto fwd = SelectAll(r, "ooo");
    ASSERT_EQ(fwd.size(), 1u);
    EXPECT_EQ(fwd[0].entries, want);
    auto bwd = SelectAll(r, "ooo", 0, INT64_MAX, Direction::kBackward);
    ASSERT_EQ(bwd.size(), 1u);
    auto rev = want;
    std::reverse(rev.begin(), rev.end());
    EXPECT_EQ(bwd[0].entries, rev);
  };
  check(*store);
  ASSERT_TRUE(store->Maintain(NowMillis()).ok());  // chunks written to files
  check(*store);
  ASSERT_TRUE(store->Close().ok());
  store = MustOpen(dir.path(), o);
  check(*store);
}

TEST(LogStoreTest, IdenticalEntriesAreAllKept) {
  fs::TempDir dir("logstore");
  auto store = MustOpen(dir.path(), TestOptions());
  auto l = model::Labels::FromStrings({"job", "dup"});
  model::LogBatch b;
  for (int i = 0; i < 3; ++i) b.records.push_back(Rec(l, 7, "same"));
  MustConsume(*store, b);
  auto got = SelectAll(*store, "dup");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].entries.size(), 3u);
}

TEST(LogStoreTest, ChunksSurviveCloseAndReopenAndWalIsTruncated) {
  fs::TempDir dir("logstore");
  LogStoreOptions o = TestOptions();
  o.chunk_target_bytes = 1000;
  auto store = MustOpen(dir.path(), o);
  FillTwoStreams(*store, 2000);
  ExpectTwoStreams(*store, 2000);
  ASSERT_TRUE(store->Close().ok());
  EXPECT_FALSE(store->Maintain(NowMillis()).ok());
  auto wal = tsdb::wal::ListSegments(dir.Join("wal"));
  ASSERT_TRUE(wal.ok());
  uint64_t wal_bytes = 0;
  for (const auto& s : *wal) wal_bytes += *fs::FileSize(s.path);
  EXPECT_EQ(wal_bytes, 0u);
  store = MustOpen(dir.path(), o);
  ExpectTwoStreams(*store, 2000);
  // New data on top of reopened chunks.
  auto a = model::Labels::FromStrings({"job", "app", "stream", "a"});
  model::LogBatch b;
  b.records.push_back(Rec(a, 5000, "late"));
  MustConsume(*store, b);
  auto got = SelectAll(*store, "app");
  ASSERT_EQ(got[0].entries.size(), 2001u);
  EXPECT_EQ(got[0].entries.back().second, "late");
  ASSERT_TRUE(store->Close().ok());
}

TEST(LogStoreTest, CrashWithoutCloseReplaysWalWithoutLossOrDuplicates) {
  fs::TempDir dir("logstore");
  LogStoreOptions o = TestOptions();
  o.chunk_target_bytes = 700;  // some chunks written, some only in the head
  {
    auto store = MustOpen(dir.path(), o);
    FillTwoStreams(*store, 1000, 37);
    ASSERT_TRUE(store->Maintain(NowMillis() - 1).ok());  // flush what was cut, keep heads
    FillTwoStreams(*store, 0);
    // Destroyed without Close: as after kill -9 (the WAL is written, not synced).
  }
  auto store = MustOpen(dir.path(), o);
  ExpectTwoStreams(*store, 1000);
  {
    // A second crash after replay: still exactly once.
  }
  store.reset();
  store = MustOpen(dir.path(), o);
  ExpectTwoStreams(*store, 1000);
  ASSERT_TRUE(store->Close().ok());
  store = MustOpen(dir.path(), o);
  ExpectTwoStreams(*store, 1000);
}

TEST(LogStoreTest, CrashAfterChunkWriteBeforeCutRecordDoesNotDuplicate) {
  fs::TempDir dir("logstore");
  LogStoreOptions o = TestOptions();
  o.chunk_target_bytes = 700;
  {
    auto store = MustOpen(dir.path(), o);
    FillTwoStreams(*store, 1000, 37);
    ASSERT_TRUE(store->Maintain(NowMillis() - 1).ok());
  }
  // Rewrite the WAL without its cut records: as if the process died between
  // syncing the chunks and logging their cuts.
  std::vector<std::string> kept;
  size_t cuts = 0;
  {
    auto segs = tsdb::wal::ListSegments(dir.Join("wal"));
    ASSERT_TRUE(segs.ok());
    auto reader = tsdb::wal::Reader::Open(*segs);
    while (reader->Next()) {
      std::string_view rec = reader->record();
      if (!rec.empty() && rec[0] == 2) {
        ++cuts;
      } else {
        kept.emplace_back(rec);
      }
    }
  }
  ASSERT_GT(cuts, 0u);
  ASSERT_TRUE(fs::RemoveAll(dir.Join("wal")).ok());
  {
    tsdb::wal::WalOptions wo;
    wo.compression = false;
    auto wal = tsdb::wal::Wal::Open(dir.Join("wal"), wo);
    ASSERT_TRUE(wal.ok());
    ASSERT_TRUE((*wal)->Log(kept).ok());
    ASSERT_TRUE((*wal)->Close().ok());
  }
  auto store = MustOpen(dir.path(), o);
  ExpectTwoStreams(*store, 1000);
}

TEST(LogStoreTest, TornLastWalRecordLosesOnlyThatBatch) {
  fs::TempDir dir("logstore");
  LogStoreOptions o = TestOptions();
  auto l = model::Labels::FromStrings({"job", "torn"});
  {
    auto store = MustOpen(dir.path(), o);
    for (int i = 0; i < 5; ++i) {
      model::LogBatch b;
      b.records.push_back(Rec(l, i, fmt::format("batch{}", i)));
      MustConsume(*store, b);
    }
  }
  auto segs = tsdb::wal::ListSegments(dir.Join("wal"));
  ASSERT_TRUE(segs.ok());
  ASSERT_FALSE(segs->empty());
  const std::string last = segs->back().path;
  auto size = fs::FileSize(last);
  ASSERT_TRUE(size.ok());
  ASSERT_GT(*size, 3u);
  ASSERT_TRUE(fs::Truncate(last, *size - 3).ok());
  auto store = MustOpen(dir.path(), o);
  auto got = SelectAll(*store, "torn");
  ASSERT_EQ(got.size(), 1u);
  ASSERT_EQ(got[0].entries.size(), 4u);
  EXPECT_EQ(got[0].entries.back().second, "batch3");
  // The store keeps working after the repair.
  model::LogBatch b;
  b.records.push_back(Rec(l, 10, "after"));
  MustConsume(*store, b);
  store.reset();
  store = MustOpen(dir.path(), o);
  got = SelectAll(*store, "torn");
  ASSERT_EQ(got[0].entries.size(), 5u);
  EXPECT_EQ(got[0].entries.back().second, "after");
}

TEST(LogStoreTest, DamagedChunkFileTailIsCutAndOpenStillSucceeds) {
  fs::TempDir dir("logstore");
  LogStoreOptions o = TestOptions();
  o.chunk_target_bytes = 500;
  {
    auto store = MustOpen(dir.path(), o);
    FillTwoStreams(*store, 300);
    ASSERT_TRUE(store->Maintain(NowMillis() - 1).ok());
  }
  auto names = fs::ListDir(dir.Join("chunks"));
  ASSERT_TRUE(names.ok());
  ASSERT_FALSE(names->empty());
  std::string path = fs::Join(dir.Join("chunks"), names->back());
  auto size = fs::FileSize(path);
  ASSERT_TRUE(fs::Truncate(path, *size - 10).ok());
  // A damaged tail (a crash cannot cause this one: a chunk is synced before
  // its cut record is logged) must not stop Open; the intact chunks are read
  // and nothing is duplicated.
  auto store = MustOpen(dir.path(), o);
  auto got = SelectAll(*store, "app");
  ASSERT_EQ(got.size(), 2u);
  for (const auto& g : got) {
    for (size_t i = 1; i < g.entries.size(); ++i) {
      ASSERT_LT(g.entries[i - 1].first, g.entries[i].first);
    }
  }
}

TEST(LogStoreTest, SourceStateSurvivesCrashAndClose) {
  fs::TempDir dir("logstore");
  LogStoreOptions o = TestOptions();
  auto l = model::Labels::FromStrings({"job", "tail"});
  {
    auto store = MustOpen(dir.path(), o);
    for (int i = 1; i <= 3; ++i) {
      model::LogBatch b;
      b.records.push_back(Rec(l, i, "x"));
      b.offsets.push_back({"file:/var/log/a.log", fmt::format("off={}", i * 100)});
      MustConsume(*store, b);
    }
    model::LogBatch only_offset;
    only_offset.offsets.push_back({"file:/var/log/b.log", "off=7"});
    MustConsume(*store, only_offset);
    EXPECT_EQ(store->SourceState("file:/var/log/a.log"), "off=300");
  }
  auto store = MustOpen(dir.path(), o);
  EXPECT_EQ(store->SourceState("file:/var/log/a.log"), "off=300");
  EXPECT_EQ(store->SourceState("file:/var/log/b.log"), "off=7");
  EXPECT_EQ(store->SourceState("nope"), std::nullopt);
  ASSERT_TRUE(store->Close().ok());  // the WAL goes, the state file stays
  store = MustOpen(dir.path(), o);
  EXPECT_EQ(store->SourceState("file:/var/log/a.log"), "off=300");
  model::LogBatch b;
  b.offsets.push_back({"file:/var/log/a.log", "off=400"});
  MustConsume(*store, b);
  store.reset();
  store = MustOpen(dir.path(), o);
  EXPECT_EQ(store->SourceState("file:/var/log/a.log"), "off=400");
  EXPECT_EQ(store->SourceState("file:/var/log/b.log"), "off=7");
}

TEST(LogStoreTest, DamagedSourceStateFileDoesNotStopOpen) {
  fs::TempDir dir("logstore");
  {
    auto store = MustOpen(dir.path(), TestOptions());
    FillTwoStreams(*store, 10);
    ASSERT_TRUE(store->Close().ok());
  }
  ASSERT_TRUE(fs::WriteFileAtomic(dir.Join("sources.state"), "garbage!!").ok());
  auto store = MustOpen(dir.path(), TestOptions());
  ASSERT_NE(store, nullptr);
  ExpectTwoStreams(*store, 10);
}

TEST(LogStoreTest, LimitsRejectRecordsWithReasonsAndKeepTheRest) {
  fs::TempDir dir("logstore");
  metrics::Registry reg;
  LogStoreOptions o = TestOptions();
  o.max_line_bytes = 10;
  o.max_labels_per_stream = 2;
  o.max_streams = 2;
  o.reject_old_ms = 3600 * 1000;
  o.reject_future_ms = 60 * 1000;
  auto store = MustOpen(dir.path(), o, &reg);
  const int64_t now = NowMillis() * 1000000;
  model::LogBatch b;
  b.records.push_back(Rec(model::Labels::FromStrings({"job", "a"}), now, "ok"));
  b.records.push_back(Rec(model::Labels::FromStrings({"job", "a"}), now, "this line is too long"));
  b.records.push_back(Rec(model::Labels::FromStrings({"a", "1", "b", "2", "job", "x"}), now, "x"));
  b.records.push_back(Rec(model::Labels(), now, "no labels"));
  b.records.push_back(Rec(model::Labels::FromStrings({"job", "a"}), now - 2 * 3600 * kSec, "old"));
  b.records.push_back(Rec(model::Labels::FromStrings({"job", "a"}), now + 120 * kSec, "future"));
  b.records.push_back(Rec(model::Labels::FromStrings({"job", "b"}), now, "second"));
  b.records.push_back(Rec(model::Labels::FromStrings({"job", "c"}), now, "third"));
  b.records.push_back(Rec(model::Labels::FromStrings({"job", "\xff"}), now, "bad utf8"));
  auto res = store->Consume(b);
  ASSERT_TRUE(res.status.ok());
  std::vector<std::pair<size_t, std::string>> got;
  for (const auto& r : res.rejected) {
    got.emplace_back(r.index, r.reason);
    EXPECT_FALSE(r.message.empty());
  }
  std::vector<std::pair<size_t, std::string>> want = {
      {1, "line_too_long"},     {2, "too_many_labels"},  {3, "invalid_labels"}, {4, "too_old"},
      {5, "too_far_in_future"}, {7, "too_many_streams"}, {8, "invalid_labels"}};
  EXPECT_EQ(got, want);
  EXPECT_EQ(reg.Get("vigil_logstore_rejected_total", {{"reason", "too_many_streams"}}), 1);
  EXPECT_EQ(reg.Get("vigil_logstore_entries_appended_total"), 2);
  EXPECT_EQ(SelectAll(*store, "a").size(), 1u);
  EXPECT_EQ(SelectAll(*store, "b").size(), 1u);
  EXPECT_TRUE(SelectAll(*store, "c").empty());
  // A cut stream is no longer live: room for a new one.
  ASSERT_TRUE(store->Maintain(NowMillis() + 2 * 3600 * 1000).ok());
  model::LogBatch c;
  c.records.push_back(Rec(model::Labels::FromStrings({"job", "c"}), now, "third"));
  MustConsume(*store, c);
}

TEST(LogStoreTest, RetentionByTimeDeletesOldChunkFilesAndStreams) {
  fs::TempDir dir("logstore");
  metrics::Registry reg;
  LogStoreOptions o = TestOptions();
  o.retention_ms = 3600 * 1000;
  o.chunk_file_bytes = 1;  // one file per flush round
  auto store = MustOpen(dir.path(), o, &reg);
  const int64_t now_ms = NowMillis();
  auto old_l = model::Labels::FromStrings({"job", "old"});
  auto new_l = model::Labels::FromStrings({"job", "new"});
  model::LogBatch b;
  b.records.push_back(Rec(old_l, (now_ms - 2 * 3600 * 1000) * 1000000, "old line"));
  MustConsume(*store, b);
  // Twice the age: the head started when Consume ran, a few ms after now_ms.
  ASSERT_TRUE(store->Maintain(now_ms + 2 * o.chunk_max_age_ms).ok());  // cut + written
  model::LogBatch c;
  c.records.push_back(Rec(new_l, now_ms * 1000000, "new line"));
  MustConsume(*store, c);
  ASSERT_TRUE(store->Maintain(now_ms + 10).ok());
  EXPECT_TRUE(SelectAll(*store, "old").empty());
  EXPECT_EQ(SelectAll(*store, "new").size(), 1u);
  auto series = store->Series({}, 0, INT64_MAX);
  ASSERT_TRUE(series.ok());
  ASSERT_EQ(series->size(), 1u);
  EXPECT_GT(reg.Get("vigil_logstore_retention_deleted_bytes_total"), 0);
  ASSERT_TRUE(store->Close().ok());
  store = MustOpen(dir.path(), o);
  EXPECT_TRUE(SelectAll(*store, "old").empty());
  EXPECT_EQ(SelectAll(*store, "new").size(), 1u);
}

TEST(LogStoreTest, RetentionBySizeDeletesOldestFilesFirst) {
  fs::TempDir dir("logstore");
  LogStoreOptions o = TestOptions();
  o.retention_bytes = 200 << 10;
  o.chunk_target_bytes = 16 << 10;
  o.zstd_level = 1;
  auto store = MustOpen(dir.path(), o);
  auto l = model::Labels::FromStrings({"job", "big"});
  // Incompressible-ish lines so that the files grow.
  uint64_t x = 12345;
  int64_t t = 0;
  for (int batch = 0; batch < 60; ++batch) {
    model::LogBatch b;
    for (int i = 0; i < 50; ++i) {
      std::string line;
      for (int k = 0; k < 25; ++k) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        line += fmt::format("{:016x}", x);
      }
      b.records.push_back(Rec(l, ++t, std::move(line)));
    }
    MustConsume(*store, b);
    ASSERT_TRUE(store->Maintain(NowMillis()).ok());
  }
  auto chunks = fs::DirSize(dir.Join("chunks"));
  ASSERT_TRUE(chunks.ok());
  EXPECT_LE(*chunks, o.retention_bytes);
  auto got = SelectAll(*store, "big");
  ASSERT_EQ(got.size(), 1u);
  ASSERT_FALSE(got[0].entries.empty());
  EXPECT_EQ(got[0].entries.back().first, t);   // the newest survive
  EXPECT_GT(got[0].entries.front().first, 1);  // the oldest went
}

TEST(LogStoreTest, IndexQueriesSeeHeadAndChunks) {
  fs::TempDir dir("logstore");
  LogStoreOptions o = TestOptions();
  o.chunk_target_bytes = 100;
  auto store = MustOpen(dir.path(), o);
  FillTwoStreams(*store, 100, 10);
  model::LogBatch b;
  b.records.push_back(Rec(model::Labels::FromStrings({"job", "other", "zone", "z1"}), 500, "x"));
  MustConsume(*store, b);
  auto names = store->LabelNames({}, 0, INT64_MAX);
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names, (std::vector<std::string>{"job", "stream", "zone"}));
  auto values = store->LabelValues("stream", {}, 0, INT64_MAX);
  EXPECT_EQ(*values, (std::vector<std::string>{"a", "b"}));
  values = store->LabelValues("job", {}, 400, 600);
  EXPECT_EQ(*values, (std::vector<std::string>{"other"}));
  auto series = store->Series({model::Matcher::Equal("job", "app")}, 0, INT64_MAX);
  ASSERT_EQ(series->size(), 2u);
  EXPECT_EQ((*series)[0].Get("stream"), "a");
  auto stats = store->Stats({model::Matcher::Equal("job", "app")}, 0, INT64_MAX);
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->streams, 2u);
  EXPECT_EQ(stats->entries, 200u);
  EXPECT_GT(stats->chunks, 2u);
  uint64_t bytes = 0;
  for (int i = 0; i < 100; ++i) bytes += 2 * fmt::format("a-{}", i).size();
  EXPECT_EQ(stats->bytes, bytes);
}

TEST(LogStoreTest, LineContainsFiltersLinesAndMetadataComesBack) {
  fs::TempDir dir("logstore");
  auto store = MustOpen(dir.path(), TestOptions());
  auto l = model::Labels::FromStrings({"job", "f"});
  model::LogBatch b;
  b.records.push_back(Rec(l, 1, "GET /a 200"));
  b.records.push_back(Rec(l, 2, "GET /b 500"));
  b.records.push_back(Rec(l, 3, "POST /a 500"));
  b.records[1].attributes = {{"trace_id", "t1"}};
  MustConsume(*store, b);
  auto got = SelectAll(*store, "f", 0, INT64_MAX, Direction::kForward, {"500", "GET"});
  ASSERT_EQ(got.size(), 1u);
  ASSERT_EQ(got[0].entries.size(), 1u);
  EXPECT_EQ(got[0].entries[0].second, "GET /b 500");
  SelectParams p;
  p.matchers = {model::Matcher::Equal("job", "f")};
  p.end_ns = 10;
  auto set = store->Select(p);
  ASSERT_TRUE(set.ok());
  ASSERT_TRUE((*set)->Next());
  auto it = (*set)->Entries();
  ASSERT_TRUE(it->Next());
  EXPECT_TRUE(it->At().metadata.empty());
  ASSERT_TRUE(it->Next());
  ASSERT_EQ(it->At().metadata.size(), 1u);
  EXPECT_EQ(it->At().metadata[0].value, "t1");
}

TEST(LogStoreTest, ObservedTimeIsUsedWhenRecordHasNoTime) {
  fs::TempDir dir("logstore");
  auto store = MustOpen(dir.path(), TestOptions());
  model::LogBatch b;
  auto r = Rec(model::Labels::FromStrings({"job", "o"}), 0, "x");
  r.observed_time_ns = 77;
  b.records.push_back(r);
  MustConsume(*store, b);
  auto got = SelectAll(*store, "o");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].entries[0].first, 77);
}

// Also run under TSan.
TEST(LogStoreTest, ConcurrentConsumeAndSelectSeeConsistentOrderedData) {
  fs::TempDir dir("logstore");
  LogStoreOptions o = TestOptions();
  o.chunk_target_bytes = 2000;
  auto store = MustOpen(dir.path(), o);
  constexpr int kWriters = 2, kBatches = 150, kPerBatch = 20;
  std::atomic<bool> done{false};
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      auto l = model::Labels::FromStrings({"job", "cc", "w", std::to_string(w)});
      int64_t t = 0;
      for (int i = 0; i < kBatches; ++i) {
        model::LogBatch b;
        for (int j = 0; j < kPerBatch; ++j) b.records.push_back(Rec(l, ++t, fmt::format("{}", t)));
        auto res = store->Consume(b);
        ASSERT_TRUE(res.status.ok());
        if (i % 50 == 0) {
          ASSERT_TRUE(store->Maintain(NowMillis()).ok());
        }
      }
    });
  }
  std::thread reader([&] {
    while (!done) {
      for (const auto& g : SelectAll(*store, "cc")) {
        for (size_t i = 0; i < g.entries.size(); ++i) {
          // Each writer's entries are 1..n with no gaps at any moment.
          ASSERT_EQ(g.entries[i].first, static_cast<int64_t>(i + 1));
        }
      }
      auto stats = store->Stats({model::Matcher::Equal("job", "cc")}, 0, INT64_MAX);
      ASSERT_TRUE(stats.ok());
    }
  });
  for (auto& t : writers) t.join();
  done = true;
  reader.join();
  auto got = SelectAll(*store, "cc");
  ASSERT_EQ(got.size(), 2u);
  for (const auto& g : got) EXPECT_EQ(g.entries.size(), static_cast<size_t>(kBatches * kPerBatch));
  ASSERT_TRUE(store->Close().ok());
}

TEST(LogStoreTest, CutChunksAreWrittenInTheBackgroundWithoutMaintain) {
  fs::TempDir dir("logstore");
  LogStoreOptions o = TestOptions();
  o.background_maintenance = true;  // its thread must not swallow the flusher's wake-ups
  o.chunk_target_bytes = 200;
  metrics::Registry reg;
  auto store = MustOpen(dir.path(), o, &reg);
  FillTwoStreams(*store, 500, 10);
  uint64_t chunk_bytes = 0;
  for (int i = 0; i < 500 && chunk_bytes < 1024; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    chunk_bytes = *fs::DirSize(dir.Join("chunks"));
  }
  EXPECT_GE(chunk_bytes, 1024u);
  ExpectTwoStreams(*store, 500);
}

TEST(LogStoreTest, SecondOpenOfTheSameDirectoryFails) {
  fs::TempDir dir("logstore");
  auto store = MustOpen(dir.path(), TestOptions());
  auto again = LogStore::Open(dir.path(), TestOptions(), nullptr);
  EXPECT_FALSE(again.ok());
}

}  // namespace
}  // namespace vigil::logstore
