#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <thread>

#include "storage/tsdb/block/block_reader.h"
#include "storage/tsdb/block/block_writer.h"
#include "storage/tsdb/block/test_util.h"
#include "storage/tsdb/block/ulid.h"

namespace vigil::tsdb::block {
namespace {

using testing::TempDir;

struct SeriesData {
  model::Labels labels;
  std::vector<std::string> bytes;
  std::vector<ChunkData> chunks;  // views into bytes
};

std::vector<SeriesData> MakeSeries(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<SeriesData> out(n);
  auto labels = testing::RandomSeries(rng, n);
  for (size_t i = 0; i < out.size(); ++i) {
    out[i].labels = labels[i];
    int64_t t = 1000 * static_cast<int64_t>(rng() % 60);
    size_t k = 1 + rng() % 4;
    for (size_t j = 0; j < k; ++j) {
      std::string b(rng() % 200, '\0');
      for (auto& c : b) c = static_cast<char>(rng());
      out[i].bytes.push_back(std::move(b));
    }
    for (size_t j = 0; j < k; ++j) {
      out[i].chunks.push_back(
          ChunkData{t, t + 1800000, static_cast<uint8_t>(1 + j % 2), out[i].bytes[j]});
      t += 1800000 + 15000;
    }
  }
  out.resize(labels.size());
  return out;
}

Result<BlockMeta> WriteBlock(const std::string& parent, const std::string& ulid,
                             const std::vector<SeriesData>& series, BlockWriterOptions opts = {}) {
  VIGIL_ASSIGN_OR_RETURN(auto w, BlockWriter::Create(parent, ulid, opts));
  for (const auto& s : series) VIGIL_RETURN_IF_ERROR(w->AddSeries(s.labels, s.chunks));
  BlockMeta partial;
  partial.stats.num_samples = 123;
  return w->Finish(partial);
}

TEST(Block, WriteReadRoundTripWithManySeriesAndChunks) {
  TempDir tmp;
  auto series = MakeSeries(3000, 1);
  std::string ulid = NewULID(1700000000000);
  BlockWriterOptions opts;
  opts.max_segment_size = 64 << 10;  // several segments
  auto meta = WriteBlock(tmp.path(), ulid, series, opts);
  ASSERT_TRUE(meta.ok()) << meta.status().ToString();
  EXPECT_FALSE(fs::Exists(tmp.Join(ulid + ".tmp")));
  EXPECT_EQ(meta->stats.num_series, series.size());
  EXPECT_EQ(meta->stats.num_samples, 123u);
  EXPECT_EQ(meta->compaction.sources, std::vector<std::string>{ulid});

  auto b = BlockReader::Open(tmp.Join(ulid));
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  const BlockReader& r = **b;
  EXPECT_EQ(r.meta(), *meta);
  EXPECT_GT(fs::ListDir(tmp.Join(ulid + "/chunks"))->size(), 3u);

  uint64_t chunks = 0;
  int64_t mint = INT64_MAX, maxt = INT64_MIN;
  SeriesCursor cur = r.NewSeriesCursor();
  for (uint64_t ref = 0; ref < series.size(); ++ref) {
    model::Labels ls;
    std::vector<ChunkMeta> metas;
    ASSERT_TRUE(cur.Get(ref, &ls, &metas).ok());
    ASSERT_EQ(ls, series[ref].labels);
    ASSERT_EQ(metas.size(), series[ref].chunks.size());
    for (size_t j = 0; j < metas.size(); ++j) {
      const ChunkData& want = series[ref].chunks[j];
      EXPECT_EQ(metas[j].mint, want.mint);
      EXPECT_EQ(metas[j].maxt, want.maxt);
      auto c = r.ReadChunk(metas[j].ref);
      ASSERT_TRUE(c.ok()) << c.status().ToString();
      EXPECT_EQ(c->encoding, want.encoding);
      EXPECT_EQ(c->bytes, want.bytes);
      mint = std::min(mint, want.mint);
      maxt = std::max(maxt, want.maxt);
    }
    chunks += metas.size();
  }
  EXPECT_EQ(meta->stats.num_chunks, chunks);
  EXPECT_EQ(meta->min_time, mint);
  EXPECT_EQ(meta->max_time, maxt + 1);

  auto all = r.AllPostings();
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), series.size());
  auto sel = r.Select({model::Matcher::Equal("a", "v1")});
  ASSERT_TRUE(sel.ok());
  for (uint64_t ref : *sel) EXPECT_EQ(series[ref].labels.Get("a"), "v1");
  EXPECT_FALSE(r.LabelNames().empty());
  auto size = r.SizeOnDisk();
  ASSERT_TRUE(size.ok());
  EXPECT_GT(*size, r.index().size());
}

