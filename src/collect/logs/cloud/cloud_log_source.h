// A log source that polls cloud log APIs (cloud_log_api.h) by event-time
// window and hands what it reads to a LogSink (the pipeline), resuming after
// a restart exactly where the stored records end.
//
// Each target (one CloudLogApi) has a checkpoint, the SourceOffset state
//   "v1 <start_ms> <end_ms> <done>"
// meaning: the window [start, end) is being read and its first `done` events
// (in the API's order) are in the sink; start == end means nothing is in
// progress and the next window starts at end. Every page goes to the sink as
// one batch carrying the checkpoint after it, so a durable sink (the log
// store) records the records and the checkpoint atomically: after a crash
// the source reads the window again and skips the `done` events already
// stored. (That relies on the API returning a window's events in the same
// order each time, which holds for settled data: the window ends `delay`
// before now.) A window done is recorded with an empty batch.
//
// A poll, every poll_interval, for each target in turn:
//   start = checkpoint end (none yet: now - delay - lookback)
//   end   = min(now - delay, start + max_window)
//   Read(start, end) → batches → sink; a full sink (Unavailable) is retried
//   with backoff, blocking the read (backpressure, nothing dropped).
// A poll reads up to now - delay: a target behind by more than max_window
// (the first poll, or after an outage) reads window after window.
//
// Metrics (registry given): vigil_cloud_log_records_total{source, target},
// vigil_cloud_log_polls_total{source, target, result="success"|"error"},
// vigil_cloud_log_lag_seconds{source, target} (now - the read end).
//
// Thread-safety: Start/Stop from one thread; Health from any. PollOnce is
// for tests that create the source without its thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/metrics.h"
#include "base/result.h"
#include "base/status.h"
#include "collect/logs/cloud/cloud_log_api.h"
#include "model/labels.h"
#include "model/log_record.h"

namespace vigil::cloudlogs {

struct CloudLogSourceOptions {
  std::string name;      // the log source's name
  model::Labels labels;  // added to every record's stream (they win over the mapping's)
  int64_t poll_interval_ms = 60'000;
  int64_t delay_ms = 60'000;
  int64_t lookback_ms = 3600'000;
  int64_t max_window_ms = 3600'000;
  // The state a durable sink recorded for a target key (the log store's
  // SourceState); null or nullopt: the state file, else a fresh start.
  std::function<std::optional<std::string>(const std::string& key)> initial_state;
  // Directory of one small file per target holding its last checkpoint
  // (for sinks that keep no offsets, e.g. forward-only pipelines); "" none.
  std::string state_dir;
  metrics::Registry* registry = nullptr;
  // Tests: the wall clock (ms) and the wait between polls and retries
  // (returns false when Stop cut it short). Null: the real ones.
  std::function<int64_t()> now_ms;
  std::function<bool(int64_t ms)> sleep;
  int64_t sink_retry_min_ms = 100;
  int64_t sink_retry_max_ms = 5'000;
};

struct CloudLogTargetHealth {
  std::string key;
  std::string checkpoint;    // the state string; "" before the first read
  std::string last_error;    // "" when the last poll succeeded
  int64_t last_poll_ms = 0;  // wall clock at the start of the last poll, 0 = never
  uint64_t records = 0;      // handed to the sink since start
};

class CloudLogSource {
 public:
  // Checks the options; the source does nothing until Start (or PollOnce).
  static Result<std::unique_ptr<CloudLogSource>> Create(
      CloudLogSourceOptions options, std::vector<std::unique_ptr<CloudLogApi>> apis,
      model::LogSink* sink);
  virtual ~CloudLogSource() = default;

  // Starts the polling thread: the first poll at once.
  virtual void Start() = 0;
  // One poll of every target now (catching up as a thread poll does).
  // Returns the first target's error, the others are in Health.
  virtual Status PollOnce() = 0;
  // Cancels a read in progress, joins the thread. Idempotent.
  virtual void Stop() = 0;
  virtual std::vector<CloudLogTargetHealth> Health() const = 0;
};

// The checkpoint of a target, parsed; nullopt when malformed.
struct CloudLogCheckpoint {
  int64_t start_ms = 0;
  int64_t end_ms = 0;
  uint64_t done = 0;
  std::string Encode() const;
  static std::optional<CloudLogCheckpoint> Decode(std::string_view s);
};

}  // namespace vigil::cloudlogs
