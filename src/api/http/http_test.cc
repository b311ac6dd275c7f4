#include "api/http/http.h"

#include <gtest/gtest.h>

namespace vigil::http {
namespace {

TEST(PercentDecodeTest, DecodesEscapesAndPlusOnlyInForms) {
  EXPECT_EQ(PercentDecode("a%20b%2Fc", false), "a b/c");
  EXPECT_EQ(PercentDecode("a+b", false), "a+b");
  EXPECT_EQ(PercentDecode("a+b", true), "a b");
  EXPECT_EQ(PercentDecode("%7b%7D", true), "{}");
}

TEST(PercentDecodeTest, KeepsInvalidEscapesLiterally) {
  EXPECT_EQ(PercentDecode("100%", true), "100%");
  EXPECT_EQ(PercentDecode("%zz%4", true), "%zz%4");
  EXPECT_EQ(PercentDecode("%", true), "%");
  EXPECT_EQ(PercentDecode("%4", true), "%4");
  EXPECT_EQ(PercentDecode("%41", true), "A");
}

TEST(ParseQueryStringTest, KeepsOrderDuplicatesAndEmptyValues) {
  Params p = ParseQueryString("match[]=up&match%5B%5D=a%3D%22b%22&x&y=&&z=1+2");
  ASSERT_EQ(p.size(), 5u);
  EXPECT_EQ(p[0], (std::pair<std::string, std::string>("match[]", "up")));
  EXPECT_EQ(p[1], (std::pair<std::string, std::string>("match[]", "a=\"b\"")));
  EXPECT_EQ(p[2], (std::pair<std::string, std::string>("x", "")));
  EXPECT_EQ(p[3], (std::pair<std::string, std::string>("y", "")));
  EXPECT_EQ(p[4], (std::pair<std::string, std::string>("z", "1 2")));
  EXPECT_TRUE(ParseQueryString("").empty());
}

TEST(ParseQueryStringTest, ValueMayContainEquals) {
  Params p = ParseQueryString("q=a=b");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].second, "a=b");
}

TEST(RequestTest, ParamPrefersFormOverQuery) {
  Request r;
  r.query = {{"a", "q1"}, {"b", "q2"}, {"a", "q3"}};
  r.form = {{"a", "f1"}};
  EXPECT_EQ(r.Param("a"), "f1");
  EXPECT_EQ(r.Param("b"), "q2");
  EXPECT_EQ(r.Param("c"), "");
  EXPECT_TRUE(r.HasParam("b"));
  EXPECT_FALSE(r.HasParam("c"));
  EXPECT_EQ(r.ParamValues("a"), (std::vector<std::string>{"f1", "q1", "q3"}));
  EXPECT_TRUE(r.ParamValues("c").empty());
}

TEST(RequestTest, EmptyParamValueIsPresent) {
  Request r;
  r.query = {{"a", ""}};
  EXPECT_TRUE(r.HasParam("a"));
  EXPECT_EQ(r.Param("a"), "");
}

TEST(RequestTest, HeaderLookupIgnoresCase) {
  Request r;
  r.headers = {{"content-type", "text/plain"}, {"x-a", "1"}, {"x-a", "2"}};
  EXPECT_EQ(r.Header("Content-Type"), "text/plain");
  EXPECT_EQ(r.Header("X-A"), "1");
  EXPECT_EQ(r.Header("missing"), "");
}

TEST(ResponseTest, SetHeaderReplacesSameNameIgnoringCase) {
  Response res;
  res.SetHeader("X-Thing", "1");
  res.SetHeader("x-thing", "2");
  ASSERT_EQ(res.headers.size(), 1u);
  EXPECT_EQ(res.headers[0].second, "2");
}

TEST(ResponseTest, TextAndJsonSetStatusTypeAndBody) {
  Response res;
  res.Text(400, "bad");
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(res.body, "bad");
  ASSERT_EQ(res.headers.size(), 1u);
  EXPECT_EQ(res.headers[0].second, "text/plain; charset=utf-8");
  res.Json(200, "{}");
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body, "{}");
  ASSERT_EQ(res.headers.size(), 1u);
  EXPECT_EQ(res.headers[0].second, "application/json");
}

