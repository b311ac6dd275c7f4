// IndexWriter: writes the `index` file of a block (symbols, series, postings,
// label table; layout in docs/storage-format.md (blocks)).
//
// Series arrive in strictly increasing label order and get refs 0, 1, 2, ...
// in that order, so postings lists are sorted by construction and iterating
// refs iterates series in label order. Memory stays proportional to the
// index itself, not to the chunk data: per series the writer keeps its
// labels (as symbol ids, with the prefix shared with the previous series
// dropped) and its encoded chunk metas; per label pair a varint-encoded
// postings list. Everything else is streamed to the file by Finish().
//
// Thread-safety: one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/file.h"
#include "base/result.h"
#include "model/labels.h"
#include "storage/tsdb/block/chunks.h"

namespace vigil::tsdb::block {

class IndexWriter {
 public:
  // group_size: series per series group (the unit of random access and of
  // prefix sharing); the default suits every block, tests use others.
  static Result<std::unique_ptr<IndexWriter>> Create(std::string path, uint32_t group_size = 16);
  ~IndexWriter();
  IndexWriter(const IndexWriter&) = delete;
  IndexWriter& operator=(const IndexWriter&) = delete;

  // labels: strictly greater than the previous series', non-empty names and
  // values. chunks: each with maxt >= mint, in the order the reader should
  // return them. InvalidArgument otherwise (nothing is added).
  Status AddSeries(const model::Labels& labels, std::span<const ChunkMeta> chunks);
  // What AddSeries checks about the labels (order included) and the times.
  Status CheckSeries(const model::Labels& labels) const;
  static Status CheckChunkTimes(int64_t mint, int64_t maxt);

  // Writes and syncs the file; the writer is unusable afterwards.
  Status Finish();

  uint64_t num_series() const { return series_off_.size() - 1; }
  // Bytes written by Finish (0 before).
  uint64_t file_size() const { return file_size_; }

 private:
  struct PairPostings {
    uint32_t name;  // temporary symbol ids (order of first use)
    uint32_t value;
    uint32_t id;  // temporary pair id (order of first use)
    uint32_t count = 0;
    uint32_t last = 0;
    std::string gaps;  // uvarint gaps between refs
  };

  IndexWriter(std::string path, uint32_t group_size)
      : path_(std::move(path)), group_size_(group_size) {}
  uint32_t Intern(const std::string& s);

  std::string path_;
  uint32_t group_size_;
  bool finished_ = false;
  uint64_t file_size_ = 0;

  std::unordered_map<std::string, uint32_t> symbol_ids_;
  std::vector<const std::string*> symbols_;  // by temporary id; keys of symbol_ids_

  // Series i is series_buf_[series_off_[i], series_off_[i+1]): labels as
  // temporary pair ids, then chunk metas in their final encoding.
  std::string series_buf_;
  std::vector<uint64_t> series_off_{0};

  std::unordered_map<uint64_t, uint32_t> pair_index_;
  std::vector<PairPostings> pairs_;

  model::Labels prev_;
  // Chunk meta delta state within the current group.
  bool have_base_ = false;
  int64_t base_time_ = 0;
  std::vector<ChunkMeta> prev_chunks_;  // of the previous series in the group
  ChunkRef prev_ref_ = 0;
};

}  // namespace vigil::tsdb::block
