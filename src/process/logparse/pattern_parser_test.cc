#include <gtest/gtest.h>

#include "process/logparse/logparse.h"

namespace vigil::logparse {
namespace {

Fields MustParse(std::string_view pattern, std::string_view line) {
  auto p = PatternParser::Make(pattern);
  EXPECT_TRUE(p.ok()) << p.status().ToString();
  Fields out;
  if (!p.ok()) return out;
  Status s = (*p)->Parse(line, &out);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

TEST(PatternParserTest, NginxLineFromLokiDocs) {
  Fields f = MustParse(
      R"(<ip> - - <_> "<method> <uri> <_>" <status> <size> <_> "<agent>" <_>)",
      R"(0.191.12.2 - - [10/Jun/2021:09:14:29 +0000] "GET /api/plugins/versioncheck HTTP/1.1" 200 2 "-" "Go-http-client/2.0" "13.76.247.102, 34.120.177.193" "TLSv1.2" "US" "")");
  Fields want = {{"ip", "0.191.12.2"}, {"method", "GET"}, {"uri", "/api/plugins/versioncheck"},
                 {"status", "200"},    {"size", "2"},     {"agent", "Go-http-client/2.0"}};
  EXPECT_EQ(f, want);
}

TEST(PatternParserTest, EndingOnCaptureTakesRest) {
  Fields f = MustParse("level=<level> msg=<msg>", "level=info msg=hello big world");
  Fields want = {{"level", "info"}, {"msg", "hello big world"}};
  EXPECT_EQ(f, want);
}

TEST(PatternParserTest, MissingLiteralCapturesRestAndStops) {
  Fields f = MustParse("<a> | <b> | <c>", "x | y and no more");
  Fields want = {{"a", "x"}, {"b", "y and no more"}};
  EXPECT_EQ(f, want);
}

TEST(PatternParserTest, LeadingLiteralMustBePrefix) {
  auto p = PatternParser::Make("GET <path>");
  ASSERT_TRUE(p.ok());
  Fields out;
  EXPECT_FALSE((*p)->Parse("POST /x", &out).ok());
  EXPECT_FALSE((*p)->Parse("", &out).ok());
  EXPECT_TRUE(out.empty());
  ASSERT_TRUE((*p)->Parse("GET /x", &out).ok());
  EXPECT_EQ(out[0].second, "/x");
}

TEST(PatternParserTest, TrailingLiteralNeedNotEndLine) {
  Fields f = MustParse("[<ts>]", "[12:00] rest");
  Fields want = {{"ts", "12:00"}};
  EXPECT_EQ(f, want);
}

TEST(PatternParserTest, NonIdentifierAnglesAreLiterals) {
  Fields f = MustParse("<1> <a> <>", "<1> val <>");
  Fields want = {{"a", "val"}};
  EXPECT_EQ(f, want);
}

TEST(PatternParserTest, MakeRejectsInvalidPatterns) {
  EXPECT_FALSE(PatternParser::Make("").ok());
  EXPECT_FALSE(PatternParser::Make("no captures").ok());
  EXPECT_FALSE(PatternParser::Make("<_> only unnamed").ok());
  EXPECT_FALSE(PatternParser::Make("<a><b>").ok());
  EXPECT_FALSE(PatternParser::Make("<a> <_><b>").ok());
  EXPECT_FALSE(PatternParser::Make("<a> <a>").ok());
}

TEST(PatternParserTest, Utf8LiteralsMatch) {
  Fields f = MustParse("\xe2\x86\x92<to> \xc3\xa9<x>", "\xe2\x86\x92paris \xc3\xa9t\xc3\xa9");
  Fields want = {{"to", "paris"}, {"x", "t\xc3\xa9"}};
  EXPECT_EQ(f, want);
}

}  // namespace
}  // namespace vigil::logparse
