// Head: the in-memory part of the TSDB holding the most recent samples
// (about the last 1-3 hours), before they are written into immutable blocks.
//
// Series live in a hash map sharded into stripes (each with its own lock) so
// concurrent appenders rarely contend; a series is found by the hash of its
// labels (no string is copied for a known series) or by its ref. Each series
// holds closed chunks (immutable, re-encoded compactly when closed) and one
// open XOR chunk that samples are appended to in place. A chunk is closed
// after samples_per_chunk samples or when a sample crosses a multiple of
// chunk_range_ms, so no chunk straddles a block boundary. An inverted index
// (MemPostings) maps label pairs to series refs for queries.
//
// Samples reach the head through HeadAppender (head_appender.h), which logs
// them to the WAL before applying them. A sample older than the series'
// newest one is out of order; one older than the head's newest sample minus
// max(chunk_range/2, ooo_window) is too old (Prometheus' rule). With an
// out-of-order window, out-of-order samples within it go to a per-series
// sorted buffer.
//
// Moving data to blocks (CopyBefore, then RemoveCopied) removes exactly the
// chunks and samples that were copied: anything appended meanwhile stays in
// the head and is written by a later compaction, so no acknowledged sample
// can fall between the head and the blocks.
//
// Lifetime: a MemSeries is freed only by GarbageCollect, and never while it
// is pinned: lookups used by appenders and queries pin the series under the
// stripe lock, so a pointer handed out stays valid until Unpin.
//
// Thread-safety: all public methods are safe to call concurrently. A
// MemSeries' mutable fields are guarded by its mutex.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/coding.h"
#include "base/metrics.h"
#include "base/time.h"
#include "model/labels.h"
#include "model/matcher.h"
#include "model/sample.h"
#include "storage/storage.h"
#include "storage/tsdb/block/tombstones.h"
#include "storage/tsdb/chunkenc/chunkenc.h"
#include "storage/tsdb/chunkenc/xor.h"
#include "storage/tsdb/mem_postings.h"
#include "storage/tsdb/ref_map.h"
#include "storage/tsdb/series_chunks.h"

namespace vigil::tsdb {

namespace wal {
class Wal;
}

struct HeadOptions {
  int64_t chunk_range_ms = 2 * 3600 * 1000;  // the block range; chunks never cross its multiples
  int samples_per_chunk = 120;
  int64_t ooo_window_ms = 0;  // 0: out-of-order samples are rejected
  size_t max_series = 0;      // 0: no limit
  model::LabelLimits label_limits;
};

// A set of labels stored in one allocation: (uvarint length, bytes) for each
// name and value in order. About a third of the memory of separate strings.
class LabelsBlob {
 public:
  explicit LabelsBlob(model::LabelsView labels);
  template <typename F>
  void ForEach(F&& f) const;  // f(model::LabelView)
  model::Labels ToLabels() const;
  bool Equals(model::LabelsView labels) const;
  std::string_view Get(std::string_view name) const;
  size_t MemoryBytes() const { return size_; }

 private:
  std::unique_ptr<char[]> data_;
  uint32_t size_;
};

// A closed chunk of the head: immutable, shared with queries that read it.
struct HeadChunk {
  int64_t mint;
  int64_t maxt;
  chunkenc::Encoding encoding;
  std::string data;
};
using HeadChunkPtr = std::shared_ptr<const HeadChunk>;

// What every append touches comes first (ref, pins, the mutex, the newest
// sample, the open chunk): an append then reads one or two cache lines of
// the series, which matters when a scrape or a remote_write request touches
// tens of thousands of series that are not in the CPU cache.
class alignas(64) MemSeries {
 public:
  MemSeries(storage::SeriesRef ref, uint64_t hash, model::LabelsView labels)
      : ref(ref), hash(hash), labels(labels) {}

  const storage::SeriesRef ref;
  std::atomic<int32_t> pins{0};
  // Set once a Series record naming this series is in the WAL.
  std::atomic<bool> wal_logged{false};
  std::mutex mu;
  // Guarded by mu.
  int64_t max_t = INT64_MIN;  // newest in-order sample
  uint64_t last_v_bits = 0;
  std::unique_ptr<chunkenc::XorChunk> open;
  std::vector<HeadChunkPtr> closed;  // in time order
  std::vector<model::Sample> ooo;    // out-of-order samples, sorted by t, unique t
  block::Intervals deleted;          // tombstones of this series in the head

