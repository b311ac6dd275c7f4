#include "collect/logs/tail/file_glob.h"

#include <gtest/gtest.h>

#include "base/file.h"

namespace vigil::logs {
namespace {

TEST(ValidateGlob, RefusesUnbalancedBracketsAndBraces) {
  EXPECT_TRUE(ValidateGlob("/var/log/*.log").ok());
  EXPECT_TRUE(ValidateGlob("/var/log/{a,b}/[!x]*.log").ok());
  EXPECT_TRUE(ValidateGlob("/var/log/[]]x").ok());
  EXPECT_TRUE(ValidateGlob("").IsInvalidArgument());
  EXPECT_TRUE(ValidateGlob("/var/log/[abc").IsInvalidArgument());
  EXPECT_TRUE(ValidateGlob("/var/log/{a,b").IsInvalidArgument());
  EXPECT_TRUE(ValidateGlob("/var/log/a}").IsInvalidArgument());
  EXPECT_TRUE(ValidateGlob("/var/log/a\\").IsInvalidArgument());
}

TEST(ExpandBraces, ExpandsNestedGroupsInOrder) {
  EXPECT_EQ(ExpandBraces("a{b,c{d,e}}f"), (std::vector<std::string>{"abf", "acdf", "acef"}));
  EXPECT_EQ(ExpandBraces("x\\{a,b}"), (std::vector<std::string>{"x\\{a,b}"}));
  EXPECT_EQ(ExpandBraces("[{]a"), (std::vector<std::string>{"[{]a"}));
  EXPECT_EQ(ExpandBraces("{,x}y"), (std::vector<std::string>{"y", "xy"}));
}

TEST(MatchGlob, StarsStopAtSlashButDoubleStarCrossesDirectories) {
  EXPECT_TRUE(MatchGlob("/var/log/*.log", "/var/log/app.log"));
  EXPECT_FALSE(MatchGlob("/var/log/*.log", "/var/log/sub/app.log"));
  EXPECT_TRUE(MatchGlob("/var/log/**/*.log", "/var/log/app.log"));
  EXPECT_TRUE(MatchGlob("/var/log/**/*.log", "/var/log/a/b/app.log"));
  EXPECT_FALSE(MatchGlob("/var/log/**/*.log", "/var/other/app.log"));
  EXPECT_TRUE(MatchGlob("/var/log/**", "/var/log/a/b"));
  EXPECT_TRUE(MatchGlob("/var/log/app.log.[0-9]", "/var/log/app.log.3"));
  EXPECT_FALSE(MatchGlob("/var/log/app.log.[!0-9]", "/var/log/app.log.3"));
  EXPECT_TRUE(MatchGlob("/var/log/app.log.[^0-9]", "/var/log/app.log.x"));
  EXPECT_TRUE(MatchGlob("/var/log/{app,web}.log", "/var/log/web.log"));
  EXPECT_TRUE(MatchGlob("/var/log/a?c", "/var/log/abc"));
  EXPECT_FALSE(MatchGlob("/var/log/a?c", "/var/log/a/c"));
  EXPECT_TRUE(MatchGlob("/var/log/\\*", "/var/log/*"));
  EXPECT_FALSE(MatchGlob("/var/log/\\*", "/var/log/x"));
  EXPECT_FALSE(MatchGlob("/var/log/*.gz", "/var/log/app.log"));
}

TEST(ExpandGlob, FindsFilesThroughBracesAndDoubleStar) {
  fs::TempDir dir("vigil-glob-test");
  ASSERT_TRUE(fs::CreateDirs(dir.Join("a/b/c")).ok());
  ASSERT_TRUE(fs::CreateDirs(dir.Join("weird[dir]")).ok());
  for (const char* f : {"top.log", "a/x.log", "a/b/c/y.log", "a/b/z.txt", "weird[dir]/w.log"}) {
    ASSERT_TRUE(fs::WriteFileAtomic(dir.Join(f), "x\n").ok());
  }
  EXPECT_EQ(ExpandGlob(dir.Join("*.log")), (std::vector<std::string>{dir.Join("top.log")}));
  EXPECT_EQ(ExpandGlob(dir.Join("**/*.log")),
            (std::vector<std::string>{dir.Join("a/b/c/y.log"), dir.Join("a/x.log"),
                                      dir.Join("top.log"), dir.Join("weird[dir]/w.log")}));
  EXPECT_EQ(ExpandGlob(dir.Join("a/**")),
            (std::vector<std::string>{dir.Join("a/b/c/y.log"), dir.Join("a/b/z.txt"),
                                      dir.Join("a/x.log")}));
  EXPECT_EQ(ExpandGlob(dir.Join("{top,a/x}.log")),
            (std::vector<std::string>{dir.Join("a/x.log"), dir.Join("top.log")}));
  EXPECT_EQ(ExpandGlob(dir.Join("**/b/**/*.txt")),
            (std::vector<std::string>{dir.Join("a/b/z.txt")}));
  EXPECT_TRUE(ExpandGlob(dir.Join("nothing/*.log")).empty());
}

}  // namespace
}  // namespace vigil::logs
