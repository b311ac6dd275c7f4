#include "storage/tsdb/block/meta.h"

#include <fmt/format.h>
#include <simdjson.h>

#include "base/file.h"
#include "storage/tsdb/block/ulid.h"

namespace vigil::tsdb::block {

namespace {

constexpr char kMetaFile[] = "meta.json";

void AppendDesc(std::string* out, const BlockDesc& d) {
  *out += "{\"ulid\":";
  AppendJSONString(out, d.ulid);
  *out += fmt::format(",\"minTime\":{},\"maxTime\":{}}}", d.min_time, d.max_time);
}

Status Bad(std::string_view what) { return Status::Corruption(fmt::format("meta.json: {}", what)); }

Result<std::string> GetULID(simdjson::dom::object o, std::string_view key) {
  std::string_view s;
  if (o[key].get_string().get(s) != simdjson::SUCCESS) return Bad(fmt::format("missing {}", key));
  if (!IsValidULID(s)) return Bad(fmt::format("{} is not a ULID", key));
  return std::string(s);
}

Status GetInt(simdjson::dom::object o, std::string_view key, int64_t* v) {
  if (o[key].get_int64().get(*v) != simdjson::SUCCESS) {
    return Bad(fmt::format("missing or bad {}", key));
  }
  return Status::OK();
}

// Absent is 0; present must be a non-negative integer.
Status GetCount(simdjson::dom::object o, std::string_view key, uint64_t* v) {
  simdjson::dom::element e;
  if (o[key].get(e) == simdjson::NO_SUCH_FIELD) return Status::OK();
  if (e.get_uint64().get(*v) != simdjson::SUCCESS) return Bad(fmt::format("bad {}", key));
  return Status::OK();
}

Result<BlockDesc> ParseDesc(simdjson::dom::element e) {
  simdjson::dom::object o;
  if (e.get_object().get(o) != simdjson::SUCCESS) return Bad("parent is not an object");
  BlockDesc d;
  VIGIL_ASSIGN_OR_RETURN(d.ulid, GetULID(o, "ulid"));
  VIGIL_RETURN_IF_ERROR(GetInt(o, "minTime", &d.min_time));
  VIGIL_RETURN_IF_ERROR(GetInt(o, "maxTime", &d.max_time));
  return d;
}

}  // namespace

void AppendJSONString(std::string* out, std::string_view s) {
  out->push_back('"');
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"':
        *out += "\\\"";
        break;
      case '\\':
        *out += "\\\\";
        break;
      case '\n':
        *out += "\\n";
        break;
      case '\r':
        *out += "\\r";
        break;
      case '\t':
        *out += "\\t";
        break;
      case '\b':
        *out += "\\b";
        break;
      case '\f':
        *out += "\\f";
        break;
      default:
        if (u < 0x20) {
          *out += fmt::format("\\u{:04x}", u);
        } else {
          out->push_back(c);  // UTF-8 passes through unchanged
        }
    }
  }
  out->push_back('"');
}

std::string EncodeMetaJSON(const BlockMeta& m) {
  std::string out = "{\n\t\"ulid\": ";
  AppendJSONString(&out, m.ulid);
  out += fmt::format(",\n\t\"minTime\": {},\n\t\"maxTime\": {},\n", m.min_time, m.max_time);
  out += fmt::format(
      "\t\"stats\": {{\n\t\t\"numSamples\": {},\n\t\t\"numSeries\": {},\n"
      "\t\t\"numChunks\": {}",
      m.stats.num_samples, m.stats.num_series, m.stats.num_chunks);
  if (m.stats.num_tombstones != 0) {
    out += fmt::format(",\n\t\t\"numTombstones\": {}", m.stats.num_tombstones);
  }
  out += fmt::format("\n\t}},\n\t\"compaction\": {{\n\t\t\"level\": {},\n\t\t\"sources\": [",
                     m.compaction.level);
  for (size_t i = 0; i < m.compaction.sources.size(); ++i) {
    out += i == 0 ? "\n\t\t\t" : ",\n\t\t\t";
    AppendJSONString(&out, m.compaction.sources[i]);
  }
  out += m.compaction.sources.empty() ? "]" : "\n\t\t]";
  if (!m.compaction.parents.empty()) {
    out += ",\n\t\t\"parents\": [";
    for (size_t i = 0; i < m.compaction.parents.size(); ++i) {
      out += i == 0 ? "\n\t\t\t" : ",\n\t\t\t";
      AppendDesc(&out, m.compaction.parents[i]);
    }
    out += "\n\t\t]";
  }
  out += fmt::format("\n\t}},\n\t\"version\": {}\n}}\n", m.version);
  return out;
}

