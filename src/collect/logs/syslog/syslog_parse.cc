// ParseSyslog: RFC 5424 and RFC 3164 messages -> LogRecord. A single pass
// over the bytes, no regex, no locale, no allocation beyond the record's own
// strings: the TCP server runs it for every message at ~700k messages/s.
#include <cstring>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

#include "base/strconv.h"
#include "base/time.h"
#include "collect/logs/syslog/syslog.h"
#include "model/labels.h"

namespace vigil::logs {
namespace {

constexpr std::string_view kSeverityText[8] = {"emerg",   "alert",  "crit", "err",
                                               "warning", "notice", "info", "debug"};
// OTel severity numbers for the syslog severities (docs/events.md): emerg
// FATAL, alert ERROR4, crit ERROR3, err ERROR, warning WARN, notice INFO2,
// info INFO, debug DEBUG.
constexpr uint8_t kSeverityNumber[8] = {21, 20, 19, 17, 13, 10, 9, 5};
constexpr std::string_view kFacility[24] = {
    "kern",   "user",   "mail",     "daemon", "auth",   "syslog",   "lpr",     "news",
    "uucp",   "cron",   "authpriv", "ftp",    "ntp",    "security", "console", "solaris-cron",
    "local0", "local1", "local2",   "local3", "local4", "local5",   "local6",  "local7"};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Days since 1970-01-01 of a civil date (proleptic Gregorian), after
// H. Hinnant's days_from_civil.
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

int DaysInMonth(int64_t y, unsigned m) {
  static constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return 29;
  return kDays[m - 1];
}

// Reads exactly n digits at s[pos].
bool Digits(std::string_view s, size_t pos, size_t n, unsigned* out) {
  if (pos + n > s.size()) return false;
  unsigned v = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (!IsDigit(c)) return false;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  *out = v;
  return true;
}

// RFC 3339 as RFC 5424 restricts it: YYYY-MM-DDTHH:MM:SS[.frac](Z|+hh:mm).
// Up to 9 fraction digits are kept (RFC 5424 allows 6). Returns the length
// consumed, 0 when s does not start with one.
size_t ParseRfc3339(std::string_view s, int64_t* ns) {
  unsigned year, month, day, hour, minute, second;
  if (!Digits(s, 0, 4, &year) || s.size() < 19 || s[4] != '-' || !Digits(s, 5, 2, &month) ||
      s[7] != '-' || !Digits(s, 8, 2, &day) || (s[10] != 'T' && s[10] != 't') ||
      !Digits(s, 11, 2, &hour) || s[13] != ':' || !Digits(s, 14, 2, &minute) || s[16] != ':' ||
      !Digits(s, 17, 2, &second)) {
    return 0;
  }
  if (month < 1 || month > 12 || day < 1 || static_cast<int>(day) > DaysInMonth(year, month) ||
      hour > 23 || minute > 59 || second > 60) {
    return 0;
  }
  size_t pos = 19;
  int64_t frac = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    size_t digits = 0;
    while (pos < s.size() && IsDigit(s[pos])) {
      if (digits < 9) {
        frac = frac * 10 + (s[pos] - '0');
        ++digits;
      }
      ++pos;
    }
    if (digits == 0) return 0;
    for (size_t i = digits; i < 9; ++i) frac *= 10;
  }
  int64_t offset_seconds = 0;
  if (pos >= s.size()) return 0;
  if (s[pos] == 'Z' || s[pos] == 'z') {
    ++pos;
  } else if (s[pos] == '+' || s[pos] == '-') {
    unsigned oh, om;
    if (!Digits(s, pos + 1, 2, &oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !Digits(s, pos + 4, 2, &om) || oh > 23 || om > 59) {
      return 0;
    }
    offset_seconds = static_cast<int64_t>(oh * 3600 + om * 60) * (s[pos] == '+' ? 1 : -1);
    pos += 6;
  } else {
    return 0;
  }
  int64_t secs =
      DaysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offset_seconds;
  *ns = secs * 1000000000 + frac;
  return pos;
}

int MonthIndex(std::string_view m) {
  static constexpr std::string_view kMonths[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (int i = 0; i < 12; ++i) {
    if (m == kMonths[i]) return i + 1;
  }
  return 0;
}

// "Mmm dd hh:mm:ss" (day space-padded or zero-padded), optionally followed
// by fractional seconds and/or a year ("Mmm dd yyyy hh:mm:ss" is not
// accepted). No zone: taken as UTC. Returns the length consumed or 0.
size_t ParseRfc3164Time(std::string_view s, int64_t now_ns, int64_t* ns) {
  if (s.size() < 15 || s[3] != ' ') return 0;
  int month = MonthIndex(s.substr(0, 3));
  if (month == 0) return 0;
  unsigned day, hour, minute, second;
  if (s[4] == ' ') {
    if (!Digits(s, 5, 1, &day)) return 0;
  } else if (!Digits(s, 4, 2, &day)) {
    return 0;
  }
  if (s[6] != ' ' || !Digits(s, 7, 2, &hour) || s[9] != ':' || !Digits(s, 10, 2, &minute) ||
      s[12] != ':' || !Digits(s, 13, 2, &second)) {
    return 0;
  }
  if (day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return 0;
  size_t pos = 15;
  int64_t frac = 0;
  if (pos < s.size() && s[pos] == '.') {
    size_t p = pos + 1, digits = 0;
    while (p < s.size() && IsDigit(s[p])) {
      if (digits < 9) {
        frac = frac * 10 + (s[p] - '0');
        ++digits;
      }
      ++p;
    }
    if (digits > 0) {
      for (size_t i = digits; i < 9; ++i) frac *= 10;
      pos = p;
    }
  }
  // The year is missing: this year, or last year when that would put the
  // message more than a day in the future (December's messages read in
  // January).
  int64_t now_days = now_ns / 1000000000 / 86400;
  // civil_from_days, year only.
  int64_t z = now_days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t year = yoe + era * 400 + ((mp + 3 > 12) ? 1 : 0);
  auto to_ns = [&](int64_t y) -> int64_t {
    int d = std::min<int>(static_cast<int>(day), DaysInMonth(y, month));
    return (DaysFromCivil(y, month, d) * 86400 + hour * 3600 + minute * 60 + second) * 1000000000 +
           frac;
  };
  int64_t t = to_ns(year);
  if (t > now_ns + int64_t{86400} * 1000000000) t = to_ns(year - 1);
  *ns = t;
  return pos;
}

bool IsAscii(std::string_view s) {
  const char* p = s.data();
  size_t n = s.size();
  // 32 bytes a step: the whole body of a typical line in ~8 steps.
  while (n >= 32) {
    uint64_t a, b, c, d;
    std::memcpy(&a, p, 8);
    std::memcpy(&b, p + 8, 8);
    std::memcpy(&c, p + 16, 8);
    std::memcpy(&d, p + 24, 8);
    if ((a | b | c | d) & 0x8080808080808080ull) return false;
    p += 32;
    n -= 32;
  }
  uint64_t acc = 0;
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    acc |= w;
    p += 8;
    n -= 8;
  }
  for (size_t i = 0; i < n; ++i) acc |= static_cast<unsigned char>(p[i]);
  return (acc & 0x8080808080808080ull) == 0 && (acc & 0x80) == 0;
}

// Appends s to *out replacing each invalid UTF-8 byte by U+FFFD. Returns
// false if anything was replaced.
bool AppendSanitized(std::string* out, std::string_view s) {
  if (IsAscii(s) || model::IsValidUTF8(s)) {
    out->append(s);
    return true;
  }
  bool clean = true;
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      out->push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    int width = 1;
    int32_t r = Utf8DecodeRune(s, i, &width);
    if (r == kUtf8RuneError && width == 1) {
      out->append("\xEF\xBF\xBD");
      clean = false;
    } else {
      out->append(s.substr(i, width));
    }
    i += width;
  }
  return clean;
}

class Parser {
 public:
  Parser(std::string_view msg, const SyslogParseOptions& options, model::LogRecord* out)
      : msg_(msg), options_(options), out_(out) {}

