// BlockWriter: writes one immutable block directory.
//
// The block is built in <parent>/<ulid>.tmp: chunks stream to chunks/NNNNNN
// as series are added, the index, an empty tombstones file and meta.json are
// written by Finish, everything is fsynced, and only then the directory is
// renamed to <parent>/<ulid> (and the parent fsynced). A reader therefore
// never sees a half-written block under its final name; a crash leaves a
// .tmp directory for the opener of the parent directory to delete.
//
// Memory: chunk bytes are written through, not kept; the writer keeps each
// series' labels and chunk metas in encoded form until Finish (see
// index_writer.h).
//
// Thread-safety: one thread at a time.
#pragma once

#include <memory>
#include <span>
#include <string>

#include "base/result.h"
#include "model/labels.h"
#include "storage/tsdb/block/chunks.h"
#include "storage/tsdb/block/index_writer.h"
#include "storage/tsdb/block/meta.h"

namespace vigil::tsdb::block {

struct BlockWriterOptions {
  uint64_t max_segment_size = kDefaultMaxSegmentSize;
  uint32_t index_group_size = 16;
};

inline constexpr char kIndexFile[] = "index";
inline constexpr char kChunksDir[] = "chunks";
inline constexpr char kTombstonesFile[] = "tombstones";
inline constexpr char kTmpSuffix[] = ".tmp";

class BlockWriter {
 public:
  // ulid: the block's name; empty means NewULID(now). A stale
  // <parent>/<ulid>.tmp is removed first; an existing <parent>/<ulid> is
  // AlreadyExists.
  static Result<std::unique_ptr<BlockWriter>> Create(const std::string& parent_dir,
                                                     std::string ulid = "",
                                                     BlockWriterOptions options = {});
  // Removes the .tmp directory unless Finish succeeded.
  ~BlockWriter();
  BlockWriter(const BlockWriter&) = delete;
  BlockWriter& operator=(const BlockWriter&) = delete;

  // Series in strictly increasing label order (Labels::Compare), each label
  // name and value non-empty; chunks with maxt >= mint, in time order.
  // InvalidArgument leaves the writer usable (the series is not added).
  Status AddSeries(const model::Labels& labels, std::span<const ChunkData> chunks);

  // Completes the block. From `partial` the writer keeps stats.num_samples,
  // compaction and, if max_time > min_time, the time range; otherwise the
  // range is [smallest chunk mint, largest chunk maxt + 1). It sets ulid,
  // num_series, num_chunks, version, and sources = {ulid} when empty.
  // Returns the meta as written.
  Result<BlockMeta> Finish(BlockMeta partial);

  const std::string& ulid() const { return ulid_; }
  const std::string& tmp_dir() const { return tmp_dir_; }
  // The final directory (exists once Finish succeeded).
  const std::string& dir() const { return dir_; }

 private:
  BlockWriter() = default;

  std::string ulid_, parent_, tmp_dir_, dir_;
  std::unique_ptr<ChunkWriter> chunks_;
  std::unique_ptr<IndexWriter> index_;
  std::vector<ChunkMeta> metas_;
  uint64_t num_chunks_ = 0;
  int64_t min_t_ = INT64_MAX, max_t_ = INT64_MIN;
  bool finished_ = false;
  bool failed_ = false;
};

}  // namespace vigil::tsdb::block
