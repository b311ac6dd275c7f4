// Checkpoints of the WAL, as Prometheus' tsdb/wlog/checkpoint.go: when the
// head drops old data, the records of segments [from, to] that still matter
// (series the head keeps, their samples at or after mint, their tombstones,
// the latest metadata per metric family) are rewritten, together with the
// previous checkpoint, into a directory `checkpoint.<to>` (itself a WAL
// directory with its own segments). The caller then deletes the covered
// segments with Wal::TruncateBefore(to + 1).
//
// Replay order: the segments of the last checkpoint, then the WAL's segments
// with an index above the checkpoint's (ReplaySegments, OpenReplay).
//
// A checkpoint is built in `checkpoint.<to>.tmp`, synced and renamed into
// place, so a crash leaves either the old or the new checkpoint; leftover
// .tmp directories are ignored by LastCheckpoint and removed by Checkpoint
// and by Wal::Open.
//
// Thread-safety: the functions are safe to call concurrently with a Wal
// writing to the same directory (they read only segments [from, to], which
// must not be the one being written). Two Checkpoint calls on one directory
// must not run at the same time.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/metrics.h"
#include "base/result.h"
#include "base/status.h"
#include "storage/storage.h"
#include "storage/tsdb/wal/reader.h"
#include "storage/tsdb/wal/segment.h"

namespace vigil::tsdb::wal {

struct CheckpointRef {
  std::string dir;  // path of the checkpoint directory
  int index = -1;   // the last segment it covers
};

// "checkpoint.00000042".
std::string CheckpointDirName(int index);
// The index of a checkpoint directory name, or -1 (also for ".tmp" names).
int ParseCheckpointName(std::string_view name);

// The checkpoint with the highest index in wal_dir, or NotFound.
Result<CheckpointRef> LastCheckpoint(const std::string& wal_dir);
// Deletes the checkpoints with an index below `index`.
Status DeleteCheckpointsBefore(const std::string& wal_dir, int index);
// Deletes leftover `checkpoint.*.tmp` directories of an interrupted checkpoint.
Status RemoveTmpCheckpoints(const std::string& wal_dir);

// The segments to replay, in order: the last checkpoint's (in_checkpoint set),
// then the WAL's segments with an index above the checkpoint's.
Result<std::vector<SegmentRef>> ReplaySegments(const std::string& wal_dir);
// A reader over ReplaySegments(wal_dir).
Result<std::unique_ptr<Reader>> OpenReplay(const std::string& wal_dir, ReaderOptions options = {});

// Whether the series with this ref is still in the head.
using KeepSeries = std::function<bool(storage::SeriesRef)>;

struct CheckpointOptions {
  bool compression = true;  // snappy for the checkpoint's records
  // Where vigil_tsdb_checkpoints_total and the corruption counters go; null:
  // not exported.
  metrics::Registry* registry = nullptr;
  // Records are written in batches of about this many bytes.
  size_t batch_bytes = 1 << 20;
};

struct CheckpointStats {
  CheckpointRef checkpoint;  // the directory written
  int from = 0;              // the first WAL segment read (after the previous checkpoint)
  int to = 0;
  uint64_t total_series = 0, dropped_series = 0;
  uint64_t total_samples = 0, dropped_samples = 0;
  uint64_t total_tombstones = 0, dropped_tombstones = 0;
  uint64_t total_metadata = 0, dropped_metadata = 0;  // dropped: superseded by a later record
  uint64_t unknown_records = 0;      // record types this version does not know (dropped)
  uint64_t undecodable_records = 0;  // intact records whose body does not decode (dropped)
  uint64_t corruptions = 0;          // damaged regions skipped by the reader
  uint64_t bytes_dropped = 0;
};

// Writes checkpoint.<to> from the last checkpoint (if any) and WAL segments
// [from, to] of wal_dir, then deletes older checkpoints. Segments at or below
// the previous checkpoint's index are not read again. Damaged regions and
// undecodable records are skipped and counted in the stats, as replay would.
Result<CheckpointStats> Checkpoint(const std::string& wal_dir, int from, int to,
                                   const KeepSeries& keep, int64_t mint,
                                   const CheckpointOptions& options = {});

}  // namespace vigil::tsdb::wal
