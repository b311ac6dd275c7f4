// OTLP logs: protobuf and JSON decoders (ExportLogsServiceRequest).
#include <fmt/format.h>
#include <openssl/evp.h>
#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include "base/json.h"
#include "collect/logs/push/gzip.h"
#include "collect/logs/push/proto_wire.h"
#include "collect/logs/push/push_decode.h"
#include "collect/logs/push/push_internal.h"

namespace vigil::logs {
namespace {

using internal::BodyFormat;

constexpr int kMaxDepth = 32;

// Resource attributes that become stream labels (docs/events.md, after
// Loki's default OTLP mapping), '.' -> '_'.
constexpr std::string_view kStreamAttributes[] = {
    "service.name", "service.namespace",       "service.instance.id", "deployment.environment",
    "cloud.region", "cloud.availability_zone", "k8s.cluster.name",    "k8s.namespace.name",
    "k8s.pod.name", "k8s.container.name",      "k8s.deployment.name", "host.name",
};

bool IsStreamAttribute(std::string_view key) {
  for (std::string_view k : kStreamAttributes) {
    if (k == key) return true;
  }
  return false;
}

model::Labels StreamFromResource(const std::vector<model::LogAttribute>& resource) {
  std::vector<model::Label> labels;
  bool has_service = false;
  for (const model::LogAttribute& a : resource) {
    // A value that is not UTF-8 cannot be a label value: it stays a resource
    // attribute only.
    if (a.value.empty() || !IsStreamAttribute(a.key) || !model::IsValidUTF8(a.value)) continue;
    std::string name = a.key;
    std::replace(name.begin(), name.end(), '.', '_');
    bool dup = false;
    for (const model::Label& l : labels) dup = dup || l.name == name;
    if (dup) continue;  // a repeated key: the first wins
    if (name == "service_name") has_service = true;
    labels.push_back(model::Label{std::move(name), a.value});
  }
  if (!has_service) labels.push_back(model::Label{"service_name", "unknown_service"});
  return model::Labels(std::move(labels));
}

void AppendBase64(std::string* out, std::string_view bytes) {
  size_t start = out->size();
  out->resize(start + 4 * ((bytes.size() + 2) / 3) + 1);
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out->data() + start),
                          reinterpret_cast<const unsigned char*>(bytes.data()),
                          static_cast<int>(bytes.size()));
  out->resize(start + static_cast<size_t>(n));
}

bool DecodeBase64(std::string_view in, std::string* out) {
  if (in.size() % 4 != 0) return false;
  out->resize(in.size() / 4 * 3 + 1);
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out->data()),
                          reinterpret_cast<const unsigned char*>(in.data()),
                          static_cast<int>(in.size()));
  if (n < 0) return false;
  size_t pad = 0;
  if (!in.empty() && in.back() == '=') ++pad;
  if (in.size() > 1 && in[in.size() - 2] == '=') ++pad;
  out->resize(static_cast<size_t>(n) - pad);
  return true;
}

void AppendDouble(std::string* out, double d, bool nested) {
  if (std::isfinite(d)) {
    fmt::format_to(std::back_inserter(*out), "{}", d);
    return;
  }
  std::string_view s = std::isnan(d) ? "NaN" : (d > 0 ? "+Inf" : "-Inf");
  if (nested) {
    AppendJsonString(out, s);
  } else {
    out->append(s);
  }
}

bool ParseHexId(std::string_view hex, std::string* out) {
  out->clear();
  if (hex.size() % 2 != 0) return false;
  for (char c : hex) {
    if (c >= '0' && c <= '9') {
      out->push_back(c);
    } else if (c >= 'a' && c <= 'f') {
      out->push_back(c);
    } else if (c >= 'A' && c <= 'F') {
      out->push_back(static_cast<char>(c - 'A' + 'a'));
    } else {
      return false;
    }
  }
  if (std::all_of(out->begin(), out->end(), [](char c) { return c == '0'; })) out->clear();
  return true;
}

