// The seam between storage and everything above it.
//
// Collectors and ingest endpoints hold only an Appendable; the query engine,
// rules and read APIs hold only a Queryable. Nothing above this header may
// include a storage implementation (src/storage/tsdb); CMake enforces it by
// linking those modules against vigil_storage_api alone.
//
// The shapes follow Prometheus' storage/interface.go:
//   Appender:   Append(ref, labels, t, v) then Commit() or Rollback().
//   Querier:    a view of [mint, maxt]; Select(matchers) -> SeriesSet of
//               Series, each giving a SeriesIterator over its samples in
//               time order; LabelNames / LabelValues.
//
// Thread-safety: Appendable and Queryable are safe to use from any thread.
// An Appender, a Querier, a SeriesSet and a SeriesIterator each belong to one
// thread at a time. A Querier sees a consistent snapshot: samples committed
// after it was created may or may not be visible, but a sample is never seen
// half-written, and data it references is not freed while it is alive.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/status.h"
#include "model/labels.h"
#include "model/matcher.h"

namespace vigil::storage {

// Identifies a series inside one storage instance. 0 means "unknown".
// A ref stays valid while the series is in the head; after that Append
// falls back to the labels, so a cached ref is always safe to pass.
using SeriesRef = uint64_t;

// Why a sample was refused. Each reason is counted in
// vigil_tsdb_samples_rejected_total{reason=RejectReasonName(r)}.
enum class RejectReason : uint8_t {
  kNone = 0,
  kOutOfOrder,     // older than the series' newest sample, outside the out-of-order window
  kDuplicate,      // same timestamp as a stored sample, different value
  kTooOld,         // before the oldest time the head still accepts
  kInvalidLabels,  // empty, unsorted, duplicate or non-UTF-8 labels; no metric name
  kLabelLimit,     // too many labels, or a name or value longer than the limit
  kSeriesLimit,    // creating the series would exceed the head series limit
};
const char* RejectReasonName(RejectReason r);
// Whether a client retrying the same request later could succeed.
inline bool IsRetryable(RejectReason r) { return r == RejectReason::kSeriesLimit; }

struct AppendResult {
  SeriesRef ref = 0;  // the series' ref, also for a rejected sample of a known series
  RejectReason reject = RejectReason::kNone;
  // For kInvalidLabels / kLabelLimit: which label and why (empty otherwise).
  std::string detail;
  bool ok() const { return reject == RejectReason::kNone; }
};

// Metric metadata as remote_write and scrapes carry it, per metric family.
struct MetricMetadata {
  enum class Type : uint8_t {
    kUnknown = 0,
    kCounter,
    kGauge,
    kHistogram,
    kGaugeHistogram,
    kSummary,
    kInfo,
    kStateset
  };
  Type type = Type::kUnknown;
  std::string help;
  std::string unit;
  bool operator==(const MetricMetadata&) const = default;
};
const char* MetricTypeName(MetricMetadata::Type t);  // "counter", "gauge", ...

// A batch of samples, appended and then committed or rolled back together.
class Appender {
 public:
  virtual ~Appender() = default;

  // Stages one sample. ref is a hint from an earlier AppendResult for the same
  // series (0 if none); if it names a live series, labels are not looked at
  // and may be empty. Otherwise labels identify the series; they are
  // validated when the series is new. A rejected sample is not staged; the
  // rest of the batch is unaffected.
  virtual AppendResult Append(SeriesRef ref, model::LabelsView labels, int64_t t, double v) = 0;

  // Records metadata for a metric family; persisted with the next Commit.
  virtual void UpdateMetadata(std::string_view metric_family, const MetricMetadata& md) = 0;