  const uint64_t hash;
  const LabelsBlob labels;
};

// Lets many appenders in at once, and lets truncation wait until none is
// inside while keeping new ones out (unlike glibc's reader-preferring
// shared_mutex, a waiting Close() is never starved by a stream of appenders).
// An appender must not Enter twice on one thread.
class AppendGate {
 public:
  void Enter() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return !closed_; });
    ++inside_;
  }
  void Exit() {
    std::lock_guard lock(mu_);
    if (--inside_ == 0) cv_.notify_all();
  }
  void Close() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return !closed_; });
    closed_ = true;
    cv_.wait(lock, [this] { return inside_ == 0; });
  }
  void Open() {
    std::lock_guard lock(mu_);
    closed_ = false;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int inside_ = 0;
  bool closed_ = false;
};

class Head {
 public:
  Head(const HeadOptions& opts, metrics::Registry* registry);
  ~Head();
  Head(const Head&) = delete;
  Head& operator=(const Head&) = delete;

  const HeadOptions& options() const { return opts_; }

  // The WAL appenders log to; null for a head without durability (tests).
  void SetWal(wal::Wal* wal) { wal_ = wal; }
  wal::Wal* wal() const { return wal_; }

  // Returns the pinned series with this ref, or null.
  MemSeries* GetByRef(storage::SeriesRef ref);
  struct GetOrCreateResult {
    MemSeries* series = nullptr;  // pinned; null when rejected
    bool created = false;
    storage::RejectReason reject = storage::RejectReason::kNone;
    std::string detail;
  };
  // Finds the series with these labels or creates it (validating the labels
  // and the series limit). The series is returned pinned.
  GetOrCreateResult GetOrCreate(model::LabelsView labels);
  // For WAL replay: creates the series with a given ref. If the labels exist
  // already the existing series is returned (not pinned in either case).
  MemSeries* CreateWithRef(storage::SeriesRef ref, model::LabelsView labels);
  void Unpin(MemSeries* s) { s->pins.fetch_sub(1, std::memory_order_release); }

  // Checks whether (t, v) could be appended to s (s->mu must be held).
  storage::RejectReason CheckAppend(const MemSeries& s, int64_t t, double v, bool* is_ooo) const;
  // Appends under s->mu. Returns kNone, or why not (the series is unchanged).
  // With check_bounds false only the series' own order is checked (used
  // when applying samples that passed the checks and are in the WAL already:
  // they are kept, out of order if need be, rather than lost).
  storage::RejectReason AppendLocked(MemSeries* s, int64_t t, double v, bool check_bounds = true);

  // Data time bounds of the head (kMaxTime / kMinTime when empty). MaxTime
  // also never drops below the floor set at start-up from the newest block,
  // so the too-old rule holds across a restart that flushed the head.
  int64_t MinTime() const { return min_time_.load(std::memory_order_acquire); }
  int64_t MaxTime() const { return max_time_.load(std::memory_order_acquire); }
  void UpdateTimeBounds(int64_t mint, int64_t maxt);
  void SetMaxTimeFloor(int64_t t) { UpdateTimeBounds(kMaxTime, t); }
  // Samples older than this are refused as too old.
  int64_t AppendableMinValidTime() const;

  // Appenders are inside this gate while staging and committing; truncation
  // closes it to move the lower bound with no appender in flight.
  AppendGate& append_gate() { return append_gate_; }

  uint64_t NumSeries() const { return num_series_.load(std::memory_order_relaxed); }
  // Chunks held (closed and open), for status pages.
  uint64_t NumChunks();
  MemPostings& postings() { return postings_; }

  // The series matching matchers with data in [mint, maxt], sorted by
  // labels, with their chunks copied or shared for reading. With
  // labels_only the chunks carry their time ranges but no bytes.
  Result<std::vector<SeriesChunks>> Select(const std::vector<model::Matcher>& matchers,
                                           int64_t mint, int64_t maxt, bool labels_only = false);
  // Refs of the series matching matchers (Prometheus' PostingsForMatchers).
  Result<std::vector<storage::SeriesRef>> SelectRefs(const std::vector<model::Matcher>& matchers) {
    return block::Select(postings_, matchers);
  }
  Result<std::vector<std::string>> LabelValues(std::string_view name,
                                               const std::vector<model::Matcher>& matchers);
  Result<std::vector<std::string>> LabelNames(const std::vector<model::Matcher>& matchers);