int64_t CheckedNanos(uint64_t v, bool* ok) {
  if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    *ok = false;
    return 0;
  }
  return static_cast<int64_t>(v);
}

// ===========================================================================
// Protobuf.

// Renders an AnyValue: at the top a string is itself, anything else its JSON
// text; nested (nested = true) everything is JSON.
bool RenderProtoAnyValue(std::string_view msg, bool nested, int depth, std::string* out);

bool RenderProtoKeyValue(std::string_view msg, int depth, std::string* out) {
  wire::ProtoReader r(msg);
  std::string_view key;
  std::string_view value;
  bool has_value = false;
  while (r.Next()) {
    if (r.Is(1, wire::kLengthDelimited)) key = r.bytes();
    if (r.Is(2, wire::kLengthDelimited)) {
      value = r.bytes();
      has_value = true;
    }
  }
  if (r.error()) return false;
  AppendJsonString(out, key);
  out->push_back(':');
  if (!has_value) {
    out->append("null");
    return true;
  }
  return RenderProtoAnyValue(value, true, depth + 1, out);
}

bool RenderProtoList(std::string_view msg, bool kv, int depth, std::string* out) {
  out->push_back(kv ? '{' : '[');
  wire::ProtoReader r(msg);
  bool first = true;
  while (r.Next()) {
    if (!r.Is(1, wire::kLengthDelimited)) continue;
    if (!first) out->push_back(',');
    first = false;
    bool ok = kv ? RenderProtoKeyValue(r.bytes(), depth + 1, out)
                 : RenderProtoAnyValue(r.bytes(), true, depth + 1, out);
    if (!ok) return false;
  }
  out->push_back(kv ? '}' : ']');
  return !r.error();
}

bool RenderProtoAnyValue(std::string_view msg, bool nested, int depth, std::string* out) {
  if (depth > kMaxDepth) return false;
  wire::ProtoReader r(msg);
  size_t start = out->size();
  bool seen = false;
  while (r.Next()) {
    // A oneof: the last value on the wire wins.
    uint32_t f = r.field();
    if (f < 1 || f > 7) continue;
    out->resize(start);
    seen = true;
    switch (f) {
      case 1:
        if (r.type() != wire::kLengthDelimited) return false;
        if (nested) {
          AppendJsonString(out, r.bytes());
        } else {
          out->append(r.bytes());
        }
        break;
      case 2:
        if (r.type() != wire::kVarint) return false;
        out->append(r.number() != 0 ? "true" : "false");
        break;
      case 3:
        if (r.type() != wire::kVarint) return false;
        fmt::format_to(std::back_inserter(*out), "{}", static_cast<int64_t>(r.number()));
        break;
      case 4: {
        if (r.type() != wire::kFixed64) return false;
        double d;
        uint64_t bits = r.number();
        std::memcpy(&d, &bits, 8);
        AppendDouble(out, d, nested);
        break;
      }
      case 5:
      case 6:
        if (r.type() != wire::kLengthDelimited) return false;
        if (!RenderProtoList(r.bytes(), f == 6, depth, out)) return false;
        break;
      case 7:
        if (r.type() != wire::kLengthDelimited) return false;
        if (nested) out->push_back('"');
        AppendBase64(out, r.bytes());
        if (nested) out->push_back('"');
        break;
    }
  }
  if (r.error()) return false;
  if (!seen && nested) out->append("null");
  return true;
}

// KeyValue -> attribute (value rendered as text).
bool DecodeProtoAttribute(std::string_view msg, model::LogAttribute* attr) {
  wire::ProtoReader r(msg);
  std::string_view value;
  bool has_value = false;
  while (r.Next()) {
    if (r.Is(1, wire::kLengthDelimited)) attr->key.assign(r.bytes());
    if (r.Is(2, wire::kLengthDelimited)) {
      value = r.bytes();
      has_value = true;
    }
  }
  if (r.error()) return false;
  return !has_value || RenderProtoAnyValue(value, false, 0, &attr->value);
}