  // Writes the staged samples to the write-ahead log and makes them visible.
  // When Commit returns OK the samples survive a crash of the process.
  // Commit may still refuse individual samples that became out of order
  // because of a concurrent appender; those are counted, not reported.
  virtual Status Commit() = 0;
  // Drops the staged samples.
  virtual void Rollback() = 0;
};

class Appendable {
 public:
  virtual ~Appendable() = default;
  virtual std::unique_ptr<Appender> NewAppender() = 0;
};

// Samples of one series in increasing time order.
class SeriesIterator {
 public:
  virtual ~SeriesIterator() = default;
  // Moves to the next sample. Returns false at the end or on error (see status()).
  virtual bool Next() = 0;
  // Moves to the first sample with timestamp >= t. Never moves backwards: if
  // the current sample already satisfies it, stays. Returns false if none.
  virtual bool Seek(int64_t t) = 0;
  // The current sample; valid after Next or Seek returned true.
  virtual int64_t t() const = 0;
  virtual double v() const = 0;
  virtual Status status() const { return Status::OK(); }
};

class Series {
 public:
  virtual ~Series() = default;
  virtual const model::Labels& labels() const = 0;
  // A fresh iterator over the series' samples within the querier's range.
  virtual std::unique_ptr<SeriesIterator> Iterator() const = 0;
};

class SeriesSet {
 public:
  virtual ~SeriesSet() = default;
  virtual bool Next() = 0;
  // The current series; valid until the next call to Next.
  virtual const Series& At() const = 0;
  virtual Status status() const = 0;
  // Non-fatal problems met while selecting (returned to users as warnings).
  virtual std::vector<std::string> Warnings() const { return {}; }
  // Whether every series' labels() stays valid, at the same address, for as
  // long as the set lives (not only until Next): a caller that keeps the
  // set may then keep references to the labels instead of copies.
  virtual bool LabelsOutliveNext() const { return false; }
};

// What a caller of Select knows about how the data will be used. Storage may
// use it to skip work; it never changes results.
struct SelectHints {
  int64_t start = 0;  // the time range the caller needs, in ms
  int64_t end = 0;
  int64_t step = 0;
  int64_t range = 0;         // the range of a range vector selector, ms
  std::string func;          // the function around the selector, e.g. "rate"
  bool series_only = false;  // only labels are needed, no samples
  size_t limit = 0;          // at most this many series (0: no limit)
};

// A read view of the samples in [mint, maxt] (both inclusive).
class Querier {
 public:
  virtual ~Querier() = default;

  // The series matching all matchers (at least one matcher must not match the
  // empty string, as in Prometheus). If sorted, ordered by labels.
  virtual std::unique_ptr<SeriesSet> Select(bool sorted, const SelectHints* hints,
                                            const std::vector<model::Matcher>& matchers) = 0;
  // Values of a label over the series matching matchers (all series if none),
  // sorted; at most limit values (0: no limit).
  virtual Result<std::vector<std::string>> LabelValues(std::string_view name,
                                                       const std::vector<model::Matcher>& matchers,
                                                       size_t limit) = 0;
  // Label names present in the series matching matchers, sorted.
  virtual Result<std::vector<std::string>> LabelNames(const std::vector<model::Matcher>& matchers,
                                                      size_t limit) = 0;
};

class Queryable {
 public:
  virtual ~Queryable() = default;
  virtual Result<std::unique_ptr<Querier>> NewQuerier(int64_t mint, int64_t maxt) = 0;
};

// Metadata of the metric families seen (the latest value per family).
class MetadataSource {
 public:
  virtual ~MetadataSource() = default;
  virtual std::vector<std::pair<std::string, MetricMetadata>> Metadata(std::string_view metric,
                                                                       size_t limit) = 0;
};

// Deletion of data, as Prometheus' admin API exposes it.
class Deleter {
 public:
  virtual ~Deleter() = default;
  // Marks the samples of the matching series in [mint, maxt] as deleted;
  // they disappear from queries at once and from disk at the next compaction.
  virtual Status Delete(int64_t mint, int64_t maxt,
                        const std::vector<model::Matcher>& matchers) = 0;
  // Rewrites blocks so that deleted samples are gone from disk.
  virtual Status CleanTombstones() = 0;
};

// What /api/v1/status/tsdb shows: the head's size and its top cardinality
// (what users ask for when series explode). Lists are sorted by count,
// largest first, at most `limit` entries.
struct TsdbStatus {
  uint64_t num_series = 0;
  uint64_t num_label_pairs = 0;
  uint64_t chunk_count = 0;
  int64_t min_time = 0;  // ms; 0 with no data
  int64_t max_time = 0;
  std::vector<std::pair<std::string, uint64_t>> series_count_by_metric_name;
  std::vector<std::pair<std::string, uint64_t>> label_value_count_by_label_name;
  std::vector<std::pair<std::string, uint64_t>> memory_in_bytes_by_label_name;
  std::vector<std::pair<std::string, uint64_t>> series_count_by_label_value_pair;  // "name=value"
};

// Everything a storage implementation offers to the layers above.
class Storage : public Appendable, public Queryable, public MetadataSource, public Deleter {
 public:
  virtual TsdbStatus HeadStatus(size_t limit) = 0;
  // The oldest and newest timestamps stored (kMaxTime/kMinTime when empty).
  virtual int64_t MinTime() = 0;
  virtual int64_t MaxTime() = 0;
};

// An empty SeriesSet, and one that only reports an error.
std::unique_ptr<SeriesSet> EmptySeriesSet();
std::unique_ptr<SeriesSet> ErrorSeriesSet(Status status);

}  // namespace vigil::storage
