#include "api/ui/ui_handler.h"

#include <gtest/gtest.h>

#include <string>

#include "api/ui/ui_assets.h"

namespace vigil::ui {
namespace {

class UiTest : public ::testing::Test {
 protected:
  UiTest() { RegisterUi(&router_); }

  http::Response Get(const std::string& path, const std::string& accept_encoding = "") {
    http::Request req;
    req.method = "GET";
    req.path = path;
    req.target = path;
    if (!accept_encoding.empty()) req.headers.emplace_back("accept-encoding", accept_encoding);
    return router_.Serve(req);
  }

  static std::string Header(const http::Response& res, std::string_view name) {
    for (const auto& [k, v] : res.headers) {
      if (k == name) return v;
    }
    return "";
  }

  http::Router router_;
};

TEST_F(UiTest, RootRedirectsToTheUi) {
  http::Response res = Get("/");
  EXPECT_EQ(res.status, 302);
  EXPECT_EQ(Header(res, "Location"), "/ui/");
  EXPECT_EQ(Get("/ui").status, 301);
}

TEST_F(UiTest, EveryPageGetsIndexHtmlUncached) {
  for (const char* page : {"/ui/", "/ui/query", "/ui/logs", "/ui/pipeline"}) {
    http::Response res = Get(page);
    ASSERT_EQ(res.status, 200) << page;
    EXPECT_EQ(Header(res, "Content-Type"), "text/html; charset=utf-8");
    EXPECT_EQ(Header(res, "Cache-Control"), "no-cache");
    EXPECT_NE(res.body.find("<!doctype html>"), std::string::npos) << res.body;
  }
}

TEST_F(UiTest, IndexReferencesAssetsThatAreServed) {
  const std::string index(Assets().front().data);
  int referenced = 0;
  for (const Asset& a : Assets()) {
    if (a.path == "/ui/index.html") continue;
    EXPECT_NE(index.find(std::string(a.path)), std::string::npos) << a.path;
    http::Response res = Get(std::string(a.path));
    ASSERT_EQ(res.status, 200);
    EXPECT_EQ(res.body, a.data);
    EXPECT_EQ(Header(res, "Content-Type"), a.content_type);
    EXPECT_EQ(Header(res, "Cache-Control"), "public, max-age=31536000, immutable");
    ++referenced;
  }
  EXPECT_EQ(referenced, 2);  // one script, one stylesheet
}

TEST_F(UiTest, GzipOnlyWhenAccepted) {
  const Asset& script = Assets()[1];
  http::Response gz = Get(std::string(script.path), "br, gzip;q=0.8");
  EXPECT_EQ(Header(gz, "Content-Encoding"), "gzip");
  ASSERT_GE(gz.body.size(), 2u);
  EXPECT_EQ(static_cast<unsigned char>(gz.body[0]), 0x1f);
  EXPECT_EQ(static_cast<unsigned char>(gz.body[1]), 0x8b);
  EXPECT_LT(gz.body.size(), script.data.size());

  for (const char* refused : {"", "br", "gzip;q=0", "identity, gzipx"}) {
    http::Response plain = Get(std::string(script.path), refused);
    EXPECT_EQ(Header(plain, "Content-Encoding"), "") << refused;
    EXPECT_EQ(plain.body, script.data) << refused;
  }
}

TEST_F(UiTest, UnknownAssetIs404NotIndex) {
  http::Response res = Get("/ui/assets/app-000000000000.js");
  EXPECT_EQ(res.status, 404);
}

// The budget: every UI asset together at most 400 KB gzipped (the
// build fails first; this keeps the check visible as a test).
TEST_F(UiTest, AssetsStayWithinTheGzipBudget) {
  size_t total = 0;
  for (const Asset& a : Assets()) total += a.gzip.size();
  EXPECT_LE(total, 400u * 1024);
}

}  // namespace
}  // namespace vigil::ui