Result<BlockMeta> ParseMetaJSON(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  simdjson::dom::element doc;
  if (auto err = parser.parse(padded).get(doc); err != simdjson::SUCCESS) {
    return Bad(simdjson::error_message(err));
  }
  simdjson::dom::object root;
  if (doc.get_object().get(root) != simdjson::SUCCESS) return Bad("not an object");
  BlockMeta m;
  int64_t version = 0;
  VIGIL_RETURN_IF_ERROR(GetInt(root, "version", &version));
  if (version != kMetaVersion) return Bad(fmt::format("unsupported version {}", version));
  m.version = static_cast<int>(version);
  VIGIL_ASSIGN_OR_RETURN(m.ulid, GetULID(root, "ulid"));
  VIGIL_RETURN_IF_ERROR(GetInt(root, "minTime", &m.min_time));
  VIGIL_RETURN_IF_ERROR(GetInt(root, "maxTime", &m.max_time));
  if (m.max_time < m.min_time) return Bad("maxTime before minTime");

  simdjson::dom::object stats;
  if (root["stats"].get_object().get(stats) == simdjson::SUCCESS) {
    VIGIL_RETURN_IF_ERROR(GetCount(stats, "numSamples", &m.stats.num_samples));
    VIGIL_RETURN_IF_ERROR(GetCount(stats, "numSeries", &m.stats.num_series));
    VIGIL_RETURN_IF_ERROR(GetCount(stats, "numChunks", &m.stats.num_chunks));
    VIGIL_RETURN_IF_ERROR(GetCount(stats, "numTombstones", &m.stats.num_tombstones));
  }
  simdjson::dom::object comp;
  if (root["compaction"].get_object().get(comp) == simdjson::SUCCESS) {
    int64_t level = 1;
    if (comp["level"].get_int64().get(level) != simdjson::SUCCESS || level < 1 || level > 1000) {
      return Bad("bad compaction level");
    }
    m.compaction.level = static_cast<int>(level);
    simdjson::dom::array arr;
    if (comp["sources"].get_array().get(arr) == simdjson::SUCCESS) {
      for (simdjson::dom::element e : arr) {
        std::string_view s;
        if (e.get_string().get(s) != simdjson::SUCCESS || !IsValidULID(s)) {
          return Bad("compaction source is not a ULID");
        }
        m.compaction.sources.emplace_back(s);
      }
    }
    if (comp["parents"].get_array().get(arr) == simdjson::SUCCESS) {
      for (simdjson::dom::element e : arr) {
        VIGIL_ASSIGN_OR_RETURN(auto d, ParseDesc(e));
        m.compaction.parents.push_back(std::move(d));
      }
    }
  }
  return m;
}

Status WriteMetaFile(const std::string& dir, const BlockMeta& meta) {
  return fs::WriteFileAtomic(fs::Join(dir, kMetaFile), EncodeMetaJSON(meta));
}

Result<BlockMeta> ReadMetaFile(const std::string& dir) {
  std::string path = fs::Join(dir, kMetaFile);
  VIGIL_ASSIGN_OR_RETURN(auto data, fs::ReadFile(path));
  auto m = ParseMetaJSON(data);
  if (!m.ok()) return m.status().WithContext(path);
  return m;
}

}  // namespace vigil::tsdb::block
