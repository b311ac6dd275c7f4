// BlockMeta: a block's meta.json (identity, time range, counts, lineage),
// in the same shape as Prometheus' meta.json so tools that read that file
// read ours.
//
// Times are milliseconds; maxTime is exclusive as in Prometheus: the block
// holds samples with minTime <= t < maxTime.
//
// Thread-safety: values and pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace vigil::tsdb::block {

struct BlockDesc {
  std::string ulid;
  int64_t min_time = 0;
  int64_t max_time = 0;
  bool operator==(const BlockDesc&) const = default;
};

struct BlockStats {
  uint64_t num_samples = 0;
  uint64_t num_series = 0;
  uint64_t num_chunks = 0;
  uint64_t num_tombstones = 0;  // written only when non-zero
  bool operator==(const BlockStats&) const = default;
};

struct BlockCompaction {
  int level = 1;                     // 1 for a block cut from the head
  std::vector<std::string> sources;  // ULIDs of the level-1 blocks it descends from
  std::vector<BlockDesc> parents;    // the blocks compacted into it (empty for level 1)
  bool operator==(const BlockCompaction&) const = default;
};

inline constexpr int kMetaVersion = 1;

struct BlockMeta {
  std::string ulid;
  int64_t min_time = 0;
  int64_t max_time = 0;  // exclusive
  BlockStats stats;
  BlockCompaction compaction;
  int version = kMetaVersion;
  bool operator==(const BlockMeta&) const = default;
};

std::string EncodeMetaJSON(const BlockMeta& meta);
// InvalidArgument-free: any malformed document, a bad ULID or an unknown
// version is Corruption. Unknown fields are ignored.
Result<BlockMeta> ParseMetaJSON(std::string_view json);

// <dir>/meta.json, written atomically (tmp file, fsync, rename, fsync dir).
Status WriteMetaFile(const std::string& dir, const BlockMeta& meta);
Result<BlockMeta> ReadMetaFile(const std::string& dir);

// Appends s as a JSON string literal (quotes included) to out.
void AppendJSONString(std::string* out, std::string_view s);

}  // namespace vigil::tsdb::block