  void Run() {
    out_->observed_time_ns = options_.observed_time_ns;
    out_->attributes.reserve(out_->attributes.size() + 5);
    // Framing leftovers: a trailing newline (UDP senders add one), NULs.
    while (!msg_.empty() && (msg_.back() == '\n' || msg_.back() == '\r' || msg_.back() == '\0')) {
      msg_.remove_suffix(1);
    }
    size_t pos = 0;
    if (!ParsePri(&pos)) {
      SetBody(msg_);
      AddAttr("syslog.parse_error", "missing PRI");
      Finish();
      return;
    }
    std::string_view rest = msg_.substr(pos);
    if (rest.size() >= 2 && rest[0] == '1' && rest[1] == ' ') {
      Parse5424(rest.substr(2));
    } else {
      Parse3164(rest);
    }
    Finish();
  }

 private:
  bool ParsePri(size_t* pos) {
    if (msg_.size() < 3 || msg_[0] != '<') return false;
    unsigned pri = 0;
    size_t i = 1;
    while (i < msg_.size() && i <= 4 && IsDigit(msg_[i])) {
      pri = pri * 10 + static_cast<unsigned>(msg_[i] - '0');
      ++i;
    }
    if (i == 1 || i > 4 || i >= msg_.size() || msg_[i] != '>' || pri > 191) return false;
    severity_ = static_cast<int>(pri & 7);
    facility_ = static_cast<int>(pri >> 3);
    *pos = i + 1;
    return true;
  }

