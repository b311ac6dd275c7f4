// Loki push: JSON and snappy-protobuf decoders, and the encoders.
#include <fmt/format.h>
#include <simdjson.h>
#include <snappy.h>

#include <cctype>
#include <limits>
#include <unordered_map>

#include "base/json.h"
#include "base/strconv.h"
#include "collect/logs/push/gzip.h"
#include "collect/logs/push/label_string.h"
#include "collect/logs/push/proto_wire.h"
#include "collect/logs/push/push_decode.h"
#include "collect/logs/push/push_internal.h"

namespace vigil::logs {
namespace internal {

BodyFormat FormatOf(std::string_view content_type) {
  size_t semi = content_type.find(';');
  std::string_view media = content_type.substr(0, semi);
  while (!media.empty() && (media.back() == ' ' || media.back() == '\t')) media.remove_suffix(1);
  while (!media.empty() && (media.front() == ' ' || media.front() == '\t')) media.remove_prefix(1);
  auto equals = [&](std::string_view want) {
    if (media.size() != want.size()) return false;
    for (size_t i = 0; i < want.size(); ++i) {
      if (std::tolower(static_cast<unsigned char>(media[i])) != want[i]) return false;
    }
    return true;
  };
  if (media.empty() || equals("application/json")) return BodyFormat::kJson;
  if (equals("application/x-protobuf") || equals("application/protobuf")) {
    return BodyFormat::kProtobuf;
  }
  return BodyFormat::kUnknown;
}

Status SnappyDecode(std::string_view in, size_t max_out, std::string* out) {
  size_t n = 0;
  if (!snappy::GetUncompressedLength(in.data(), in.size(), &n)) {
    return Status::InvalidArgument("snappy: corrupt block header");
  }
  if (n > max_out) {
    return Status::ResourceExhausted(
        fmt::format("decompressed body of {} bytes exceeds the limit of {} bytes", n, max_out));
  }
  out->resize(n);
  if (!snappy::RawUncompress(in.data(), in.size(), out->data())) {
    return Status::InvalidArgument("snappy: corrupt block");
  }
  return Status::OK();
}

std::string* ScratchA() {
  thread_local std::string s;
  return &s;
}
std::string* ScratchB() {
  thread_local std::string s;
  return &s;
}
void ReleaseScratch(std::string* s) {
  if (s->capacity() > (size_t{8} << 20)) {
    std::string().swap(*s);
  } else {
    s->clear();
  }
}

void AppendHex(std::string* out, std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  for (char c : bytes) {
    auto b = static_cast<unsigned char>(c);
    out->push_back(kDigits[b >> 4]);
    out->push_back(kDigits[b & 15]);
  }
}

}  // namespace internal

namespace {

using internal::BodyFormat;

constexpr size_t kMaxLabelStringBytes = 16 << 10;

Status EntryError(size_t entry, const model::Labels& stream, std::string_view what) {
  return Status::InvalidArgument(
      fmt::format("loki push: entry {} of stream {}: {}", entry, stream.ToString(), what));
}

Status TooManyRecords(size_t max) {
  return Status::ResourceExhausted(
      fmt::format("loki push: more than {} entries in one request", max));
}

// ---------------------------------------------------------------------------
// Protobuf.

Status DecodeTimestamp(std::string_view msg, int64_t* ns) {
  wire::ProtoReader r(msg);
  int64_t seconds = 0;
  int64_t nanos = 0;
  while (r.Next()) {
    if (r.Is(1, wire::kVarint)) seconds = static_cast<int64_t>(r.number());
    if (r.Is(2, wire::kVarint)) nanos = static_cast<int32_t>(r.number());
  }
  if (r.error()) return Status::InvalidArgument("malformed timestamp");
  constexpr int64_t kMaxSeconds = std::numeric_limits<int64_t>::max() / 1000000000 - 1;
  // Before 1970 is refused, as in JSON (whose timestamps are unsigned).
  if (seconds > kMaxSeconds || seconds < 0 || nanos < 0 || nanos > 999999999) {
    return Status::InvalidArgument("timestamp out of range");
  }
  *ns = seconds * 1000000000 + nanos;
  return Status::OK();
}

Status DecodeLabelPair(std::string_view msg, model::LogAttribute* attr) {
  wire::ProtoReader r(msg);
  while (r.Next()) {
    if (r.Is(1, wire::kLengthDelimited)) attr->key.assign(r.bytes());
    if (r.Is(2, wire::kLengthDelimited)) attr->value.assign(r.bytes());
  }
  if (r.error()) return Status::InvalidArgument("malformed structured metadata");
  return Status::OK();
}

Status DecodeEntry(std::string_view msg, model::LogRecord* rec) {
  wire::ProtoReader r(msg);
  while (r.Next()) {
    switch (r.field()) {
      case 1:
        if (r.type() == wire::kLengthDelimited) {
          VIGIL_RETURN_IF_ERROR(DecodeTimestamp(r.bytes(), &rec->time_ns));
        }
        break;
      case 2:
        if (r.type() == wire::kLengthDelimited) rec->body.assign(r.bytes());
        break;
      case 3:
        if (r.type() == wire::kLengthDelimited) {
          model::LogAttribute attr;
          VIGIL_RETURN_IF_ERROR(DecodeLabelPair(r.bytes(), &attr));
          if (!attr.key.empty()) rec->attributes.push_back(std::move(attr));
        }
        break;
      default:
        break;
    }
  }
  if (r.error()) return Status::InvalidArgument("malformed entry");
  return Status::OK();
}

Status DecodeStreamProto(std::string_view msg, size_t stream_index, const DecodeOptions& options,
                         std::vector<model::LogRecord>* out, size_t* count) {
  // Labels first, wherever they are in the message: entries need them.
  std::string_view label_text;
  bool have_labels = false;
  {
    wire::ProtoReader r(msg);
    while (r.Next()) {
      if (r.Is(1, wire::kLengthDelimited)) {
        label_text = r.bytes();
        have_labels = true;
      }
    }
    if (r.error()) {
      return Status::InvalidArgument(fmt::format("loki push: stream {}: malformed", stream_index));
    }
  }
  if (!have_labels) {
    return Status::InvalidArgument(fmt::format(
        "loki push: stream {}: at least one label pair is required per stream", stream_index));
  }
  if (label_text.size() > kMaxLabelStringBytes) {
    return Status::InvalidArgument(
        fmt::format("loki push: stream {}: label string of {} bytes exceeds {} bytes", stream_index,
                    label_text.size(), kMaxLabelStringBytes));
  }
  model::Labels stream;
  if (Status s = ParseLokiLabels(label_text, &stream); !s.ok()) {
    return Status::InvalidArgument(
        fmt::format("loki push: stream {}: {}", stream_index, s.message()));
  }
  wire::ProtoReader r(msg);
  size_t entry = 0;
  while (r.Next()) {
    if (!r.Is(2, wire::kLengthDelimited)) continue;
    if (++*count > options.max_records) return TooManyRecords(options.max_records);
    model::LogRecord& rec = out->emplace_back();
    rec.observed_time_ns = options.observed_time_ns;
    rec.stream = stream;
    if (Status s = DecodeEntry(r.bytes(), &rec); !s.ok()) {
      return EntryError(entry, stream, s.message());
    }
    ++entry;
  }
  return Status::OK();
}

Status DecodeLokiProto(std::string_view body, const DecodeOptions& options,
                       std::vector<model::LogRecord>* out) {
  std::string* raw = internal::ScratchB();
  Status s = internal::SnappyDecode(body, options.max_body_bytes_decompressed, raw);
  if (!s.ok()) {
    internal::ReleaseScratch(raw);
    return s.WithContext("loki push");
  }
  wire::ProtoReader r(*raw);
  size_t stream_index = 0;
  size_t count = 0;
  while (s.ok() && r.Next()) {
    if (!r.Is(1, wire::kLengthDelimited)) continue;
    s = DecodeStreamProto(r.bytes(), stream_index++, options, out, &count);
  }
  if (s.ok() && r.error()) s = Status::InvalidArgument("loki push: malformed protobuf");
  internal::ReleaseScratch(raw);
  return s;
}

// ---------------------------------------------------------------------------
// JSON.

simdjson::dom::parser* JsonParser(size_t body_size, std::unique_ptr<simdjson::dom::parser>* own) {
  // A parser keeps memory proportional to the largest document it saw; huge
  // bodies get one of their own so that the thread's parser stays small.
  if (body_size > (size_t{8} << 20)) {
    *own = std::make_unique<simdjson::dom::parser>();
    return own->get();
  }
  thread_local simdjson::dom::parser parser;
  return &parser;
}

// A Loki timestamp: a string of Unix nanoseconds (Loki's form), or a number.
bool ParseNanos(simdjson::dom::element e, int64_t* ns) {
  std::string_view s;
  if (e.get_string().get(s) == simdjson::SUCCESS) {
    if (s.empty() || s.size() > 19) return false;
    uint64_t v = 0;
    for (char c : s) {
      if (c < '0' || c > '9') return false;
      v = v * 10 + static_cast<uint64_t>(c - '0');
    }
    if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return false;
    *ns = static_cast<int64_t>(v);
    return true;
  }
  int64_t i;
  if (e.get_int64().get(i) == simdjson::SUCCESS && i >= 0) {
    *ns = i;
    return true;
  }
  return false;
}

Status DecodeStreamJson(simdjson::dom::object stream_obj, size_t stream_index,
                        const DecodeOptions& options, std::vector<model::LogRecord>* out,
                        size_t* count) {
  simdjson::dom::object labels_obj;
  if (stream_obj["stream"].get_object().get(labels_obj) != simdjson::SUCCESS) {
    return Status::InvalidArgument(
        fmt::format("loki push: stream {}: \"stream\" must be an object of labels", stream_index));
  }
  std::vector<model::Label> pairs;
  size_t label_bytes = 0;
  for (auto [key, value] : labels_obj) {
    std::string_view v;
    if (value.get_string().get(v) != simdjson::SUCCESS) {
      return Status::InvalidArgument(fmt::format(
          "loki push: stream {}: label {} must have a string value", stream_index, key));
    }
    label_bytes += key.size() + v.size();
    if (key.empty() || !model::IsValidUTF8(key)) {
      return Status::InvalidArgument(
          fmt::format("loki push: stream {}: invalid label name", stream_index));
    }
    if (!v.empty()) pairs.push_back(model::Label{std::string(key), std::string(v)});
  }
  if (label_bytes > kMaxLabelStringBytes) {
    return Status::InvalidArgument(fmt::format("loki push: stream {}: labels exceed {} bytes",
                                               stream_index, kMaxLabelStringBytes));
  }
  if (pairs.empty()) {
    return Status::InvalidArgument(fmt::format(
        "loki push: stream {}: at least one label pair is required per stream", stream_index));
  }
  std::sort(pairs.begin(), pairs.end(),
            [](const model::Label& a, const model::Label& b) { return a.name < b.name; });
  for (size_t i = 1; i < pairs.size(); ++i) {
    if (pairs[i].name == pairs[i - 1].name) {
      return Status::InvalidArgument(fmt::format("loki push: stream {}: duplicate label name {}",
                                                 stream_index, pairs[i].name));
    }
  }
  model::Labels stream = model::Labels::FromSorted(std::move(pairs));

  simdjson::dom::array values;
  if (stream_obj["values"].get_array().get(values) != simdjson::SUCCESS) {
    return Status::InvalidArgument(
        fmt::format("loki push: stream {}: \"values\" must be an array", stream_index));
  }
  size_t entry = 0;
  for (simdjson::dom::element value : values) {
    simdjson::dom::array tuple;
    if (value.get_array().get(tuple) != simdjson::SUCCESS) {
      return EntryError(entry, stream, "must be an array [timestamp, line, metadata?]");
    }
    if (++*count > options.max_records) return TooManyRecords(options.max_records);
    model::LogRecord& rec = out->emplace_back();
    rec.observed_time_ns = options.observed_time_ns;
    size_t i = 0;
    for (simdjson::dom::element part : tuple) {
      if (i == 0) {
        if (!ParseNanos(part, &rec.time_ns)) {
          return EntryError(entry, stream, "timestamp is not a number");
        }
      } else if (i == 1) {
        std::string_view line;
        if (part.get_string().get(line) != simdjson::SUCCESS) {
          return EntryError(entry, stream, "line is not a string");
        }
        rec.body.assign(line);
      } else if (i == 2) {
        simdjson::dom::object md;
        if (part.get_object().get(md) != simdjson::SUCCESS) {
          return EntryError(entry, stream, "structured metadata is not an object");
        }
        for (auto [key, v] : md) {
          std::string_view sv;
          if (v.get_string().get(sv) != simdjson::SUCCESS) {
            return EntryError(entry, stream, "structured metadata values must be strings");
          }
          if (key.empty()) continue;
          rec.attributes.push_back(model::LogAttribute{std::string(key), std::string(sv)});
        }
      } else {
        return EntryError(entry, stream, "too many elements");
      }
      ++i;
    }
    if (i < 2) return EntryError(entry, stream, "needs a timestamp and a line");
    rec.stream = stream;
    ++entry;
  }
  return Status::OK();
}

Status DecodeLokiJson(std::string_view body, const DecodeOptions& options,
                      std::vector<model::LogRecord>* out) {
  std::unique_ptr<simdjson::dom::parser> own;
  simdjson::dom::parser* parser = JsonParser(body.size(), &own);
  simdjson::dom::element doc;
  if (auto err = parser->parse(body.data(), body.size()).get(doc); err != simdjson::SUCCESS) {
    return Status::InvalidArgument(
        fmt::format("loki push: invalid JSON: {}", simdjson::error_message(err)));
  }
  simdjson::dom::array streams;
  if (doc["streams"].get_array().get(streams) != simdjson::SUCCESS) {
    return Status::InvalidArgument("loki push: body must be an object with a \"streams\" array");
  }
  size_t index = 0;
  size_t count = 0;
  for (simdjson::dom::element s : streams) {
    simdjson::dom::object obj;
    if (s.get_object().get(obj) != simdjson::SUCCESS) {
      return Status::InvalidArgument(fmt::format("loki push: stream {}: must be an object", index));
    }
    VIGIL_RETURN_IF_ERROR(DecodeStreamJson(obj, index, options, out, &count));
    ++index;
  }
  return Status::OK();
}

// ---------------------------------------------------------------------------
// Encoding: group the records by stream, in order of first appearance.

struct StreamGroup {
  const model::Labels* labels;
  std::vector<const model::LogRecord*> records;
};

std::vector<StreamGroup> GroupByStream(const std::vector<model::LogRecord>& records) {
  std::vector<StreamGroup> groups;
  std::unordered_multimap<uint64_t, size_t> by_hash;
  const model::Labels* last = nullptr;
  size_t last_group = 0;
  for (const model::LogRecord& rec : records) {
    // Consecutive records usually share a stream: skip the hash then.
    if (last != nullptr && *last == rec.stream) {
      groups[last_group].records.push_back(&rec);
      continue;
    }
    uint64_t h = rec.stream.Hash();
    size_t found = groups.size();
    auto [lo, hi] = by_hash.equal_range(h);
    for (auto it = lo; it != hi; ++it) {
      if (*groups[it->second].labels == rec.stream) {
        found = it->second;
        break;
      }
    }
    if (found == groups.size()) {
      groups.push_back(StreamGroup{&rec.stream, {}});
      by_hash.emplace(h, found);
    }
    groups[found].records.push_back(&rec);
    last = &rec.stream;
    last_group = found;
  }
  return groups;
}

// JSON text must be UTF-8: invalid bytes become U+FFFD (as Go's
// encoding/json writes them), so one bad line cannot spoil a request.
void AppendJsonText(std::string* out, std::string_view s) {
  if (model::IsValidUTF8(s)) return AppendJsonString(out, s);
  std::string clean;
  clean.reserve(s.size() + 8);
  for (size_t i = 0; i < s.size();) {
    int width = 1;
    int32_t r = Utf8DecodeRune(s, i, &width);
    if (r == kUtf8RuneError && width == 1) {
      clean.append("\xEF\xBF\xBD");
    } else {
      clean.append(s.substr(i, width));
    }
    i += width;
  }
  AppendJsonString(out, clean);
}

// Attributes become structured metadata; trace and span ids too (as Loki's
// own OTLP ingestion stores them).
template <typename F>
void ForEachMetadata(const model::LogRecord& rec, F&& f) {
  for (const model::LogAttribute& a : rec.attributes) f(a.key, a.value);
  if (!rec.trace_id.empty()) f("trace_id", rec.trace_id);
  if (!rec.span_id.empty()) f("span_id", rec.span_id);
}

}  // namespace

Status DecodeLokiPush(std::string_view content_type, std::string_view content_encoding,
                      std::string_view body, const DecodeOptions& options,
                      std::vector<model::LogRecord>* out) {
  BodyFormat format = internal::FormatOf(content_type);
  if (format == BodyFormat::kUnknown) {
    return Status::InvalidArgument(
        fmt::format("loki push: unsupported Content-Type {:?}", content_type));
  }
  std::string* scratch = internal::ScratchA();
  Status s =
      UndoContentEncoding(content_encoding, options.max_body_bytes_decompressed, &body, scratch);
  if (s.ok()) {
    size_t before = out->size();
    s = format == BodyFormat::kJson ? DecodeLokiJson(body, options, out)
                                    : DecodeLokiProto(body, options, out);
    if (!s.ok()) out->resize(before);
  } else {
    s = s.WithContext("loki push");
  }
  internal::ReleaseScratch(scratch);
  return s;
}

std::string EncodeLokiPushProto(const std::vector<model::LogRecord>& records) {
  std::string request;
  std::string stream_buf;
  std::string entry_buf;
  std::string small_buf;
  for (const StreamGroup& group : GroupByStream(records)) {
    stream_buf.clear();
    std::string labels;
    AppendLokiLabels(&labels, *group.labels);
    wire::AppendBytesField(&stream_buf, 1, labels);
    for (const model::LogRecord* rec : group.records) {
      entry_buf.clear();
      int64_t t = rec->EffectiveTime();
      int64_t seconds = t / 1000000000;
      int64_t nanos = t % 1000000000;
      if (nanos < 0) {
        nanos += 1000000000;
        --seconds;
      }
      small_buf.clear();
      if (seconds != 0) wire::AppendVarintField(&small_buf, 1, static_cast<uint64_t>(seconds));
      if (nanos != 0) wire::AppendVarintField(&small_buf, 2, static_cast<uint64_t>(nanos));
      wire::AppendMessageField(&entry_buf, 1, small_buf);
      wire::AppendBytesField(&entry_buf, 2, rec->body);
      ForEachMetadata(*rec, [&](std::string_view k, std::string_view v) {
        small_buf.clear();
        wire::AppendBytesField(&small_buf, 1, k);
        wire::AppendBytesField(&small_buf, 2, v);
        wire::AppendMessageField(&entry_buf, 3, small_buf);
      });
      wire::AppendMessageField(&stream_buf, 2, entry_buf);
    }
    wire::AppendMessageField(&request, 1, stream_buf);
  }
  std::string compressed;
  snappy::Compress(request.data(), request.size(), &compressed);
  return compressed;
}

std::string EncodeLokiPushJson(const std::vector<model::LogRecord>& records) {
  std::string out = "{\"streams\":[";
  bool first_stream = true;
  for (const StreamGroup& group : GroupByStream(records)) {
    if (!first_stream) out.push_back(',');
    first_stream = false;
    out.append("{\"stream\":{");
    bool first = true;
    for (const model::Label& label : *group.labels) {
      if (!first) out.push_back(',');
      first = false;
      AppendJsonText(&out, label.name);
      out.push_back(':');
      AppendJsonText(&out, label.value);
    }
    out.append("},\"values\":[");
    bool first_entry = true;
    for (const model::LogRecord* rec : group.records) {
      if (!first_entry) out.push_back(',');
      first_entry = false;
      fmt::format_to(std::back_inserter(out), "[\"{}\",", rec->EffectiveTime());
      AppendJsonText(&out, rec->body);
      bool has_md = false;
      ForEachMetadata(*rec, [&](std::string_view k, std::string_view v) {
        out.append(has_md ? "," : ",{");
        has_md = true;
        AppendJsonText(&out, k);
        out.push_back(':');
        AppendJsonText(&out, v);
      });
      if (has_md) out.push_back('}');
      out.push_back(']');
    }
    out.append("]}");
  }
  out.append("]}");
  return out;
}

}  // namespace vigil::logs
