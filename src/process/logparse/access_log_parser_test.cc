#include <gtest/gtest.h>

#include "process/logparse/logparse.h"

namespace vigil::logparse {
namespace {

TEST(ParseCombinedAccessLogTest, NginxCombined) {
  Fields out;
  ASSERT_TRUE(
      ParseCombinedAccessLog(
          R"x(192.168.1.10 - alice [10/Oct/2023:13:55:36 +0000] "GET /index.html?q=1 HTTP/1.1" 200 2326 "http://example.com/" "Mozilla/5.0 (X11; Linux x86_64)")x",
          &out)
          .ok());
  Fields want = {{"remote_addr", "192.168.1.10"},
                 {"remote_user", "alice"},
                 {"time_local", "10/Oct/2023:13:55:36 +0000"},
                 {"method", "GET"},
                 {"path", "/index.html?q=1"},
                 {"protocol", "HTTP/1.1"},
                 {"status", "200"},
                 {"body_bytes_sent", "2326"},
                 {"http_referer", "http://example.com/"},
                 {"http_user_agent", "Mozilla/5.0 (X11; Linux x86_64)"}};
  EXPECT_EQ(out, want);
}

TEST(ParseCombinedAccessLogTest, ApacheCommonWithoutRefererAndAgent) {
  Fields out;
  ASSERT_TRUE(ParseCombinedAccessLog(
                  R"(::1 - - [10/Oct/2000:13:55:36 -0700] "POST /a HTTP/1.0" 404 -)", &out)
                  .ok());
  ASSERT_EQ(out.size(), 8u);
  EXPECT_EQ(out[0].second, "::1");
  EXPECT_EQ(out[1].second, "-");
  EXPECT_EQ(out[7], (std::pair<std::string, std::string>("body_bytes_sent", "-")));
}

TEST(ParseCombinedAccessLogTest, EscapedQuoteInsideAgentDoesNotEndField) {
  Fields out;
  ASSERT_TRUE(
      ParseCombinedAccessLog(
          R"(1.2.3.4 - - [t] "GET / HTTP/1.1" 200 1 "-" "a \"quoted\" agent" "extra")", &out)
          .ok());
  EXPECT_EQ(out.back().second, R"(a \"quoted\" agent)");
}

TEST(ParseCombinedAccessLogTest, JunkRequestKeepsWhatItCan) {
  Fields out;
  ASSERT_TRUE(ParseCombinedAccessLog(R"(1.2.3.4 - - [t] "-" 400 0 "-" "-")", &out).ok());
  EXPECT_EQ(out[3], (std::pair<std::string, std::string>("method", "")));
  out.clear();
  ASSERT_TRUE(
      ParseCombinedAccessLog(R"(1.2.3.4 - - [t] "\x16\x03\x01 junk" 400 0 "-" "-")", &out).ok());
  EXPECT_EQ(out[5], (std::pair<std::string, std::string>("protocol", "")));
}

TEST(ParseCombinedAccessLogTest, MalformedIsErrorKeepsEarlierFields) {
  for (std::string_view line :
       {"", "1.2.3.4", "1.2.3.4 - - 10/Oct", "1.2.3.4 - - [t] GET",
        "1.2.3.4 - - [t] \"GET / HTTP/1.1\" abc 1", "1.2.3.4 - - [t] \"GET / HTTP/1.1\" 200 1 \"-",
        "1.2.3.4 - - [t] \"GET / HTTP/1.1\" 200 1 \"-\" ua", "1 - - [t] \"\\"}) {
    Fields out;
    EXPECT_FALSE(ParseCombinedAccessLog(line, &out).ok()) << line;
  }
  Fields out;
  EXPECT_FALSE(ParseCombinedAccessLog("1.2.3.4 - bob [t] \"GET / HTTP/1.1\" x 1", &out).ok());
  EXPECT_EQ(out[0].second, "1.2.3.4");
}

}  // namespace
}  // namespace vigil::logparse
