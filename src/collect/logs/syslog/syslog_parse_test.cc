#include <gtest/gtest.h>

#include "collect/logs/syslog/syslog.h"

namespace vigil::logs {
namespace {

using model::LogAttribute;
using model::LogRecord;

// 2026-12-01T12:00:00Z
constexpr int64_t kNow = 1796126400LL * 1000000000;

LogRecord Parse(std::string_view msg, model::Labels base = {}) {
  SyslogParseOptions o;
  o.observed_time_ns = 7;
  o.now_ns = kNow;
  LogRecord r;
  r.stream = std::move(base);
  ParseSyslog(msg, o, &r);
  return r;
}

std::string Attr(const LogRecord& r, std::string_view key) {
  for (const LogAttribute& a : r.attributes) {
    if (a.key == key) return a.value;
  }
  return "<none>";
}

TEST(Rfc5424Test, BenchLineMapsToJobHostAndFields) {
  LogRecord r = Parse(
      "<134>1 2026-11-25T18:00:00.123456Z gen-2 logbench - nginx - 10.0.0.1 - - \"GET / "
      "HTTP/1.1\"");
  EXPECT_EQ(r.time_ns, 1795629600123456000);
  EXPECT_EQ(r.observed_time_ns, 7);
  EXPECT_EQ(r.severity_number, 9);
  EXPECT_EQ(r.severity_text, "info");
  EXPECT_EQ(r.body, "10.0.0.1 - - \"GET / HTTP/1.1\"");
  EXPECT_EQ(r.stream, model::Labels::FromStrings({"host", "gen-2", "job", "logbench"}));
  EXPECT_EQ(r.resource, (std::vector<LogAttribute>{{"host.name", "gen-2"}}));
  EXPECT_EQ(Attr(r, "syslog.facility"), "local0");
  EXPECT_EQ(Attr(r, "syslog.appname"), "logbench");
  EXPECT_EQ(Attr(r, "syslog.msgid"), "nginx");
  EXPECT_EQ(Attr(r, "syslog.procid"), "<none>");
  EXPECT_EQ(Attr(r, "syslog.parse_error"), "<none>");
}

TEST(Rfc5424Test, SeverityAndFacilityFromPri) {
  LogRecord r = Parse("<131>1 - - - - - - x");
  EXPECT_EQ(r.severity_text, "err");
  EXPECT_EQ(r.severity_number, 17);
  EXPECT_EQ(Attr(r, "syslog.facility"), "local0");
  EXPECT_EQ(Parse("<0>1 - - - - - -").severity_text, "emerg");
  EXPECT_EQ(Parse("<0>1 - - - - - -").severity_number, 21);
  EXPECT_EQ(Attr(Parse("<0>1 - - - - - -"), "syslog.facility"), "kern");
  EXPECT_EQ(Parse("<191>1 - - - - - -").severity_text, "debug");
  // docs/events.md: emerg, alert, crit are FATAL, ERROR4, ERROR3.
  const uint8_t want[8] = {21, 20, 19, 17, 13, 10, 9, 5};
  for (int sev = 0; sev < 8; ++sev) {
    EXPECT_EQ(Parse("<" + std::to_string(8 + sev) + ">1 - - - - - -").severity_number, want[sev])
        << sev;
  }
}

TEST(Rfc5424Test, NilValuesLeaveFieldsUnset) {
  LogRecord r = Parse("<13>1 - - - - - -");
  EXPECT_EQ(r.time_ns, 0);
  EXPECT_EQ(r.EffectiveTime(), 7);
  EXPECT_TRUE(r.stream.empty());
  EXPECT_TRUE(r.resource.empty());
  EXPECT_EQ(r.body, "");
  EXPECT_EQ(Attr(r, "syslog.parse_error"), "<none>");
}

TEST(Rfc5424Test, TimestampOffsetsAndFractions) {
  EXPECT_EQ(Parse("<13>1 2026-11-25T18:00:00+02:00 h a - - - x").time_ns,
            1795629600LL * 1000000000 - 7200LL * 1000000000);
  EXPECT_EQ(Parse("<13>1 2026-11-25T18:00:00.5-01:30 h a - - - x").time_ns,
            (1795629600LL + 5400) * 1000000000 + 500000000);
  EXPECT_EQ(Parse("<13>1 2026-11-25T18:00:00.123456789123Z h a - - - x").time_ns,
            1795629600123456789);
  EXPECT_EQ(Parse("<13>1 2024-02-29T00:00:00Z h a - - - x").time_ns, 1709164800LL * 1000000000);
}

TEST(Rfc5424Test, StructuredDataBecomesAttributes) {
  LogRecord r = Parse(
      R"(<13>1 2026-12-01T21:33:54.261295+00:00 vm root 42 MID [timeQuality tzKnown="1" isSynced="0"][zoo@123 tiger="hun\"gr\]y\\" e=""][origin] sd msg)");
  EXPECT_EQ(Attr(r, "sd.timeQuality.tzKnown"), "1");
  EXPECT_EQ(Attr(r, "sd.timeQuality.isSynced"), "0");
  EXPECT_EQ(Attr(r, "sd.zoo@123.tiger"), "hun\"gr]y\\");
  EXPECT_EQ(Attr(r, "sd.zoo@123.e"), "");
  EXPECT_EQ(Attr(r, "sd.origin"), "");
  EXPECT_EQ(Attr(r, "syslog.procid"), "42");
  EXPECT_EQ(Attr(r, "syslog.msgid"), "MID");
  EXPECT_EQ(r.body, "sd msg");
  EXPECT_EQ(r.stream, model::Labels::FromStrings({"host", "vm", "job", "root"}));
}

TEST(Rfc5424Test, BomIsDroppedAndTrailingNewlineTrimmed) {
  EXPECT_EQ(Parse("<13>1 - h a - - - \xEF\xBB\xBFhello\r\n").body, "hello");
  EXPECT_EQ(Parse("<13>1 - h a - - - keep  spaces ").body, "keep  spaces ");
}

TEST(Rfc5424Test, MalformedIsKeptWholeAndTagged) {
  for (std::string_view bad : {
           "<13>1 2026-13-01T00:00:00Z h a - - - x",  // month 13
           "<13>1 2026-11-25 18:00:00Z h a - - - x",
           "<13>1 - h a - -",
           "<13>1 - h a - - [unterminated x=\"1\" msg",
           "<13>1 - h a - - [x a=1] msg",
           "<13>1 - h a - - junk msg",
           "<13>1 - h a - - -junk",
       }) {
    LogRecord r = Parse(bad);
    EXPECT_NE(Attr(r, "syslog.parse_error"), "<none>") << bad;
    EXPECT_EQ(r.body, bad);
    EXPECT_EQ(r.severity_text, "notice") << "PRI still counts";
  }
}

TEST(SyslogTest, MissingPriKeepsEverything) {
  for (std::string_view bad : {"hello world", "<>1 x", "<192>1 - - - - - -", "<1234>x", "<13"}) {
    LogRecord r = Parse(bad);
    EXPECT_EQ(Attr(r, "syslog.parse_error"), "missing PRI") << bad;
    EXPECT_EQ(r.body, bad);
    EXPECT_EQ(r.severity_number, 0);
    EXPECT_EQ(r.severity_text, "");
  }
  EXPECT_EQ(Parse("").body, "");
}

TEST(SyslogTest, InvalidUtf8IsReplacedAndTagged) {
  LogRecord r = Parse("<13>1 - h\xff a - - - bad \xc3 byte \xe2\x82\xac ok");
  EXPECT_EQ(r.body, "bad \xEF\xBF\xBD byte \xe2\x82\xac ok");
  EXPECT_EQ(Attr(r, "syslog.invalid_utf8"), "true");
  EXPECT_EQ(r.stream.Get("host"), "h\xEF\xBF\xBD");
  EXPECT_TRUE(model::ValidateLabels(r.stream.View(), {}, false).ok());
  EXPECT_EQ(Attr(Parse("<13>1 - h a - - - \xc3\xa9t\xc3\xa9"), "syslog.invalid_utf8"), "<none>");
}

TEST(SyslogTest, StreamLabelsMergeWithConfiguredOnes) {
  LogRecord r = Parse("<13>1 - h a - - - x",
                      model::Labels::FromStrings({"env", "prod", "job", "cfg", "zone", "z"}));
  EXPECT_EQ(r.stream,
            model::Labels::FromStrings({"env", "prod", "host", "h", "job", "a", "zone", "z"}));
  LogRecord nil = Parse("<13>1 - - - - - - x", model::Labels::FromStrings({"job", "cfg"}));
  EXPECT_EQ(nil.stream, model::Labels::FromStrings({"job", "cfg"}));
}

TEST(SyslogTest, HugeMessageParsesWhole) {
  std::string big = "<13>1 - h a - - - " + std::string(10 << 20, 'x');
  LogRecord r = Parse(big);
  EXPECT_EQ(r.body.size(), size_t{10} << 20);
}

TEST(Rfc3164Test, LoggerFormatWithHostTagAndPid) {
  LogRecord r = Parse("<13>Dec  1 21:33:54 vm myapp[18470]: hello 3164");
  // 2026-12-01T21:33:54Z (the current year; no zone: UTC).
  EXPECT_EQ(r.time_ns, (1796126400LL + 9 * 3600 + 33 * 60 + 54) * 1000000000);
  EXPECT_EQ(r.body, "hello 3164");
  EXPECT_EQ(r.stream, model::Labels::FromStrings({"host", "vm", "job", "myapp"}));
  EXPECT_EQ(Attr(r, "syslog.procid"), "18470");
  EXPECT_EQ(Attr(r, "syslog.facility"), "user");
  EXPECT_EQ(r.severity_text, "notice");
}

TEST(Rfc3164Test, TagWithoutPid) {
  LogRecord r = Parse("<155>Dec  1 21:33:54 vm root: nohdr");
  EXPECT_EQ(r.body, "nohdr");
  EXPECT_EQ(r.stream, model::Labels::FromStrings({"host", "vm", "job", "root"}));
  EXPECT_EQ(Attr(r, "syslog.facility"), "local3");
  EXPECT_EQ(r.severity_text, "err");
}

TEST(Rfc3164Test, MissingHostname) {
  LogRecord r = Parse("<13>Dec 01 21:33:54 myapp[7]: no host here");
  EXPECT_EQ(r.stream, model::Labels::FromStrings({"job", "myapp"}));
  EXPECT_EQ(r.body, "no host here");
  LogRecord r2 = Parse("<13>Dec  1 21:33:54 myapp: no host");
  EXPECT_EQ(r2.stream, model::Labels::FromStrings({"job", "myapp"}));
  EXPECT_EQ(r2.body, "no host");
}

TEST(Rfc3164Test, MissingTimestampAndHost) {
  LogRecord r = Parse("<14>sshd[99]: Accepted publickey");
  EXPECT_EQ(r.time_ns, 0);
  EXPECT_EQ(r.stream, model::Labels::FromStrings({"job", "sshd"}));
  EXPECT_EQ(Attr(r, "syslog.procid"), "99");
  EXPECT_EQ(r.body, "Accepted publickey");
}

TEST(Rfc3164Test, NoTagKeepsTheRestAsBody) {
  LogRecord r = Parse("<13>Dec  1 21:33:54 host just some words");
  EXPECT_EQ(r.stream, model::Labels::FromStrings({"host", "host"}));
  EXPECT_EQ(r.body, "just some words");
  EXPECT_EQ(Parse("<13>plain text").body, "plain text");
  EXPECT_EQ(Parse("<13>").body, "");
}

TEST(Rfc3164Test, DecemberMessageInJanuaryIsLastYear) {
  SyslogParseOptions o;
  o.now_ns = 1798761600LL * 1000000000 + 3600LL * 1000000000;  // 2027-01-01T01:00Z
  LogRecord r;
  ParseSyslog("<13>Dec 31 23:59:00 h a: x", o, &r);
  EXPECT_EQ(r.time_ns, (1798761600LL - 60) * 1000000000);  // 2026-12-31T23:59Z
  LogRecord r2;
  ParseSyslog("<13>Jan  1 00:30:00 h a: x", o, &r2);
  EXPECT_EQ(r2.time_ns, (1798761600LL + 1800) * 1000000000);
}

TEST(Rfc3164Test, Rfc3339TimestampInPlaceOfBsdOne) {
  LogRecord r = Parse("<13>2026-11-25T18:00:00.123+00:00 gen-1 app[3]: hi");
  EXPECT_EQ(r.time_ns, 1795629600123000000);
  EXPECT_EQ(r.stream, model::Labels::FromStrings({"host", "gen-1", "job", "app"}));
  EXPECT_EQ(r.body, "hi");
}

TEST(Rfc3164Test, BadTimestampIsBody) {
  LogRecord r = Parse("<13>Dex  1 21:33:54 host app: x");
  EXPECT_EQ(r.time_ns, 0);
  EXPECT_EQ(r.body, "Dex  1 21:33:54 host app: x");
}

}  // namespace
}  // namespace vigil::logs