bool DecodeProtoAttributes(std::string_view msg, uint32_t field,
                           std::vector<model::LogAttribute>* out) {
  wire::ProtoReader r(msg);
  while (r.Next()) {
    if (!r.Is(field, wire::kLengthDelimited)) continue;
    model::LogAttribute attr;
    if (!DecodeProtoAttribute(r.bytes(), &attr)) return false;
    if (!attr.key.empty()) out->push_back(std::move(attr));
  }
  return !r.error();
}

struct ScopeInfo {
  std::string_view name;
  std::string_view version;
  std::vector<model::LogAttribute> attributes;
};

// Attributes every record of a scope carries: the scope's name and version
// (OTel's otel.scope.* convention for non-OTLP formats).
void AddScopeAttributes(const ScopeInfo& scope, model::LogRecord* rec) {
  if (!scope.name.empty()) rec->attributes.push_back({"otel.scope.name", std::string(scope.name)});
  if (!scope.version.empty()) {
    rec->attributes.push_back({"otel.scope.version", std::string(scope.version)});
  }
  for (const model::LogAttribute& a : scope.attributes) rec->attributes.push_back(a);
}

Status DecodeProtoLogRecord(std::string_view msg, model::LogRecord* rec) {
  wire::ProtoReader r(msg);
  uint64_t observed = 0;
  bool ok = true;
  while (r.Next()) {
    switch (r.field()) {
      case 1:
        if (r.type() == wire::kFixed64) rec->time_ns = CheckedNanos(r.number(), &ok);
        break;
      case 11:
        if (r.type() == wire::kFixed64) observed = r.number();
        break;
      case 2:
        if (r.type() == wire::kVarint) {
          uint64_t n = r.number();
          rec->severity_number = n <= 24 ? static_cast<uint8_t>(n) : 0;
        }
        break;
      case 3:
        if (r.type() == wire::kLengthDelimited) rec->severity_text.assign(r.bytes());
        break;
      case 5:
        if (r.type() == wire::kLengthDelimited) {
          rec->body.clear();
          if (!RenderProtoAnyValue(r.bytes(), false, 0, &rec->body)) {
            return Status::InvalidArgument("malformed body");
          }
        }
        break;
      case 6:
        if (r.type() == wire::kLengthDelimited) {
          model::LogAttribute attr;
          if (!DecodeProtoAttribute(r.bytes(), &attr)) {
            return Status::InvalidArgument("malformed attribute");
          }
          if (!attr.key.empty()) rec->attributes.push_back(std::move(attr));
        }
        break;
      case 9:
        if (r.type() == wire::kLengthDelimited) {
          rec->trace_id.clear();
          internal::AppendHex(&rec->trace_id, r.bytes());
        }
        break;
      case 10:
        if (r.type() == wire::kLengthDelimited) {
          rec->span_id.clear();
          internal::AppendHex(&rec->span_id, r.bytes());
        }
        break;
      case 12:
        if (r.type() == wire::kLengthDelimited && !r.bytes().empty()) {
          rec->attributes.push_back({"event.name", std::string(r.bytes())});
        }
        break;
      default:
        break;
    }
  }
  if (r.error()) return Status::InvalidArgument("malformed log record");
  // The sender's observed time when it gave one, else the receive time.
  if (observed != 0) rec->observed_time_ns = CheckedNanos(observed, &ok);
  if (!ok) return Status::InvalidArgument("timestamp out of range");
  if (rec->trace_id.find_first_not_of('0') == std::string::npos) rec->trace_id.clear();
  if (rec->span_id.find_first_not_of('0') == std::string::npos) rec->span_id.clear();
  return Status::OK();
}

