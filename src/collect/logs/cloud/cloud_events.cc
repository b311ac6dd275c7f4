// Cloud events onto the event schema. docs/events.md has the tables; the
// comments here say why a field goes where it goes.
#include "collect/logs/cloud/cloud_events.h"

#include <simdjson.h>

#include <fmt/format.h>

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "base/ascii.h"
#include "base/strconv.h"
#include "base/time.h"
#include "model/labels.h"

namespace vigil::cloudlogs {
namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

constexpr int64_t kNanosPerMilli = 1'000'000;
// Unix nanoseconds in int64 cover 1677-09-21 to 2262-04-11; times outside
// that range are treated as absent (the store then uses the observed time).
constexpr int64_t kMaxMillisForNanos = INT64_MAX / kNanosPerMilli;
// FormatRFC3339 goes through gmtime: keep it to years 0000-9999.
constexpr int64_t kMaxFormattableMillis = 253402300799999;  // 9999-12-31T23:59:59.999Z
// Documents larger than this get a parser of their own, so one huge event
// does not leave a huge buffer in the thread's cached parser.
constexpr size_t kCachedParserMaxBytes = size_t{8} << 20;

// ---- JSON readers: a missing field and a field of the wrong type are alike
// (absent), as the clouds' own readers treat optional fields.

std::optional<element> Field(element obj, std::string_view key) {
  object o;
  if (obj.get_object().get(o) != simdjson::SUCCESS) return std::nullopt;
  element v;
  if (o.at_key(key).get(v) != simdjson::SUCCESS) return std::nullopt;
  return v;
}

std::optional<element> Field(std::optional<element> obj, std::string_view key) {
  if (!obj) return std::nullopt;
  return Field(*obj, key);
}

// The string at obj[key], "" when absent or not a string.
std::string_view Str(std::optional<element> obj, std::string_view key) {
  auto v = Field(obj, key);
  std::string_view s;
  if (!v || v->get_string().get(s) != simdjson::SUCCESS) return {};
  return s;
}

bool IsObject(std::optional<element> v) { return v && v->is_object(); }

// A value kept as a string attribute: a string as is, anything else in its
// JSON text (42, true, [..], {..}); null is absent.
std::string Text(std::optional<element> v) {
  if (!v || v->is_null()) return {};
  std::string_view s;
  if (v->get_string().get(s) == simdjson::SUCCESS) return std::string(s);
  return simdjson::to_string(*v);
}

// Azure writes names both as {"value": "...", "localizedValue": "..."} and,
// in other schemas of the same event, as a plain string.
std::string_view ValueOf(std::optional<element> obj, std::string_view key) {
  auto v = Field(obj, key);
  if (!v) return {};
  std::string_view s;
  if (v->get_string().get(s) == simdjson::SUCCESS) return s;
  return Str(v, "value");
}

// Parses text that must be one JSON object. The thread's cached parser is
// reused across calls (the returned element lives until the next parse on
// this thread, or as long as *own when that was needed).
simdjson::error_code ParseObject(std::string_view text, std::unique_ptr<simdjson::dom::parser>* own,
                                 element* out) {
  simdjson::dom::parser* parser;
  if (text.size() > kCachedParserMaxBytes) {
    *own = std::make_unique<simdjson::dom::parser>();
    parser = own->get();
  } else {
    thread_local simdjson::dom::parser cached;
    parser = &cached;
  }
  element doc;
  if (auto err = parser->parse(text.data(), text.size()).get(doc); err != simdjson::SUCCESS) {
    return err;
  }
  if (!doc.is_object()) return simdjson::INCORRECT_TYPE;
  *out = doc;
  return simdjson::SUCCESS;
}

// ---- Text helpers.

// Invalid UTF-8 bytes become U+FFFD: label values must be valid UTF-8 to be
// stored, and attributes are compared with label matchers in LogQL.
std::string ValidUtf8(std::string_view s) {
  if (model::IsValidUTF8(s)) return std::string(s);
  std::string out;
  out.reserve(s.size() + 8);
  for (size_t i = 0; i < s.size();) {
    int width = 1;
    int32_t r = Utf8DecodeRune(s, i, &width);
    if (r == kUtf8RuneError && width == 1) {
      Utf8AppendRune(&out, kUtf8RuneError);
    } else {
      out.append(s.substr(i, static_cast<size_t>(width)));
    }
    i += static_cast<size_t>(width);
  }
  return out;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// %XX escapes decoded; a '%' not followed by two hex digits stays as is.
std::string PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && HexDigit(s[i + 1]) >= 0 && HexDigit(s[i + 2]) >= 0) {
      out += static_cast<char>(HexDigit(s[i + 1]) * 16 + HexDigit(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// s as lower-case hex when it is exactly `len` hex digits and not all zero
// (W3C trace context: an all-zero id is invalid); "" otherwise.
std::string HexId(std::string_view s, size_t len) {
  if (s.size() != len) return {};
  std::string out(s);
  bool nonzero = false;
  for (char& c : out) {
    int d = HexDigit(c);
    if (d < 0) return {};
    nonzero |= d != 0;
    c = "0123456789abcdef"[d];
  }
  return nonzero ? out : std::string();
}

// ---- Times.

int64_t MillisToNanos(int64_t ms) {
  if (ms > kMaxMillisForNanos || ms < -kMaxMillisForNanos) return 0;
  return ms * kNanosPerMilli;
}

// RFC 3339 with any number of fraction digits and a Z or ±HH:MM offset, in
// Unix nanoseconds. base/time.h's ParseTimestamp does the calendar and the
// offset (in milliseconds); the digits past the millisecond are added here.
// Only the date form: a bare number is not an RFC 3339 time.
bool ParseRfc3339Nanos(std::string_view s, int64_t* ns) {
  if (s.size() < 20 || s[4] != '-') return false;
  Result<int64_t> ms = ParseTimestamp(s);
  if (!ms.ok() || *ms > kMaxMillisForNanos || *ms < -kMaxMillisForNanos) return false;
  // Fraction digits 4 to 9 are the nanoseconds within the millisecond;
  // beyond 9 they are below a nanosecond and dropped.
  int64_t sub_ms = 0;
  if (s[19] == '.') {
    size_t end = 20;
    while (end < s.size() && s[end] >= '0' && s[end] <= '9') ++end;
    int64_t scale = 100'000;
    for (size_t i = 23; i < end && i < 29; ++i) {
      sub_ms += (s[i] - '0') * scale;
      scale /= 10;
    }
  }
  int64_t out = *ms * kNanosPerMilli;
  if (out > 0 && sub_ms > INT64_MAX - out) return false;
  *ns = out + sub_ms;
  return true;
}

// ---- Record building.

// Adds key=value unless value is empty or key is there already: the first
// wins, so a key the event gives twice (JSON allows it), a label named like
// a fixed field, or two fields that both say it (httpRequest.remoteIp and an
// audit log's callerIp) never make two attributes of one name.
void Add(std::vector<model::LogAttribute>* to, std::string_view key, std::string value) {
  if (value.empty()) return;
  for (const model::LogAttribute& a : *to) {
    if (a.key == key) return;
  }
  to->push_back({std::string(key), std::move(value)});
}

void Add(std::vector<model::LogAttribute>* to, std::string_view key, std::string_view value) {
  Add(to, key, std::string(value));
}

void SetTime(model::LogRecord* rec, int64_t time_ns) {
  if (time_ns != 0) rec->time_ns = time_ns;
}

void SetSeverity(model::LogRecord* rec, model::Severity number, std::string_view text) {
  rec->severity_number = static_cast<uint8_t>(number);
  rec->severity_text = std::string(text);
}

// Who and where, the three resource attributes every cloud record has (the
// account and region only when known).
void AddCloudResource(model::LogRecord* rec, std::string_view provider, std::string_view account,
                      std::string_view region) {
  Add(&rec->resource, "cloud.provider", provider);
  Add(&rec->resource, "cloud.account.id", ValidUtf8(account));
  Add(&rec->resource, "cloud.region", ValidUtf8(region));
}

// ---- AWS.

// The account and region a CloudTrail record or an EventBridge event names;
// they override the poller's (a multi-region trail's group holds every
// region's records).
struct AwsWhere {
  std::string account;
  std::string region;
};

// The error of a CloudTrail record (errorCode) makes it an ERROR; every
// other record is an API call that succeeded.
void MapCloudTrailRecord(element ct, model::LogRecord* rec, AwsWhere* where) {
  int64_t t;
  if (ParseRfc3339Nanos(Str(ct, "eventTime"), &t)) SetTime(rec, t);
  auto& a = rec->attributes;
  Add(&a, "event.id", Str(ct, "eventID"));
  Add(&a, "event.type", Str(ct, "eventName"));
  Add(&a, "event.source", Str(ct, "eventSource"));
  auto identity = Field(ct, "userIdentity");
  std::string_view user = Str(identity, "arn");
  if (user.empty()) user = Str(identity, "principalId");
  // AWS services acting on their own have neither, only invokedBy.
  if (user.empty()) user = Str(identity, "invokedBy");
  Add(&a, "enduser.id", user);
  Add(&a, "client.address", Str(ct, "sourceIPAddress"));
  Add(&a, "user_agent.original", Str(ct, "userAgent"));
  array resources;
  if (auto r = Field(ct, "resources"); r && r->get_array().get(resources) == simdjson::SUCCESS) {
    for (element res : resources) {
      std::string_view arn = Str(res, "ARN");
      if (arn.empty()) arn = Str(res, "arn");
      if (!arn.empty()) {
        Add(&a, "cloud.resource_id", arn);
        break;
      }
    }
  }
  Add(&a, "aws.cloudtrail.event_type", Str(ct, "eventType"));
  std::string error = Text(Field(ct, "errorCode"));
  Add(&a, "error.type", error);
  if (error.empty()) {
    SetSeverity(rec, model::Severity::kInfo, "INFO");
  } else {
    SetSeverity(rec, model::Severity::kError, "ERROR");
  }
  std::string_view account = Str(ct, "recipientAccountId");
  if (account.empty()) account = Str(identity, "accountId");
  if (!account.empty()) where->account = std::string(account);
  if (std::string_view region = Str(ct, "awsRegion"); !region.empty()) {
    where->region = std::string(region);
  }
}

// detail.state or detail.status (a string, or {"value": ...}) with one of
// these words says the thing the event is about failed: AWS Batch, Step
// Functions, Glue, CodePipeline, ... Anything else is INFO; alarm states and
// instance states (stopped, terminated) are not judged.
bool DetailSaysFailure(std::optional<element> detail) {
  static constexpr std::string_view kFailureWords[] = {"FAILED",    "FAILURE", "ERROR",
                                                       "TIMED_OUT", "TIMEOUT", "ABORTED"};
  for (std::string_view key : {"state", "status"}) {
    std::string_view v = ValueOf(detail, key);
    for (std::string_view w : kFailureWords) {
      if (EqualsIgnoreCase(v, w)) return true;
    }
  }
  return false;
}

void MapEventBridgeEvent(element ev, model::LogRecord* rec, AwsWhere* where) {
  if (std::string_view account = Str(ev, "account"); !account.empty()) {
    where->account = std::string(account);
  }
  if (std::string_view region = Str(ev, "region"); !region.empty()) {
    where->region = std::string(region);
  }
  int64_t envelope_time = 0;
  ParseRfc3339Nanos(Str(ev, "time"), &envelope_time);
  auto detail = Field(ev, "detail");
  if (Str(ev, "detail-type") == "AWS API Call via CloudTrail" && IsObject(detail) &&
      !Str(detail, "eventName").empty()) {
    // The CloudTrail record is the event; the envelope's id is kept apart.
    Add(&rec->attributes, "aws.eventbridge.id", Str(ev, "id"));
    SetTime(rec, envelope_time);
    MapCloudTrailRecord(*detail, rec, where);
    return;
  }
  SetTime(rec, envelope_time);
  auto& a = rec->attributes;
  Add(&a, "event.id", Str(ev, "id"));
  Add(&a, "event.type", Str(ev, "detail-type"));
  Add(&a, "event.source", Str(ev, "source"));
  array resources;
  if (auto r = Field(ev, "resources"); r && r->get_array().get(resources) == simdjson::SUCCESS) {
    for (element res : resources) {
      std::string_view arn;
      if (res.get_string().get(arn) == simdjson::SUCCESS && !arn.empty()) {
        Add(&a, "cloud.resource_id", arn);
        break;
      }
    }
  }
  if (DetailSaysFailure(detail)) {
    SetSeverity(rec, model::Severity::kError, "ERROR");
  } else {
    SetSeverity(rec, model::Severity::kInfo, "INFO");
  }
}

bool IsCloudTrailRecord(element doc) {
  return !Str(doc, "eventVersion").empty() && !Str(doc, "eventSource").empty() &&
         !Str(doc, "eventName").empty();
}

bool IsEventBridgeEvent(element doc) {
  return Field(doc, "version") && !Str(doc, "detail-type").empty() && !Str(doc, "source").empty() &&
         Field(doc, "detail");
}

// The message starts (after blanks) with '{': worth parsing as JSON.
bool LooksLikeJsonObject(std::string_view s) {
  for (char c : s) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') continue;
    return c == '{';
  }
  return false;
}

// ---- Azure.

void AzureSeverity(std::string_view level, model::LogRecord* rec) {
  static constexpr std::pair<std::string_view, model::Severity> kLevels[] = {
      {"Critical", model::Severity::kFatal}, {"Error", model::Severity::kError},
      {"Warning", model::Severity::kWarn},   {"Informational", model::Severity::kInfo},
      {"Verbose", model::Severity::kDebug},
  };
  rec->severity_text = std::string(level);
  for (const auto& [word, number] : kLevels) {
    if (EqualsIgnoreCase(level, word)) {
      rec->severity_number = static_cast<uint8_t>(number);
      return;
    }
  }
}

// ---- GCP.

// LogSeverity: its names, or (proto3 JSON allows an enum as its number) the
// numbers 0, 100, ..., 800, which are read as the names.
void GcpSeverity(std::optional<element> v, model::LogRecord* rec) {
  struct Level {
    std::string_view name;
    int64_t number;
    uint8_t otel;
  };
  static constexpr Level kLevels[] = {
      {"DEFAULT", 0, 0},     {"DEBUG", 100, 5},    {"INFO", 200, 9},
      {"NOTICE", 300, 10},   {"WARNING", 400, 13}, {"ERROR", 500, 17},
      {"CRITICAL", 600, 18}, {"ALERT", 700, 19},   {"EMERGENCY", 800, 21},
  };
  if (!v) return;
  std::string_view name;
  int64_t number;
  if (v->get_string().get(name) == simdjson::SUCCESS) {
    rec->severity_text = std::string(name);
    for (const Level& l : kLevels) {
      if (EqualsIgnoreCase(name, l.name)) rec->severity_number = l.otel;
    }
  } else if (v->get_int64().get(number) == simdjson::SUCCESS) {
    for (const Level& l : kLevels) {
      if (number == l.number) {
        rec->severity_text = std::string(l.name);
        rec->severity_number = l.otel;
      }
    }
  }
}

// "us-central1-a": a region, a dash, one letter.
bool IsGcpZone(std::string_view s) {
  size_t dash = s.rfind('-');
  return dash != std::string_view::npos && dash > 0 && dash + 2 == s.size() && s.back() >= 'a' &&
         s.back() <= 'z' && s[dash - 1] >= '0' && s[dash - 1] <= '9';
}

// The monitored resource of an entry: resource.type and resource.labels
// (each kept as gcp.resource.<key>), with zone / region / location read as
// OpenTelemetry's cloud.availability_zone and cloud.region.
struct GcpResource {
  std::vector<model::LogAttribute> attributes;  // gcp.resource.*
  std::string project, region, zone;
};

GcpResource ReadGcpResource(std::optional<element> resource) {
  GcpResource out;
  Add(&out.attributes, "gcp.resource.type", Str(resource, "type"));
  std::string location;
  object labels;
  if (auto l = Field(resource, "labels"); l && l->get_object().get(labels) == simdjson::SUCCESS) {
    for (auto [key, value] : labels) {
      std::string text = Text(value);
      // Global resources (load balancers) say "global": no zone, no region.
      if (key == "zone" && out.zone.empty() && text != "global") out.zone = text;
      if (key == "region" && out.region.empty() && text != "global") out.region = text;
      if (key == "location" && location.empty()) location = text;
      if (key == "project_id" && out.project.empty()) out.project = text;
      Add(&out.attributes, fmt::format("gcp.resource.{}", key), std::move(text));
    }
  }
  // location is a zone for zonal resources (GKE zonal clusters), a region,
  // or "global".
  if (IsGcpZone(location)) {
    if (out.zone.empty()) out.zone = location;
  } else if (out.region.empty() && location != "global") {
    out.region = location;
  }
  if (out.region.empty() && IsGcpZone(out.zone))
    out.region = out.zone.substr(0, out.zone.rfind('-'));
  return out;
}

// A Cloud Audit Log entry's protoPayload: who called what on which resource,
// and whether it failed. The entry's own severity is kept as it is (Cloud
// Logging already makes failed calls ERROR where it matters; raising it
// here would make severity_text and severity_number disagree and differ from
// what `severity>=ERROR` selects in Cloud Logging).
void MapAuditLog(element payload, model::LogRecord* rec) {
  auto& a = rec->attributes;
  Add(&a, "event.type", Str(payload, "methodName"));
  Add(&a, "event.source", Str(payload, "serviceName"));
  Add(&a, "cloud.resource_id", Str(payload, "resourceName"));
  auto auth = Field(payload, "authenticationInfo");
  std::string_view user = Str(auth, "principalEmail");
  if (user.empty()) user = Str(auth, "principalSubject");
  Add(&a, "enduser.id", user);
  auto meta = Field(payload, "requestMetadata");
  Add(&a, "client.address", Str(meta, "callerIp"));
  Add(&a, "user_agent.original", Str(meta, "callerSuppliedUserAgent"));
  std::string code = Text(Field(Field(payload, "status"), "code"));
  if (code != "0") Add(&a, "error.type", std::move(code));
}

// The `trace` of a LogEntry: "projects/<p>/traces/<32 hex>", or the bare id.
std::string GcpTraceId(std::string_view trace) {
  size_t pos = trace.rfind("/traces/");
  if (pos != std::string_view::npos) trace.remove_prefix(pos + 8);
  return HexId(trace, 32);
}

}  // namespace

model::LogRecord MapCloudWatchEvent(const CloudWatchEvent& e, bool parse_envelopes,
                                    int64_t observed_ns) {
  model::LogRecord rec;
  rec.observed_time_ns = observed_ns;
  rec.time_ns = MillisToNanos(e.timestamp_ms);
  rec.body = e.message;
  model::LabelsBuilder stream;
  stream.Set("cloud_provider", "aws");
  stream.Set("cloud_region", ValidUtf8(e.region));
  stream.Set("log_group", ValidUtf8(e.log_group));
  rec.stream = stream.Build();

  auto& a = rec.attributes;
  Add(&a, "aws.log.group.names", ValidUtf8(e.log_group));
  Add(&a, "aws.log.stream.names", ValidUtf8(e.log_stream));
  std::string ingestion;
  if (e.ingestion_time_ms > 0 && e.ingestion_time_ms <= kMaxFormattableMillis) {
    ingestion = FormatRFC3339(e.ingestion_time_ms);
  }

  AwsWhere where{e.account_id, e.region};
  element doc;
  std::unique_ptr<simdjson::dom::parser> own;
  bool envelope = false;
  if (parse_envelopes && LooksLikeJsonObject(e.message) &&
      ParseObject(e.message, &own, &doc) == simdjson::SUCCESS) {
    if (IsCloudTrailRecord(doc)) {
      envelope = true;
      // event.id is the CloudTrail eventID: the CloudWatch one moves aside.
      Add(&a, "aws.log.event_id", ValidUtf8(e.event_id));
      Add(&a, "aws.cloudwatch.ingestion_time", std::move(ingestion));
      MapCloudTrailRecord(doc, &rec, &where);
    } else if (IsEventBridgeEvent(doc)) {
      envelope = true;
      Add(&a, "aws.log.event_id", ValidUtf8(e.event_id));
      Add(&a, "aws.cloudwatch.ingestion_time", std::move(ingestion));
      MapEventBridgeEvent(doc, &rec, &where);
    }
  }
  if (!envelope) {
    // A plain line: severity stays unknown, for the pipeline's normalize
    // step to find in the text.
    Add(&a, "event.id", ValidUtf8(e.event_id));
    Add(&a, "aws.cloudwatch.ingestion_time", std::move(ingestion));
  }
  AddCloudResource(&rec, "aws", where.account, where.region);
  return rec;
}

Result<model::LogRecord> MapAzureActivityEvent(std::string_view event_json,
                                               std::string_view subscription_id,
                                               int64_t observed_ns) {
  element ev;
  std::unique_ptr<simdjson::dom::parser> own;
  if (auto err = ParseObject(event_json, &own, &ev); err != simdjson::SUCCESS) {
    return Status::InvalidArgument(
        err == simdjson::INCORRECT_TYPE
            ? std::string("azure activity log: the event is not a JSON object")
            : fmt::format("azure activity log: invalid event JSON: {}",
                          simdjson::error_message(err)));
  }
  model::LogRecord rec;
  rec.observed_time_ns = observed_ns;
  rec.body = std::string(event_json);
  int64_t t;
  if (ParseRfc3339Nanos(Str(ev, "eventTimestamp"), &t) ||
      ParseRfc3339Nanos(Str(ev, "submissionTimestamp"), &t)) {
    rec.time_ns = t;
  }
  AzureSeverity(ValueOf(ev, "level"), &rec);

  auto& a = rec.attributes;
  Add(&a, "event.id", Str(ev, "eventDataId"));
  Add(&a, "event.type", ValueOf(ev, "operationName"));
  Add(&a, "event.source", ValueOf(ev, "resourceProviderName"));
  Add(&a, "cloud.resource_id", Str(ev, "resourceId"));
  Add(&a, "enduser.id", Str(ev, "caller"));
  Add(&a, "client.address", Str(Field(ev, "httpRequest"), "clientIpAddress"));
  Add(&a, "azure.status", ValueOf(ev, "status"));
  Add(&a, "azure.sub_status", ValueOf(ev, "subStatus"));
  Add(&a, "azure.category", ValueOf(ev, "category"));
  Add(&a, "azure.event_name", ValueOf(ev, "eventName"));
  Add(&a, "azure.correlation_id", Str(ev, "correlationId"));
  Add(&a, "azure.resource_group", Str(ev, "resourceGroupName"));

  std::string_view event_subscription = Str(ev, "subscriptionId");
  AddCloudResource(&rec, "azure", event_subscription.empty() ? subscription_id : event_subscription,
                   "");
  // The stream is the subscription polled: stable even if an event names
  // another one (or none).
  model::LabelsBuilder stream;
  stream.Set("cloud_provider", "azure");
  stream.Set("subscription_id",
             ValidUtf8(subscription_id.empty() ? event_subscription : subscription_id));
  stream.Set("log_type", "activity");
  rec.stream = stream.Build();
  return rec;
}

Result<model::LogRecord> MapGcpLogEntry(std::string_view entry_json, std::string_view project_id,
                                        int64_t observed_ns) {
  element entry;
  std::unique_ptr<simdjson::dom::parser> own;
  if (auto err = ParseObject(entry_json, &own, &entry); err != simdjson::SUCCESS) {
    return Status::InvalidArgument(
        err == simdjson::INCORRECT_TYPE
            ? std::string("cloud logging: the entry is not a JSON object")
            : fmt::format("cloud logging: invalid entry JSON: {}", simdjson::error_message(err)));
  }
  model::LogRecord rec;
  rec.observed_time_ns = observed_ns;
  int64_t t;
  if (ParseRfc3339Nanos(Str(entry, "timestamp"), &t) ||
      ParseRfc3339Nanos(Str(entry, "receiveTimestamp"), &t)) {
    rec.time_ns = t;
  }
  GcpSeverity(Field(entry, "severity"), &rec);
  std::string_view text;
  if (auto p = Field(entry, "textPayload"); p && p->get_string().get(text) == simdjson::SUCCESS) {
    rec.body = std::string(text);
  } else {
    rec.body = std::string(entry_json);
  }
  rec.trace_id = GcpTraceId(Str(entry, "trace"));
  rec.span_id = HexId(Str(entry, "spanId"), 16);

  auto& a = rec.attributes;
  Add(&a, "event.id", Str(entry, "insertId"));
  object labels;
  if (auto l = Field(entry, "labels"); l && l->get_object().get(labels) == simdjson::SUCCESS) {
    for (auto [key, value] : labels) Add(&a, fmt::format("labels.{}", key), Text(value));
  }
  if (auto http = Field(entry, "httpRequest"); IsObject(http)) {
    Add(&a, "http.request.method", Str(http, "requestMethod"));
    Add(&a, "url.full", Str(http, "requestUrl"));
    Add(&a, "http.response.status_code", Text(Field(http, "status")));
    Add(&a, "client.address", Str(http, "remoteIp"));
    Add(&a, "user_agent.original", Str(http, "userAgent"));
  }
  if (auto payload = Field(entry, "protoPayload");
      IsObject(payload) && Str(payload, "@type").ends_with("google.cloud.audit.AuditLog")) {
    MapAuditLog(*payload, &rec);
  }

  // logName: "projects/<p>/logs/<url-encoded log id>" (or organizations/,
  // folders/, billingAccounts/).
  std::string_view log_name = Str(entry, "logName");
  std::string log_id, log_project;
  if (size_t pos = log_name.find("/logs/"); pos != std::string_view::npos) {
    log_id = PercentDecode(log_name.substr(pos + 6));
    if (log_name.starts_with("projects/")) log_project = std::string(log_name.substr(9, pos - 9));
  }

  GcpResource resource = ReadGcpResource(Field(entry, "resource"));
  // The resource's project first: a bucket can hold entries routed from
  // other projects.
  std::string_view account = !resource.project.empty() ? std::string_view(resource.project)
                             : !project_id.empty()     ? project_id
                                                       : std::string_view(log_project);
  AddCloudResource(&rec, "gcp", account, resource.region);
  Add(&rec.resource, "cloud.availability_zone", ValidUtf8(resource.zone));
  for (auto& attr : resource.attributes) rec.resource.push_back(std::move(attr));

  model::LabelsBuilder stream;
  stream.Set("cloud_provider", "gcp");
  stream.Set("project_id", ValidUtf8(!project_id.empty() ? std::string(project_id) : log_project));
  stream.Set("log_name", ValidUtf8(log_id));
  rec.stream = stream.Build();
  return rec;
}

}  // namespace vigil::cloudlogs
