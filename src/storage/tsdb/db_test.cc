#include "storage/tsdb/db.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <thread>

#include "storage/tsdb/test_util.h"
#include "storage/tsdb/wal/checkpoint.h"
#include "storage/tsdb/wal/segment.h"

namespace vigil::tsdb {
namespace {

using testing::AllSeries;
using testing::L;
using testing::NameIs;
using testing::Query;

DbOptions TestOptions() {
  DbOptions o;
  o.compaction_interval_ms = 0;  // tests call Compact()
  o.wal_fsync_interval_ms = 0;
  return o;
}

// Appends `n` samples (15 s apart from t0) to `series` series named m.
void Fill(storage::Appendable* db, int series, int n, int64_t t0, const std::string& name = "m") {
  for (int i = 0; i < n; ++i) {
    auto app = db->NewAppender();
    for (int s = 0; s < series; ++s) {
      auto ls = L({"__name__", name, "id", std::to_string(s)});
      auto v = ls.View();
      auto r = app->Append(0, v, t0 + i * 15 * kSecond, s * 1000.0 + i);
      ASSERT_TRUE(r.ok()) << storage::RejectReasonName(r.reject);
    }
    ASSERT_TRUE(app->Commit().ok());
  }
}

size_t CountSamples(storage::Queryable* db, const std::vector<model::Matcher>& ms = AllSeries()) {
  size_t n = 0;
  for (const auto& s : Query(db, ms)) n += s.samples.size();
  return n;
}

TEST(DbTest, CloseFlushesTheHeadAndReopenReadsItBack) {
  testing::TempDir dir;
  {
    auto db = DB::Open(dir.path(), TestOptions());
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    Fill(db->get(), 10, 100, 0);
    EXPECT_EQ(CountSamples(db->get()), 1000u);
    ASSERT_TRUE((*db)->Close().ok());
  }
  auto db = DB::Open(dir.path(), TestOptions());
  ASSERT_TRUE(db.ok());
  EXPECT_EQ((*db)->BlockMetas().size(), 1u);
  EXPECT_EQ((*db)->head()->NumSeries(), 0u);  // nothing to replay
  auto got = Query(db->get(), NameIs("m"));
  ASSERT_EQ(got.size(), 10u);
  EXPECT_EQ(got[3].labels.Get("id"), "3");
  ASSERT_EQ(got[3].samples.size(), 100u);
  EXPECT_EQ(got[3].samples[99].v, 3099);
  EXPECT_EQ(got[3].samples[99].t, 99 * 15 * kSecond);
}

TEST(DbTest, SecondOpenOfTheSameDirectoryFails) {
  testing::TempDir dir;
  auto a = DB::Open(dir.path(), TestOptions());
  ASSERT_TRUE(a.ok());
  auto b = DB::Open(dir.path(), TestOptions());
  EXPECT_FALSE(b.ok());
  EXPECT_NE(b.status().message().find("in use"), std::string::npos);
}

// Runs fn in a child process that dies without closing anything (as kill -9).
void InCrashingChild(const std::function<void()>& fn) {
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    fn();
    _exit(0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0);
}

TEST(DbTest, CommittedSamplesSurviveACrash) {
  testing::TempDir dir;
  InCrashingChild([&] {
    auto db = DB::Open(dir.path(), TestOptions());
    if (!db.ok()) _exit(1);
    Fill(db->get(), 50, 40, 1000);
    auto app = (*db)->NewAppender();
    auto ls = L({"__name__", "special"});
    auto v = ls.View();
    app->Append(0, v, 5000, model::StaleNaN());
    if (!app->Commit().ok()) _exit(2);
    db->release();  // leak it: no flush, no WAL close
  });
  auto db = DB::Open(dir.path(), TestOptions());
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  EXPECT_EQ(CountSamples(db->get(), NameIs("m")), 2000u);
  auto special = Query(db->get(), NameIs("special"));
  ASSERT_EQ(special.size(), 1u);
  ASSERT_EQ(special[0].samples.size(), 1u);
  EXPECT_TRUE(model::IsStaleNaN(special[0].samples[0].v));
}

TEST(DbTest, TornWalTailKeepsEverythingBeforeIt) {
  testing::TempDir dir;
  InCrashingChild([&] {
    auto db = DB::Open(dir.path(), TestOptions());
    if (!db.ok()) _exit(1);
    Fill(db->get(), 20, 10, 0);
    db->release();
  });
  // Cut the last segment in the middle of its last record.
  std::string wal = fs::Join(dir.path(), "wal");
  auto segs = wal::ListSegments(wal);
  ASSERT_TRUE(segs.ok());
  std::string last;
  for (const auto& s : *segs) {
    if (*fs::FileSize(s.path) > 0) last = s.path;
  }
  ASSERT_FALSE(last.empty());
  uint64_t size = *fs::FileSize(last);
  ASSERT_TRUE(fs::Truncate(last, size - 7).ok());
  auto db = DB::Open(dir.path(), TestOptions());
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  // The last commit (20 samples) may be lost: it was torn. Everything before is back.
  size_t n = CountSamples(db->get());
  EXPECT_GE(n, 180u);
  EXPECT_LE(n, 200u);
}

TEST(DbTest, HeadCompactionWritesBlocksAndKeepsEverySample) {
  testing::TempDir dir;
  auto opts = TestOptions();
  auto db = DB::Open(dir.path(), opts);
  ASSERT_TRUE(db.ok());
  // 5 hours at 15 s: 1200 samples per series.
  Fill(db->get(), 20, 1200, 0);
  ASSERT_TRUE((*db)->Compact().ok());
  auto metas = (*db)->BlockMetas();
  // [0,2h) is written; [2h, 5h) stays: the head keeps at least half a range
  // beyond the last boundary, as Prometheus does.
  ASSERT_EQ(metas.size(), 1u);
  EXPECT_EQ(metas[0].min_time, 0);
  EXPECT_EQ(metas[0].max_time, 2 * kHour - 15 * kSecond + 1);  // the data's range
  EXPECT_EQ(metas[0].stats.num_samples, 20u * 480);
  EXPECT_EQ((*db)->head()->MinTime(), 2 * kHour);
  EXPECT_EQ(CountSamples(db->get()), 20u * 1200);
  // The WAL was checkpointed: a crash now replays only the head's part.
  EXPECT_TRUE(wal::LastCheckpoint(fs::Join(dir.path(), "wal")).ok());
}

TEST(DbTest, ReplayAfterCompactionAndCrashRestoresTheHead) {
  testing::TempDir dir;
  InCrashingChild([&] {
    auto db = DB::Open(dir.path(), TestOptions());
    if (!db.ok()) _exit(1);
    Fill(db->get(), 10, 1200, 0);
    if (!(*db)->Compact().ok()) _exit(2);
    Fill(db->get(), 10, 100, 1200 * 15 * kSecond);
    db->release();
  });
  auto db = DB::Open(dir.path(), TestOptions());
  ASSERT_TRUE(db.ok());
  EXPECT_EQ(CountSamples(db->get()), 10u * 1300);
}

TEST(DbTest, BlocksAreCompactedIntoLongerRanges) {
  testing::TempDir dir;
  auto db = DB::Open(dir.path(), TestOptions());
  ASSERT_TRUE(db.ok());
  // 10 hours: head compaction makes 2h blocks up to 8h; the first 6h merge
  // into one once the 2h block after them exists.
  for (int part = 0; part < 10; ++part) {
    Fill(db->get(), 5, 240, part * kHour);
    ASSERT_TRUE((*db)->Compact().ok());
  }
  auto metas = (*db)->BlockMetas();
  ASSERT_GE(metas.size(), 1u);
  EXPECT_EQ(metas[0].min_time, 0);
  EXPECT_EQ(metas[0].max_time, 6 * kHour - 15 * kSecond + 1);
  EXPECT_EQ(metas[0].compaction.level, 2);
  EXPECT_EQ(metas[0].compaction.parents.size(), 3u);
  EXPECT_EQ(metas[0].stats.num_samples, 5u * 1440);
  EXPECT_EQ(CountSamples(db->get()), 5u * 240 * 10);
}

TEST(DbTest, RetentionByTimeDropsWholeBlocksOnly) {
  testing::TempDir dir;
  auto opts = TestOptions();
  opts.retention_ms = 5 * kHour;
  auto db = DB::Open(dir.path(), opts);
  ASSERT_TRUE(db.ok());
  for (int part = 0; part < 10; ++part) {
    Fill(db->get(), 2, 240, part * kHour);
    ASSERT_TRUE((*db)->Compact().ok());
  }
  int64_t newest = (*db)->MaxTime();
  for (const auto& m : (*db)->BlockMetas()) {
    EXPECT_GE(m.max_time - 1, newest - 5 * kHour) << m.ulid;
  }
  auto got = Query(db->get(), AllSeries());
  ASSERT_EQ(got.size(), 2u);
  // Whatever remains of a block's range is complete.
  int64_t first = got[0].samples.front().t;
  EXPECT_EQ(first % (2 * kHour), 0);
}

TEST(DbTest, RetentionBySizeDeletesOldestBlocksAndKeepsTheNewest) {
  testing::TempDir dir;
  auto opts = TestOptions();
  opts.retention_ms = 0;
  opts.max_block_range_ms = 2 * kHour;  // no merging, so there are several blocks
  auto db = DB::Open(dir.path(), opts);
  ASSERT_TRUE(db.ok());
  for (int part = 0; part < 8; ++part) {
    Fill(db->get(), 50, 240, part * kHour);
    ASSERT_TRUE((*db)->Compact().ok());
  }
  auto before = (*db)->BlockMetas();
  ASSERT_GE(before.size(), 3u);
  ASSERT_TRUE((*db)->Close().ok());
  opts.retention_bytes = 1;  // everything but the newest block must go
  auto db2 = DB::Open(dir.path(), opts);
  ASSERT_TRUE(db2.ok());
  before = (*db2)->BlockMetas();  // now with the block the close flushed
  Status cs = (*db2)->Compact();
  ASSERT_TRUE(cs.ok()) << cs.ToString();
  auto after = (*db2)->BlockMetas();
  ASSERT_EQ(after.size(), 1u);
  int64_t newest = 0;
  for (const auto& m : before) newest = std::max(newest, m.max_time);
  EXPECT_EQ(after[0].max_time, newest);
}

TEST(DbTest, DeleteHidesSamplesInHeadAndBlocksAndCleanTombstonesRewrites) {
  testing::TempDir dir;
  auto db = DB::Open(dir.path(), TestOptions());
  ASSERT_TRUE(db.ok());
  Fill(db->get(), 3, 1200, 0);  // 5h: a block and the head
  ASSERT_TRUE((*db)->Compact().ok());
  ASSERT_EQ((*db)->BlockMetas().size(), 1u);
  std::vector<model::Matcher> id1 = {model::Matcher::Equal("id", "1")};
  ASSERT_TRUE((*db)->Delete(kHour, 4 * kHour + 30 * kMinute, id1).ok());
  auto got = Query(db->get(), id1);
  ASSERT_EQ(got.size(), 1u);
  for (const auto& s : got[0].samples) {
    EXPECT_FALSE(s.t >= kHour && s.t <= 4 * kHour + 30 * kMinute) << s.t;
  }
  EXPECT_EQ(got[0].samples.size(), 1200u - (3 * 240 + 30 * 4 + 1));
  EXPECT_EQ(CountSamples(db->get(), {model::Matcher::Equal("id", "0")}), 1200u);
  ASSERT_TRUE((*db)->CleanTombstones().ok());
  for (const auto& m : (*db)->BlockMetas()) EXPECT_EQ(m.stats.num_tombstones, 0u);
  EXPECT_EQ(Query(db->get(), id1)[0].samples.size(), got[0].samples.size());
  // The deletion survives a restart (the head's part through the WAL and the flush).
  ASSERT_TRUE((*db)->Close().ok());
  auto db2 = DB::Open(dir.path(), TestOptions());
  ASSERT_TRUE(db2.ok());
  EXPECT_EQ(Query(db2->get(), id1)[0].samples.size(), got[0].samples.size());
}

// /api/v1/series asks for labels only (SelectHints::series_only), which the
// head answers without copying chunk bytes: it must still return exactly
// the series a full select returns, deleted ranges and time bounds included.
TEST(DbTest, SeriesOnlySelectReturnsTheSeriesOfAFullSelect) {
  testing::TempDir dir;
  auto db = DB::Open(dir.path(), TestOptions());
  ASSERT_TRUE(db.ok());
  Fill(db->get(), 4, 1200, 0);  // 5h: a block and the head
  ASSERT_TRUE((*db)->Compact().ok());
  Fill(db->get(), 1, 10, 4 * kHour + 30 * kMinute, "head_only");
  // Everything id=2 has after 3h is deleted; id=3 loses everything.
  ASSERT_TRUE((*db)->Delete(3 * kHour, INT64_MAX, {model::Matcher::Equal("id", "2")}).ok());
  ASSERT_TRUE((*db)->Delete(INT64_MIN, INT64_MAX, {model::Matcher::Equal("id", "3")}).ok());
  auto names = [&](int64_t mint, int64_t maxt, bool series_only) {
    std::vector<std::string> out;
    auto q = (*db)->NewQuerier(mint, maxt);
    EXPECT_TRUE(q.ok());
    storage::SelectHints hints;
    hints.start = mint;
    hints.end = maxt;
    hints.series_only = series_only;
    auto set = (*q)->Select(true, &hints, AllSeries());
    while (set->Next()) {
      if (!series_only) {
        auto it = set->At().Iterator();
        if (!it->Next()) continue;  // a full select may list series without samples
      }
      out.push_back(set->At().labels().ToString());
    }
    EXPECT_TRUE(set->status().ok());
    return out;
  };
  for (auto [mint, maxt] : std::vector<std::pair<int64_t, int64_t>>{
           {INT64_MIN, INT64_MAX}, {4 * kHour, 5 * kHour}, {0, kMinute}, {6 * kHour, 7 * kHour}}) {
    EXPECT_EQ(names(mint, maxt, true), names(mint, maxt, false)) << mint << ".." << maxt;
  }
  EXPECT_EQ(names(4 * kHour, 5 * kHour, true).size(), 3u);  // id 0 and 1, head_only
}

TEST(DbTest, HeadStatusShowsCardinality) {
  testing::TempDir dir;
  auto db = DB::Open(dir.path(), TestOptions());
  ASSERT_TRUE(db.ok());
  Fill(db->get(), 3, 10, 0, "big");
  Fill(db->get(), 1, 10, 0, "small");
  storage::TsdbStatus st = (*db)->HeadStatus(10);
  EXPECT_EQ(st.num_series, 4u);
  EXPECT_EQ(st.chunk_count, 4u);
  EXPECT_EQ(st.min_time, 0);
  EXPECT_EQ(st.max_time, 9 * 15 * kSecond);
  ASSERT_EQ(st.series_count_by_metric_name.size(), 2u);
  EXPECT_EQ(st.series_count_by_metric_name[0], (std::pair<std::string, uint64_t>{"big", 3}));
  EXPECT_EQ(st.label_value_count_by_label_name[0], (std::pair<std::string, uint64_t>{"id", 3}));
  EXPECT_EQ(st.num_label_pairs, 5u);  // __name__=big, __name__=small, id=0,1,2
  EXPECT_EQ(st.series_count_by_label_value_pair[0].second, 3u);
}

TEST(DbTest, MetadataSurvivesRestart) {
  testing::TempDir dir;
  {
    auto db = DB::Open(dir.path(), TestOptions());
    ASSERT_TRUE(db.ok());
    auto app = (*db)->NewAppender();
    storage::MetricMetadata md{storage::MetricMetadata::Type::kCounter, "Requests.", ""};
    app->UpdateMetadata("http_requests_total", md);
    ASSERT_TRUE(app->Commit().ok());
    auto got = (*db)->Metadata("", 0);
    ASSERT_EQ(got.size(), 1u);
  }
  auto db = DB::Open(dir.path(), TestOptions());
  ASSERT_TRUE(db.ok());
  auto got = (*db)->Metadata("http_requests_total", 0);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].second.type, storage::MetricMetadata::Type::kCounter);
  EXPECT_EQ(got[0].second.help, "Requests.");
}

