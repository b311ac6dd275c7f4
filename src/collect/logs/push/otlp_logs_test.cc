#include <gtest/gtest.h>

#include "collect/logs/push/gzip.h"
#include "collect/logs/push/push_decode.h"
#include "collect/logs/push/testproto/otlp_logs_test.pb.h"

namespace vigil::logs {
namespace {

using model::LogAttribute;
using model::LogRecord;
namespace tp = testproto;

DecodeOptions Opts() {
  DecodeOptions o;
  o.observed_time_ns = 99;
  return o;
}

void SetString(tp::KeyValue* kv, std::string key, std::string value) {
  kv->set_key(std::move(key));
  kv->mutable_value()->set_string_value(std::move(value));
}

tp::ExportLogsServiceRequest SampleRequest() {
  tp::ExportLogsServiceRequest req;
  auto* rl = req.add_resource_logs();
  SetString(rl->mutable_resource()->add_attributes(), "service.name", "checkout");
  SetString(rl->mutable_resource()->add_attributes(), "host.name", "node-1");
  SetString(rl->mutable_resource()->add_attributes(), "process.pid.text", "77");
  auto* sl = rl->add_scope_logs();
  sl->mutable_scope()->set_name("io.app");
  sl->mutable_scope()->set_version("1.2");
  auto* lr = sl->add_log_records();
  lr->set_time_unix_nano(1700000000000000001ull);
  lr->set_observed_time_unix_nano(1700000000000000009ull);
  lr->set_severity_number(17);
  lr->set_severity_text("ERROR");
  lr->mutable_body()->set_string_value("payment failed");
  auto* a1 = lr->add_attributes();
  a1->set_key("http.status");
  a1->mutable_value()->set_int_value(-502);
  auto* a2 = lr->add_attributes();
  a2->set_key("retry");
  a2->mutable_value()->set_bool_value(true);
  auto* a3 = lr->add_attributes();
  a3->set_key("ratio");
  a3->mutable_value()->set_double_value(0.25);
  lr->set_trace_id(
      std::string("\x0a\xf7\x65\x19\x16\xcd\x43\xdd\x84\x48\xeb\x21\x1c\x80\x31\x9c", 16));
  lr->set_span_id(std::string("\xb7\xad\x6b\x71\x69\x20\x33\x31", 8));
  lr->set_event_name("payment.failed");

  auto* lr2 = sl->add_log_records();
  lr2->set_observed_time_unix_nano(1700000000000000500ull);
  auto* kv = lr2->mutable_body()->mutable_kvlist_value();
  SetString(kv->add_values(), "msg", "hi \"there\"");
  auto* arr_kv = kv->add_values();
  arr_kv->set_key("list");
  auto* arr = arr_kv->mutable_value()->mutable_array_value();
  arr->add_values()->set_int_value(1);
  arr->add_values()->set_bool_value(false);
  arr->add_values()->set_bytes_value("\x01\x02");
  arr->add_values();  // empty AnyValue
  return req;
}

void ExpectSample(const std::vector<LogRecord>& out) {
  ASSERT_EQ(out.size(), 2u);
  const LogRecord& r = out[0];
  EXPECT_EQ(r.time_ns, 1700000000000000001);
  EXPECT_EQ(r.observed_time_ns, 1700000000000000009);
  EXPECT_EQ(r.severity_number, 17);
  EXPECT_EQ(r.severity_text, "ERROR");
  EXPECT_EQ(r.body, "payment failed");
  EXPECT_EQ(r.trace_id, "0af7651916cd43dd8448eb211c80319c");
  EXPECT_EQ(r.span_id, "b7ad6b7169203331");
  EXPECT_EQ(r.stream,
            model::Labels::FromStrings({"service_name", "checkout", "host_name", "node-1"}));
  EXPECT_EQ(r.resource, (std::vector<LogAttribute>{{"service.name", "checkout"},
                                                   {"host.name", "node-1"},
                                                   {"process.pid.text", "77"}}));
  EXPECT_EQ(r.attributes, (std::vector<LogAttribute>{{"http.status", "-502"},
                                                     {"retry", "true"},
                                                     {"ratio", "0.25"},
                                                     {"event.name", "payment.failed"},
                                                     {"otel.scope.name", "io.app"},
                                                     {"otel.scope.version", "1.2"}}));
  const LogRecord& r2 = out[1];
  EXPECT_EQ(r2.time_ns, 0);
  EXPECT_EQ(r2.observed_time_ns, 1700000000000000500);
  EXPECT_EQ(r2.EffectiveTime(), 1700000000000000500) << "no time: the observed time stands in";
  EXPECT_EQ(r2.body, R"({"msg":"hi \"there\"","list":[1,false,"AQI=",null]})");
  EXPECT_EQ(r2.trace_id, "");
}

TEST(OtlpLogsProtoTest, DecodesWhatTheProtobufLibraryWrites) {
  std::vector<LogRecord> out;
  Status s = DecodeOtlpLogs("application/x-protobuf", "", SampleRequest().SerializeAsString(),
                            Opts(), &out);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ExpectSample(out);
}

TEST(OtlpLogsProtoTest, GzipAndMissingContentTypeMeanProtobuf) {
  std::vector<LogRecord> out;
  Status s =
      DecodeOtlpLogs("", "gzip", GzipCompress(SampleRequest().SerializeAsString()), Opts(), &out);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ExpectSample(out);
}

TEST(OtlpLogsProtoTest, MissingServiceNameBecomesUnknownService) {
  tp::ExportLogsServiceRequest req;
  req.add_resource_logs()->add_scope_logs()->add_log_records()->mutable_body()->set_string_value(
      "x");
  std::vector<LogRecord> out;
  ASSERT_TRUE(
      DecodeOtlpLogs("application/x-protobuf", "", req.SerializeAsString(), Opts(), &out).ok());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].stream, model::Labels::FromStrings({"service_name", "unknown_service"}));
  EXPECT_EQ(out[0].time_ns, 0);
  EXPECT_EQ(out[0].EffectiveTime(), 99);
}

