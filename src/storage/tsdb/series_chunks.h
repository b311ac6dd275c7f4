// SeriesChunks: one series as the querier reads it from one source (the
// head or a block): its labels, its chunks overlapping the query range, and
// what keeps the chunk bytes alive. Sources produce these; the merging
// querier (querier.h) combines them across sources and iterates samples.
//
// Thread-safety: values; the bytes a ChunkView points at are immutable and
// owned by `keepalive`.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "model/labels.h"
#include "storage/tsdb/block/tombstones.h"
#include "storage/tsdb/chunkenc/chunkenc.h"

namespace vigil::tsdb {

struct ChunkView {
  int64_t mint = 0;
  int64_t maxt = 0;
  chunkenc::Encoding encoding = chunkenc::Encoding::kXor;
  std::string_view data;
  // Deleted ranges that apply to this chunk's source (may be null).
  const block::Intervals* deleted = nullptr;
};

struct SeriesChunks {
  model::Labels labels;
  std::vector<ChunkView>
      chunks;  // sorted by mint; may overlap (out-of-order data, overlapping blocks)
  std::vector<std::shared_ptr<const void>> keepalive;
};

}  // namespace vigil::tsdb