  // Next space-delimited field of rest at *pos (advanced past the space).
  static bool Field(std::string_view s, size_t* pos, std::string_view* field) {
    size_t sp = s.find(' ', *pos);
    if (sp == std::string_view::npos) {
      if (*pos >= s.size()) return false;
      *field = s.substr(*pos);
      *pos = s.size();
      return true;
    }
    if (sp == *pos) return false;  // empty field
    *field = s.substr(*pos, sp - *pos);
    *pos = sp + 1;
    return true;
  }

  void Malformed(std::string_view why) {
    SetBody(msg_);
    AddAttr("syslog.parse_error", why);
  }

  void Parse5424(std::string_view s) {
    size_t pos = 0;
    std::string_view ts, host, app, procid, msgid;
    if (!Field(s, &pos, &ts) || !Field(s, &pos, &host) || !Field(s, &pos, &app) ||
        !Field(s, &pos, &procid) || !Field(s, &pos, &msgid)) {
      return Malformed("rfc5424: truncated header");
    }
    if (ts != "-") {
      int64_t t;
      if (ParseRfc3339(ts, &t) != ts.size()) return Malformed("rfc5424: invalid timestamp");
      out_->time_ns = t;
    }
    if (host != "-") host_ = host;
    if (app != "-") app_ = app;
    if (procid != "-") procid_ = procid;
    if (msgid != "-") msgid_ = msgid;
    // STRUCTURED-DATA: "-" or one or more [id param="value"...] elements.
    if (pos >= s.size()) return Malformed("rfc5424: missing structured data");
    if (s[pos] == '-') {
      ++pos;
    } else if (s[pos] == '[') {
      if (!ParseStructuredData(s, &pos)) return Malformed("rfc5424: invalid structured data");
    } else {
      return Malformed("rfc5424: invalid structured data");
    }
    if (pos < s.size()) {
      if (s[pos] != ' ') return Malformed("rfc5424: invalid structured data");
      ++pos;
    }
    std::string_view body = s.substr(pos);
    if (body.size() >= 3 && std::memcmp(body.data(), "\xEF\xBB\xBF", 3) == 0) {
      body.remove_prefix(3);
    }
    SetBody(body);
  }

