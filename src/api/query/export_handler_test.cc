// /api/v1/export through the router: the parameters and errors of
// /api/v1/query and query_range, the table formats of export_format.h.
#include <gtest/gtest.h>

#include "api/go_json.h"
#include "api/query/test_fixture.h"
#include "query/promql/engine.h"

namespace vigil::api::query {
namespace {

class ExportHandlerTest : public testing::QueryApiTest {
 protected:
  void SetUp() override {
    QueryApiTest::SetUp();
    Append({"__name__", "up", "instance", "a", "job", "node"}, 1'699'999'990'000, 1);
    Append({"__name__", "up", "instance", "b", "job", "node"}, 1'699'999'990'000, 0);
    Append({"__name__", "up", "instance", "b", "job", "node"}, 1'700'000'000'500, 1);
  }

  void Start() {
    engine_ = std::make_unique<promql::Engine>(engine_options_);
    options_.engine = engine_.get();
    Register();
  }

  static std::vector<std::string> Headers(const http::Response& res, std::string_view name) {
    std::vector<std::string> out;
    for (const auto& [k, v] : res.headers) {
      if (k == name) out.push_back(v);
    }
    return out;
  }
  static std::string Header(const http::Response& res, std::string_view name) {
    auto all = Headers(res, name);
    EXPECT_LE(all.size(), 1u) << name;
    return all.empty() ? "" : all[0];
  }

  promql::EngineOptions engine_options_;
  std::unique_ptr<promql::Engine> engine_;
};

TEST_F(ExportHandlerTest, InstantQueryAsCsv) {
  Start();
  auto res = Do("GET", "/api/v1/export", {{"query", "up"}, {"time", "1700000001"}});
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(Header(res, "Content-Type"), "text/csv; charset=utf-8");
  EXPECT_EQ(Header(res, "Content-Disposition"), "attachment; filename=\"export.csv\"");
  EXPECT_EQ(res.body,
            "timestamp,value,__name__,instance,job\r\n"
            "2023-11-14T22:13:21.000Z,1,up,a,node\r\n"
            "2023-11-14T22:13:21.000Z,1,up,b,node\r\n");
}

TEST_F(ExportHandlerTest, WithoutTimeOrRangeItIsAnInstantQueryNow) {
  now_ms_ = 1'700'000'000'250;
  Start();
  auto res = Do("POST", "/api/v1/export", {{"query", "up{instance=\"b\"}"}});
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body,
            "timestamp,value,__name__,instance,job\r\n"
            "2023-11-14T22:13:20.250Z,0,up,b,node\r\n");
}

TEST_F(ExportHandlerTest, RangeQueryHasOneRowPerStep) {
  Start();
  auto res = Do("GET", "/api/v1/export",
                {{"query", "up{instance=\"b\"}"},
                 {"start", "1699999995"},
                 {"end", "1700000005"},
                 {"step", "5"}});
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body,
            "timestamp,value,__name__,instance,job\r\n"
            "2023-11-14T22:13:15.000Z,0,up,b,node\r\n"
            "2023-11-14T22:13:20.000Z,0,up,b,node\r\n"
            "2023-11-14T22:13:25.000Z,1,up,b,node\r\n");
}

TEST_F(ExportHandlerTest, JsonRecordsWithUnixTimestamps) {
  Start();
  auto res = Do("POST", "/api/v1/export",
                {{"query", "time()"},
                 {"start", "1.5"},
                 {"end", "2.5"},
                 {"step", "500ms"},
                 {"format", "json"},
                 {"timestamp_format", "unix"}});
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(Header(res, "Content-Type"), "application/json");
  EXPECT_EQ(Header(res, "Content-Disposition"), "attachment; filename=\"export.json\"");
  EXPECT_EQ(res.body, R"([{"timestamp":1.500,"value":1.5},{"timestamp":2,"value":2},)"
                      R"({"timestamp":2.500,"value":2.5}])");
  res = Do("GET", "/api/v1/export", {{"query", "up"}, {"time", "1700000001"}, {"format", "json"}});
  EXPECT_EQ(res.body, R"([{"timestamp":"2023-11-14T22:13:21.000Z","value":1,)"
                      R"("__name__":"up","instance":"a","job":"node"},)"
                      R"({"timestamp":"2023-11-14T22:13:21.000Z","value":1,)"
                      R"("__name__":"up","instance":"b","job":"node"}])");
}

TEST_F(ExportHandlerTest, ScalarStringAndRangeVectorResults) {
  Start();
  EXPECT_EQ(Do("GET", "/api/v1/export", {{"query", "1 + 1"}, {"time", "100"}}).body,
            "timestamp,value\r\n1970-01-01T00:01:40.000Z,2\r\n");
  EXPECT_EQ(Do("GET", "/api/v1/export", {{"query", "\"a,b\""}, {"time", "100"}}).body,
            "timestamp,value\r\n1970-01-01T00:01:40.000Z,\"a,b\"\r\n");
  // An instant query may return a range vector: each point has its own time.
  EXPECT_EQ(
      Do("GET", "/api/v1/export", {{"query", "up{instance=\"b\"}[1m]"}, {"time", "1700000001"}})
          .body,
      "timestamp,value,__name__,instance,job\r\n"
      "2023-11-14T22:13:10.000Z,0,up,b,node\r\n"
      "2023-11-14T22:13:20.500Z,1,up,b,node\r\n");
}