Handler Noop() {
  return [](const Request&, Response&) {};
}

TEST(RouterTest, ExactPathWinsOverPrefix) {
  Router r;
  r.Handle(Route{{}, "/api/", true, "prefix", 0, Noop()});
  r.Handle(Route{{}, "/api/v1/query", false, "exact", 0, Noop()});
  auto m = r.Find("GET", "/api/v1/query");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->name, "exact");
  m = r.Find("GET", "/api/v1/query/x");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->name, "prefix");
}

TEST(RouterTest, LongestPrefixWinsWhateverTheOrder) {
  Router r;
  r.Handle(Route{{}, "/", true, "root", 0, Noop()});
  r.Handle(Route{{}, "/api/v1/label/", true, "label", 0, Noop()});
  r.Handle(Route{{}, "/api/", true, "api", 0, Noop()});
  EXPECT_EQ(r.Find("GET", "/api/v1/label/job/values").route->name, "label");
  EXPECT_EQ(r.Find("GET", "/api/v2").route->name, "api");
  EXPECT_EQ(r.Find("GET", "/graph").route->name, "root");
}

TEST(RouterTest, UnknownPathHasNoRoute) {
  Router r;
  r.Handle({"GET"}, "/metrics", Noop());
  EXPECT_EQ(r.Find("GET", "/metric").route, nullptr);
  EXPECT_EQ(r.Find("GET", "/metrics/").route, nullptr);
}

TEST(RouterTest, WrongMethodIsNotAllowedAndAllowListsMethods) {
  Router r;
  r.Handle({"GET", "POST"}, "/api/v1/query", Noop());
  r.Handle({"POST"}, "/api/v1/write", Noop(), 1024);
  auto m = r.Find("DELETE", "/api/v1/query");
  ASSERT_NE(m.route, nullptr);
  EXPECT_FALSE(m.method_allowed);
  EXPECT_EQ(r.AllowHeader(*m.route), "GET, POST, HEAD");
  m = r.Find("GET", "/api/v1/write");
  ASSERT_NE(m.route, nullptr);
  EXPECT_FALSE(m.method_allowed);
  EXPECT_EQ(r.AllowHeader(*m.route), "POST");
  EXPECT_EQ(m.route->max_body_bytes, 1024u);
  EXPECT_TRUE(r.Find("POST", "/api/v1/write").method_allowed);
}

TEST(RouterTest, GetRouteAnswersHead) {
  Router r;
  r.Handle({"GET"}, "/x", Noop());
  r.Handle({"POST"}, "/y", Noop());
  EXPECT_TRUE(r.Find("HEAD", "/x").method_allowed);
  EXPECT_FALSE(r.Find("HEAD", "/y").method_allowed);
}

TEST(RouterTest, EmptyMethodsAllowAny) {
  Router r;
  r.Handle({}, "/any", Noop());
  EXPECT_TRUE(r.Find("PATCH", "/any").method_allowed);
}

TEST(RouterTest, ServeRunsTheHandlerOrAnswersAsTheServerDoes) {
  Router r;
  r.Handle({"POST"}, "/w", [](const Request& req, Response& res) { res.Text(202, req.body); });
  Request req;
  req.method = "POST";
  req.path = "/w";
  req.body = "hello";
  Response res = r.Serve(req);
  EXPECT_EQ(res.status, 202);
  EXPECT_EQ(res.body, "hello");
  req.method = "GET";
  res = r.Serve(req);
  EXPECT_EQ(res.status, 405);
  ASSERT_EQ(res.headers.size(), 2u);  // Allow and Content-Type
  EXPECT_EQ(res.headers[0], (std::pair<std::string, std::string>{"Allow", "POST"}));
  req.path = "/nowhere";
  res = r.Serve(req);
  EXPECT_EQ(res.status, 404);
  EXPECT_EQ(res.body, "404 page not found: /nowhere");
}

TEST(RouterDeathTest, RegisteringAPathTwiceAborts) {
  Router r;
  r.Handle({"GET"}, "/x", Noop());
  EXPECT_DEATH(r.Handle({"POST"}, "/x", Noop()), "registered twice");
}

}  // namespace
}  // namespace vigil::http
