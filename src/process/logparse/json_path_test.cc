#include <gtest/gtest.h>

#include "process/logparse/logparse.h"

namespace vigil::logparse {
namespace {

constexpr std::string_view kLine =
    R"({"protocol":"HTTP/2.0","servers":["129.0.1.1","10.2.1.3"],"request":{"time":"6.032",)"
    R"("method":"GET","host":"foo.grafana.net","size":"55","headers":{"Accept":"*/*",)"
    R"("User-Agent":"curl/7.68.0","a.b":"dotted"}},"response":{"status":401,"ok":false,)"
    R"("latency":0.10,"body":null,"tags":{"x":[1,2]}}})";

std::string MustExtract(std::string_view expression, std::string_view line = kLine) {
  auto path = JsonPath::Make(expression);
  EXPECT_TRUE(path.ok()) << path.status().ToString();
  if (!path.ok()) return "<bad path>";
  auto value = (*path)->Extract(line);
  EXPECT_TRUE(value.ok()) << value.status().ToString();
  return value.ok() ? *value : "<error>";
}

TEST(JsonPathTest, ExamplesFromLokiDocs) {
  EXPECT_EQ(MustExtract("servers[0]"), "129.0.1.1");
  EXPECT_EQ(MustExtract("request.headers[\"User-Agent\"]"), "curl/7.68.0");
  EXPECT_EQ(MustExtract("request.method"), "GET");
  EXPECT_EQ(MustExtract("protocol"), "HTTP/2.0");
}

TEST(JsonPathTest, ScalarsAsWrittenNullEmpty) {
  EXPECT_EQ(MustExtract("response.status"), "401");
  EXPECT_EQ(MustExtract("response.ok"), "false");
  EXPECT_EQ(MustExtract("response.latency"), "0.10");
  EXPECT_EQ(MustExtract("response.body"), "");
}

TEST(JsonPathTest, ObjectsAndArraysAsJsonText) {
  EXPECT_EQ(MustExtract("response.tags"), R"({"x":[1,2]})");
  EXPECT_EQ(MustExtract("servers"), R"(["129.0.1.1","10.2.1.3"])");
  EXPECT_EQ(MustExtract("response.tags.x[1]"), "2");
}

TEST(JsonPathTest, QuotedKeyWithDotAndBracketStart) {
  EXPECT_EQ(MustExtract(R"(request.headers["a.b"])"), "dotted");
  EXPECT_EQ(MustExtract(R"(["protocol"])"), "HTTP/2.0");
}

TEST(JsonPathTest, AbsentOrWrongTypeIsEmpty) {
  EXPECT_EQ(MustExtract("nope"), "");
  EXPECT_EQ(MustExtract("servers[5]"), "");
  EXPECT_EQ(MustExtract("protocol.x"), "");
  EXPECT_EQ(MustExtract("request[0]"), "");
  EXPECT_EQ(MustExtract("[0]"), "");
}

TEST(JsonPathTest, MalformedLineIsError) {
  auto path = JsonPath::Make("a");
  ASSERT_TRUE(path.ok());
  EXPECT_FALSE((*path)->Extract("not json").ok());
  EXPECT_FALSE((*path)->Extract("").ok());
  EXPECT_FALSE((*path)->Extract("{\"a\":").ok());
  EXPECT_FALSE((*path)->Extract("{\"a\":\"unterminated").ok());
}

TEST(JsonPathTest, MakeRejectsBadExpressions) {
  for (std::string_view e : {"", ".", "a.", "a..b", "a[", "a[x]", "a[\"b]", "a[0", "a b", "a]"}) {
    EXPECT_FALSE(JsonPath::Make(e).ok()) << e;
  }
  EXPECT_TRUE(JsonPath::Make(".a").ok());
}

}  // namespace
}  // namespace vigil::logparse
