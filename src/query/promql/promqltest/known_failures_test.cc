#include "query/promql/promqltest/known_failures.h"

#include <gtest/gtest.h>

namespace vigil::promql::promqltest {
namespace {

TEST(KnownFailuresTest, ParsesKeysReasonsAndComments) {
  auto l = ParseKnownFailures(
      "# header\n\nfunctions.test:12  # rate at the boundary\nat_modifier.test:3\n"
      "  subquery.test:40 #  a # inside  \n");
  ASSERT_TRUE(l.ok()) << l.status().ToString();
  ASSERT_EQ(l->size(), 3u);
  EXPECT_EQ(l->at("functions.test:12"), "rate at the boundary");
  EXPECT_EQ(l->at("at_modifier.test:3"), "");
  EXPECT_EQ(l->at("subquery.test:40"), "a # inside");
}

TEST(KnownFailuresTest, RejectsLinesThatAreNotFileColonLine) {
  EXPECT_FALSE(ParseKnownFailures("functions.test\n").ok());
  EXPECT_FALSE(ParseKnownFailures("functions.test:x\n").ok());
  EXPECT_FALSE(ParseKnownFailures("functions.test:0\n").ok());
  EXPECT_FALSE(ParseKnownFailures("a.test:1 b.test:2\n").ok());
}

TEST(KnownFailuresTest, FormatSortsByFileThenNumericLine) {
  FailureList l{{"b.test:2", "x"}, {"a.test:10", ""}, {"a.test:9", "multi\nline"}};
  EXPECT_EQ(FormatKnownFailures(l), "a.test:9  # multi line\na.test:10\nb.test:2  # x\n");
  auto back = ParseKnownFailures(FormatKnownFailures(l));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->size(), 3u);
}

TEST(KnownFailuresTest, DiffFindsNewFailuresAndFixedCases) {
  FailureList listed{{"a.test:1", ""}, {"a.test:2", ""}};
  FailureList failing{{"a.test:2", "e"}, {"a.test:3", "e"}};
  FailureDiff d = DiffFailures(listed, failing);
  EXPECT_FALSE(d.ok());
  EXPECT_EQ(d.unexpected, (std::vector<std::string>{"a.test:3"}));
  EXPECT_EQ(d.fixed, (std::vector<std::string>{"a.test:1"}));
  EXPECT_TRUE(DiffFailures(failing, failing).ok());
}

TEST(KnownFailuresTest, UpdateKeepsWrittenReasons) {
  FailureList listed{{"a.test:2", "known: rate"}, {"a.test:5", ""}};
  FailureList failing{{"a.test:2", "auto"}, {"a.test:5", "auto5"}, {"a.test:7", "auto7"}};
  FailureList merged = MergeReasons(listed, failing);
  EXPECT_EQ(merged.at("a.test:2"), "known: rate");
  EXPECT_EQ(merged.at("a.test:5"), "auto5");
  EXPECT_EQ(merged.at("a.test:7"), "auto7");
  EXPECT_EQ(merged.size(), 3u);
}

}  // namespace
}  // namespace vigil::promql::promqltest
