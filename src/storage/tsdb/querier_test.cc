#include "storage/tsdb/querier.h"

#include <gtest/gtest.h>

#include "storage/tsdb/test_util.h"

namespace vigil::tsdb {
namespace {

std::string Xor(std::vector<model::Sample> s) { return *chunkenc::EncodeXor(s); }
std::string Compact(std::vector<model::Sample> s) { return *chunkenc::EncodeCompact(s); }

std::vector<model::Sample> ReadAll(storage::SeriesIterator& it) {
  std::vector<model::Sample> out;
  while (it.Next()) out.push_back({it.t(), it.v()});
  EXPECT_TRUE(it.status().ok());
  return out;
}

TEST(ChunkSeriesIteratorTest, WalksChunksInOrderWithinRange) {
  std::string a = Xor({{1, 1}, {2, 2}, {3, 3}});
  std::string b = Compact({{5, 5}, {6, 6}, {7, 7}});
  std::vector<ChunkView> cs = {{1, 3, chunkenc::Encoding::kXor, a, nullptr},
                               {5, 7, chunkenc::Encoding::kCompact, b, nullptr}};
  ChunkSeriesIterator all(cs, {}, INT64_MIN, INT64_MAX);
  EXPECT_EQ(ReadAll(all).size(), 6u);
  ChunkSeriesIterator part(cs, {}, 2, 6);
  auto got = ReadAll(part);
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got.front().t, 2);
  EXPECT_EQ(got.back().t, 6);
}

TEST(ChunkSeriesIteratorTest, SeekSkipsChunksAndNeverGoesBack) {
  std::string a = Xor({{1, 1}, {2, 2}, {3, 3}});
  std::string b = Xor({{5, 5}, {6, 6}, {7, 7}});
  std::vector<ChunkView> cs = {{1, 3, chunkenc::Encoding::kXor, a, nullptr},
                               {5, 7, chunkenc::Encoding::kXor, b, nullptr}};
  ChunkSeriesIterator it(cs, {}, INT64_MIN, INT64_MAX);
  ASSERT_TRUE(it.Seek(4));
  EXPECT_EQ(it.t(), 5);
  ASSERT_TRUE(it.Seek(2));  // never backwards
  EXPECT_EQ(it.t(), 5);
  ASSERT_TRUE(it.Next());
  EXPECT_EQ(it.t(), 6);
  EXPECT_FALSE(it.Seek(8));
  EXPECT_FALSE(it.Next());
}

TEST(ChunkSeriesIteratorTest, DeletedRangesAreSkipped) {
  std::string a = Xor({{1, 1}, {2, 2}, {3, 3}, {4, 4}});
  block::Intervals del = {{2, 3}};
  std::vector<ChunkView> cs = {{1, 4, chunkenc::Encoding::kXor, a, &del}};
  ChunkSeriesIterator it(cs, {}, INT64_MIN, INT64_MAX);
  auto got = ReadAll(it);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1].t, 4);
  ChunkSeriesIterator seek(cs, {}, INT64_MIN, INT64_MAX);
  ASSERT_TRUE(seek.Seek(2));
  EXPECT_EQ(seek.t(), 4);
}

TEST(ChunkSeriesIteratorTest, OverlappingChunksAreMergedWithoutDuplicates) {
  std::string a = Xor({{1, 1}, {3, 3}, {5, 5}});
  std::string b = Xor({{2, 20}, {3, 30}, {6, 60}});
  std::vector<ChunkView> cs = {{1, 5, chunkenc::Encoding::kXor, a, nullptr},
                               {2, 6, chunkenc::Encoding::kXor, b, nullptr}};
  ChunkSeriesIterator it(cs, {}, INT64_MIN, INT64_MAX);
  auto got = ReadAll(it);
  ASSERT_EQ(got.size(), 5u);
  EXPECT_EQ(got[2].t, 3);
  EXPECT_EQ(got[2].v, 3);  // the first chunk wins
  ChunkSeriesIterator seek(cs, {}, INT64_MIN, INT64_MAX);
  ASSERT_TRUE(seek.Seek(4));
  EXPECT_EQ(seek.t(), 5);
}

TEST(ChunkSeriesIteratorTest, CorruptChunkReportsAnError) {
  std::string bad = "\x00\x05garbage";
  std::vector<ChunkView> cs = {{1, 4, chunkenc::Encoding::kXor, bad, nullptr}};
  ChunkSeriesIterator it(cs, {}, INT64_MIN, INT64_MAX);
  while (it.Next()) {
  }
  EXPECT_FALSE(it.status().ok());
}

TEST(MergeSourcesTest, JoinsEqualSeriesAcrossSources) {
  auto mk = [](std::string name, int64_t mint) {
    SeriesChunks s;
    s.labels = testing::L({"__name__", name});
    s.chunks.push_back(ChunkView{mint, mint + 1, chunkenc::Encoding::kXor, {}, nullptr});
    return s;
  };
  std::vector<std::vector<SeriesChunks>> src(2);
  src[0].push_back(mk("a", 10));
  src[0].push_back(mk("c", 10));
  src[1].push_back(mk("a", 0));
  src[1].push_back(mk("b", 0));
  auto merged = MergeSources(std::move(src));
  ASSERT_EQ(merged.size(), 3u);
  EXPECT_EQ(merged[0].labels.MetricName(), "a");
  ASSERT_EQ(merged[0].chunks.size(), 2u);
  EXPECT_EQ(merged[0].chunks[0].mint, 0);  // sorted by time
  EXPECT_EQ(merged[1].labels.MetricName(), "b");
  EXPECT_EQ(merged[2].labels.MetricName(), "c");
}

}  // namespace
}  // namespace vigil::tsdb
