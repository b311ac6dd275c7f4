#include "storage/tsdb/block/chunks.h"

#include <gtest/gtest.h>

#include <random>

#include "storage/tsdb/block/test_util.h"

namespace vigil::tsdb::block {
namespace {

using testing::TempDir;

std::string RandomBytes(std::mt19937_64& rng, size_t n) {
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

TEST(Chunks, RoundTripAcrossSegmentsWithSmallMaxSize) {
  TempDir tmp;
  std::mt19937_64 rng(7);
  std::vector<std::pair<ChunkRef, std::string>> written;
  {
    auto w = ChunkWriter::Create(tmp.Join("chunks"), 4096);
    ASSERT_TRUE(w.ok());
    for (int i = 0; i < 200; ++i) {
      std::string data = RandomBytes(rng, rng() % 300);
      auto ref = (*w)->Write(static_cast<uint8_t>(1 + i % 2), data);
      ASSERT_TRUE(ref.ok());
      written.emplace_back(*ref, data);
    }
    // An oversized chunk gets a segment of its own.
    std::string big = RandomBytes(rng, 10000);
    auto ref = (*w)->Write(2, big);
    ASSERT_TRUE(ref.ok());
    written.emplace_back(*ref, big);
    ASSERT_TRUE((*w)->Finish().ok());
  }
  auto r = ChunkReader::Open(tmp.Join("chunks"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_GT((*r)->num_segments(), 5u);
  for (size_t i = 0; i < written.size(); ++i) {
    auto c = (*r)->Read(written[i].first);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    EXPECT_EQ(c->bytes, written[i].second);
    EXPECT_EQ(c->encoding, i + 1 == written.size() ? 2 : 1 + i % 2);
  }
}

TEST(Chunks, BadRefsAreCorruptionNotCrash) {
  TempDir tmp;
  ChunkRef ref;
  {
    auto w = ChunkWriter::Create(tmp.Join("chunks"));
    ASSERT_TRUE(w.ok());
    auto r = (*w)->Write(1, "hello chunk");
    ASSERT_TRUE(r.ok());
    ref = *r;
    ASSERT_TRUE((*w)->Finish().ok());
  }
  auto r = ChunkReader::Open(tmp.Join("chunks"));
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE((*r)->Read(ref).ok());
  EXPECT_TRUE((*r)->Read(MakeChunkRef(1, 8)).status().IsCorruption());
  EXPECT_TRUE((*r)->Read(MakeChunkRef(0, 0)).status().IsCorruption());
  EXPECT_TRUE((*r)->Read(MakeChunkRef(0, 1 << 20)).status().IsCorruption());
  EXPECT_TRUE((*r)->Read(ref + 1).status().IsCorruption());
}

TEST(Chunks, FlippedByteFailsChecksumWithFileAndOffset) {
  TempDir tmp;
  ChunkRef ref;
  {
    auto w = ChunkWriter::Create(tmp.Join("chunks"));
    ASSERT_TRUE(w.ok());
    ref = *(*w)->Write(1, "0123456789");
    ASSERT_TRUE((*w)->Finish().ok());
  }
  std::string path = tmp.Join("chunks/000001");
  auto data = fs::ReadFile(path);
  ASSERT_TRUE(data.ok());
  for (size_t i = ChunkRefOffset(ref); i < data->size(); ++i) {
    std::string bad = *data;
    bad[i] ^= 0x20;
    ASSERT_TRUE(testing::WriteFileFast(path, bad).ok());
    auto r = ChunkReader::Open(tmp.Join("chunks"));
    ASSERT_TRUE(r.ok());
    auto c = (*r)->Read(ref);
    ASSERT_FALSE(c.ok()) << "byte " << i;
    EXPECT_TRUE(c.status().IsCorruption());
    EXPECT_NE(c.status().message().find("000001"), std::string::npos);
  }
}

TEST(Chunks, TruncatedSegmentIsCorruption) {
  TempDir tmp;
  ChunkRef ref;
  {
    auto w = ChunkWriter::Create(tmp.Join("chunks"));
    ASSERT_TRUE(w.ok());
    ref = *(*w)->Write(1, std::string(100, 'x'));
    ASSERT_TRUE((*w)->Finish().ok());
  }
  std::string path = tmp.Join("chunks/000001");
  ASSERT_TRUE(fs::Truncate(path, 50).ok());
  auto r = ChunkReader::Open(tmp.Join("chunks"));
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE((*r)->Read(ref).status().IsCorruption());
  ASSERT_TRUE(fs::Truncate(path, 3).ok());
  EXPECT_TRUE(ChunkReader::Open(tmp.Join("chunks")).status().IsCorruption());
}

TEST(Chunks, MissingSegmentInSequenceIsCorruption) {
  TempDir tmp;
  {
    auto w = ChunkWriter::Create(tmp.Join("chunks"), 4096);
    ASSERT_TRUE(w.ok());
    for (int i = 0; i < 3; ++i) ASSERT_TRUE((*w)->Write(1, std::string(4000, 'x')).ok());
    ASSERT_TRUE((*w)->Finish().ok());
  }
  ASSERT_TRUE(fs::RemoveFile(tmp.Join("chunks/000002")).ok());
  EXPECT_TRUE(ChunkReader::Open(tmp.Join("chunks")).status().IsCorruption());
}

}  // namespace
}  // namespace vigil::tsdb::block