TEST(Block, ConcurrentReadersSeeTheSameData) {
  TempDir tmp;
  auto series = MakeSeries(500, 2);
  std::string ulid = NewULID(1);
  ASSERT_TRUE(WriteBlock(tmp.path(), ulid, series).ok());
  auto b = BlockReader::Open(tmp.Join(ulid));
  ASSERT_TRUE(b.ok());
  std::shared_ptr<BlockReader> r = *b;
  std::vector<std::thread> threads;
  std::atomic<int> errors{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937_64 rng(t);
      for (int i = 0; i < 2000; ++i) {
        uint64_t ref = rng() % series.size();
        model::Labels ls;
        std::vector<ChunkMeta> metas;
        if (!r->Series(ref, &ls, &metas).ok() || ls != series[ref].labels) ++errors;
        auto c = r->ReadChunk(metas.at(0).ref);
        if (!c.ok() || c->bytes != series[ref].chunks[0].bytes) ++errors;
        if (i % 100 == 0) (void)r->tombstones();
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(errors.load(), 0);
}

TEST(Block, TombstonesWriteReadReplaceAndReload) {
  TempDir tmp;
  auto series = MakeSeries(50, 3);
  std::string ulid = NewULID(2);
  ASSERT_TRUE(WriteBlock(tmp.path(), ulid, series).ok());
  auto b = BlockReader::Open(tmp.Join(ulid));
  ASSERT_TRUE(b.ok());
  BlockReader& r = **b;
  EXPECT_TRUE(r.tombstones()->empty());

  Tombstones t;
  t.Add(3, {0, 1000});
  t.Add(7, {5, 6});
  auto before = r.tombstones();
  ASSERT_TRUE(r.WriteTombstones(t).ok());
  EXPECT_EQ(*r.tombstones(), t);
  EXPECT_TRUE(before->empty());  // an earlier snapshot is unchanged

  Tombstones t2;
  t2.Add(1, {10, 20});
  ASSERT_TRUE(r.WriteTombstones(t2).ok());
  auto reopened = BlockReader::Open(tmp.Join(ulid));
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ(*(*reopened)->tombstones(), t2);

  // Another writer replaces the file; Reload picks it up.
  ASSERT_TRUE((*reopened)->WriteTombstones(t).ok());
  ASSERT_TRUE(r.ReloadTombstones().ok());
  EXPECT_EQ(*r.tombstones(), t);

  Tombstones out_of_range;
  out_of_range.Add(series.size(), {1, 2});
  EXPECT_TRUE(r.WriteTombstones(out_of_range).IsInvalidArgument());
  EXPECT_FALSE(fs::Exists(tmp.Join(ulid + "/tombstones.tmp")));

  // A corrupt tombstones file fails reload and keeps the last good copy.
  ASSERT_TRUE(testing::WriteFileFast(tmp.Join(ulid + "/tombstones"), "garbage").ok());
  EXPECT_TRUE(r.ReloadTombstones().IsCorruption());
  EXPECT_EQ(*r.tombstones(), t);
  EXPECT_TRUE(BlockReader::Open(tmp.Join(ulid)).status().IsCorruption());
}

TEST(Block, AbandonedWriterLeavesNothing) {
  TempDir tmp;
  auto series = MakeSeries(20, 4);
  std::string ulid = NewULID(3);
  {
    auto w = BlockWriter::Create(tmp.path(), ulid);
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->AddSeries(series[0].labels, series[0].chunks).ok());
    EXPECT_TRUE(fs::Exists(tmp.Join(ulid + ".tmp")));
  }
  EXPECT_FALSE(fs::Exists(tmp.Join(ulid + ".tmp")));
  EXPECT_FALSE(fs::Exists(tmp.Join(ulid)));
}

TEST(Block, OutOfOrderSeriesIsRejectedWithoutWritingChunks) {
  TempDir tmp;
  auto series = MakeSeries(5, 5);
  auto w = BlockWriter::Create(tmp.path(), NewULID(4));
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->AddSeries(series[1].labels, series[1].chunks).ok());
  auto size = fs::FileSize((*w)->tmp_dir() + "/chunks/000001");
  EXPECT_TRUE((*w)->AddSeries(series[0].labels, series[0].chunks).IsInvalidArgument());
  EXPECT_EQ(*fs::FileSize((*w)->tmp_dir() + "/chunks/000001"), *size);
  ASSERT_TRUE((*w)->AddSeries(series[2].labels, series[2].chunks).ok());
  auto meta = (*w)->Finish(BlockMeta{});
  ASSERT_TRUE(meta.ok());
  EXPECT_EQ(meta->stats.num_series, 2u);
}

