#include "api/loki/loki_json.h"

#include <fmt/format.h>

#include "base/json.h"
#include "base/strconv.h"

namespace vigil::api::loki {
namespace {

void AppendInt(std::string* out, int64_t v) {
  fmt::format_int f(v);
  out->append(f.data(), f.size());
}

void AppendUint(std::string* out, uint64_t v) {
  fmt::format_int f(v);
  out->append(f.data(), f.size());
}

void AppendKey(std::string* out, std::string_view key) {
  AppendJsonString(out, key);
  out->push_back(':');
}

void AppendStreams(std::string* out, const std::vector<logql::Stream>& streams,
                   const EncodeOptions& o) {
  out->push_back('[');
  bool first_stream = true;
  for (const logql::Stream& s : streams) {
    if (!first_stream) out->push_back(',');
    first_stream = false;
    out->append("{\"stream\":");
    AppendLabelsObject(out, s.labels);
    out->append(",\"values\":[");
    bool first = true;
    for (const logstore::LogEntry& e : s.entries) {
      if (!first) out->push_back(',');
      first = false;
      AppendLogEntry(out, e, o);
    }
    out->append("]}");
  }
  out->push_back(']');
}

size_t EstimateStreamsBytes(const std::vector<logql::Stream>& streams) {
  size_t n = 128;
  for (const logql::Stream& s : streams) {
    n += 32;
    for (const auto& l : s.labels) n += l.name.size() + l.value.size() + 6;
    for (const auto& e : s.entries) n += e.line.size() + 28;
  }
  return n;
}

}  // namespace

void AppendLabelsObject(std::string* out, const model::Labels& labels) {
  out->push_back('{');
  bool first = true;
  for (const model::Label& l : labels) {
    if (!first) out->push_back(',');
    first = false;
    AppendKey(out, l.name);
    AppendJsonString(out, l.value);
  }
  out->push_back('}');
}

void AppendLogEntry(std::string* out, const logstore::LogEntry& entry, const EncodeOptions& o) {
  out->append("[\"");
  AppendInt(out, entry.time_ns);
  out->append("\",");
  AppendJsonString(out, entry.line);
  if (o.categorize_labels && !entry.metadata.empty()) {
    out->append(",{\"structuredMetadata\":{");
    bool first = true;
    for (const model::LogAttribute& a : entry.metadata) {
      if (!first) out->push_back(',');
      first = false;
      AppendKey(out, a.key);
      AppendJsonString(out, a.value);
    }
    out->append("}}");
  }
  out->push_back(']');
}

void AppendSamplePair(std::string* out, int64_t t_ns, double v) {
  out->push_back('[');
  // Prometheus' model.Time: milliseconds, printed as float seconds.
  int64_t ms = t_ns / 1'000'000;
  AppendGoFloat(out, static_cast<double>(ms) / 1000.0, 'f');
  out->append(",\"");
  AppendGoFloat(out, v, 'f');
  out->append("\"]");
}

void AppendStats(std::string* out, const logql::QueryStats& s, uint64_t entries_returned) {
  double exec = s.exec_seconds;
  uint64_t bytes_per_s =
      exec > 0 ? static_cast<uint64_t>(static_cast<double>(s.bytes_read) / exec) : 0;
  uint64_t lines_per_s =
      exec > 0 ? static_cast<uint64_t>(static_cast<double>(s.entries_read) / exec) : 0;
  out->append("{\"summary\":{\"bytesProcessedPerSecond\":");
  AppendUint(out, bytes_per_s);
  out->append(",\"linesProcessedPerSecond\":");
  AppendUint(out, lines_per_s);
  out->append(",\"totalBytesProcessed\":");
  AppendUint(out, s.bytes_read);
  out->append(",\"totalLinesProcessed\":");
  AppendUint(out, s.entries_read);
  out->append(",\"execTime\":");
  AppendGoFloat(out, exec, 'f');
  out->append(",\"queueTime\":0,\"subqueries\":0,\"totalEntriesReturned\":");
  AppendUint(out, entries_returned);
  out->append(",\"splits\":0,\"shards\":0,\"totalPostFilterLines\":");
  AppendUint(out, entries_returned);
  out->append(",\"totalStructuredMetadataBytesProcessed\":0}");
  // Vigil reads one store, which Grafana would show under "querier"; the
  // ingester part is kept (zero) because clients expect the key.
  out->append(",\"querier\":{\"store\":{\"totalChunksRef\":0,\"totalChunksDownloaded\":0,");
  out->append("\"chunksDownloadTime\":0,\"chunk\":{\"headChunkBytes\":0,\"headChunkLines\":0,");
  out->append("\"decompressedBytes\":");
  AppendUint(out, s.bytes_read);
  out->append(",\"decompressedLines\":");
  AppendUint(out, s.entries_read);
  out->append(
      ",\"compressedBytes\":0,\"totalDuplicates\":0}}},\"ingester\":{\"totalReached\":0,"
      "\"totalChunksMatched\":0,");
  out->append("\"totalBatches\":0,\"totalLinesSent\":0}}");
}

std::string EncodeQueryResponse(const logql::QueryResult& r, const EncodeOptions& o) {
  using Type = logql::QueryResult::Type;
  std::string out;
  uint64_t returned = 0;
  if (r.type == Type::kStreams) {
    out.reserve(EstimateStreamsBytes(r.streams));
    for (const auto& s : r.streams) returned += s.entries.size();
  } else {
    size_t points = 0;
    for (const auto& s : r.series) points += s.points.size();
    out.reserve(256 + points * 32 + r.series.size() * 64);
    returned = points;
  }
  out.append("{\"status\":\"success\",\"data\":{\"resultType\":");
  switch (r.type) {
    case Type::kStreams:
      out.append("\"streams\",\"result\":");
      AppendStreams(&out, r.streams, o);
      break;
    case Type::kMatrix: {
      out.append("\"matrix\",\"result\":[");
      bool first = true;
      for (const logql::Series& s : r.series) {
        if (!first) out.push_back(',');
        first = false;
        out.append("{\"metric\":");
        AppendLabelsObject(&out, s.labels);
        out.append(",\"values\":[");
        bool first_point = true;
        for (const logql::Point& p : s.points) {
          if (!first_point) out.push_back(',');
          first_point = false;
          AppendSamplePair(&out, p.t_ns, p.v);
        }
        out.append("]}");
      }
      out.push_back(']');
      break;
    }
    case Type::kVector: {
      out.append("\"vector\",\"result\":[");
      bool first = true;
      for (const logql::Series& s : r.series) {
        if (s.points.empty()) continue;
        if (!first) out.push_back(',');
        first = false;
        out.append("{\"metric\":");
        AppendLabelsObject(&out, s.labels);
        out.append(",\"value\":");
        AppendSamplePair(&out, s.points.back().t_ns, s.points.back().v);
        out.push_back('}');
      }
      out.push_back(']');
      break;
    }
    case Type::kScalar: {
      out.append("\"scalar\",\"result\":");
      if (!r.series.empty() && !r.series[0].points.empty()) {
        const logql::Point& p = r.series[0].points.back();
        AppendSamplePair(&out, p.t_ns, p.v);
      } else {
        out.append("[]");
      }
      break;
    }
  }
  out.append(",\"stats\":");
  AppendStats(&out, r.stats, returned);
  if (o.categorize_labels && r.type == Type::kStreams) {
    out.append(",\"encodingFlags\":[\"categorize-labels\"]");
  }
  out.push_back('}');
  if (!r.warnings.empty()) {
    out.append(",\"warnings\":[");
    for (size_t i = 0; i < r.warnings.size(); ++i) {
      if (i > 0) out.push_back(',');
      AppendJsonString(&out, r.warnings[i]);
    }
    out.push_back(']');
  }
  out.push_back('}');
  return out;
}

std::string EncodeStringList(const std::vector<std::string>& values) {
  std::string out;
  size_t n = 40;
  for (const auto& v : values) n += v.size() + 3;
  out.reserve(n);
  out.append("{\"status\":\"success\",\"data\":[");
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out.push_back(',');
    AppendJsonString(&out, values[i]);
  }
  out.append("]}");
  return out;
}

