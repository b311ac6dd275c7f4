#include "model/selector.h"

#include <gtest/gtest.h>

namespace vigil::model {
namespace {

std::string Str(const std::vector<Matcher>& ms) {
  std::string out;
  for (const auto& m : ms) {
    if (!out.empty()) out += ",";
    out += m.ToString();
  }
  return out;
}

std::string Parse(std::string_view s) {
  auto r = ParseSelector(s);
  if (!r.ok()) return "ERR " + r.status().message();
  return Str(*r);
}

TEST(SelectorTest, ParsesTheForms) {
  EXPECT_EQ(Parse("up"), R"(__name__="up")");
  EXPECT_EQ(Parse("job:rate5m"), R"(__name__="job:rate5m")");
  EXPECT_EQ(Parse(R"(up{job="a", instance!="b",})"), R"(__name__="up",job="a",instance!="b")");
  EXPECT_EQ(Parse(R"({__name__=~"a|b", env!~'x.*'})"), R"(__name__=~"a|b",env!~"x.*")");
  EXPECT_EQ(Parse(R"( up { job = `raw\n` } )"), R"(__name__="up",job="raw\\n")");
}

TEST(SelectorTest, Utf8NamesInQuotes) {
  EXPECT_EQ(Parse(R"({"my.metric", "a.b"="c"})"), R"(__name__="my.metric",a.b="c")");
  EXPECT_EQ(Parse(R"({"a.b"="c", "my.metric"})"), R"(__name__="my.metric",a.b="c")");
}

TEST(SelectorTest, Escapes) {
  EXPECT_EQ(Parse(R"(x{a="q\"\\\u00e9\x41\101"})"),
            "__name__=\"x\",a=\"q\\\"\\\\\xc3\xa9"
            "AA\"");
  EXPECT_NE(Parse(R"(x{a="\q"})").find("invalid escape sequence"), std::string::npos);
  EXPECT_NE(Parse(R"(x{a="\u00"})").find("invalid escape sequence"), std::string::npos);
  EXPECT_NE(Parse(R"(x{a="\ud800"})").find("invalid escape sequence"), std::string::npos);
  EXPECT_NE(Parse(R"(x{a="\400"})").find("invalid escape sequence"), std::string::npos);
  EXPECT_NE(Parse(R"(x{a='\"'})").find("invalid escape sequence"), std::string::npos);
  // Escapes that spell invalid UTF-8, and raw invalid bytes next to an escape.
  EXPECT_NE(Parse(R"(x{a="\xff"})").find("invalid UTF-8"), std::string::npos);
  EXPECT_NE(Parse("x{a=\"\xff\\n\"}").find("invalid UTF-8"), std::string::npos);
  // Raw strings are checked for UTF-8 like quoted ones (found by fuzz_selector).
  EXPECT_NE(Parse("{`x\xca\xca`}").find("invalid UTF-8"), std::string::npos);
}

TEST(SelectorTest, ErrorsCarryPositions) {
  EXPECT_EQ(Parse(R"(up{job="a")"), "ERR 1:11: parse error: unexpected end of input inside braces");
  EXPECT_EQ(Parse(R"({job=""})"),
            "ERR 1:1: parse error: vector selector must contain at least one non-empty matcher");
  EXPECT_EQ(Parse(R"(up{__name__="x"})"),
            "ERR 1:4: parse error: metric name must not be set twice");
  EXPECT_NE(Parse(R"(up{a=~"("})").find("1:7: parse error: error parsing regexp"),
            std::string::npos);
  EXPECT_NE(Parse("up{a=b}").find("1:6"), std::string::npos);
  EXPECT_NE(Parse("up)").find("unexpected character after selector"), std::string::npos);
  EXPECT_NE(Parse("").find("unexpected end of input"), std::string::npos);
  EXPECT_NE(Parse(R"(up{a="x)").find("unterminated"), std::string::npos);
}

}  // namespace
}  // namespace vigil::model
