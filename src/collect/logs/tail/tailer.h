// File tailing: follows the files that match a set of globs, as Promtail and
// Fluent Bit's tail input do, and hands their lines to a sink.
//
//  - Globs are re-evaluated every poll_interval_ms; new files are read from
//    their beginning (or their end with start_at_end, for files that existed
//    before the first scan only).
//  - Rotation by rename: a file is identified by (device, inode); when the
//    path points at a new inode the old file is read to its end (kept open)
//    before it is dropped, then the new one is read from 0.
//  - Rotation by copytruncate: a size smaller than the offset read means the
//    file was truncated: reading restarts at 0.
//  - Multiline: with multiline_start set (an RE2), a line not matching it is
//    appended (with '\n') to the record before it, up to multiline_max_lines;
//    a pending record is flushed after multiline_timeout_ms without a new line.
//  - A line longer than max_line_bytes is cut there and tagged
//    log.file.truncated=true; the rest of that line is skipped. A multiline
//    record is capped at max_line_bytes as a whole, the same way.
//  - read_rate_bytes_per_sec (0: unlimited) caps the bytes read per second
//    over all files.
//  - Lines end at '\n' ("\r\n" loses its '\r'); an unterminated last line is
//    read only once it ends, or after idle_flush_ms without growth (then the
//    '\n' that ends it later does not make an empty record).
//
// Exactly once across restarts: every batch carries a SourceOffset per file
// (source "file:<dev>:<inode>", state "<offset> <seq> <n>:<hash> <path>",
// see positions.h: the hash of the first n bytes tells a file from another
// that got the same inode, or was truncated and refilled), which durable
// sinks store atomically with the records; at start the tailer resumes each
// file from `initial_state(source)` when given (the log store's
// SourceState), else from its own positions file (written after every batch
// that Consume accepted). So a kill -9 at any point neither loses nor
// repeats a line that reached the store. Saved states apply to the files the
// first scan finds; a file that appears later is new and read from 0, even
// if it reuses the inode of a file seen before.
//
// Each record: body = the line, observed_time_ns = read time, time_ns = 0
// (the pipeline may parse a time), stream = options.labels plus
// filename="<path>"; attribute log.file.path.
//
// Metrics: vigil_tail_files{tailer}, vigil_tail_bytes_read_total{tailer},
// vigil_tail_lines_total{tailer}, vigil_tail_rotations_total{tailer,kind}
// (kind: rename, truncate, replaced = a saved state that did not fit),
// vigil_tail_errors_total{tailer,reason}; the newest error's text is kept for
// last_error().
//
// Rotated-away or deleted files stay open until they are read to their end,
// everything from them was accepted, and they did not grow for
// max(idle_flush_ms, 4 * poll_interval_ms). A record keeps the path at which
// its file was first found (a file renamed to another matching path keeps
// its stream). A failed Consume rewinds the files of the batch to their last
// accepted offsets and reads them again after a backoff (10 ms doubling to
// 5 s), so the sink need not leave the batch intact. Stop hands over a
// pending multiline record but not an unterminated last line (a restart reads
// it from the file).
//
// Owner: helper "tail" (src/collect/logs/tail/*).
// Thread-safety: Start/Stop from any thread; the tailer calls the sink from
// its own thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/last_error.h"
#include "base/metrics.h"
#include "base/result.h"
#include "model/labels.h"
#include "model/log_record.h"

namespace vigil::logs {

struct TailerOptions {
  std::string name = "tail";
  std::vector<std::string> include;  // globs
  std::vector<std::string> exclude;  // globs matched against the path
  model::Labels labels;
  bool start_at_end = false;
  std::string multiline_start;  // RE2; empty: one record per line
  int multiline_max_lines = 500;
  int multiline_timeout_ms = 1000;
  size_t max_line_bytes = 256 << 10;
  uint64_t read_rate_bytes_per_sec = 0;
  int poll_interval_ms = 250;
  int idle_flush_ms = 1000;
  size_t batch_lines = 4096;
  std::string positions_file;  // empty: no positions file
  // How often (ms) the positions file may be rewritten (with an fsync and a
  // rename: ~5 ms here). 0: after every accepted batch, which exactly-once
  // needs when nothing else keeps the offsets. -1 (default): 0 without
  // initial_state, 1000 with it (the store keeps the offsets and the file is
  // only a fallback). It is always written at Stop.
  int positions_min_interval_ms = -1;
  std::function<std::optional<std::string>(const std::string& source)> initial_state;
  metrics::Registry* registry = nullptr;
};

class Tailer {
 public:
  // Validates options (bad glob or regex -> InvalidArgument), starts the thread.
  static Result<std::unique_ptr<Tailer>> Start(TailerOptions options, model::LogSink* sink);
  virtual ~Tailer() = default;
  // Reads what is there once more, hands it over, stops. Idempotent.
  virtual void Stop() = 0;
  // The newest error (a file it cannot open or read, a line cut at
  // max_line_bytes, a batch the pipeline refused, ...), as text.
  virtual LastError last_error() const = 0;
};

}  // namespace vigil::logs