  static bool IsSdNameChar(char c) { return c > 32 && c < 127 && c != '=' && c != ']' && c != '"'; }

  bool ParseStructuredData(std::string_view s, size_t* pos) {
    size_t i = *pos;
    std::string key;
    while (i < s.size() && s[i] == '[') {
      ++i;
      size_t id_start = i;
      while (i < s.size() && IsSdNameChar(s[i])) ++i;
      if (i == id_start || i >= s.size()) return false;
      std::string_view id = s.substr(id_start, i - id_start);
      bool any_param = false;
      while (i < s.size() && s[i] == ' ') {
        ++i;
        size_t name_start = i;
        while (i < s.size() && IsSdNameChar(s[i])) ++i;
        if (i == name_start || i + 1 >= s.size() || s[i] != '=' || s[i + 1] != '"') return false;
        std::string_view name = s.substr(name_start, i - name_start);
        i += 2;
        std::string value;
        size_t chunk = i;
        for (;;) {
          if (i >= s.size()) return false;
          char c = s[i];
          if (c == '"') break;
          if (c == '\\' && i + 1 < s.size() &&
              (s[i + 1] == '"' || s[i + 1] == '\\' || s[i + 1] == ']')) {
            value.append(s.substr(chunk, i - chunk));
            value.push_back(s[i + 1]);
            i += 2;
            chunk = i;
            continue;
          }
          ++i;
        }
        value.append(s.substr(chunk, i - chunk));
        ++i;  // closing quote
        key.assign("sd.");
        key.append(id);
        key.push_back('.');
        key.append(name);
        std::string clean;
        if (!AppendSanitized(&clean, value)) invalid_utf8_ = true;
        out_->attributes.push_back(model::LogAttribute{key, std::move(clean)});
        any_param = true;
      }
      if (i >= s.size() || s[i] != ']') return false;
      ++i;
      if (!any_param) {
        // An element without parameters still says something (e.g. [origin]).
        key.assign("sd.");
        key.append(id);
        out_->attributes.push_back(model::LogAttribute{key, ""});
      }
    }
    *pos = i;
    return true;
  }

  static bool LooksLikeTag(std::string_view token) {
    return !token.empty() && (token.back() == ':' || token.find('[') != std::string_view::npos);
  }

  void Parse3164(std::string_view s) {
    size_t pos = 0;
    int64_t t;
    int64_t now = options_.now_ns != 0 ? options_.now_ns : NowMillis() * 1000000;
    if (size_t n = ParseRfc3164Time(s, now, &t); n > 0) {
      out_->time_ns = t;
      pos = n;
    } else if (size_t n2 = ParseRfc3339(s, &t); n2 > 0) {
      // rsyslog's forwarding templates put an RFC 3339 time in 3164's place.
      out_->time_ns = t;
      pos = n2;
    }
    if (pos > 0) {
      if (pos < s.size() && s[pos] != ' ') {
        out_->time_ns = 0;
        pos = 0;  // not a timestamp after all
      } else {
        while (pos < s.size() && s[pos] == ' ') ++pos;
      }
    }
    // HOSTNAME: present only after a timestamp, and only if the token is not
    // already the tag ("tag:" or "tag[pid]").
    if (pos > 0) {
      size_t sp = s.find(' ', pos);
      std::string_view token = s.substr(pos, sp == std::string_view::npos ? s.npos : sp - pos);
      if (sp != std::string_view::npos && !LooksLikeTag(token) && !token.empty()) {
        host_ = token;
        pos = sp + 1;
      }
    }
    // TAG[PID]: — the tag ends at '[', ':' or a space.
    size_t i = pos;
    while (i < s.size() && s[i] != '[' && s[i] != ':' && s[i] != ' ') ++i;
    std::string_view tag = s.substr(pos, i - pos);
    size_t body_start = pos;
    if (!tag.empty() && i < s.size() && s[i] == '[') {
      size_t close = s.find(']', i);
      if (close != std::string_view::npos && close - i <= 32) {
        std::string_view pid = s.substr(i + 1, close - i - 1);
        size_t j = close + 1;
        if (j < s.size() && s[j] == ':') ++j;
        if (j >= s.size() || s[j] == ' ') {
          app_ = tag;
          if (!pid.empty()) procid_ = pid;
          body_start = j < s.size() ? j + 1 : j;
        }
      }
    } else if (!tag.empty() && i < s.size() && s[i] == ':' &&
               (i + 1 >= s.size() || s[i + 1] == ' ')) {
      app_ = tag;
      body_start = i + 1 < s.size() ? i + 2 : i + 1;
    }
    SetBody(s.substr(std::min(body_start, s.size())));
  }

