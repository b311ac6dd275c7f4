#include "api/targets/log_status.h"

#include <gtest/gtest.h>

namespace vigil::api::targets {
namespace {

TEST(LogStatusTest, NothingRunningIsTwoEmptyLists) {
  EXPECT_EQ(EncodeLogStatus({}), R"({"status":"success","data":{"sources":[],"sinks":[]}})");
}

TEST(LogStatusTest, SourcesAndSinksWithTheirLastErrors) {
  LogComponentStatus tail;
  tail.kind = "file";
  tail.name = "app";
  tail.pipeline = "default";
  tail.last_error = "cannot open /var/log/<app>.log: Permission denied";
  tail.last_error_ms = 1764601200120;
  tail.error_count = 2;
  LogComponentStatus cloud;
  cloud.kind = "cloud";
  cloud.name = "aws-logs";
  cloud.target = "/aws/lambda/api";
  cloud.pipeline = "cloud";
  cloud.health = "up";
  LogComponentStatus fwd;
  fwd.sink = true;
  fwd.kind = "forwarder";
  fwd.name = "loki";
  fwd.health = "down";
  fwd.last_error = "connection refused";
  std::string want =
      R"({"status":"success","data":{"sources":[)"
      R"({"kind":"file","name":"app","pipeline":"default",)"
      R"("lastError":"cannot open /var/log/\u003capp\u003e.log: Permission denied",)"
      R"("lastErrorTime":"2025-12-01T15:00:00.12Z","errorCount":2},)"
      R"({"kind":"cloud","name":"aws-logs","target":"/aws/lambda/api","pipeline":"cloud",)"
      R"("health":"up","lastError":"","lastErrorTime":"0001-01-01T00:00:00Z","errorCount":0}],)"
      R"("sinks":[{"kind":"forwarder","name":"loki","health":"down",)"
      R"("lastError":"connection refused","lastErrorTime":"0001-01-01T00:00:00Z","errorCount":0}]}})";
  EXPECT_EQ(EncodeLogStatus({tail, fwd, cloud}), want);
}

TEST(LogStatusTest, ServedAtStatusLogsAndAskedEachTime) {
  http::Router router;
  int calls = 0;
  RegisterLogStatusApi(&router, [&calls] {
    ++calls;
    LogComponentStatus s;
    s.kind = "syslog";
    s.name = "udp";
    s.pipeline = "default";
    return std::vector<LogComponentStatus>{s};
  });
  http::Request req;
  req.method = "GET";
  req.path = "/api/v1/status/logs";
  http::Response res = router.Serve(req);
  EXPECT_EQ(res.status, 200);
  EXPECT_NE(res.body.find(R"("kind":"syslog","name":"udp")"), std::string::npos) << res.body;
  router.Serve(req);
  EXPECT_EQ(calls, 2);
  req.method = "POST";
  EXPECT_EQ(router.Serve(req).status, 405);
}

}  // namespace
}  // namespace vigil::api::targets