TEST(Block, ExistingBlockDirIsAlreadyExistsAndStaleTmpIsReplaced) {
  TempDir tmp;
  std::string ulid = NewULID(5);
  ASSERT_TRUE(fs::CreateDirs(tmp.Join(ulid + ".tmp/junk")).ok());
  ASSERT_TRUE(WriteBlock(tmp.path(), ulid, MakeSeries(3, 6)).ok());
  EXPECT_FALSE(fs::Exists(tmp.Join(ulid + "/junk")));
  EXPECT_TRUE(BlockWriter::Create(tmp.path(), ulid).status().code() ==
              Status::Code::kAlreadyExists);
  EXPECT_TRUE(BlockWriter::Create(tmp.path(), "not-a-ulid").status().IsInvalidArgument());
}

TEST(Block, ExplicitTimeRangeIsKept) {
  TempDir tmp;
  std::string ulid = NewULID(6);
  auto w = BlockWriter::Create(tmp.path(), ulid);
  ASSERT_TRUE(w.ok());
  BlockMeta partial;
  partial.min_time = 0;
  partial.max_time = 7200000;
  partial.compaction.level = 2;
  partial.compaction.sources = {NewULID(1), NewULID(2)};
  auto m = (*w)->Finish(partial);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->max_time, 7200000);
  EXPECT_EQ(m->compaction.sources.size(), 2u);
  auto r = BlockReader::Open(tmp.Join(ulid));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)->NumSeries(), 0u);
}

TEST(Block, CorruptFilesGiveStatusErrors) {
  TempDir tmp;
  auto series = MakeSeries(200, 7);
  std::string ulid = NewULID(7);
  ASSERT_TRUE(WriteBlock(tmp.path(), ulid, series).ok());
  std::string dir = tmp.Join(ulid);

  // Chunk bytes: a flipped byte is found when that chunk is read.
  {
    std::string seg = dir + "/chunks/000001";
    auto data = *fs::ReadFile(seg);
    data[data.size() / 2] ^= 0x10;
    ASSERT_TRUE(testing::WriteFileFast(seg, data).ok());
    auto r = BlockReader::Open(dir);
    ASSERT_TRUE(r.ok());
    int bad = 0;
    for (uint64_t ref = 0; ref < series.size(); ++ref) {
      std::vector<ChunkMeta> metas;
      ASSERT_TRUE((*r)->Series(ref, nullptr, &metas).ok());
      for (const auto& m : metas) {
        auto c = (*r)->ReadChunk(m.ref);
        if (!c.ok()) {
          EXPECT_TRUE(c.status().IsCorruption());
          ++bad;
        }
      }
    }
    EXPECT_EQ(bad, 1);
  }
  // Truncated index.
  {
    std::string idx = dir + "/index";
    auto data = *fs::ReadFile(idx);
    ASSERT_TRUE(testing::WriteFileFast(idx, data.substr(0, data.size() - 10)).ok());
    auto r = BlockReader::Open(dir);
    EXPECT_TRUE(r.status().IsCorruption()) << r.status().ToString();
    ASSERT_TRUE(testing::WriteFileFast(idx, data).ok());
    ASSERT_TRUE(BlockReader::Open(dir).ok());
  }
  // meta.json disagreeing with the index, or unreadable.
  {
    auto meta = *ReadMetaFile(dir);
    meta.stats.num_series += 1;
    ASSERT_TRUE(WriteMetaFile(dir, meta).ok());
    EXPECT_TRUE(BlockReader::Open(dir).status().IsCorruption());
    ASSERT_TRUE(testing::WriteFileFast(dir + "/meta.json", "{\"ulid\":").ok());
    EXPECT_TRUE(BlockReader::Open(dir).status().IsCorruption());
  }
  EXPECT_FALSE(BlockReader::Open(tmp.Join("missing")).ok());
}

}  // namespace
}  // namespace vigil::tsdb::block
