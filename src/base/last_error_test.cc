#include "base/last_error.h"

#include <gtest/gtest.h>

#include "base/time.h"

namespace vigil {
namespace {

TEST(LastErrorNote, EmptyUntilRecorded) {
  LastErrorNote note;
  LastError e = note.Get();
  EXPECT_EQ(e.message, "");
  EXPECT_EQ(e.time_ms, 0);
  EXPECT_EQ(e.count, 0u);
}

TEST(LastErrorNote, KeepsTheNewestAndCounts) {
  LastErrorNote note;
  int64_t before = NowMillis();
  note.Record("open /var/log/a.log: permission denied");
  note.Record("read /var/log/b.log: input/output error");
  LastError e = note.Get();
  EXPECT_EQ(e.message, "read /var/log/b.log: input/output error");
  EXPECT_GE(e.time_ms, before);
  EXPECT_EQ(e.count, 2u);
}

TEST(LastErrorNote, CutsLongMessagesOnACharacterBoundary) {
  LastErrorNote note;
  // 'é' is two bytes: a cut at an odd offset would split one.
  std::string msg = "x";
  for (int i = 0; i < 400; ++i) msg += "é";
  note.Record(msg);
  std::string got = note.Get().message;
  ASSERT_GT(got.size(), 3u);
  EXPECT_LE(got.size(), LastErrorNote::kMaxMessageBytes + 3);
  EXPECT_EQ(got.substr(got.size() - 3), "…");
  std::string body = got.substr(0, got.size() - 3);
  EXPECT_EQ((body.size() - 1) % 2, 0u) << "cut inside a character";
}

}  // namespace
}  // namespace vigil
