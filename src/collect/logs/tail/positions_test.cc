#include "collect/logs/tail/positions.h"

#include <gtest/gtest.h>

#include "base/file.h"

namespace vigil::logs {
namespace {

TEST(FileState, RoundTripsPathsWithSpaces) {
  FilePosition pos{12345, 7, 1024, 0xabcdef0123456789ull, "/var/log/my app/a b.log"};
  std::string state = EncodeFileState(pos);
  EXPECT_EQ(state, "12345 7 1024:abcdef0123456789 /var/log/my app/a b.log");
  auto back = DecodeFileState(state);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, pos);
  EXPECT_EQ(FileSourceName(2049, 131074), "file:2049:131074");
}

TEST(FileState, MalformedStateIsCorruption) {
  EXPECT_TRUE(DecodeFileState("").status().IsCorruption());
  EXPECT_TRUE(DecodeFileState("12").status().IsCorruption());
  EXPECT_TRUE(DecodeFileState("x 1 /p").status().IsCorruption());
  EXPECT_TRUE(DecodeFileState("1 -1 /p").status().IsCorruption());
  EXPECT_TRUE(DecodeFileState("1 2 ").ok());  // empty path is allowed
}

TEST(FileState, FingerprintIsOptional) {
  auto legacy = DecodeFileState("10 2 /var/log/a b.log");
  ASSERT_TRUE(legacy.ok());
  EXPECT_EQ(*legacy, (FilePosition{10, 2, 0, 0, "/var/log/a b.log"}));
  auto not_fp = DecodeFileState("10 2 3:xyz /p");
  ASSERT_TRUE(not_fp.ok());
  EXPECT_EQ(not_fp->path, "3:xyz /p");
  EXPECT_EQ(not_fp->fingerprint_len, 0u);
}

TEST(Positions, RoundTripsNewlinesAndBackslashesInPaths) {
  PositionMap m{{"file:1:2", EncodeFileState({10, 1, 5, 77, "/tmp/odd\nname\\x"})},
                {"file:1:3", EncodeFileState({0, 0, 0, 0, "/tmp/plain"})}};
  std::string data = EncodePositions(m);
  EXPECT_EQ(data.substr(0, data.find('\n')), "vigil-tail-positions 1");
  auto back = DecodePositions(data);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, m);
}

TEST(Positions, CutOrMalformedFileIsCorruption) {
  PositionMap m{{"file:1:2", "10 1 /a"}};
  std::string data = EncodePositions(m);
  EXPECT_TRUE(DecodePositions(data.substr(0, data.size() - 1)).status().IsCorruption());
  EXPECT_TRUE(DecodePositions("other header\n").status().IsCorruption());
  EXPECT_TRUE(
      DecodePositions("vigil-tail-positions 1\nfile:1:2 nonsense\n").status().IsCorruption());
}

TEST(Positions, MissingFileIsEmptyAndSaveLoadRoundTrips) {
  fs::TempDir dir("vigil-positions-test");
  auto empty = LoadPositions(dir.Join("none"));
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
  PositionMap m{{"file:5:6", "99 3 /var/log/x.log"}};
  ASSERT_TRUE(SavePositions(dir.Join("pos"), m).ok());
  auto back = LoadPositions(dir.Join("pos"));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, m);
}

}  // namespace
}  // namespace vigil::logs
