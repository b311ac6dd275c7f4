// BlockReader: an open, immutable block directory (meta.json, index,
// chunks/, tombstones), read through memory maps.
//
// This is what the querier and the compactor hold for a persisted block.
// Select answers label matchers (select.h); Series gives a series' labels
// and chunk metas; ReadChunk the chunk bytes (a view into the map, valid as
// long as the reader). Tombstones are the only mutable part: WriteTombstones
// replaces the file atomically and swaps the in-memory copy, and readers
// that took the previous copy keep it.
//
// Thread-safety: after Open every method may be called from any number of
// threads; WriteTombstones/ReloadTombstones are serialized internally.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/result.h"
#include "model/labels.h"
#include "model/matcher.h"
#include "storage/tsdb/block/chunks.h"
#include "storage/tsdb/block/index_reader.h"
#include "storage/tsdb/block/meta.h"
#include "storage/tsdb/block/postings.h"
#include "storage/tsdb/block/select.h"
#include "storage/tsdb/block/tombstones.h"

namespace vigil::tsdb::block {

class BlockReader : public PostingsIndex {
 public:
  // Corruption if any file is malformed or the files disagree (series count
  // in meta.json vs index). A missing tombstones file means no tombstones.
  static Result<std::shared_ptr<BlockReader>> Open(const std::string& dir);

  const BlockMeta& meta() const { return meta_; }
  const std::string& dir() const { return dir_; }
  const IndexReader& index() const { return *index_; }
  uint64_t NumSeries() const { return index_->NumSeries(); }

  Result<PostingsList> Postings(std::string_view name, std::string_view value) const {
    return index_->Postings(name, value);
  }
  Result<PostingsList> AllPostings() const override { return index_->AllPostings(); }
  Result<PostingsList> PostingsMatching(std::string_view name,
                                        const ValueFilter& filter) const override {
    return index_->PostingsMatching(name, filter);
  }
  // Series refs matching all matchers (see select.h for the semantics).
  Result<PostingsList> Select(const std::vector<model::Matcher>& matchers) const {
    return block::Select(*index_, matchers);
  }
  std::vector<std::string> LabelNames() const { return index_->LabelNames(); }
  std::vector<std::string> LabelValues(std::string_view name) const {
    return index_->LabelValues(name);
  }

  Status Series(uint64_t ref, model::Labels* labels, std::vector<ChunkMeta>* chunks) const {
    return index_->Series(ref, labels, chunks);
  }
  // For many increasing refs (one cursor per thread).
  SeriesCursor NewSeriesCursor() const { return SeriesCursor(index_.get()); }
  Result<Chunk> ReadChunk(ChunkRef ref) const { return chunks_->Read(ref); }

  std::shared_ptr<const Tombstones> tombstones() const;
  // Re-reads the tombstones file (after another process replaced it).
  Status ReloadTombstones();
  // Atomically replaces the tombstones file, then the in-memory copy.
  // InvalidArgument if a ref is not a series of this block.
  Status WriteTombstones(const Tombstones& t);

  // Bytes of all files of the block.
  Result<uint64_t> SizeOnDisk() const { return fs::DirSize(dir_); }

 private:
  BlockReader() = default;
  Result<std::shared_ptr<const Tombstones>> LoadTombstones() const;

  std::string dir_;
  BlockMeta meta_;
  std::unique_ptr<IndexReader> index_;
  std::unique_ptr<ChunkReader> chunks_;
  mutable std::mutex mu_;  // guards tombstones_ and serializes writers
  std::shared_ptr<const Tombstones> tombstones_;
};

}  // namespace vigil::tsdb::block
