#include <gtest/gtest.h>

#include <string>

#include "process/logparse/logparse.h"

namespace vigil::logparse {
namespace {

using ::testing::Test;

Fields MustParse(std::string_view line) {
  Fields out;
  Status s = ParseJson(line, &out);
  EXPECT_TRUE(s.ok()) << s.ToString() << " for " << line;
  return out;
}

TEST(ParseJsonTest, ScalarsAsWrittenNullSkippedAsLoki3) {
  Fields f = MustParse(R"({"a":"x","n":-1.5e3,"t":true,"f":false,"z":null,"i":42})");
  Fields want = {{"a", "x"}, {"n", "-1.5e3"}, {"t", "true"}, {"f", "false"}, {"i", "42"}};
  EXPECT_EQ(f, want);
}

TEST(ParseJsonTest, NestedObjectsFlattenedWithUnderscore) {
  Fields f = MustParse(
      R"({"protocol":"HTTP/2.0","request":{"method":"GET","headers":{"User-Agent":"curl"}},"x":1})");
  Fields want = {{"protocol", "HTTP/2.0"},
                 {"request_method", "GET"},
                 {"request_headers_User_Agent", "curl"},
                 {"x", "1"}};
  EXPECT_EQ(f, want);
}

TEST(ParseJsonTest, ArraysSkipped) {
  Fields f = MustParse(R"({"a":[1,{"b":2},[3]],"c":"d"})");
  Fields want = {{"c", "d"}};
  EXPECT_EQ(f, want);
}

TEST(ParseJsonTest, EscapedStringsUnescaped) {
  Fields f = MustParse(R"({"msg":"say \"hi\"\n\u00e9\ud83d\ude00 \\ /"})");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].second, "say \"hi\"\n\xc3\xa9\xf0\x9f\x98\x80 \\ /");
}

TEST(ParseJsonTest, Utf8ValuesKeptAndKeysSanitized) {
  Fields f = MustParse(
      "{\"cl\xc3\xa9\":\"\xe6\x97\xa5\xe6\x9c\xac\",\"1a\":{\"2b\":\"v\"},\"k.x\":\"y\"}");
  Fields want = {{"cl_", "\xe6\x97\xa5\xe6\x9c\xac"}, {"_1a_2b", "v"}, {"k_x", "y"}};
  EXPECT_EQ(f, want);
}

TEST(ParseJsonTest, EscapedKeyUnescapedBeforeSanitizing) {
  Fields f = MustParse(R"({"a\"b":"1"})");
  Fields want = {{"a_b", "1"}};
  EXPECT_EQ(f, want);
}

TEST(ParseJsonTest, DuplicateKeysBothReported) {
  Fields f = MustParse(R"({"a":"1","a":"2"})");
  Fields want = {{"a", "1"}, {"a", "2"}};
  EXPECT_EQ(f, want);
}

TEST(ParseJsonTest, MalformedInputIsErrorNotCrash) {
  for (std::string_view line :
       {"", "   ", "not json", "[1,2]", "\"str\"", "{", "{\"a\":", "{\"a\":\"x", "{\"a\" 1}",
        "{\"a\":tru}", "{\"a\":\"\\q\"}", "{\"a\":{\"b\":}", "{\"a\":\"\xff\"}", "42"}) {
    Fields out;
    EXPECT_FALSE(ParseJson(line, &out).ok()) << line;
  }
}

TEST(ParseJsonTest, FieldsBeforeErrorKept) {
  Fields out;
  EXPECT_FALSE(ParseJson(R"({"a":"1","b":{"c":2,"d":tru})", &out).ok());
  ASSERT_GE(out.size(), 2u);
  EXPECT_EQ(out[0], (std::pair<std::string, std::string>("a", "1")));
  EXPECT_EQ(out[1], (std::pair<std::string, std::string>("b_c", "2")));
}

TEST(ParseJsonTest, ReplacementRuneBecomesSpaceAsLoki) {
  Fields f = MustParse(R"({"a":"x\ufffdy","b":"ok \u00e9"})");
  Fields want = {{"a", "x y"}, {"b", "ok \xc3\xa9"}};
  EXPECT_EQ(f, want);
}

TEST(ParseJsonTest, LeadingWhitespaceAccepted) {
  Fields f = MustParse("  \t{\"a\":\"b\"}  ");
  EXPECT_EQ(f.size(), 1u);
}

TEST(ParseJsonTest, ReusedAcrossLinesOfDifferentSizes) {
  std::string big = "{\"k\":\"" + std::string(10000, 'x') + "\"}";
  EXPECT_EQ(MustParse(big)[0].second.size(), 10000u);
  Fields f = MustParse(R"({"s":"t"})");
  EXPECT_EQ(f[0].second, "t");
}

TEST(ParseJsonTest, EmptyNestedKeyKeepsSeparator) {
  Fields f = MustParse(R"({"a":{"":"x"},"":"y"})");
  Fields want = {{"a_", "x"}, {"_", "y"}};
  EXPECT_EQ(f, want);
}

}  // namespace
}  // namespace vigil::logparse
