#include "collect/logs/push/label_string.h"

#include <gtest/gtest.h>

namespace vigil::logs {
namespace {

model::Labels MustParse(std::string_view text) {
  model::Labels labels;
  Status s = ParseLokiLabels(text, &labels);
  EXPECT_TRUE(s.ok()) << text << ": " << s.ToString();
  return labels;
}

TEST(LokiLabelsTest, ParsesPromtailStyleAndSorts) {
  EXPECT_EQ(MustParse(R"({job="x", host="a"})"),
            model::Labels::FromStrings({"host", "a", "job", "x"}));
  EXPECT_EQ(MustParse(R"(  {job="x",host="a",}  )"),
            model::Labels::FromStrings({"host", "a", "job", "x"}));
}

TEST(LokiLabelsTest, UnescapesGoEscapesAndOtherQuotes) {
  EXPECT_EQ(MustParse(R"({a="q\"uo\\te\n", b='s', c=`r\aw`})"),
            model::Labels::FromStrings({"a", "q\"uo\\te\n", "b", "s", "c", "r\\aw"}));
  EXPECT_EQ(MustParse(R"({"service.name"="api"})"),
            model::Labels::FromStrings({"service.name", "api"}));
}

TEST(LokiLabelsTest, DropsEmptyValues) {
  EXPECT_EQ(MustParse(R"({a="", b="1"})"), model::Labels::FromStrings({"b", "1"}));
}

TEST(LokiLabelsTest, RefusesMalformed) {
  for (std::string_view bad :
       {"", "{}", "{a=\"\"}", "job=\"x\"", "{job=\"x\"", "{job=x}", "{job!=\"x\"}", "{1a=\"x\"}",
        "{a=\"1\", a=\"2\"}", "{a=\"1\"} x", "{a=\"\\q\"}", "{a=\"\xff\"}", "{a=\"1\" b=\"2\"}"}) {
    model::Labels labels;
    EXPECT_FALSE(ParseLokiLabels(bad, &labels).ok()) << bad;
  }
}

TEST(LokiLabelsTest, FormatRoundTrips) {
  model::Labels in =
      model::Labels::FromStrings({"job", "x\"y\\z\n", "service.name", "ünï", "host", "a"});
  std::string text;
  AppendLokiLabels(&text, in);
  EXPECT_EQ(text, R"({host="a", job="x\"y\\z\n", "service.name"="ünï"})");
  EXPECT_EQ(MustParse(text), in);
}

}  // namespace
}  // namespace vigil::logs
