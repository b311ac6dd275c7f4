#include "api/dashboards/dashboards_api.h"

#include <gtest/gtest.h>

#include <string>

#include "base/file.h"

namespace vigil::api::dashboards {
namespace {

constexpr char kHost[] =
    R"({"uid":"host","title":"Host \"overview\"","tags":["host","node"],"panels":[]})";

class DashboardsApiTest : public ::testing::Test {
 protected:
  void SetUp() override { Register(false); }

  void Register(bool read_only) {
    router_ = http::Router();
    DashboardsApiOptions o;
    o.dir = tmp_.Join("dashboards");
    o.read_only = read_only;
    RegisterDashboardsApi(&router_, o);
  }

  http::Response Call(const std::string& method, const std::string& path,
                      const std::string& body = "") {
    http::Request req;
    req.method = method;
    req.path = path;
    req.target = path;
    req.body = body;
    return router_.Serve(req);
  }

  fs::TempDir tmp_{"vigil-dash"};
  http::Router router_;
};

TEST_F(DashboardsApiTest, EmptyListBeforeAnySave) {
  http::Response res = Call("GET", "/api/v1/dashboards");
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body, R"({"status":"success","data":[]})");
}

TEST_F(DashboardsApiTest, SaveListGetDelete) {
  http::Response put = Call("PUT", "/api/v1/dashboards/host", kHost);
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(put.body, R"({"status":"success","data":{"uid":"host"}})");
  // Stored byte for byte.
  auto stored = fs::ReadFile(tmp_.Join("dashboards/host.json"));
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(*stored, kHost);

  http::Response list = Call("GET", "/api/v1/dashboards");
  EXPECT_EQ(
      list.body,
      R"({"status":"success","data":[{"uid":"host","title":"Host \"overview\"","tags":["host","node"],)"
      R"("source":"file"}]})");

  http::Response get = Call("GET", "/api/v1/dashboards/host");
  EXPECT_EQ(get.status, 200);
  EXPECT_EQ(get.body, std::string(R"({"status":"success","data":)") + kHost + "}");

  EXPECT_EQ(Call("DELETE", "/api/v1/dashboards/host").status, 200);
  EXPECT_EQ(Call("GET", "/api/v1/dashboards/host").status, 404);
  EXPECT_EQ(Call("DELETE", "/api/v1/dashboards/host").status, 404);
}

TEST_F(DashboardsApiTest, RefusesWhatTheUiCannotRender) {
  struct Case {
    const char* body;
    const char* message;
  } cases[] = {
      {"{", "not valid JSON"},
      {"[]", "a dashboard is a JSON object"},
      {R"({"panels":[]})", "needs a string"},
      {R"({"title":"x","panels":{}})", "needs an array"},
      {R"({"uid":"other","title":"x","panels":[]})", "differs from the one in the URL"},
  };
  for (const Case& c : cases) {
    http::Response res = Call("PUT", "/api/v1/dashboards/host", c.body);
    EXPECT_EQ(res.status, 400) << c.body;
    EXPECT_NE(res.body.find(c.message), std::string::npos) << res.body;
    EXPECT_NE(res.body.find(R"("errorType":"bad_data")"), std::string::npos);
  }
  EXPECT_FALSE(fs::Exists(tmp_.Join("dashboards/host.json")));
}

TEST_F(DashboardsApiTest, UidsAreSafeFileNames) {
  EXPECT_TRUE(ValidUid("node-exporter_full-1860"));
  EXPECT_FALSE(ValidUid(""));
  EXPECT_FALSE(ValidUid(std::string(65, 'a')));
  for (const char* bad : {"..", "a/b", "a.json", "a b", "%2e%2e"}) {
    EXPECT_FALSE(ValidUid(bad)) << bad;
    http::Response res = Call("PUT", std::string("/api/v1/dashboards/") + bad, kHost);
    EXPECT_EQ(res.status, 400) << bad;
  }
}

TEST_F(DashboardsApiTest, BrokenFileIsListedWithItsProblem) {
  ASSERT_TRUE(fs::CreateDirs(tmp_.Join("dashboards")).ok());
  ASSERT_TRUE(fs::WriteFileAtomic(tmp_.Join("dashboards/broken.json"), "{nope").ok());
  ASSERT_TRUE(fs::WriteFileAtomic(tmp_.Join("dashboards/notes.txt"), "ignored").ok());
  http::Response list = Call("GET", "/api/v1/dashboards");
  EXPECT_NE(
      list.body.find(
          R"({"uid":"broken","title":"broken","tags":[],"source":"file","error":"not valid JSON)"),
      std::string::npos)
      << list.body;
  EXPECT_EQ(list.body.find("notes"), std::string::npos);
  EXPECT_EQ(Call("GET", "/api/v1/dashboards/broken").status, 500);
}

TEST_F(DashboardsApiTest, ReadOnlyRefusesWrites) {
  Register(true);
  EXPECT_EQ(Call("PUT", "/api/v1/dashboards/host", kHost).status, 403);
  EXPECT_EQ(Call("DELETE", "/api/v1/dashboards/host").status, 403);
  EXPECT_EQ(Call("GET", "/api/v1/dashboards").status, 200);
}

}  // namespace
}  // namespace vigil::api::dashboards
