// DB: Vigil's time-series database, the storage::Storage of `vigil serve`.
//
// Layout of <dir> (docs/storage-format.md):
//   lock          held while open (a second process fails at once)
//   wal/          write-ahead log of the head (segments, checkpoint.N)
//   <ULID>/       immutable blocks (meta.json, index, chunks/, tombstones)
//   metadata      metric metadata (type, help, unit) as of the last close
//
// Life of a sample: an Appender logs it to the WAL, then it lives in the
// head. When the head spans more than 1.5 block ranges, the oldest whole
// ranges are written into blocks (compaction), the head drops exactly what
// was written, and the WAL is checkpointed so replay stays short. Blocks are
// merged into longer ranges (x3 per level up to max_block_range) and deleted
// by retention (time and size), whole blocks only. Close() flushes the whole
// head into blocks and empties the WAL, so a clean restart replays nothing;
// after kill -9 the WAL is replayed.
//
// Thread-safety: all public methods are safe to call concurrently. One
// background thread runs compactions and retention; Compact() runs the same
// work synchronously (it waits for the background pass if one is running).
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/file.h"
#include "base/metrics.h"
#include "base/time.h"
#include "storage/storage.h"
#include "storage/tsdb/block/block_reader.h"
#include "storage/tsdb/compact.h"
#include "storage/tsdb/head.h"

namespace vigil::tsdb {

namespace wal {
class Wal;
}

struct DbOptions {
  // Blocks whose whole range is older than (newest sample - retention_ms)
  // are deleted. 0: no time-based retention.
  int64_t retention_ms = 15 * kDay;
  // When blocks + WAL take more than this many bytes, the oldest blocks are
  // deleted until they fit. 0: no size limit.
  uint64_t retention_bytes = 0;
  // The range of blocks cut from the head (Prometheus' 2h).
  int64_t block_range_ms = 2 * kHour;
  // The longest range compaction builds; 0: min(retention / 10, 31d).
  int64_t max_block_range_ms = 0;
  HeadOptions head;  // head.chunk_range_ms is set to block_range_ms
  // Samples per chunk in blocks (head chunks are re-chunked when written).
  int block_samples_per_chunk = 480;
  // WAL: snappy compression, and how often a background thread fsyncs
  // (0: only at segment ends and on Close; data is safe against kill -9 as
  // soon as a write is acknowledged either way, fsync guards power loss).
  bool wal_compression = true;
  int wal_fsync_interval_ms = 1000;
  uint64_t wal_segment_size = 128ull << 20;
  // How often the background loop looks for compaction and retention work.
  // 0: no background thread (tests call Compact()).
  int64_t compaction_interval_ms = 60 * kSecond;
  // Write the head into blocks on Close (fast restart, compact data dir).
  bool flush_on_close = true;
  metrics::Registry* registry = nullptr;  // null: a private registry
};

struct DbStats {
  size_t num_blocks = 0;
  uint64_t blocks_bytes = 0;
  uint64_t wal_bytes = 0;
  uint64_t head_series = 0;
  int64_t head_min_time = 0;
  int64_t head_max_time = 0;
  uint64_t block_samples = 0;
};

class DB final : public storage::Storage {
 public:
  static Result<std::unique_ptr<DB>> Open(const std::string& dir, DbOptions options);
  ~DB() override;
  DB(const DB&) = delete;
  DB& operator=(const DB&) = delete;

  // Stops background work, flushes the head (if flush_on_close) and closes
  // the WAL. Idempotent; the destructor calls it.
  Status Close();

  // storage::Storage
  std::unique_ptr<storage::Appender> NewAppender() override;
  Result<std::unique_ptr<storage::Querier>> NewQuerier(int64_t mint, int64_t maxt) override;
  std::vector<std::pair<std::string, storage::MetricMetadata>> Metadata(std::string_view metric,
                                                                        size_t limit) override;
  Status Delete(int64_t mint, int64_t maxt, const std::vector<model::Matcher>& matchers) override;
  Status CleanTombstones() override;
  int64_t MinTime() override;
  int64_t MaxTime() override;
  storage::TsdbStatus HeadStatus(size_t limit) override;

  // One pass of the background work, now: head compaction (if the head is
  // long enough), block compaction, retention.
  Status Compact();
  // Writes all of the head into blocks and checkpoints the WAL away.
  Status FlushHead();

  Head* head() { return head_.get(); }
  std::vector<block::BlockMeta> BlockMetas();
  DbStats Stats();
  const std::string& dir() const { return dir_; }

 private:
  DB(std::string dir, DbOptions options);
  Status OpenBlocks();
  Status ReplayWal();
  void LoadMetadataFile();
  Status WriteMetadataFile();
  void BackgroundLoop();
  Status CompactHeadLocked(int64_t boundary);
  Status CompactBlocksLocked();
  Status ApplyRetentionLocked();
  void AddBlocks(std::vector<std::shared_ptr<block::BlockReader>> added,
                 const std::vector<std::string>& removed_ulids);
  std::vector<std::shared_ptr<block::BlockReader>> BlocksSnapshot();
  void DeleteBlockDirs(const std::vector<std::string>& ulids);
  void RecordMetadata(const std::vector<std::pair<std::string, storage::MetricMetadata>>& md);
  int64_t MaxBlockRange() const;
  WriteBlockOptions BlockWriteOptions() const;

  const std::string dir_;
  DbOptions opts_;
  std::unique_ptr<metrics::Registry> own_registry_;
  metrics::Registry* registry_;
  std::unique_ptr<fs::FileLock> lock_;
  std::unique_ptr<Head> head_;
  std::unique_ptr<wal::Wal> wal_;

  std::mutex blocks_mu_;
  std::vector<std::shared_ptr<block::BlockReader>>
      blocks_;  // guarded by blocks_mu_, sorted by min time

  std::mutex compact_mu_;  // one compaction / retention / deletion at a time

  std::mutex metadata_mu_;
  std::map<std::string, storage::MetricMetadata, std::less<>> metadata_;  // guarded by metadata_mu_

  std::mutex bg_mu_;
  std::condition_variable bg_cv_;
  bool stop_ = false;  // guarded by bg_mu_
  std::thread bg_;
  bool closed_ = false;

  metrics::Counter* compactions_head_;
  metrics::Counter* compactions_blocks_;
  metrics::Counter* compactions_failed_;
  metrics::Histogram* compaction_seconds_;
  metrics::Counter* retention_time_;
  metrics::Counter* retention_size_;
  metrics::Counter* replay_unknown_refs_;
  metrics::Counter* replay_samples_;
  metrics::Gauge* replay_seconds_;
  metrics::Counter* checkpoint_failed_;
  std::vector<metrics::FuncHandle> funcs_;
};

}  // namespace vigil::tsdb