Status DecodeProtoResourceLogs(std::string_view msg, size_t index, const DecodeOptions& options,
                               std::vector<model::LogRecord>* out, size_t* count) {
  auto error = [&](std::string_view what) {
    return Status::InvalidArgument(fmt::format("otlp: resource_logs {}: {}", index, what));
  };
  std::vector<model::LogAttribute> resource;
  {
    wire::ProtoReader r(msg);
    while (r.Next()) {
      if (r.Is(1, wire::kLengthDelimited) && !DecodeProtoAttributes(r.bytes(), 1, &resource)) {
        return error("malformed resource");
      }
    }
    if (r.error()) return error("malformed");
  }
  model::Labels stream = StreamFromResource(resource);
  wire::ProtoReader r(msg);
  size_t record_index = 0;
  while (r.Next()) {
    if (!r.Is(2, wire::kLengthDelimited)) continue;
    std::string_view scope_logs = r.bytes();
    ScopeInfo scope;
    wire::ProtoReader sr(scope_logs);
    while (sr.Next()) {
      if (!sr.Is(1, wire::kLengthDelimited)) continue;
      wire::ProtoReader ir(sr.bytes());
      while (ir.Next()) {
        if (ir.Is(1, wire::kLengthDelimited)) scope.name = ir.bytes();
        if (ir.Is(2, wire::kLengthDelimited)) scope.version = ir.bytes();
        if (ir.Is(3, wire::kLengthDelimited)) {
          model::LogAttribute attr;
          if (!DecodeProtoAttribute(ir.bytes(), &attr)) return error("malformed scope");
          if (!attr.key.empty()) scope.attributes.push_back(std::move(attr));
        }
      }
      if (ir.error()) return error("malformed scope");
    }
    if (sr.error()) return error("malformed scope_logs");
    wire::ProtoReader lr(scope_logs);
    while (lr.Next()) {
      if (!lr.Is(2, wire::kLengthDelimited)) continue;
      if (++*count > options.max_records) {
        return Status::ResourceExhausted(
            fmt::format("otlp: more than {} log records in one request", options.max_records));
      }
      model::LogRecord& rec = out->emplace_back();
      rec.observed_time_ns = options.observed_time_ns;
      if (Status s = DecodeProtoLogRecord(lr.bytes(), &rec); !s.ok()) {
        return error(fmt::format("log record {}: {}", record_index, s.message()));
      }
      AddScopeAttributes(scope, &rec);
      rec.stream = stream;
      rec.resource = resource;
      ++record_index;
    }
  }
  return Status::OK();
}

Status DecodeOtlpProto(std::string_view body, const DecodeOptions& options,
                       std::vector<model::LogRecord>* out) {
  wire::ProtoReader r(body);
  size_t index = 0;
  size_t count = 0;
  while (r.Next()) {
    if (!r.Is(1, wire::kLengthDelimited)) continue;
    VIGIL_RETURN_IF_ERROR(DecodeProtoResourceLogs(r.bytes(), index++, options, out, &count));
  }
  if (r.error()) return Status::InvalidArgument("otlp: malformed protobuf");
  return Status::OK();
}

// ===========================================================================
// JSON (OTLP/HTTP JSON: lowerCamelCase keys, snake_case accepted too).

using simdjson::dom::element;

bool KeyIs(std::string_view key, std::string_view camel, std::string_view snake) {
  return key == camel || key == snake;
}

bool JsonInt64(element e, int64_t* v) {
  std::string_view s;
  if (e.get_string().get(s) == simdjson::SUCCESS) {
    if (s.empty()) return false;
    bool neg = s[0] == '-';
    if (neg) s.remove_prefix(1);
    if (s.empty() || s.size() > 19) return false;
    uint64_t u = 0;
    for (char c : s) {
      if (c < '0' || c > '9') return false;
      u = u * 10 + static_cast<uint64_t>(c - '0');
    }
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return false;
    *v = neg ? -static_cast<int64_t>(u) : static_cast<int64_t>(u);
    return true;
  }
  if (e.get_int64().get(*v) == simdjson::SUCCESS) return true;
  uint64_t u;
  if (e.get_uint64().get(u) == simdjson::SUCCESS) return false;  // beyond int64
  double d;
  if (e.get_double().get(d) == simdjson::SUCCESS && d == std::floor(d) && std::fabs(d) < 9e18) {
    *v = static_cast<int64_t>(d);
    return true;
  }
  return false;
}

