// Internal to the pipeline: metrics derived from logs. Every metric step
// adds to one DerivedMetrics per Router; Flush appends what accumulated to
// the TSDB.
//
// Series are cumulative (counters never reset while the Router lives). A
// record counts in the interval its time falls in (time rounded down to the
// interval); each flush appends, per series, one sample per interval that
// saw records, stamped with the interval's start, carrying the cumulative
// value. A record older than the series' last appended interval counts in
// the next interval instead, so samples stay in time order. A record older
// than kMaxDerivedLagMs counts at that age: the TSDB refuses samples an
// hour behind its newest (too_old), and a backlog (a file tailed from its
// start, a cloud log's first poll) keeps its history in the log store; its
// metric starts with all of it counted.
//
// Thread-safety: Add and Flush may be called from any thread (one mutex,
// taken once per batch per step).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/metrics.h"
#include "base/time.h"
#include "model/labels.h"
#include "storage/storage.h"

namespace vigil::pipeline {

// Half of the TSDB's hour of tolerance, so a sample stamped now minus this
// lands even when the head's newest sample is a little ahead of the clock.
inline constexpr int64_t kMaxDerivedLagMs = 30 * 60 * 1000;

class DerivedMetrics {
 public:
  DerivedMetrics(storage::Appendable* out, int64_t interval_ms, metrics::Registry* registry,
                 Clock clock = SystemClock());

  // One family per metric step (name without suffixes). buckets empty: counter.
  int Register(const std::string& name, std::vector<double> buckets);

  struct Observation {
    std::vector<model::Label> labels;  // the chosen label fields, sorted by name
    int64_t time_ns = 0;
    double value = 1;
  };
  void Add(int family, std::vector<Observation>* observations);

  // Appends pending samples; returns the Commit status.
  Status Flush();

 private:
  struct Series {
    model::Labels labels;                 // the step's labels, without __name__
    double total = 0;                     // counter value, or histogram sum
    uint64_t count = 0;                   // histogram count
    std::vector<uint64_t> bucket_counts;  // cumulative per bound (+Inf = count)
    int64_t last_flushed_ms = INT64_MIN;
    // interval start -> (delta of total, delta of count, per-bucket deltas)
    struct Delta {
      double total = 0;
      uint64_t count = 0;
      std::vector<uint64_t> buckets;
    };
    std::map<int64_t, Delta> pending;
    std::vector<storage::SeriesRef> refs;  // cached refs of the output series
  };
  struct Family {
    std::string name;
    std::vector<double> buckets;
    std::map<model::Labels, Series> series;
  };

  storage::Appendable* out_;
  int64_t interval_ms_;
  Clock clock_;
  metrics::Counter* late_records_;
  metrics::Counter* samples_appended_;
  metrics::Counter* samples_rejected_;
  metrics::Counter* flush_errors_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Family>> families_;
};

}  // namespace vigil::pipeline