  // Adds deleted intervals to every matching series. Returns the refs touched.
  Result<std::vector<std::pair<storage::SeriesRef, block::Interval>>> Delete(
      int64_t mint, int64_t maxt, const std::vector<model::Matcher>& matchers);
  void ApplyTombstone(storage::SeriesRef ref, block::Interval iv);

  // Calls f(MemSeries*) for every series (pinned during the call), in no
  // particular order.
  template <typename F>
  void ForEachSeries(F&& f);

  // The data of every series before boundary (chunks never straddle it when
  // boundary is a multiple of chunk_range), copied or shared for writing.
  struct SeriesCopy {
    storage::SeriesRef ref;
    model::Labels labels;
    std::vector<HeadChunkPtr> closed;
    std::string open_bytes;  // the open chunk, if it lies before boundary
    int open_samples = 0;
    int64_t open_mint = 0, open_maxt = 0;
    std::vector<model::Sample> ooo;  // out-of-order samples before boundary
    block::Intervals deleted;
  };
  std::vector<SeriesCopy> CopyBefore(int64_t boundary);
  // Drops from the head exactly the data in copies, then removes every series
  // left without data (unless pinned). Returns the number of series removed.
  size_t RemoveCopied(const std::vector<SeriesCopy>& copies);

  // For replay: sets the next ref to hand out above every ref seen.
  void ObserveRef(storage::SeriesRef ref);

  // Counters shared with the appender.
  metrics::Counter* samples_appended() { return samples_appended_; }
  metrics::Counter* rejected(storage::RejectReason r) { return rejected_[static_cast<int>(r)]; }
  metrics::Counter* ooo_appended() { return ooo_appended_; }

 private:
  static constexpr int kStripes = 64;
  struct Stripe {
    mutable std::shared_mutex mu;
    std::unordered_multimap<uint64_t, MemSeries*> by_hash;
  };
  struct RefStripe {
    mutable std::shared_mutex mu;
    RefMap<MemSeries> by_ref{kStripes};
  };

  MemSeries* FindLocked(const Stripe& st, uint64_t hash, model::LabelsView labels) const;
  MemSeries* Insert(storage::SeriesRef ref, uint64_t hash, model::LabelsView labels, bool* created);
  void CloseOpenChunk(MemSeries* s);
  int64_t NextBoundary(int64_t t) const;

  const HeadOptions opts_;
  wal::Wal* wal_ = nullptr;
  Stripe stripes_[kStripes];
  RefStripe ref_stripes_[kStripes];
  MemPostings postings_;
  std::atomic<uint64_t> next_ref_{1};
  std::atomic<uint64_t> num_series_{0};
  std::atomic<int64_t> min_time_;
  std::atomic<int64_t> max_time_;
  AppendGate append_gate_;

  metrics::Counter* samples_appended_;
  metrics::Counter* ooo_appended_;
  metrics::Counter* series_created_;
  metrics::Counter* series_removed_;
  metrics::Counter* chunks_created_;
  metrics::Counter* rejected_[8];
  std::vector<metrics::FuncHandle> funcs_;
};

template <typename F>
void LabelsBlob::ForEach(F&& f) const {
  const char* p = data_.get();
  const char* end = p + size_;
  while (p < end) {
    uint64_t n;
    p = DecodeUvarint(p, end, &n);
    std::string_view name(p, n);
    p += n;
    p = DecodeUvarint(p, end, &n);
    std::string_view value(p, n);
    p += n;
    f(model::LabelView{name, value});
  }
}

template <typename F>
void Head::ForEachSeries(F&& f) {
  for (auto& rs : ref_stripes_) {
    std::vector<MemSeries*> batch;
    {
      std::shared_lock lock(rs.mu);
      batch.reserve(rs.by_ref.size());
      rs.by_ref.ForEach([&](storage::SeriesRef, MemSeries* s) {
        s->pins.fetch_add(1, std::memory_order_acquire);
        batch.push_back(s);
      });
    }
    for (MemSeries* s : batch) {
      f(s);
      Unpin(s);
    }
  }
}

}  // namespace vigil::tsdb