// Unsigned 64-bit nanoseconds (fixed64 in the proto): a string or a number.
bool JsonNanos(element e, int64_t* v) {
  if (!JsonInt64(e, v)) return false;
  return *v >= 0;
}

bool RenderJsonAnyValue(element e, bool nested, int depth, std::string* out);

bool RenderJsonKeyValueList(element values, int depth, std::string* out) {
  simdjson::dom::array arr;
  if (values.get_array().get(arr) != simdjson::SUCCESS) return false;
  out->push_back('{');
  bool first = true;
  for (element kv : arr) {
    simdjson::dom::object obj;
    if (kv.get_object().get(obj) != simdjson::SUCCESS) return false;
    std::string_view key;
    element value;
    bool has_value = false;
    for (auto [k, v] : obj) {
      if (k == "key") {
        if (v.get_string().get(key) != simdjson::SUCCESS) return false;
      } else if (k == "value") {
        value = v;
        has_value = true;
      }
    }
    if (!first) out->push_back(',');
    first = false;
    AppendJsonString(out, key);
    out->push_back(':');
    if (!has_value) {
      out->append("null");
    } else if (!RenderJsonAnyValue(value, true, depth + 1, out)) {
      return false;
    }
  }
  out->push_back('}');
  return true;
}

bool RenderJsonArray(element values, int depth, std::string* out) {
  simdjson::dom::array arr;
  if (values.get_array().get(arr) != simdjson::SUCCESS) return false;
  out->push_back('[');
  bool first = true;
  for (element v : arr) {
    if (!first) out->push_back(',');
    first = false;
    if (!RenderJsonAnyValue(v, true, depth + 1, out)) return false;
  }
  out->push_back(']');
  return true;
}

// {"values": [...]} of an arrayValue / kvlistValue.
bool RenderJsonList(element e, bool kv, int depth, std::string* out) {
  simdjson::dom::object obj;
  if (e.get_object().get(obj) != simdjson::SUCCESS) return false;
  element values;
  if (obj["values"].get(values) != simdjson::SUCCESS) {
    out->append(kv ? "{}" : "[]");
    return true;
  }
  return kv ? RenderJsonKeyValueList(values, depth, out) : RenderJsonArray(values, depth, out);
}

bool RenderJsonAnyValue(element e, bool nested, int depth, std::string* out) {
  if (depth > kMaxDepth) return false;
  if (e.is_null()) {
    if (nested) out->append("null");
    return true;
  }
  simdjson::dom::object obj;
  if (e.get_object().get(obj) != simdjson::SUCCESS) return false;
  size_t start = out->size();
  bool seen = false;
  for (auto [key, v] : obj) {
    out->resize(start);
    seen = true;
    if (KeyIs(key, "stringValue", "string_value")) {
      std::string_view s;
      if (v.get_string().get(s) != simdjson::SUCCESS) return false;
      if (nested) {
        AppendJsonString(out, s);
      } else {
        out->append(s);
      }
    } else if (KeyIs(key, "boolValue", "bool_value")) {
      bool b;
      if (v.get_bool().get(b) != simdjson::SUCCESS) return false;
      out->append(b ? "true" : "false");
    } else if (KeyIs(key, "intValue", "int_value")) {
      int64_t i;
      if (!JsonInt64(v, &i)) return false;
      fmt::format_to(std::back_inserter(*out), "{}", i);
    } else if (KeyIs(key, "doubleValue", "double_value")) {
      double d;
      std::string_view s;
      if (v.get_double().get(d) == simdjson::SUCCESS) {
        AppendDouble(out, d, nested);
      } else if (v.get_string().get(s) == simdjson::SUCCESS &&
                 (s == "NaN" || s == "Infinity" || s == "-Infinity")) {
        AppendDouble(out,
                     s == "NaN"        ? std::numeric_limits<double>::quiet_NaN()
                     : s == "Infinity" ? std::numeric_limits<double>::infinity()
                                       : -std::numeric_limits<double>::infinity(),
                     nested);
      } else {
        return false;
      }
    } else if (KeyIs(key, "arrayValue", "array_value")) {
      if (!RenderJsonList(v, false, depth, out)) return false;
    } else if (KeyIs(key, "kvlistValue", "kvlist_value")) {
      if (!RenderJsonList(v, true, depth, out)) return false;
    } else if (KeyIs(key, "bytesValue", "bytes_value")) {
      std::string_view s;
      std::string raw;
      if (v.get_string().get(s) != simdjson::SUCCESS || !DecodeBase64(s, &raw)) return false;
      if (nested) out->push_back('"');
      AppendBase64(out, raw);
      if (nested) out->push_back('"');
    } else {
      seen = false;  // unknown key: ignored
    }
  }
  if (!seen) {
    out->resize(start);
    if (nested) out->append("null");
  }
  return true;
}

