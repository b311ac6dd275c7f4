// Writing blocks: from the head's data, and by merging existing blocks
// (leveled compaction, overlapping blocks, tombstone cleanup).
//
// WriteBlock normalizes each series on the way: chunks that overlap in time
// are merged sample by sample (equal timestamps: the chunk listed first
// wins), deleted ranges and samples outside the block's range are dropped,
// and XOR chunks are recoded into the compact encoding. A series left without
// samples is not written; a block without series is not created at all.
//
// Thread-safety: the functions are pure with respect to shared state; the
// inputs' bytes must stay alive (their keepalives) during the call.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "storage/tsdb/block/block_reader.h"
#include "storage/tsdb/block/meta.h"
#include "storage/tsdb/series_chunks.h"

namespace vigil::tsdb {

struct WriteBlockOptions {
  // Target samples per chunk in blocks. A series whose chunks are shorter
  // (the head closes chunks every 120 samples) is re-chunked to this size:
  // longer compact chunks take ~7% fewer bytes per sample at 480 than at 120
  // (docs/performance.md). Chunks that already reach it are copied as they are.
  int samples_per_chunk = 480;
  block::BlockCompaction compaction;  // level, sources, parents
};

// Writes a block with the series (sorted by labels) for [mint, maxt)
// (maxt exclusive) under parent_dir. Returns NotFound if no sample is left.
// The block's range is that of the data written.
Result<block::BlockMeta> WriteBlock(const std::string& parent_dir, std::vector<SeriesChunks> series,
                                    int64_t mint, int64_t maxt, const WriteBlockOptions& options);

// All series of a block with their chunks (and its tombstones applied on read).
Result<std::vector<SeriesChunks>> ReadAllSeries(const std::shared_ptr<block::BlockReader>& block);

// Merges blocks into one new block covering their combined range; the
// result's level is one more than the highest input level. Tombstones of the
// inputs are applied (deleted samples are gone from the output).
Result<block::BlockMeta> CompactBlocks(
    const std::string& parent_dir, const std::vector<std::shared_ptr<block::BlockReader>>& blocks,
    const WriteBlockOptions& options);

}  // namespace vigil::tsdb
