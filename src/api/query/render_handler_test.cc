// /api/v1/render through the router: images of the requested format and
// size, query_range's parameters and errors byte for byte, and the
// defaults for a range left out.
#include <gtest/gtest.h>

#include "api/go_json.h"
#include "api/query/test_fixture.h"
#include "query/promql/engine.h"

namespace vigil::api::query {
namespace {

class RenderHandlerTest : public testing::QueryApiTest {
 protected:
  void SetUp() override {
    QueryApiTest::SetUp();
    for (int i = 0; i < 60; ++i) {
      int64_t t = 1'700'000'000'000 - 3'600'000 + i * 60'000;
      Append({"__name__", "up", "instance", "a", "job", "node"}, t, 1);
      Append({"__name__", "up", "instance", "b", "job", "node"}, t, i % 2);
    }
    now_ms_ = 1'700'000'000'000;
  }

  void Start() {
    engine_ = std::make_unique<promql::Engine>(engine_options_);
    options_.engine = engine_.get();
    Register();
  }

  static std::string Header(const http::Response& res, std::string_view name) {
    for (const auto& [k, v] : res.headers) {
      if (k == name) return v;
    }
    return "";
  }
  static uint32_t BigEndian32(std::string_view s, size_t at) {
    auto b = [&](size_t i) { return static_cast<uint32_t>(static_cast<unsigned char>(s[at + i])); };
    return b(0) << 24 | b(1) << 16 | b(2) << 8 | b(3);
  }
  static std::string BadData(std::string_view message) {
    std::string quoted;
    AppendJsonString(&quoted, message, GoEscape::kHtml);
    return R"({"status":"error","errorType":"bad_data","error":)" + quoted + "}";
  }

