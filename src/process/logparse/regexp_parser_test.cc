#include <gtest/gtest.h>

#include "process/logparse/logparse.h"

namespace vigil::logparse {
namespace {

TEST(RegexpParserTest, NamedGroupsBecomeFields) {
  auto p = RegexpParser::Make(R"((?P<method>\w+) (?P<path>[\w/]+) \d+ (?P<status>\d+))");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  Fields out;
  ASSERT_TRUE((*p)->Parse("GET /api/v1 12 200 extra", &out).ok());
  Fields want = {{"method", "GET"}, {"path", "/api/v1"}, {"status", "200"}};
  EXPECT_EQ(out, want);
}

TEST(RegexpParserTest, UnanchoredAndUnmatchedOptionalGroupEmpty) {
  auto p = RegexpParser::Make(R"(id=(?P<id>\d+)(?: user=(?P<user>\w+))?)");
  ASSERT_TRUE(p.ok());
  Fields out;
  ASSERT_TRUE((*p)->Parse("prefix id=7 rest", &out).ok());
  Fields want = {{"id", "7"}, {"user", ""}};
  EXPECT_EQ(out, want);
}

TEST(RegexpParserTest, NoMatchIsErrorWithoutFields) {
  auto p = RegexpParser::Make(R"((?P<n>\d+))");
  ASSERT_TRUE(p.ok());
  Fields out;
  EXPECT_FALSE((*p)->Parse("abc", &out).ok());
  EXPECT_TRUE(out.empty());
}

TEST(RegexpParserTest, MakeRejectsPatternsWithoutNamedGroupOrInvalid) {
  EXPECT_FALSE(RegexpParser::Make(R"((\d+))").ok());
  EXPECT_FALSE(RegexpParser::Make(R"((?P<a>)").ok());
  EXPECT_FALSE(RegexpParser::Make(R"((?P<1a>x))").ok());
  EXPECT_FALSE(RegexpParser::Make(R"((?P<a>x)(?P<a>y))").ok());
}

TEST(RegexpParserTest, AdjacentGroupsSplitLeftmostFirst) {
  auto p = RegexpParser::Make(R"((?P<a>a+)(?P<b>b*)(?P<c>c+))");
  ASSERT_TRUE(p.ok());
  Fields out;
  ASSERT_TRUE((*p)->Parse("xaabcc", &out).ok());
  Fields want = {{"a", "aa"}, {"b", "b"}, {"c", "cc"}};
  EXPECT_EQ(out, want);
}

}  // namespace
}  // namespace vigil::logparse