bool DecodeJsonAttributes(element e, std::vector<model::LogAttribute>* out) {
  simdjson::dom::array arr;
  if (e.get_array().get(arr) != simdjson::SUCCESS) return false;
  for (element kv : arr) {
    simdjson::dom::object obj;
    if (kv.get_object().get(obj) != simdjson::SUCCESS) return false;
    model::LogAttribute attr;
    for (auto [k, v] : obj) {
      if (k == "key") {
        std::string_view key;
        if (v.get_string().get(key) != simdjson::SUCCESS) return false;
        attr.key.assign(key);
      } else if (k == "value") {
        attr.value.clear();
        if (!RenderJsonAnyValue(v, false, 0, &attr.value)) return false;
      }
    }
    if (!attr.key.empty()) out->push_back(std::move(attr));
  }
  return true;
}

bool JsonSeverity(element e, uint8_t* out) {
  int64_t n;
  if (e.get_int64().get(n) == simdjson::SUCCESS) {
    *out = n >= 0 && n <= 24 ? static_cast<uint8_t>(n) : 0;
    return true;
  }
  std::string_view s;
  if (e.get_string().get(s) != simdjson::SUCCESS) return false;
  static constexpr std::string_view kNames[] = {"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"};
  constexpr std::string_view kPrefix = "SEVERITY_NUMBER_";
  if (s.substr(0, kPrefix.size()) != kPrefix) return false;
  s.remove_prefix(kPrefix.size());
  if (s == "UNSPECIFIED") {
    *out = 0;
    return true;
  }
  for (size_t i = 0; i < 6; ++i) {
    if (s.substr(0, kNames[i].size()) != kNames[i]) continue;
    std::string_view rest = s.substr(kNames[i].size());
    int step = 0;
    if (rest.empty()) {
      step = 0;
    } else if (rest.size() == 1 && rest[0] >= '2' && rest[0] <= '4') {
      step = rest[0] - '1';
    } else {
      return false;
    }
    *out = static_cast<uint8_t>(1 + 4 * i + step);
    return true;
  }
  return false;
}

