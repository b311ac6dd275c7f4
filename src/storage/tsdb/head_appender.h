// HeadAppender: the storage::Appender of the head.
//
// Append looks the series up (or creates it), checks the sample against the
// series' newest sample and the head's lower bound, and stages it. Commit
// writes one WAL batch (Series records for series not yet logged, then one
// Samples record, then Metadata) with a single write(2), and only then
// applies the samples to the series' chunks, so an acknowledged sample is in
// the WAL before anyone can see it. Staged series stay pinned until Commit or
// Rollback, so head garbage collection cannot free them.
//
// The appender holds the head's append gate (shared) from creation until
// Commit/Rollback: truncation waits for in-flight appenders before it moves
// the head's lower bound.
//
// Thread-safety: one thread at a time; many appenders may run concurrently.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "storage/storage.h"
#include "storage/tsdb/head.h"

namespace vigil::tsdb {

class HeadAppender final : public storage::Appender {
 public:
  explicit HeadAppender(Head* head);
  ~HeadAppender() override;

  storage::AppendResult Append(storage::SeriesRef ref, model::LabelsView labels, int64_t t,
                               double v) override;
  void UpdateMetadata(std::string_view metric_family, const storage::MetricMetadata& md) override;
  Status Commit() override;
  void Rollback() override;

  // Called with every metadata update once committed (the DB keeps them).
  using MetadataSink =
      std::function<void(const std::vector<std::pair<std::string, storage::MetricMetadata>>&)>;
  void SetMetadataSink(MetadataSink sink) { metadata_sink_ = std::move(sink); }

 private:
  struct Pending {
    MemSeries* series;
    int64_t t;
    double v;
    storage::SeriesRef ref;  // copied at Append so Commit's passes touch the series once
    bool needs_log;          // the series was not in the WAL when staged
  };
  void Release();

  Head* head_;
  bool in_gate_ = true;
  std::vector<Pending> pending_;
  std::vector<std::pair<std::string, storage::MetricMetadata>> metadata_;
  MetadataSink metadata_sink_;
  // The newest staged sample of the series appended last, so that samples of
  // one series within a batch are checked against each other too.
  MemSeries* last_series_ = nullptr;
  int64_t last_t_ = 0;
  uint64_t last_v_bits_ = 0;
  bool done_ = false;
};

}  // namespace vigil::tsdb
