#include <gtest/gtest.h>

#include "process/logparse/logparse.h"

namespace vigil::logparse {
namespace {

Fields MustParse(std::string_view line) {
  Fields out;
  Status s = ParseLogfmt(line, &out);
  EXPECT_TRUE(s.ok()) << s.ToString() << " for " << line;
  return out;
}

TEST(ParseLogfmtTest, PlainQuotedAndBareKeys) {
  Fields f = MustParse(R"(level=info msg="hello world" flag ts=2024-01-01T00:00:00Z empty= q="")");
  Fields want = {{"level", "info"}, {"msg", "hello world"},
                 {"flag", ""},      {"ts", "2024-01-01T00:00:00Z"},
                 {"empty", ""},     {"q", ""}};
  EXPECT_EQ(f, want);
}

TEST(ParseLogfmtTest, QuotedEscapesUnescaped) {
  Fields f = MustParse(R"(msg="say \"hi\"\tnow \\ \u00e9" b=1)");
  Fields want = {{"msg", "say \"hi\"\tnow \\ \xc3\xa9"}, {"b", "1"}};
  EXPECT_EQ(f, want);
}

TEST(ParseLogfmtTest, Utf8AndSanitizedKeys) {
  Fields f = MustParse("user.name=\xc3\xa9lise 1x=2 caller=main.go:42");
  Fields want = {{"user_name", "\xc3\xa9lise"}, {"_1x", "2"}, {"caller", "main.go:42"}};
  EXPECT_EQ(f, want);
}

TEST(ParseLogfmtTest, InvalidUtf8InValueBecomesSpace) {
  Fields f = MustParse("a=x\xffy b=\"\\ufffd\"");
  Fields want = {{"a", "x y"}, {"b", " "}};
  EXPECT_EQ(f, want);
}

TEST(ParseLogfmtTest, ExtraWhitespaceIgnored) {
  Fields f = MustParse("  a=1 \t  b=2  ");
  Fields want = {{"a", "1"}, {"b", "2"}};
  EXPECT_EQ(f, want);
}

TEST(ParseLogfmtTest, UnterminatedQuoteIsErrorKeepsEarlierFields) {
  Fields out;
  Status s = ParseLogfmt(R"(a=1 msg="oops b=2)", &out);
  EXPECT_FALSE(s.ok());
  Fields want = {{"a", "1"}};
  EXPECT_EQ(out, want);
}

TEST(ParseLogfmtTest, BadTokenSkippedRestParsed) {
  Fields out;
  Status s = ParseLogfmt(R"(a=1 b=x=y c="d" e=f"g h=2 ="v" i=3)", &out);
  EXPECT_FALSE(s.ok());
  Fields want = {{"a", "1"}, {"c", "d"}, {"h", "2"}, {"i", "3"}};
  EXPECT_EQ(out, want);
}

TEST(ParseLogfmtTest, StrictStopsAtFirstError) {
  Fields out;
  Status s = ParseLogfmt("a=1 b=x=y c=3", &out, LogfmtOptions{.strict = true, .keep_empty = true});
  EXPECT_FALSE(s.ok());
  Fields want = {{"a", "1"}};
  EXPECT_EQ(out, want);
}

TEST(ParseLogfmtTest, KeepEmptyFalseDropsEmptyValues) {
  Fields out;
  ASSERT_TRUE(
      ParseLogfmt("a=1 b c= d=\"\" e=2", &out, LogfmtOptions{.strict = false, .keep_empty = false})
          .ok());
  Fields want = {{"a", "1"}, {"e", "2"}};
  EXPECT_EQ(out, want);
}

TEST(ParseLogfmtTest, InvalidEscapeIsError) {
  Fields out;
  EXPECT_FALSE(ParseLogfmt(R"(a="\q" b=1)", &out).ok());
  Fields want = {{"b", "1"}};
  EXPECT_EQ(out, want);
}

TEST(ParseLogfmtTest, EmptyAndGarbageLinesDoNotCrash) {
  Fields out;
  EXPECT_TRUE(ParseLogfmt("", &out).ok());
  EXPECT_TRUE(ParseLogfmt("   ", &out).ok());
  EXPECT_FALSE(ParseLogfmt("\"\"\"", &out).ok());
  EXPECT_FALSE(ParseLogfmt("=", &out).ok());
  EXPECT_FALSE(ParseLogfmt("a=\"\\", &out).ok());
  EXPECT_TRUE(out.empty());
}

TEST(ParseLogfmtTest, QuoteRightAfterValueStartsNextPair) {
  Fields f = MustParse(R"(a="x"b=1)");
  Fields want = {{"a", "x"}, {"b", "1"}};
  EXPECT_EQ(f, want);
}

}  // namespace
}  // namespace vigil::logparse