Status DecodeJsonLogRecord(simdjson::dom::object obj, model::LogRecord* rec) {
  int64_t observed = 0;
  for (auto [key, v] : obj) {
    if (KeyIs(key, "timeUnixNano", "time_unix_nano")) {
      if (!JsonNanos(v, &rec->time_ns)) return Status::InvalidArgument("invalid timeUnixNano");
    } else if (KeyIs(key, "observedTimeUnixNano", "observed_time_unix_nano")) {
      if (!JsonNanos(v, &observed)) {
        return Status::InvalidArgument("invalid observedTimeUnixNano");
      }
    } else if (KeyIs(key, "severityNumber", "severity_number")) {
      if (!JsonSeverity(v, &rec->severity_number)) {
        return Status::InvalidArgument("invalid severityNumber");
      }
    } else if (KeyIs(key, "severityText", "severity_text")) {
      std::string_view s;
      if (v.get_string().get(s) != simdjson::SUCCESS) {
        return Status::InvalidArgument("invalid severityText");
      }
      rec->severity_text.assign(s);
    } else if (key == "body") {
      rec->body.clear();
      if (!RenderJsonAnyValue(v, false, 0, &rec->body)) {
        return Status::InvalidArgument("invalid body");
      }
    } else if (key == "attributes") {
      if (!DecodeJsonAttributes(v, &rec->attributes)) {
        return Status::InvalidArgument("invalid attributes");
      }
    } else if (KeyIs(key, "traceId", "trace_id") || KeyIs(key, "spanId", "span_id")) {
      std::string_view s;
      std::string* dst = key[0] == 't' ? &rec->trace_id : &rec->span_id;
      if (v.get_string().get(s) != simdjson::SUCCESS || !ParseHexId(s, dst)) {
        return Status::InvalidArgument(fmt::format("invalid {} (want hex)", key));
      }
    } else if (KeyIs(key, "eventName", "event_name")) {
      std::string_view s;
      if (v.get_string().get(s) != simdjson::SUCCESS) {
        return Status::InvalidArgument("invalid eventName");
      }
      if (!s.empty()) rec->attributes.push_back({"event.name", std::string(s)});
    }
  }
  if (observed != 0) rec->observed_time_ns = observed;
  return Status::OK();
}

Status DecodeJsonResourceLogs(simdjson::dom::object obj, size_t index, const DecodeOptions& options,
                              std::vector<model::LogRecord>* out, size_t* count) {
  auto error = [&](std::string_view what) {
    return Status::InvalidArgument(fmt::format("otlp: resourceLogs {}: {}", index, what));
  };
  std::vector<model::LogAttribute> resource;
  element scope_logs_el;
  bool has_scope_logs = false;
  for (auto [key, v] : obj) {
    if (key == "resource") {
      simdjson::dom::object res;
      if (v.get_object().get(res) != simdjson::SUCCESS) return error("invalid resource");
      element attrs;
      if (res["attributes"].get(attrs) == simdjson::SUCCESS &&
          !DecodeJsonAttributes(attrs, &resource)) {
        return error("invalid resource attributes");
      }
    } else if (KeyIs(key, "scopeLogs", "scope_logs")) {
      scope_logs_el = v;
      has_scope_logs = true;
    }
  }
  if (!has_scope_logs) return Status::OK();
  model::Labels stream = StreamFromResource(resource);
  simdjson::dom::array scope_logs;
  if (scope_logs_el.get_array().get(scope_logs) != simdjson::SUCCESS) {
    return error("scopeLogs must be an array");
  }
  size_t record_index = 0;
  for (element sl : scope_logs) {
    simdjson::dom::object sl_obj;
    if (sl.get_object().get(sl_obj) != simdjson::SUCCESS) return error("invalid scopeLogs");
    ScopeInfo scope;
    simdjson::dom::array records;
    bool has_records = false;
    for (auto [key, v] : sl_obj) {
      if (key == "scope") {
        simdjson::dom::object sc;
        if (v.get_object().get(sc) != simdjson::SUCCESS) return error("invalid scope");
        for (auto [k, sv] : sc) {
          if (k == "name" && sv.get_string().get(scope.name) != simdjson::SUCCESS) {
            return error("invalid scope name");
          }
          if (k == "version" && sv.get_string().get(scope.version) != simdjson::SUCCESS) {
            return error("invalid scope version");
          }
          if (k == "attributes" && !DecodeJsonAttributes(sv, &scope.attributes)) {
            return error("invalid scope attributes");
          }
        }
      } else if (KeyIs(key, "logRecords", "log_records")) {
        if (v.get_array().get(records) != simdjson::SUCCESS) {
          return error("logRecords must be an array");
        }
        has_records = true;
      }
    }
    if (!has_records) continue;
    for (element lr : records) {
      simdjson::dom::object lr_obj;
      if (lr.get_object().get(lr_obj) != simdjson::SUCCESS) {
        return error(fmt::format("log record {}: must be an object", record_index));
      }
      if (++*count > options.max_records) {
        return Status::ResourceExhausted(
            fmt::format("otlp: more than {} log records in one request", options.max_records));
      }
      model::LogRecord& rec = out->emplace_back();
      rec.observed_time_ns = options.observed_time_ns;
      if (Status s = DecodeJsonLogRecord(lr_obj, &rec); !s.ok()) {
        return error(fmt::format("log record {}: {}", record_index, s.message()));
      }
      AddScopeAttributes(scope, &rec);
      rec.stream = stream;
      rec.resource = resource;
      ++record_index;
    }
  }
  return Status::OK();
}