std::string EncodeSeries(const std::vector<model::Labels>& series) {
  std::string out;
  out.append("{\"status\":\"success\",\"data\":[");
  for (size_t i = 0; i < series.size(); ++i) {
    if (i > 0) out.push_back(',');
    AppendLabelsObject(&out, series[i]);
  }
  out.append("]}");
  return out;
}

std::string EncodeIndexStats(const logstore::IndexStats& s) {
  return fmt::format("{{\"streams\":{},\"chunks\":{},\"entries\":{},\"bytes\":{}}}", s.streams,
                     s.chunks, s.entries, s.bytes);
}

std::string EncodeFormatQuery(std::string_view formatted) {
  std::string out = "{\"status\":\"success\",\"data\":";
  AppendJsonString(&out, formatted);
  out.push_back('}');
  return out;
}

std::string EncodeBuildInfo(std::string_view version) {
  std::string out = "{\"version\":";
  AppendJsonString(&out, version);
  out.append(
      ",\"revision\":\"\",\"branch\":\"\",\"buildUser\":\"\",\"buildDate\":\"\","
      "\"goVersion\":\"\"}");
  return out;
}

std::string EncodeTailFrame(const std::vector<logql::Stream>& streams, const EncodeOptions& o) {
  std::string out;
  out.reserve(EstimateStreamsBytes(streams));
  out.append("{\"streams\":");
  AppendStreams(&out, streams, o);
  out.append(",\"dropped_entries\":[]}");
  return out;
}

}  // namespace vigil::api::loki
