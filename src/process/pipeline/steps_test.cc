#include <gtest/gtest.h>

#include "base/metrics.h"
#include "process/pipeline/step.h"
#include "process/pipeline/test_util.h"

namespace vigil::pipeline {
namespace {

using testing::Attr;
using testing::Batch;
using testing::Rec;

class StepsTest : public ::testing::Test {
 protected:
  StepEnv Env() {
    StepEnv env;
    env.pipeline = "p";
    env.step_errors = &registry_.CounterFamily("vigil_pipeline_step_errors_total", "",
                                               {"pipeline", "step", "reason"});
    return env;
  }
  std::unique_ptr<Step> Make(const config::LogStepConfig& c) {
    auto s = MakeStep(c, Env());
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(s).value() : nullptr;
  }
  Status MakeError(const config::LogStepConfig& c) {
    auto s = MakeStep(c, Env());
    return s.ok() ? Status::OK() : s.status();
  }
  double Errors(const std::string& step, const std::string& reason) {
    return registry_.Get("vigil_pipeline_step_errors_total",
                         {{"pipeline", "p"}, {"step", step}, {"reason", reason}});
  }
  metrics::Registry registry_;
};

config::LogStepConfig StepOf(std::string type) {
  config::LogStepConfig c;
  c.type = std::move(type);
  return c;
}

TEST_F(StepsTest, UnknownStepTypeIsRefused) {
  Status st = MakeError(StepOf("jsno"));
  EXPECT_TRUE(st.IsInvalidArgument());
  EXPECT_NE(st.message().find("jsno"), std::string::npos);
}

#ifdef VIGIL_PIPELINE_HAVE_LOGPARSE
TEST_F(StepsTest, JsonFieldsBecomeAttributesAndBadLinesAreTaggedNotDropped) {
  auto step = Make(StepOf("json"));
  ASSERT_NE(step, nullptr);
  auto b = Batch({Rec(R"({"level":"warn","http":{"status":503}})"), Rec("not json")});
  step->Process(&b);
  ASSERT_EQ(b.records.size(), 2u);
  EXPECT_EQ(Attr(b.records[0], "level"), "warn");
  EXPECT_EQ(Attr(b.records[0], "http_status"), "503");
  EXPECT_EQ(b.errored[0], 0);
  EXPECT_NE(Attr(b.records[1], "vigil.error").find("json: "), std::string::npos);
  EXPECT_EQ(b.errored[1], 1);
  EXPECT_EQ(Errors("json", "parse_error"), 1);
}

TEST_F(StepsTest, LogfmtFromAnAttributeWithPrefixOverwritesSameKey) {
  auto c = StepOf("logfmt");
  c.source = "msg";
  c.prefix = "m_";
  auto step = Make(c);
  ASSERT_NE(step, nullptr);
  auto r = Rec("body stays");
  r.attributes.push_back({"msg", "a=1 b=\"two words\""});
  r.attributes.push_back({"m_a", "old"});
  auto b = Batch({r, Rec("no msg attribute")});
  step->Process(&b);
  EXPECT_EQ(b.records[0].body, "body stays");
  EXPECT_EQ(Attr(b.records[0], "m_a"), "1");
  EXPECT_EQ(Attr(b.records[0], "m_b"), "two words");
  EXPECT_EQ(b.records[0].attributes.size(), 3u);
  EXPECT_TRUE(b.records[1].attributes.empty());
}

TEST_F(StepsTest, RegexNamedGroups) {
  auto c = StepOf("regex");
  c.expression = R"((?P<method>[A-Z]+) (?P<path>\S+))";
  auto step = Make(c);
  ASSERT_NE(step, nullptr);
  auto b = Batch({Rec("GET /index.html HTTP/1.1")});
  step->Process(&b);
  EXPECT_EQ(Attr(b.records[0], "method"), "GET");
  EXPECT_EQ(Attr(b.records[0], "path"), "/index.html");
}

TEST_F(StepsTest, RegexWithoutNamedGroupOrInvalidIsRefusedAtMake) {
  auto c = StepOf("regex");
  EXPECT_FALSE(MakeError(c).ok());
  c.expression = "(";
  EXPECT_FALSE(MakeError(c).ok());
  c.expression = "(a)";
  EXPECT_FALSE(MakeError(c).ok());
}
#endif

#ifdef VIGIL_PIPELINE_HAVE_COMBINED
TEST_F(StepsTest, NginxCombinedAccessLog) {
  auto step = Make(StepOf("nginx"));
  ASSERT_NE(step, nullptr);
  auto b = Batch({Rec(R"(10.0.0.1 - bob [14/Nov/2023:22:13:20 +0000] "GET /a?b=1 HTTP/1.1" 404 )"
                      R"(153 "-" "curl/8.0")")});
  step->Process(&b);
  EXPECT_EQ(Attr(b.records[0], "method"), "GET");
  EXPECT_EQ(Attr(b.records[0], "status"), "404");
  EXPECT_EQ(Attr(b.records[0], "http_user_agent"), "curl/8.0");
  EXPECT_EQ(b.errored[0], 0);
}
#endif

#ifdef VIGIL_PIPELINE_HAVE_SYSLOG
TEST_F(StepsTest, SyslogBodyGivesTimeSeverityLabelsAndMessage) {
  auto step = Make(StepOf("syslog"));
  ASSERT_NE(step, nullptr);
  auto b = Batch({Rec("<11>1 2023-11-14T22:13:20Z web1 nginx 42 - - upstream down")});
  step->Process(&b);
  const auto& r = b.records[0];
  EXPECT_EQ(r.body, "upstream down");
  EXPECT_EQ(r.time_ns, 1700000000LL * 1000000000LL);
  EXPECT_EQ(r.severity_number, 17);
  EXPECT_EQ(r.stream.Get("job"), "nginx");
  EXPECT_EQ(r.stream.Get("host"), "web1");
}
#endif

TEST_F(StepsTest, NormalizeSetsTimeSeverityAndBody) {
  auto c = StepOf("normalize");
  c.timestamp_field = "ts";
  c.timestamp_format = "unix_ms";
  c.severity_field = "level";
  c.body_field = "msg";
  auto step = Make(c);
  ASSERT_NE(step, nullptr);
  auto r = Rec(R"({"raw":1})");
  r.attributes = {{"ts", "1700000000123"}, {"level", "WARN"}, {"msg", "disk almost full"}};
  auto bad = Rec("x");
  bad.attributes = {{"ts", "yesterday"}};
  auto b = Batch({r, bad});
  step->Process(&b);
  EXPECT_EQ(b.records[0].time_ns, 1700000000123000000LL);
  EXPECT_EQ(b.records[0].severity_number, 13);
  EXPECT_EQ(b.records[0].severity_text, "WARN");
  EXPECT_EQ(b.records[0].body, "disk almost full");
  EXPECT_EQ(Attr(b.records[0], "msg"), "<absent>");
  EXPECT_EQ(b.records[1].time_ns, 0);
  EXPECT_NE(Attr(b.records[1], "vigil.error").find("normalize"), std::string::npos);
  EXPECT_EQ(Errors("normalize", "bad_timestamp"), 1);
}

TEST_F(StepsTest, NormalizeWithoutFieldsOrWithBadLayoutIsRefused) {
  EXPECT_FALSE(MakeError(StepOf("normalize")).ok());
  auto c = StepOf("normalize");
  c.timestamp_field = "ts";
  c.timestamp_format = "yyyy-mm-dd";
  EXPECT_FALSE(MakeError(c).ok());
}

TEST_F(StepsTest, RedactBuiltinsInBodyAndAttributesAndKeysWhole) {
  auto c = StepOf("redact");
  c.patterns = {"email",          "credit_card", "ipv4",       "bearer_token",
                "aws_access_key", "jwt",         "secret=\\w+"};
  c.keys = {"password"};
  auto step = Make(c);
  ASSERT_NE(step, nullptr);
  auto r =
      Rec("user bob@example.com paid with 4111 1111 1111 1111 from 10.1.2.3 "
          "Authorization: Bearer abc.def-ghi key AKIAIOSFODNN7EXAMPLE "
          "tok eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig secret=hunter2 order 1234567890123");
  r.attributes = {{"Password", "p4ss"}, {"client", "192.168.0.1"}, {"n", "42"}};
  auto b = Batch({r});
  step->Process(&b);
  EXPECT_EQ(b.records[0].body,
            "user <redacted> paid with <redacted> from <redacted> "
            "Authorization: Bearer <redacted> key <redacted> "
            "tok <redacted> <redacted> order 1234567890123");  // fails Luhn: kept
  EXPECT_EQ(Attr(b.records[0], "Password"), "<redacted>");
  EXPECT_EQ(Attr(b.records[0], "client"), "<redacted>");
  EXPECT_EQ(Attr(b.records[0], "n"), "42");
}

TEST_F(StepsTest, RedactRefusesBadPatternAndNothingToDo) {
  EXPECT_FALSE(MakeError(StepOf("redact")).ok());
  auto c = StepOf("redact");
  c.patterns = {"(unclosed"};
  EXPECT_FALSE(MakeError(c).ok());
}

TEST_F(StepsTest, DropRemovesMatchingAndKeepsOrigins) {
  auto c = StepOf("drop");
  c.when = R"(body =~ "debug")";
  auto step = Make(c);
  ASSERT_NE(step, nullptr);
  auto b = Batch({Rec("a"), Rec("debug b"), Rec("c"), Rec("debug d")});
  step->Process(&b);
  ASSERT_EQ(b.records.size(), 2u);
  EXPECT_EQ(b.records[1].body, "c");
  EXPECT_EQ(b.origin, (std::vector<uint32_t>{0, 2}));
  EXPECT_EQ(b.dropped, 2u);
  EXPECT_FALSE(MakeError(StepOf("drop")).ok());  // `when` required
}

TEST_F(StepsTest, SampleIsDeterministicAndNearTheRate) {
  auto c = StepOf("sample");
  c.rate = 0.25;
  auto step = Make(c);
  ASSERT_NE(step, nullptr);
  std::vector<model::LogRecord> records;
  for (int i = 0; i < 4000; ++i) records.push_back(Rec("line " + std::to_string(i)));
  auto b1 = Batch(records);
  auto b2 = Batch(records);
  step->Process(&b1);
  step->Process(&b2);
  EXPECT_EQ(b1.origin, b2.origin);
  EXPECT_GT(b1.records.size(), 850u);
  EXPECT_LT(b1.records.size(), 1150u);
  EXPECT_EQ(b1.sampled_out, 4000u - b1.records.size());
}

TEST_F(StepsTest, SampleOnlyTouchesRecordsMatchingWhen) {
  auto c = StepOf("sample");
  c.rate = 0;
  c.when = "severity_number < warn";
  auto step = Make(c);
  ASSERT_NE(step, nullptr);
  auto info = Rec("info");
  info.severity_number = 9;
  auto err = Rec("err");
  err.severity_number = 17;
  auto b = Batch({info, err});
  step->Process(&b);
  ASSERT_EQ(b.records.size(), 1u);
  EXPECT_EQ(b.records[0].body, "err");
  c.rate = 1.5;
  EXPECT_FALSE(MakeError(c).ok());
}

TEST_F(StepsTest, LabelsAddFromFieldsRenameRemove) {
  auto c = StepOf("labels");
  c.add = {{"env", "prod"}};
  c.from_fields = {{"level", "level"}, {"svc", "resource.service.name"}};
  c.rename = {{"job", "app"}};
  c.remove = {"host"};
  auto step = Make(c);
  ASSERT_NE(step, nullptr);
  auto r = Rec("x", model::Labels::FromStrings({"job", "api", "host", "h1"}));
  r.attributes = {{"level", "error"}};
  r.resource = {{"service.name", "checkout"}};
  auto b = Batch({r, Rec("no fields")});
  step->Process(&b);
  EXPECT_EQ(b.records[0].stream, model::Labels::FromStrings({"app", "api", "env", "prod", "level",
                                                             "error", "svc", "checkout"}));
  EXPECT_EQ(b.records[1].stream, model::Labels::FromStrings({"app", "app", "env", "prod"}));
}

TEST_F(StepsTest, LabelsRefuseInvalidNames) {
  auto c = StepOf("labels");
  c.add = {{"bad-name", "x"}};
  EXPECT_FALSE(MakeError(c).ok());
  c.add = {{"__name__", "x"}};
  EXPECT_FALSE(MakeError(c).ok());
  EXPECT_FALSE(MakeError(StepOf("labels")).ok());
}

TEST_F(StepsTest, MetricStepWithoutMetricsOutputIsRefused) {
  auto c = StepOf("metric");
  c.metric_name = "x";
  Status st = MakeError(c);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("metrics output"), std::string::npos);
}

}  // namespace
}  // namespace vigil::pipeline
