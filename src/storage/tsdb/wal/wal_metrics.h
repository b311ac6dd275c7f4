// The WAL's own metrics, registered once per registry and shared by the
// writer, the reader and the checkpointer (registering a name twice returns
// the same family, so several objects on one registry add to one counter).
//
// Thread-safety: the pointed-to metrics are safe to use from any thread.
#pragma once

#include <memory>
#include <string_view>

#include "base/metrics.h"

namespace vigil::tsdb::wal {

struct WalMetrics {
  // registry may be null: the metrics then live in a registry owned by this object.
  explicit WalMetrics(metrics::Registry* registry);

  metrics::Counter* records_written;
  metrics::Counter* bytes_written;  // on disk: headers, padding and compressed payload
  metrics::Counter* writes_failed;
  metrics::Counter* fsyncs;
  metrics::Histogram* fsync_duration;
  metrics::Gauge* segment_current;
  metrics::Counter* bytes_dropped;
  metrics::Counter* truncations;  // TruncateBefore calls that deleted segments
  metrics::Counter* repairs;      // torn tails cut off the last segment
  metrics::Counter* checkpoints;
  metrics::Counter* checkpoints_failed;

  // vigil_tsdb_wal_corruptions_total{reason}.
  metrics::Counter* Corruption(std::string_view reason);

  metrics::Registry* registry() const { return registry_; }

 private:
  std::unique_ptr<metrics::Registry> own_;
  metrics::Registry* registry_;
  metrics::Family<metrics::Counter>* corruptions_;
};

}  // namespace vigil::tsdb::wal
