#include "model/matcher.h"

#include <gtest/gtest.h>
#include <re2/re2.h>

namespace vigil::model {
namespace {

Matcher Re(std::string v, MatchType t = MatchType::kRegexMatch) {
  auto m = Matcher::Make(t, "l", std::move(v));
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  return *m;
}

TEST(MatcherTest, RegexIsFullyAnchored) {
  EXPECT_TRUE(Re("foo").Matches("foo"));
  EXPECT_FALSE(Re("foo").Matches("foobar"));
  EXPECT_FALSE(Re("o+").Matches("foo"));
  EXPECT_TRUE(Re("f.*").Matches("foo"));
  EXPECT_FALSE(Re("f.*").Matches("afoo"));
  EXPECT_TRUE(Re("a|b").Matches("b"));
  EXPECT_FALSE(Re("a|b").Matches("ab"));
}

TEST(MatcherTest, DotMatchesNewline) { EXPECT_TRUE(Re("a.b").Matches("a\nb")); }

TEST(MatcherTest, FastPathsAgreeWithRegexEngine) {
  const char* values[] = {"", "a", "b", "ab", "abc", "prod-1", "prod-", "xprod-1", "10.1.2.3"};
  const char* patterns[] = {".*",
                            ".+",
                            "a",
                            "a|b|",
                            "prod-.*",
                            "ab?",
                            "ab+c",
                            "10\\.1[0-9]*\\..*",
                            "(a|ab)c",
                            "prod-.+",
                            "ab.*|c",
                            "x|prod-.*",
                            "10\\.1\\.2\\.3?",
                            "a\\d",
                            "pro[d]-1",
                            "prod(-1)?"};
  for (const char* p : patterns) {
    Matcher m = Re(p);
    re2::RE2::Options o;
    o.set_dot_nl(true);
    for (const char* v : values) {
      // Reference: a plain anchored RE2 match without any fast path.
      bool want = re2::RE2::FullMatch(v, re2::RE2(std::string("(?s:") + p + ")", o));
      EXPECT_EQ(m.Matches(v), want) << "pattern " << p << " value '" << v << "'";
    }
  }
}

TEST(MatcherTest, InvalidRegexIsAnError) {
  auto m = Matcher::Make(MatchType::kRegexMatch, "l", "a(");
  EXPECT_FALSE(m.ok());
  EXPECT_TRUE(m.status().IsInvalidArgument());
}

TEST(MatcherTest, EmptyMatching) {
  EXPECT_TRUE(Matcher::Equal("a", "").MatchesEmpty());
  EXPECT_FALSE(Matcher::Equal("a", "x").MatchesEmpty());
  EXPECT_TRUE(Matcher::NotEqual("a", "x").MatchesEmpty());
  EXPECT_TRUE(Re(".*").MatchesEmpty());
  EXPECT_FALSE(Re(".+").MatchesEmpty());
  EXPECT_TRUE(Re(".+", MatchType::kRegexNoMatch).MatchesEmpty());
}

TEST(MatcherTest, SetValuesForLiteralAlternations) {
  EXPECT_EQ(Re("b|a|b").SetValues(), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(Re("a.*").SetValues().empty());
  EXPECT_EQ(Re("a.*").Prefix(), "a");
  EXPECT_EQ(Re("10\\.1[0-9]*\\..*").Prefix(), "10.1");
  EXPECT_EQ(Re("abc?").Prefix(), "ab");
  EXPECT_EQ(Re("ab.*|c").Prefix(), "");
  EXPECT_EQ(Re("ab\\d").Prefix(), "ab");
}

TEST(MatcherTest, ToStringEscapes) {
  EXPECT_EQ(Matcher::Equal("job", "a\"b").ToString(), R"(job="a\"b")");
  EXPECT_EQ(Re("x.*").ToString(), R"(l=~"x.*")");
}

TEST(MatcherTest, MatchesAllTreatsAbsentAsEmpty) {
  Labels ls = Labels::FromStrings({"__name__", "up", "job", "node"});
  EXPECT_TRUE(MatchesAll({Matcher::Equal("job", "node"), Matcher::Equal("env", "")}, ls));
  EXPECT_FALSE(MatchesAll({Matcher::NotEqual("job", "")}, Labels::FromStrings({"a", "b"})));
}

}  // namespace
}  // namespace vigil::model
