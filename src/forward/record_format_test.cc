#include "forward/record_format.h"

#include <gtest/gtest.h>

namespace vigil::forward {
namespace {

std::string Rfc3339(int64_t ns) {
  std::string s;
  AppendRFC3339Nano(&s, ns);
  return s;
}

TEST(RecordFormat, Rfc3339NanoKeepsNineDigitsAndHandlesPreEpoch) {
  EXPECT_EQ(Rfc3339(0), "1970-01-01T00:00:00.000000000Z");
  EXPECT_EQ(Rfc3339(1700000000123456789), "2023-11-14T22:13:20.123456789Z");
  EXPECT_EQ(Rfc3339(-1), "1969-12-31T23:59:59.999999999Z");
  EXPECT_EQ(Rfc3339(951782400000000000), "2000-02-29T00:00:00.000000000Z");  // leap day
}

model::LogRecord Sample() {
  model::LogRecord r;
  r.time_ns = 1700000000123456789;
  r.observed_time_ns = 1700000001000000000;
  r.severity_number = 17;
  r.severity_text = "err";
  r.body = "disk \"full\"\n";
  r.stream = model::Labels::FromStrings({"host", "web1", "job", "nginx"});
  r.attributes = {
      {"syslog.procid", "123"}, {"syslog.msgid", "ID47"}, {"syslog.facility", "local3"}};
  r.resource = {{"host.name", "web1"}};
  return r;
}

TEST(RecordFormat, JsonHasEveryDocumentedField) {
  std::string json = RecordsToJson({Sample()});
  EXPECT_EQ(json,
            "[{\"timestamp\":\"2023-11-14T22:13:20.123456789Z\","
            "\"observed_timestamp\":\"2023-11-14T22:13:21.000000000Z\","
            "\"severity_number\":17,\"severity_text\":\"err\","
            "\"body\":\"disk \\\"full\\\"\\n\","
            "\"labels\":{\"host\":\"web1\",\"job\":\"nginx\"},"
            "\"attributes\":{\"syslog.procid\":\"123\",\"syslog.msgid\":\"ID47\","
            "\"syslog.facility\":\"local3\"},"
            "\"resource\":{\"host.name\":\"web1\"},\"trace_id\":\"\",\"span_id\":\"\"}]");
  EXPECT_EQ(RecordsToJson({}), "[]");
}

TEST(RecordFormat, JsonTimestampFallsBackToObservedTime) {
  model::LogRecord r;
  r.observed_time_ns = 1000000000;
  std::string json;
  AppendRecordJson(&json, r);
  EXPECT_NE(json.find("\"timestamp\":\"1970-01-01T00:00:01.000000000Z\""), std::string::npos);
}

TEST(RecordFormat, Syslog5424CarriesHeaderFieldsFromAttributes) {
  std::string s;
  AppendSyslog5424(&s, Sample());
  // local3 (19) * 8 + err (3) = 155; microseconds only.
  EXPECT_EQ(s, "<155>1 2023-11-14T22:13:20.123456Z web1 nginx 123 ID47 - disk \"full\"\n");
}

TEST(RecordFormat, Syslog5424UsesNilValuesAndScrubsSpaces) {
  model::LogRecord r;
  r.time_ns = 0;
  r.stream = model::Labels::FromStrings({"job", "my app"});
  std::string s;
  AppendSyslog5424(&s, r);
  EXPECT_EQ(s, "<13>1 1970-01-01T00:00:00.000000Z - my_app - - -");
}

TEST(RecordFormat, Syslog3164HasTagAndPid) {
  std::string s;
  AppendSyslog3164(&s, Sample());
  EXPECT_EQ(s, "<155>Nov 14 22:13:20 web1 nginx[123]: disk \"full\"\n");
}

TEST(RecordFormat, SeverityTextWinsOverNumberAndFatalNeverBecomesEmerg) {
  model::LogRecord r;
  r.severity_text = "warning";
  r.severity_number = 17;
  EXPECT_EQ(SyslogSeverity(r), 4);
  r.severity_text = "FATAL";
  r.severity_number = 21;
  EXPECT_EQ(SyslogSeverity(r), 2);
  r.severity_text = "";
  r.severity_number = 9;
  EXPECT_EQ(SyslogSeverity(r), 6);
  r.severity_number = 10;
  EXPECT_EQ(SyslogSeverity(r), 5);
  r.severity_number = 5;
  EXPECT_EQ(SyslogSeverity(r), 7);
  r.severity_number = 0;
  EXPECT_EQ(SyslogSeverity(r), 5);
}

TEST(RecordFormat, FacilityByNameOrNumber) {
  model::LogRecord r;
  EXPECT_EQ(SyslogFacility(r), 1);
  r.attributes = {{"syslog.facility", "kern"}};
  EXPECT_EQ(SyslogFacility(r), 0);
  r.attributes = {{"syslog.facility", "LOCAL7"}};
  EXPECT_EQ(SyslogFacility(r), 23);
  r.attributes = {{"syslog.facility", "4"}};
  EXPECT_EQ(SyslogFacility(r), 4);
  r.attributes = {{"syslog.facility", "99"}};
  EXPECT_EQ(SyslogFacility(r), 1);
}

}  // namespace
}  // namespace vigil::forward
