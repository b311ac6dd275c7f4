#include "storage/tsdb/wal/wal_metrics.h"

#include <string>

namespace vigil::tsdb::wal {

namespace {
std::vector<double> FsyncBuckets() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
          0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};
}
}  // namespace

WalMetrics::WalMetrics(metrics::Registry* registry)
    : own_(registry == nullptr ? std::make_unique<metrics::Registry>() : nullptr),
      registry_(registry == nullptr ? own_.get() : registry) {
  metrics::Registry& r = *registry_;
  records_written = r.NewCounter("vigil_tsdb_wal_records_written_total",
                                 "Records appended to the write-ahead log.");
  bytes_written = r.NewCounter("vigil_tsdb_wal_bytes_written_total",
                               "Bytes written to WAL segments, framing and padding included.");
  writes_failed = r.NewCounter("vigil_tsdb_wal_writes_failed_total",
                               "Log calls that failed to write to the segment file.");
  fsyncs = r.NewCounter("vigil_tsdb_wal_fsyncs_total", "fdatasync calls on WAL segments.");
  fsync_duration = r.NewHistogram("vigil_tsdb_wal_fsync_duration_seconds",
                                  "Duration of fdatasync calls on WAL segments.", FsyncBuckets());
  segment_current =
      r.NewGauge("vigil_tsdb_wal_segment_current", "Index of the WAL segment being written.");
  bytes_dropped = r.NewCounter("vigil_tsdb_wal_bytes_dropped_total",
                               "Bytes of WAL segments skipped because they were corrupt.");
  truncations = r.NewCounter("vigil_tsdb_wal_truncations_total",
                             "Truncations of the WAL that deleted old segments.");
  repairs = r.NewCounter("vigil_tsdb_wal_repairs_total",
                         "Torn tails cut off the last WAL segment at start-up.");
  checkpoints = r.NewCounter("vigil_tsdb_checkpoints_total", "WAL checkpoints created.");
  checkpoints_failed =
      r.NewCounter("vigil_tsdb_checkpoints_failed_total", "WAL checkpoints that failed.");
  corruptions_ = &r.CounterFamily("vigil_tsdb_wal_corruptions_total",
                                  "Corrupt regions found in WAL segments, by reason.", {"reason"});
}

metrics::Counter* WalMetrics::Corruption(std::string_view reason) {
  return corruptions_->With({reason});
}

}  // namespace vigil::tsdb::wal
