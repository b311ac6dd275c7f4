// Reading the TSDB: series from the head and from blocks, merged into one
// sorted SeriesSet whose iterators walk chunks in time order.
//
// Each source (the head, every block overlapping the query range) yields
// SeriesChunks sorted by labels. MergeSources joins series with equal labels
// across sources. ChunkSeriesIterator then reads a series' chunks within
// [mint, maxt], skipping deleted ranges; chunks that overlap in time (data
// appended out of order, blocks that overlap after a restart) are merged
// with duplicates dropped: for equal timestamps the chunk listed first wins.
//
// Thread-safety: a DbQuerier, its SeriesSets and iterators belong to one
// thread. They hold shared references to every chunk they read, so blocks
// deleted by retention or compaction and head chunks truncated while they
// are alive stay readable.
#pragma once

#include <memory>
#include <span>
#include <vector>

#include "storage/storage.h"
#include "storage/tsdb/block/block_reader.h"
#include "storage/tsdb/chunkenc/chunkenc.h"
#include "storage/tsdb/head.h"
#include "storage/tsdb/series_chunks.h"

namespace vigil::tsdb {

class ChunkSeriesIterator final : public storage::SeriesIterator {
 public:
  // Reads chunks (sorted by mint) within [mint, maxt]; keepalive owns the bytes.
  ChunkSeriesIterator(std::vector<ChunkView> chunks,
                      std::vector<std::shared_ptr<const void>> keepalive, int64_t mint,
                      int64_t maxt);
  // Reads chunks that owner keeps alive (with their bytes) without copying them.
  static std::unique_ptr<ChunkSeriesIterator> OverShared(std::span<const ChunkView> chunks,
                                                         std::shared_ptr<const void> owner,
                                                         int64_t mint, int64_t maxt);
  bool Next() override;
  bool Seek(int64_t t) override;
  int64_t t() const override { return t_; }
  double v() const override { return v_; }
  Status status() const override { return status_; }

 private:
  struct SharedTag {};
  ChunkSeriesIterator(SharedTag, std::span<const ChunkView> chunks,
                      std::shared_ptr<const void> owner, int64_t mint, int64_t maxt);
  void FindOverlaps();
  enum class Take { kYes, kSkip, kEnd };
  bool NextSequential();
  bool LoadChunk(size_t i);
  // Skips to the first chunk from idx_ that can hold samples >= t and loads it.
  bool OpenChunkFrom(int64_t t);
  // The current chunk is read to its end: moves on, or records its error.
  bool FinishChunk();
  // Whether the chunk iterator's current sample is in range and not deleted
  // (then it becomes the current sample), or past the range.
  Take TakeCurrent();
  bool Accept(int64_t t) const;
  void Materialize();
  // The merged sample at pos_ becomes the current one (false at the end).
  bool TakeMerged();

  std::vector<ChunkView> owned_chunks_;  // empty when the chunks are shared
  std::span<const ChunkView> chunks_;
  std::vector<std::shared_ptr<const void>> keepalive_;
  std::shared_ptr<const void> owner_;
  const int64_t mint_;
  const int64_t maxt_;
  bool overlapping_ = false;
  // Sequential mode: the chunk being read.
  size_t idx_ = 0;
  chunkenc::Iterator* it_ = nullptr;
  std::unique_ptr<chunkenc::Iterator> iters_[3];  // one per encoding, reused across chunks
  // Overlapping mode: every sample, merged.
  std::vector<model::Sample> merged_;
  size_t pos_ = 0;
  bool started_ = false;
  bool done_ = false;
  int64_t t_ = 0;
  double v_ = 0;
  Status status_;
};

// Merges per-source series lists (each sorted by labels) into one sorted
// list; series with equal labels get the chunks of all sources.
std::vector<SeriesChunks> MergeSources(std::vector<std::vector<SeriesChunks>> sources);

// A SeriesSet over merged series, each iterated within [mint, maxt].
std::unique_ptr<storage::SeriesSet> NewChunkSeriesSet(std::vector<SeriesChunks> series,
                                                      int64_t mint, int64_t maxt);

// The series of one block matching matchers with chunks in [mint, maxt].
// With labels_only, chunk bytes are not read (only their time ranges).
Result<std::vector<SeriesChunks>> SelectFromBlock(const std::shared_ptr<block::BlockReader>& block,
                                                  const std::vector<model::Matcher>& matchers,
                                                  int64_t mint, int64_t maxt, bool labels_only);

class DbQuerier final : public storage::Querier {
 public:
  // head may be null (a querier over blocks only).
  DbQuerier(Head* head, std::vector<std::shared_ptr<block::BlockReader>> blocks, int64_t mint,
            int64_t maxt);

  std::unique_ptr<storage::SeriesSet> Select(bool sorted, const storage::SelectHints* hints,
                                             const std::vector<model::Matcher>& matchers) override;
  Result<std::vector<std::string>> LabelValues(std::string_view name,
                                               const std::vector<model::Matcher>& matchers,
                                               size_t limit) override;
  Result<std::vector<std::string>> LabelNames(const std::vector<model::Matcher>& matchers,
                                              size_t limit) override;

 private:
  Head* head_;
  std::vector<std::shared_ptr<block::BlockReader>> blocks_;
  const int64_t mint_;
  const int64_t maxt_;
};

}  // namespace vigil::tsdb
