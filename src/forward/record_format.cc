#include "forward/record_format.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <ctime>
#include <string_view>

#include <fmt/format.h>

#include "base/ascii.h"
#include "base/json.h"

namespace vigil::forward {

namespace {

struct CivilTime {
  int64_t year;
  int month, day, hour, minute, second;
  int64_t nanos;
};

// Days since 1970-01-01 -> proleptic Gregorian date (Howard Hinnant's
// days_from_civil inverse), valid for every int64 second count we may meet.
CivilTime ToCivil(int64_t unix_ns) {
  int64_t secs = unix_ns / 1'000'000'000;
  int64_t nanos = unix_ns % 1'000'000'000;
  if (nanos < 0) {
    nanos += 1'000'000'000;
    --secs;
  }
  int64_t days = secs / 86400;
  int64_t rem = secs % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t d = doy - (153 * mp + 2) / 5 + 1;
  int64_t m = mp < 10 ? mp + 3 : mp - 9;
  CivilTime t;
  t.year = y + (m <= 2 ? 1 : 0);
  t.month = static_cast<int>(m);
  t.day = static_cast<int>(d);
  t.hour = static_cast<int>(rem / 3600);
  t.minute = static_cast<int>(rem / 60 % 60);
  t.second = static_cast<int>(rem % 60);
  t.nanos = nanos;
  return t;
}

std::string_view FindAttr(const std::vector<model::LogAttribute>& attrs, std::string_view key) {
  for (const auto& a : attrs) {
    if (a.key == key) return a.value;
  }
  return {};
}

void AppendJsonObject(std::string* out, const std::vector<model::LogAttribute>& attrs) {
  out->push_back('{');
  for (size_t i = 0; i < attrs.size(); ++i) {
    if (i > 0) out->push_back(',');
    AppendJsonString(out, attrs[i].key);
    out->push_back(':');
    AppendJsonString(out, attrs[i].value);
  }
  out->push_back('}');
}

constexpr std::string_view kFacilities[] = {
    "kern",   "user",   "mail",     "daemon", "auth",   "syslog",   "lpr",     "news",
    "uucp",   "cron",   "authpriv", "ftp",    "ntp",    "security", "console", "solaris-cron",
    "local0", "local1", "local2",   "local3", "local4", "local5",   "local6",  "local7"};

int SeverityFromText(std::string_view text) {
  static constexpr std::pair<std::string_view, int> kNames[] = {
      {"emerg", 0},    {"emergency", 0}, {"panic", 0},         {"alert", 1},   {"crit", 2},
      {"critical", 2}, {"err", 3},       {"error", 3},         {"warning", 4}, {"warn", 4},
      {"notice", 5},   {"info", 6},      {"informational", 6}, {"debug", 7},
  };
  for (const auto& [name, sev] : kNames) {
    if (EqualsIgnoreCase(text, name)) return sev;
  }
  return -1;
}

// PRINTUSASCII (33..126), at most max_len bytes, "-" when empty.
void AppendHeaderField(std::string* out, std::string_view v, size_t max_len) {
  if (v.empty()) {
    out->push_back('-');
    return;
  }
  v = v.substr(0, max_len);
  for (char c : v) {
    auto u = static_cast<unsigned char>(c);
    out->push_back(u >= 33 && u <= 126 ? c : '_');
  }
}

std::string_view Hostname(const model::LogRecord& r) {
  std::string_view host = r.stream.Get("host");
  if (host.empty()) host = FindAttr(r.resource, "host.name");
  return host;
}

std::string_view AppName(const model::LogRecord& r) {
  std::string_view app = FindAttr(r.attributes, "syslog.appname");
  if (app.empty()) app = r.stream.Get("job");
  if (app.empty()) app = FindAttr(r.resource, "service.name");
  return app;
}

int Pri(const model::LogRecord& r) { return SyslogFacility(r) * 8 + SyslogSeverity(r); }

}  // namespace

void AppendRFC3339Nano(std::string* out, int64_t unix_ns) {
  CivilTime t = ToCivil(unix_ns);
  fmt::format_to(std::back_inserter(*out), "{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}.{:09d}Z",
                 t.year, t.month, t.day, t.hour, t.minute, t.second, t.nanos);
}

void AppendRecordJson(std::string* out, const model::LogRecord& r) {
  out->append("{\"timestamp\":\"");
  AppendRFC3339Nano(out, r.EffectiveTime());
  out->append("\",\"observed_timestamp\":\"");
  AppendRFC3339Nano(out, r.observed_time_ns);
  fmt::format_to(std::back_inserter(*out),
                 "\",\"severity_number\":{},\"severity_text\":", r.severity_number);
  AppendJsonString(out, r.severity_text);
  out->append(",\"body\":");
  AppendJsonString(out, r.body);
  out->append(",\"labels\":{");
  bool first = true;
  for (const auto& l : r.stream) {
    if (!first) out->push_back(',');
    first = false;
    AppendJsonString(out, l.name);
    out->push_back(':');
    AppendJsonString(out, l.value);
  }
  out->append("},\"attributes\":");
  AppendJsonObject(out, r.attributes);
  out->append(",\"resource\":");
  AppendJsonObject(out, r.resource);
  out->append(",\"trace_id\":");
  AppendJsonString(out, r.trace_id);
  out->append(",\"span_id\":");
  AppendJsonString(out, r.span_id);
  out->push_back('}');
}

std::string RecordsToJson(const std::vector<model::LogRecord>& records) {
  std::string out;
  size_t guess = 2;
  for (const auto& r : records) guess += r.body.size() + 256;
  out.reserve(guess);
  out.push_back('[');
  for (size_t i = 0; i < records.size(); ++i) {
    if (i > 0) out.push_back(',');
    AppendRecordJson(&out, records[i]);
  }
  out.push_back(']');
  return out;
}

int SyslogSeverity(const model::LogRecord& r) {
  int from_text = SeverityFromText(r.severity_text);
  if (from_text >= 0) return from_text;
  int n = r.severity_number;
  if (n >= 21) return 2;
  if (n >= 17) return 3;
  if (n >= 13) return 4;
  if (n >= 10) return 5;
  if (n == 9) return 6;
  if (n >= 1) return 7;
  return 5;
}

int SyslogFacility(const model::LogRecord& r) {
  std::string_view f = FindAttr(r.attributes, "syslog.facility");
  if (f.empty()) return 1;
  for (size_t i = 0; i < std::size(kFacilities); ++i) {
    if (EqualsIgnoreCase(f, kFacilities[i])) return static_cast<int>(i);
  }
  if (f.size() <= 2 &&
      std::all_of(f.begin(), f.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    int v = std::atoi(std::string(f).c_str());
    if (v <= 23) return v;
  }
  return 1;
}

void AppendSyslog5424(std::string* out, const model::LogRecord& r) {
  CivilTime t = ToCivil(r.EffectiveTime());
  fmt::format_to(std::back_inserter(*out),
                 "<{}>1 {:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}.{:06d}Z ", Pri(r), t.year,
                 t.month, t.day, t.hour, t.minute, t.second, t.nanos / 1000);
  AppendHeaderField(out, Hostname(r), 255);
  out->push_back(' ');
  AppendHeaderField(out, AppName(r), 48);
  out->push_back(' ');
  AppendHeaderField(out, FindAttr(r.attributes, "syslog.procid"), 128);
  out->push_back(' ');
  AppendHeaderField(out, FindAttr(r.attributes, "syslog.msgid"), 32);
  out->append(" -");
  if (!r.body.empty()) {
    out->push_back(' ');
    out->append(r.body);
  }
}

void AppendSyslog3164(std::string* out, const model::LogRecord& r) {
  static constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  CivilTime t = ToCivil(r.EffectiveTime());
  fmt::format_to(std::back_inserter(*out), "<{}>{} {:2d} {:02d}:{:02d}:{:02d} ", Pri(r),
                 kMonths[t.month - 1], t.day, t.hour, t.minute, t.second);
  std::string_view host = Hostname(r);
  AppendHeaderField(out, host.empty() ? std::string_view("localhost") : host, 255);
  out->push_back(' ');
  std::string_view app = AppName(r);
  // TAG: alphanumeric, at most 32 characters (RFC 3164 4.1.3).
  size_t tag_start = out->size();
  for (char c : app.substr(0, 32)) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
        c == '/') {
      out->push_back(c);
    }
  }
  if (out->size() == tag_start) out->append("vigil");
  std::string_view pid = FindAttr(r.attributes, "syslog.procid");
  if (!pid.empty()) {
    out->push_back('[');
    AppendHeaderField(out, pid, 128);
    out->push_back(']');
  }
  out->append(": ");
  out->append(r.body);
}

}  // namespace vigil::forward
