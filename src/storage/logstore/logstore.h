// Vigil's log store: streams by label set, zstd-compressed chunks, a time and
// label index, retention by time and size, and a write-ahead log so that
// every batch Consume acknowledged survives kill -9. On-disk format:
// docs/storage-format.md ("Log store").
//
// Writes: Consume (model::LogSink) validates each record (line size, label
// set, stream cardinality, timestamps outside the accepted window), appends
// the accepted ones and the batch's source offsets to the WAL as one record,
// syncs it (per options.wal_sync), then makes them visible to readers.
// Rejected records are listed in the result with a reason and counted in
// vigil_logstore_rejected_total{reason}; nothing is dropped silently.
// Records are stored under their stream labels with time EffectiveTime();
// out-of-order entries within a stream are accepted (kept sorted in the head
// and in chunks).
//
// What an entry keeps: EffectiveTime(), the body as its line, and as its
// structured metadata the record's attributes, then its resource attributes,
// then severity_text / trace_id / span_id when set (keys not repeated; as
// Loki's OTLP ingestion). Lines are bytes: UTF-8 is not checked here.
// max_streams counts live streams, those with entries in the in-memory head
// (a stream whose head was cut is idle until it gets a new entry), so idle
// streams kept for retention do not block new ones.
//
// Reads: LogReader (log_reader.h) over the head, chunks cut but not yet
// written, and chunk files (read lazily as the merge reaches them). The
// line_contains hint filters: only lines containing every substring are
// returned (plain substring search, before any copy).
//
// Background: a flusher thread compresses and writes cut chunks (Consume
// helps when more than 64 MiB wait, and fails with Unavailable beyond
// 256 MiB, e.g. on a full disk), then deletes WAL segments no longer needed.
//
// Metrics (in the registry given to Open): vigil_logstore_streams,
// vigil_logstore_entries_appended_total, vigil_logstore_bytes_appended_total
// (uncompressed line bytes), vigil_logstore_rejected_total{reason},
// vigil_logstore_chunks, vigil_logstore_disk_bytes, vigil_logstore_wal_bytes,
// vigil_logstore_retention_deleted_bytes_total.
//
// Thread-safety: all methods may be called concurrently.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "base/last_error.h"
#include "base/metrics.h"
#include "base/result.h"
#include "model/log_record.h"
#include "storage/logstore/log_reader.h"

namespace vigil::logstore {

enum class WalSync {
  kBatch,  // fsync before Consume returns (acknowledged = on disk)
  kNone,   // write(2) only: survives kill -9 of the process, not power loss
};

struct LogStoreOptions {
  int64_t retention_ms = 7ll * 24 * 3600 * 1000;  // 0: keep by time forever
  uint64_t retention_bytes = 0;                   // 0: no size limit
  uint64_t max_streams = 100000;                  // live streams; more -> "too_many_streams"
  uint64_t max_line_bytes = 256 << 10;            // longer -> "line_too_long"
  uint32_t max_labels_per_stream = 30;            // more -> "too_many_labels"
  // Entries older than now - reject_old_ms or newer than now + reject_future_ms
  // are refused ("too_old" / "too_far_in_future"); 0 disables the check.
  int64_t reject_old_ms = 0;
  int64_t reject_future_ms = 10 * 60 * 1000;
  uint64_t chunk_target_bytes = 1 << 20;   // uncompressed bytes per chunk before it is cut
  int64_t chunk_max_age_ms = 3600 * 1000;  // a head chunk older than this is cut
  int zstd_level = 1;  // 1: same ratio as 3 on log lines (~0.17) at twice the speed
  WalSync wal_sync = WalSync::kNone;
  // Chunk files are rolled at this size (retention deletes whole files; with
  // retention_bytes set, files are kept to at most 1/8 of it).
  uint64_t chunk_file_bytes = 64ull << 20;
  // WAL segment size. Segments are deleted once every entry in them is in a
  // chunk file; a stream whose head pins a segment more than three segments
  // old is cut early so that the WAL (and the head) stay bounded.
  uint64_t wal_segment_bytes = 64ull << 20;
  // Run Maintain every minute on a background thread (tests turn it off).
  bool background_maintenance = true;
};

class LogStore : public model::LogSink, public LogReader {
 public:
  // Opens or creates the store in `dir` (created if missing), replaying the
  // WAL. `registry` may be null.
  static Result<std::unique_ptr<LogStore>> Open(const std::string& dir,
                                                const LogStoreOptions& options,
                                                metrics::Registry* registry);
  ~LogStore() override = default;

  // The last state each source recorded with a batch (SourceOffset), as of
  // Open plus everything consumed since.
  virtual std::optional<std::string> SourceState(const std::string& source) const = 0;

  // Cuts head chunks that are due, deletes data past retention. The store
  // runs this itself on a background thread every minute; tests call it.
  virtual Status Maintain(int64_t now_ms) = 0;

  // Writes the head out as chunks and closes the WAL. Further calls fail.
  virtual Status Close() = 0;

  // The newest batch refused or record rejected (too old, too many
  // streams, ...), as text.
  virtual LastError last_error() const = 0;
};

}  // namespace vigil::logstore