TEST(DbTest, LateSamplesAfterRestartOverlapBlocksAndAreMerged) {
  testing::TempDir dir;
  {
    auto db = DB::Open(dir.path(), TestOptions());
    ASSERT_TRUE(db.ok());
    Fill(db->get(), 2, 100, 0);
  }
  auto db = DB::Open(dir.path(), TestOptions());
  ASSERT_TRUE(db.ok());
  // Resending the last 10 samples (as a retrying client does) and 10 new ones.
  Fill(db->get(), 2, 20, 90 * 15 * kSecond);
  EXPECT_EQ(CountSamples(db->get()), 2u * 110);
  ASSERT_TRUE((*db)->Close().ok());
  auto db2 = DB::Open(dir.path(), TestOptions());
  ASSERT_TRUE(db2.ok());
  ASSERT_TRUE((*db2)->Compact().ok());
  EXPECT_EQ((*db2)->BlockMetas().size(), 1u);  // the overlapping blocks were merged
  EXPECT_EQ(CountSamples(db2->get()), 2u * 110);
}

}  // namespace
}  // namespace vigil::tsdb

namespace vigil::tsdb {
namespace {

TEST(DbConcurrencyTest, AppendsQueriesAndCompactionsTogetherLoseNothing) {
  testing::TempDir dir;
  auto db = DB::Open(dir.path(), TestOptions());
  ASSERT_TRUE(db.ok());
  constexpr int kWriters = 3, kSeries = 30, kSteps = 1200;  // 5 hours at 15 s
  std::atomic<bool> done{false};
  std::atomic<int> finished{0};
  std::atomic<int> progress[kWriters] = {};
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      struct Signal {  // counted even when an ASSERT leaves the lambda early
        std::atomic<int>& n;
        ~Signal() { n++; }
      } signal{finished};
      for (int step = 0; step < kSteps; ++step) {
        // Writers stay within a few steps of each other, as real senders do:
        // a writer hours behind the others would be "too old", rightly.
        for (;;) {
          int slowest = kSteps;
          for (auto& p : progress) slowest = std::min(slowest, p.load());
          if (step - slowest <= 8) break;
          std::this_thread::yield();
        }
        auto app = (*db)->NewAppender();
        for (int s = 0; s < kSeries; ++s) {
          auto ls = L({"__name__", "c", "s", std::to_string(s), "w", std::to_string(w)});
          auto v = ls.View();
          ASSERT_TRUE(app->Append(0, v, step * 15 * kSecond, step).ok());
        }
        ASSERT_TRUE(app->Commit().ok());
        progress[w] = step + 1;
      }
      progress[w] = kSteps;
    });
  }
  threads.emplace_back([&] {
    while (finished.load() < kWriters) {
      ASSERT_TRUE((*db)->Compact().ok());
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  threads.emplace_back([&] {
    while (!done.load()) {
      auto got = Query(db->get(), NameIs("c"));
      for (const auto& s : got) {
        for (size_t i = 1; i < s.samples.size(); ++i) ASSERT_LT(s.samples[i - 1].t, s.samples[i].t);
      }
    }
  });
  for (int i = 0; i < kWriters + 1; ++i) threads[i].join();
  done = true;
  threads.back().join();
  ASSERT_TRUE((*db)->Compact().ok());
  EXPECT_FALSE((*db)->BlockMetas().empty());
  EXPECT_EQ(CountSamples(db->get()), static_cast<size_t>(kWriters * kSeries * kSteps));
  ASSERT_TRUE((*db)->Close().ok());
  auto db2 = DB::Open(dir.path(), TestOptions());
  ASSERT_TRUE(db2.ok());
  EXPECT_EQ(CountSamples(db2->get()), static_cast<size_t>(kWriters * kSeries * kSteps));
}

}  // namespace
}  // namespace vigil::tsdb