Status DecodeOtlpJson(std::string_view body, const DecodeOptions& options,
                      std::vector<model::LogRecord>* out) {
  std::unique_ptr<simdjson::dom::parser> own;
  simdjson::dom::parser* parser;
  if (body.size() > (size_t{8} << 20)) {
    own = std::make_unique<simdjson::dom::parser>();
    parser = own.get();
  } else {
    thread_local simdjson::dom::parser tl;
    parser = &tl;
  }
  element doc;
  if (auto err = parser->parse(body.data(), body.size()).get(doc); err != simdjson::SUCCESS) {
    return Status::InvalidArgument(
        fmt::format("otlp: invalid JSON: {}", simdjson::error_message(err)));
  }
  simdjson::dom::object root;
  if (doc.get_object().get(root) != simdjson::SUCCESS) {
    return Status::InvalidArgument("otlp: body must be a JSON object");
  }
  size_t index = 0;
  size_t count = 0;
  for (auto [key, v] : root) {
    if (!KeyIs(key, "resourceLogs", "resource_logs")) continue;
    simdjson::dom::array arr;
    if (v.get_array().get(arr) != simdjson::SUCCESS) {
      return Status::InvalidArgument("otlp: resourceLogs must be an array");
    }
    for (element rl : arr) {
      simdjson::dom::object obj;
      if (rl.get_object().get(obj) != simdjson::SUCCESS) {
        return Status::InvalidArgument(
            fmt::format("otlp: resourceLogs {}: must be an object", index));
      }
      VIGIL_RETURN_IF_ERROR(DecodeJsonResourceLogs(obj, index++, options, out, &count));
    }
  }
  return Status::OK();
}

}  // namespace

Status DecodeOtlpLogs(std::string_view content_type, std::string_view content_encoding,
                      std::string_view body, const DecodeOptions& options,
                      std::vector<model::LogRecord>* out) {
  // Without a Content-Type, protobuf: OTLP/HTTP's default encoding.
  BodyFormat format =
      content_type.empty() ? BodyFormat::kProtobuf : internal::FormatOf(content_type);
  if (format == BodyFormat::kUnknown) {
    return Status::InvalidArgument(
        fmt::format("otlp: unsupported Content-Type {:?}", content_type));
  }
  std::string* scratch = internal::ScratchA();
  Status s =
      UndoContentEncoding(content_encoding, options.max_body_bytes_decompressed, &body, scratch);
  if (s.ok()) {
    size_t before = out->size();
    s = format == BodyFormat::kJson ? DecodeOtlpJson(body, options, out)
                                    : DecodeOtlpProto(body, options, out);
    if (!s.ok()) out->resize(before);
  } else {
    s = s.WithContext("otlp");
  }
  internal::ReleaseScratch(scratch);
  return s;
}

}  // namespace vigil::logs