  void SetBody(std::string_view body) {
    out_->body.clear();
    out_->body.reserve(body.size());
    if (!AppendSanitized(&out_->body, body)) invalid_utf8_ = true;
  }

  void AddAttr(std::string_view key, std::string_view value) {
    model::LogAttribute& attr = out_->attributes.emplace_back();
    attr.key.assign(key);
    attr.value.assign(value);
  }

  void AddSanitizedAttr(std::string_view key, std::string_view value) {
    model::LogAttribute& attr = out_->attributes.emplace_back();
    attr.key.assign(key);
    if (!AppendSanitized(&attr.value, value)) invalid_utf8_ = true;
  }

  void Finish() {
    if (severity_ >= 0) {
      out_->severity_number = kSeverityNumber[severity_];
      out_->severity_text.assign(kSeverityText[severity_]);
      AddAttr("syslog.facility", kFacility[facility_]);
    }
    std::string host, app;
    if (!host_.empty()) {
      if (!AppendSanitized(&host, host_)) invalid_utf8_ = true;
      out_->resource.push_back(model::LogAttribute{"host.name", host});
    }
    if (!app_.empty()) {
      if (!AppendSanitized(&app, app_)) invalid_utf8_ = true;
      out_->attributes.push_back(model::LogAttribute{"syslog.appname", app});
    }
    if (!procid_.empty()) AddSanitizedAttr("syslog.procid", procid_);
    if (!msgid_.empty()) AddSanitizedAttr("syslog.msgid", msgid_);
    if (invalid_utf8_) AddAttr("syslog.invalid_utf8", "true");
    if (!host.empty() || !app.empty()) SetStreamLabels(host, app);
  }

  // Adds host and job to the record's stream (the message's values win over
  // configured ones), keeping the labels sorted.
  void SetStreamLabels(std::string& host, std::string& app) {
    const std::vector<model::Label>& base = out_->stream.vec();
    std::vector<model::Label> labels;
    labels.reserve(base.size() + 2);
    bool host_done = host.empty(), job_done = app.empty();
    for (const model::Label& l : base) {
      if (!host_done && l.name >= "host") {
        labels.push_back(model::Label{"host", std::move(host)});
        host_done = true;
        if (l.name == "host") continue;
      }
      if (!job_done && l.name >= "job") {
        labels.push_back(model::Label{"job", std::move(app)});
        job_done = true;
        if (l.name == "job") continue;
      }
      labels.push_back(l);
    }
    if (!host_done) labels.push_back(model::Label{"host", std::move(host)});
    if (!job_done) labels.push_back(model::Label{"job", std::move(app)});
    out_->stream = model::Labels::FromSorted(std::move(labels));
  }

  std::string_view msg_;
  const SyslogParseOptions& options_;
  model::LogRecord* out_;
  int severity_ = -1;
  int facility_ = 0;
  std::string_view host_, app_, procid_, msgid_;
  bool invalid_utf8_ = false;
};

}  // namespace

void ParseSyslog(std::string_view message, const SyslogParseOptions& options,
                 model::LogRecord* out) {
  Parser(message, options, out).Run();
}

}  // namespace vigil::logs