TEST(OtlpLogsProtoTest, RefusesTruncatedAndTooDeep) {
  std::string bytes = SampleRequest().SerializeAsString();
  std::vector<LogRecord> out;
  for (size_t cut : {bytes.size() - 1, bytes.size() / 2, size_t{3}}) {
    EXPECT_TRUE(DecodeOtlpLogs("application/x-protobuf", "", bytes.substr(0, cut), Opts(), &out)
                    .IsInvalidArgument())
        << cut;
  }
  EXPECT_TRUE(out.empty());
  tp::ExportLogsServiceRequest req;
  tp::AnyValue* v = req.add_resource_logs()->add_scope_logs()->add_log_records()->mutable_body();
  for (int i = 0; i < 100; ++i) v = v->mutable_array_value()->add_values();
  v->set_int_value(1);
  EXPECT_TRUE(DecodeOtlpLogs("application/x-protobuf", "", req.SerializeAsString(), Opts(), &out)
                  .IsInvalidArgument());
}

TEST(OtlpLogsProtoTest, MaxRecordsIsEnforced) {
  DecodeOptions o = Opts();
  o.max_records = 1;
  std::vector<LogRecord> out;
  EXPECT_TRUE(
      DecodeOtlpLogs("application/x-protobuf", "", SampleRequest().SerializeAsString(), o, &out)
          .IsResourceExhausted());
  EXPECT_TRUE(out.empty());
}

constexpr std::string_view kSampleJson = R"({"resourceLogs":[{
  "resource":{"attributes":[{"key":"service.name","value":{"stringValue":"checkout"}},
                            {"key":"host.name","value":{"stringValue":"node-1"}},
                            {"key":"process.pid.text","value":{"stringValue":"77"}}]},
  "scopeLogs":[{"scope":{"name":"io.app","version":"1.2"},"logRecords":[
    {"timeUnixNano":"1700000000000000001","observedTimeUnixNano":"1700000000000000009",
     "severityNumber":17,"severityText":"ERROR","body":{"stringValue":"payment failed"},
     "attributes":[{"key":"http.status","value":{"intValue":"-502"}},
                   {"key":"retry","value":{"boolValue":true}},
                   {"key":"ratio","value":{"doubleValue":0.25}}],
     "traceId":"0AF7651916CD43DD8448EB211C80319C","spanId":"b7ad6b7169203331",
     "eventName":"payment.failed"},
    {"observedTimeUnixNano":1700000000000000500,
     "body":{"kvlistValue":{"values":[{"key":"msg","value":{"stringValue":"hi \"there\""}},
       {"key":"list","value":{"arrayValue":{"values":[{"intValue":1},{"boolValue":false},
          {"bytesValue":"AQI="},{}]}}}]}}}
  ]}]}]})";

TEST(OtlpLogsJsonTest, DecodesCamelCase) {
  std::vector<LogRecord> out;
  Status s = DecodeOtlpLogs("application/json", "", kSampleJson, Opts(), &out);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ExpectSample(out);
}

TEST(OtlpLogsJsonTest, DecodesSnakeCaseAndEnumNames) {
  std::string body = R"({"resource_logs":[{"scope_logs":[{"log_records":[
      {"time_unix_nano":5,"severity_number":"SEVERITY_NUMBER_WARN3","body":{"string_value":"x"},
       "trace_id":"","attributes":[{"key":"n","value":{"int_value":7}}]}]}]}]})";
  std::vector<LogRecord> out;
  Status s = DecodeOtlpLogs("application/json", "", body, Opts(), &out);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].time_ns, 5);
  EXPECT_EQ(out[0].severity_number, 15);
  EXPECT_EQ(out[0].body, "x");
  EXPECT_EQ(out[0].attributes, (std::vector<LogAttribute>{{"n", "7"}}));
}

TEST(OtlpLogsJsonTest, RefusesBadValuesWithWhere) {
  struct Case {
    std::string_view body;
    std::string_view message_part;
  };
  for (const Case& c : std::initializer_list<Case>{
           {R"({"resourceLogs":[{"scopeLogs":[{"logRecords":[{"traceId":"xyz"}]}]}]})",
            "log record 0: invalid traceId"},
           {R"({"resourceLogs":[{"scopeLogs":[{"logRecords":[{"timeUnixNano":"-5"}]}]}]})",
            "invalid timeUnixNano"},
           {R"({"resourceLogs":[{"scopeLogs":[{"logRecords":[{"severityNumber":"LOUD"}]}]}]})",
            "invalid severityNumber"},
           {R"({"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"intValue":"1.5"}}]}]}]})",
            "invalid body"},
           {R"({"resourceLogs":{}})", "must be an array"},
           {R"([1,2])", "must be a JSON object"},
           {R"({"resourceLogs":[)", "invalid JSON"},
       }) {
    std::vector<LogRecord> out;
    Status s = DecodeOtlpLogs("application/json", "", c.body, Opts(), &out);
    EXPECT_TRUE(s.IsInvalidArgument()) << c.body;
    EXPECT_NE(s.message().find(c.message_part), std::string::npos) << s.message();
    EXPECT_TRUE(out.empty());
  }
}

TEST(OtlpLogsJsonTest, UnsupportedContentTypeIsRefused) {
  std::vector<LogRecord> out;
  EXPECT_TRUE(DecodeOtlpLogs("text/xml", "", "{}", Opts(), &out).IsInvalidArgument());
}

}  // namespace
}  // namespace vigil::logs