  promql::EngineOptions engine_options_;
  std::unique_ptr<promql::Engine> engine_;
};

TEST_F(RenderHandlerTest, PngOfTheRequestedSize) {
  Start();
  auto res = Do("GET", "/api/v1/render",
                {{"query", "up"},
                 {"start", "1699996400"},
                 {"end", "1700000000"},
                 {"step", "60"},
                 {"width", "640"},
                 {"height", "240"}});
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(Header(res, "Content-Type"), "image/png");
  ASSERT_GT(res.body.size(), 1000u);
  EXPECT_EQ(res.body.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  EXPECT_EQ(BigEndian32(res.body, 16), 640u);
  EXPECT_EQ(BigEndian32(res.body, 20), 240u);
}

TEST_F(RenderHandlerTest, SvgWithDefaultRangeAndStepByPost) {
  Start();
  auto res = Do("POST", "/api/v1/render", {{"query", "up"}, {"format", "svg"}});
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(Header(res, "Content-Type"), "image/svg+xml");
  EXPECT_NE(res.body.find("width=\"800px\" height=\"400px\""), std::string::npos);
  EXPECT_NE(res.body.find("<title>up</title>"), std::string::npos);
  // end now, start an hour before, ~400 points: 10 s.
  EXPECT_NE(res.body.find("<desc>2023-11-14 21:13:20 to 22:13:20 UTC, step 10s\n"
                          "{instance=&quot;a&quot;}\n{instance=&quot;b&quot;}</desc>"),
            std::string::npos)
      << res.body.substr(0, 600);
  // start alone: end is now.
  res = Do("GET", "/api/v1/render",
           {{"query", "up"}, {"format", "svg"}, {"start", "1699999000"}, {"title", "a & b"}});
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_NE(res.body.find("<title>a &amp; b</title>"), std::string::npos);
  EXPECT_NE(res.body.find("<desc>2023-11-14 21:56:40 to 22:13:20 UTC, step 5s"), std::string::npos)
      << res.body.substr(0, 600);
}

TEST_F(RenderHandlerTest, LimitAndHiddenSeries) {
  Start();
  auto res = Do("GET", "/api/v1/render", {{"query", "up"}, {"format", "svg"}, {"limit", "1"}});
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_NE(res.body.find("1 of 2 series drawn"), std::string::npos);
  EXPECT_NE(res.body.find("+1 more</desc>"), std::string::npos);
}

// With start, end and step given, a request that query_range refuses gets
// the same answer here.
TEST_F(RenderHandlerTest, ErrorsAreThoseOfQueryRange) {
  Start();
  auto same = [&](http::Params p) {
    auto want = Do("GET", "/api/v1/query_range", p);
    auto got = Do("GET", "/api/v1/render", p);
    EXPECT_GE(want.status, 400) << want.body;
    EXPECT_EQ(got.status, want.status) << got.body;
    EXPECT_EQ(got.body, want.body);
    EXPECT_EQ(Header(got, "Content-Type"), "application/json");
  };
  same({{"query", "up"}, {"start", "x"}, {"end", "2"}, {"step", "1"}});
  same({{"query", "up"}, {"start", "1"}, {"end", "y"}, {"step", "1"}});
  same({{"query", "up"}, {"start", "3"}, {"end", "2"}, {"step", "1"}});
  same({{"query", "up"}, {"start", "1"}, {"end", "2"}, {"step", "0"}});
  same({{"query", "up"}, {"start", "1"}, {"end", "2"}, {"step", "z"}});
  same({{"query", "up"}, {"start", "0"}, {"end", "11001"}, {"step", "1"}});
  same({{"query", "up"}, {"start", "0"}, {"end", "1"}, {"step", "1"}, {"timeout", "-"}});
  same({{"query", "up"}, {"start", "0"}, {"end", "1"}, {"step", "1"}, {"limit", "-1"}});
  same({{"query", "sum("}, {"start", "0"}, {"end", "1"}, {"step", "1"}});
  same({{"query", "up[5m]"}, {"start", "0"}, {"end", "1"}, {"step", "1"}});
  same({{"query", "\"s\""}, {"start", "0"}, {"end", "1"}, {"step", "1"}});
  same({{"start", "0"}, {"end", "1"}, {"step", "1"}});
}

TEST_F(RenderHandlerTest, ErrorsOfItsOwnParameters) {
  Start();
  auto bad = [&](http::Params p) {
    p.emplace_back("query", "up");
    auto res = Do("GET", "/api/v1/render", std::move(p));
    EXPECT_EQ(res.status, 400);
    EXPECT_EQ(Header(res, "Content-Type"), "application/json");
    return res.body;
  };
  EXPECT_EQ(bad({{"format", "gif"}}),
            BadData(R"(invalid parameter "format": unknown format "gif": use png or svg)"));
  EXPECT_EQ(bad({{"width", "5000"}}),
            BadData(R"(invalid parameter "width": 5000 is outside 100 to 4000 pixels)"));
  EXPECT_EQ(
      bad({{"unit", "m"}}),
      BadData(R"(invalid parameter "unit": unknown unit "m": use bytes, seconds or percent)"));
  // Left-out start and end are filled in, so a bad query is still the query's error.
  auto res = Do("GET", "/api/v1/render", {{"query", "sum(up"}});
  EXPECT_EQ(res.status, 400);
  EXPECT_NE(res.body.find(R"(invalid parameter \"query\")"), std::string::npos) << res.body;
}

TEST_F(RenderHandlerTest, EngineErrorsAndReadinessAreThoseOfQueries) {
  engine_options_.max_samples = 1;
  Start();
  http::Params p = {
      {"query", "up"}, {"start", "1699996400"}, {"end", "1700000000"}, {"step", "60"}};
  auto want = Do("GET", "/api/v1/query_range", p);
  auto got = Do("GET", "/api/v1/render", p);
  EXPECT_EQ(got.status, 422);
  EXPECT_EQ(got.body, want.body);
  ready_ = false;
  EXPECT_EQ(Do("GET", "/api/v1/render", p).status, 503);
}

}  // namespace
}  // namespace vigil::api::query
