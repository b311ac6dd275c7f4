// The write-ahead log of the TSDB head: a directory of numbered segment files
// holding records (byte strings, see records.h for what the TSDB puts in
// them), framed in 32 KiB pages with a checksum per fragment (format.h,
// docs/storage-format.md (write-ahead log)). Modelled on Prometheus' tsdb/wlog and leveldb's log.
//
// Writing: Log(records) frames a batch and hands it to the kernel in one
// write(2). When Log returns OK the batch survives kill -9 of the process;
// it survives power loss once Sync() has returned (or the background syncer,
// WalOptions::fsync_interval_ms, has run). A batch never spans two segments:
// if it does not fit in the current segment a new one is started first.
//
// Open never appends to an existing segment: it first cuts a torn tail off
// the last one (Repair below), then starts a new segment after the highest
// index present (counting checkpoints, so replay never skips it). Open the
// Wal before replaying its segments, so that the tail repaired here is not
// also reported by the replay.
//
// Thread-safety: all methods of Wal may be called from any thread. Log and
// the segment bookkeeping share one mutex; fdatasync runs outside it, so a
// Sync does not block concurrent Log calls.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "base/metrics.h"
#include "base/result.h"
#include "base/status.h"
#include "storage/tsdb/wal/format.h"
#include "storage/tsdb/wal/segment.h"
#include "storage/tsdb/wal/wal_metrics.h"

namespace vigil::tsdb::wal {

struct WalOptions {
  // A new segment is started when the next batch would not fit. A batch
  // larger than this gets a segment of its own, which is then larger. At
  // least kPageSize. Default 128 MiB.
  uint64_t segment_size = kDefaultSegmentSize;
  // Snappy-compress each record whose compressed form is smaller. Default on.
  bool compression = true;
  // > 0: a background thread calls Sync() this often when something was
  // written since the last sync. 0 (default): syncing is left to the caller.
  int fsync_interval_ms = 0;
  // Where vigil_tsdb_wal_* metrics go; null: a registry private to the Wal.
  metrics::Registry* registry = nullptr;
};

class Wal {
 public:
  // Creates dir if needed, repairs the tail of the last segment and starts a
  // new segment.
  static Result<std::unique_ptr<Wal>> Open(std::string dir, WalOptions options = {});
  // Closes (and syncs) the log; errors are logged.
  ~Wal();
  Wal(const Wal&) = delete;
  Wal& operator=(const Wal&) = delete;

  // Appends the records, in order, with one write(2). Either every record of
  // the batch is handed to the kernel or Log fails (and the segment is cut
  // back to where it was, when the file system allows it).
  Status Log(std::span<const std::string_view> records);
  Status Log(const std::vector<std::string>& records);
  Status Log(std::string_view record) { return Log(std::span<const std::string_view>(&record, 1)); }

  // fdatasync of every segment written since the last Sync.
  Status Sync();
  // Syncs and closes the current segment and starts the next one; returns
  // its index.
  Result<int> NextSegment();
  // The (first, last) segment indexes on disk; (-1, -1) if there are none.
  std::pair<int, int> Segments() const;
  // Deletes the segments with index < segment. Refuses to delete the
  // segment being written.
  Status TruncateBefore(int segment);
  // Syncs and closes. Later calls to Log fail. Idempotent.
  Status Close();

  const std::string& dir() const { return dir_; }
  int CurrentSegment() const;
  metrics::Registry* registry() const { return metrics_.registry(); }

 private:
  Wal(std::string dir, WalOptions options);

  // Closes the current segment (its sync deferred to the next Sync) and
  // creates segment `index`.
  Status CutSegmentLocked(int index);
  Status SyncFile(SegmentFile& f);
  void SyncLoop();

  const std::string dir_;
  const WalOptions options_;
  WalMetrics metrics_;

  mutable std::mutex mu_;
  std::shared_ptr<SegmentFile> segment_;                // guarded by mu_
  std::vector<std::shared_ptr<SegmentFile>> unsynced_;  // guarded by mu_: closed, not yet synced
  int last_index_ = 0;             // guarded by mu_: index of the newest segment created
  bool closed_ = false;            // guarded by mu_
  bool dirty_ = false;             // guarded by mu_: written since the last Sync
  bool need_new_segment_ = false;  // guarded by mu_: a failed write left the segment unusable
  bool dir_unsynced_ = false;      // guarded by mu_: a new segment's entry may not be durable
  std::string frame_buf_;          // guarded by mu_

  std::condition_variable sync_cv_;
  bool stop_syncer_ = false;  // guarded by mu_
  std::thread syncer_;
};

// The outcome of Repair.
struct RepairResult {
  bool repaired = false;  // a torn tail was cut off
  int segment = -1;       // the segment looked at (-1: none)
  uint64_t new_size = 0;
  uint64_t bytes_dropped = 0;
};

// Cuts a torn tail off the last non-empty segment of dir: a damaged region
// that reaches the end of the segment (partial write, zero-filled pages), so
// that it is not reported again on every start. Damage followed by intact
// records is left alone (the reader skips it). Call only while no Wal is
// open on dir; Wal::Open calls it. Counts into registry (null: not counted).
Result<RepairResult> Repair(const std::string& dir, metrics::Registry* registry = nullptr);

}  // namespace vigil::tsdb::wal