// The same request to /api/v1/export and to /api/v1/query or query_range
// gets the same error, byte for byte.
TEST_F(ExportHandlerTest, ParameterErrorsAreThoseOfTheQueryEndpoints) {
  Start();
  auto same = [&](std::string_view endpoint, http::Params p) {
    auto want = Do("GET", std::string(endpoint), p);
    auto got = Do("GET", "/api/v1/export", p);
    EXPECT_EQ(want.status, 400) << want.body;
    EXPECT_EQ(got.status, want.status) << got.body;
    EXPECT_EQ(got.body, want.body);
    EXPECT_EQ(Header(got, "Content-Type"), "application/json");
  };
  const std::string_view instant = "/api/v1/query";
  same(instant, {{"query", "up"}, {"time", "x"}});
  same(instant, {{"query", "up"}, {"timeout", "soon"}});
  same(instant, {{"query", "up"}, {"lookback_delta", "x"}});
  same(instant, {{"query", "sum("}});
  same(instant, {});
  const std::string_view range = "/api/v1/query_range";
  same(range, {{"query", "up"}, {"start", "x"}, {"end", "2"}, {"step", "1"}});
  same(range, {{"query", "up"}, {"end", "2"}, {"step", "1"}});
  same(range, {{"query", "up"}, {"start", "1"}, {"step", "1"}});
  same(range, {{"query", "up"}, {"start", "1"}, {"end", "2"}});
  same(range, {{"query", "up"}, {"start", "3"}, {"end", "2"}, {"step", "1"}});
  same(range, {{"query", "up"}, {"start", "1"}, {"end", "2"}, {"step", "0"}});
  same(range, {{"query", "up"}, {"start", "0"}, {"end", "11001"}, {"step", "1"}});
  same(range, {{"query", "up"}, {"start", "0"}, {"end", "1"}, {"step", "1"}, {"timeout", "-"}});
  same(range, {{"query", "up[5m]"}, {"start", "0"}, {"end", "1"}, {"step", "1"}});
  same(range, {{"query", "\"s\""}, {"start", "0"}, {"end", "1"}, {"step", "1"}});
}

TEST_F(ExportHandlerTest, ErrorsOfItsOwnParameters) {
  Start();
  auto bad = [&](http::Params p) {
    auto res = Do("GET", "/api/v1/export", std::move(p));
    EXPECT_EQ(res.status, 400);
    return res.body;
  };
  auto envelope = [](std::string_view message) {
    std::string quoted;
    AppendJsonString(&quoted, message, GoEscape::kHtml);
    return R"({"status":"error","errorType":"bad_data","error":)" + quoted + "}";
  };
  EXPECT_EQ(bad({{"query", "up"}, {"format", "xml"}}),
            envelope(R"(invalid parameter "format": unknown format "xml": use csv or json)"));
  EXPECT_EQ(bad({{"query", "up"}, {"timestamp_format", "iso"}}),
            envelope(R"(invalid parameter "timestamp_format": unknown timestamp format "iso": )"
                     R"(use rfc3339, unix or unix_ms)"));
  EXPECT_EQ(bad({{"query", "up"}, {"limit", "1"}}),
            envelope(R"(invalid parameter "limit": an export has every series of the result; )"
                     R"(select fewer in the query (topk, limitk))"));
  EXPECT_EQ(bad({{"query", "up"}, {"time", "1"}, {"start", "1"}, {"end", "2"}, {"step", "1"}}),
            envelope(R"(invalid parameter "time": an export is either instant (time) or a )"
                     R"(range (start, end, step), not both)"));
  EXPECT_EQ(bad({{"query", "time()"}, {"time", "-62167219201"}}),
            envelope("the time -62167219201 (Unix seconds) is outside the years 0000 to 9999 "
                     "that RFC 3339 can write; ask for timestamp_format=unix or unix_ms"));
  EXPECT_EQ(Do("GET", "/api/v1/export",
               {{"query", "time()"}, {"time", "-62167219201"}, {"timestamp_format", "unix"}})
                .body,
            "timestamp,value\r\n-62167219201,-62167219201\r\n");
}

TEST_F(ExportHandlerTest, EngineErrorsAndReadinessAreThoseOfQueries) {
  engine_options_.max_samples = 1;
  Start();
  http::Params p = {{"query", "up"}, {"time", "1700000001"}};
  auto want = Do("GET", "/api/v1/query", p);
  auto got = Do("GET", "/api/v1/export", p);
  EXPECT_EQ(got.status, 422);
  EXPECT_EQ(got.body, want.body);
  ready_ = false;
  EXPECT_EQ(Do("GET", "/api/v1/export", p).status, 503);
}

// A table has no room for annotations: they go in response headers, at
// most ten of each kind.
TEST_F(ExportHandlerTest, AnnotationsGoInHeaders) {
  for (int i = 0; i < 12; ++i) {
    std::string name = "m" + std::to_string(100 + i);
    Append({"__name__", name, "job", name}, 1'699'999'990'000, 1);
    Append({"__name__", name, "job", name}, 1'699'999'995'000, 2);
  }
  Start();
  auto res = Do("GET", "/api/v1/export", {{"query", "rate(up[5m])"}, {"time", "1700000001"}});
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(Headers(res, "X-Vigil-Info"),
            std::vector<std::string>{"PromQL info: metric might not be a counter, name does not "
                                     "end in _total/_sum/_count/_bucket: \"up\" (1:6)"});
  EXPECT_TRUE(Headers(res, "X-Vigil-Warning").empty());
  res = Do("GET", "/api/v1/export",
           {{"query", "rate({__name__=~\"m.*\"}[5m])"}, {"time", "1700000001"}});
  EXPECT_EQ(res.status, 200) << res.body;
  auto infos = Headers(res, "X-Vigil-Info");
  ASSERT_EQ(infos.size(), 11u);
  EXPECT_NE(infos[0].find("\"m100\""), std::string::npos) << infos[0];
  EXPECT_EQ(infos[10], "2 more infos omitted");
}

}  // namespace
}  // namespace vigil::api::query
