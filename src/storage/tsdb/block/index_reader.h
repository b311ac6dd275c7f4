// IndexReader: reads a block's `index` file through a memory map.
//
// Open checks the header and table of contents, verifies the checksums of
// the symbol table, the series table and the label table, and loads a small
// directory of them (4 bytes per symbol, 12 per label pair). Series groups
// and postings lists are checked (bounds and checksum) each time they are
// read. Nothing in the file is trusted: every malformed input gives
// Status::Corruption naming the file and offset, never a crash or an
// allocation larger than the file can justify.
//
// Series refs are 0..NumSeries()-1 in label order. Series(ref) decodes the
// ref's group (16 series) up to ref; a SeriesCursor reading increasing refs
// decodes each group once.
//
// Thread-safety: immutable after Open; all const methods may be called from
// any number of threads. A SeriesCursor belongs to one thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/coding.h"
#include "base/file.h"
#include "base/result.h"
#include "model/labels.h"
#include "storage/tsdb/block/chunks.h"
#include "storage/tsdb/block/postings.h"
#include "storage/tsdb/block/select.h"

namespace vigil::tsdb::block {

class IndexReader : public PostingsIndex {
 public:
  static Result<std::unique_ptr<IndexReader>> Open(const std::string& path);

  uint64_t NumSeries() const { return num_series_; }
  size_t NumSymbols() const { return symbol_offsets_.size(); }
  // Symbol id (< NumSymbols()); symbols are sorted and unique.
  std::string_view Symbol(uint32_t id) const;

  // Sorted.
  std::vector<std::string> LabelNames() const;
  // Sorted; empty if the name is absent.
  std::vector<std::string> LabelValues(std::string_view name) const;
  // Number of (name, value) pairs.
  size_t NumLabelPairs() const { return value_syms_.size(); }

  // Empty (not an error) if the pair is absent.
  Result<PostingsList> Postings(std::string_view name, std::string_view value) const;
  Result<PostingsList> AllPostings() const override;
  Result<PostingsList> PostingsMatching(std::string_view name,
                                        const ValueFilter& filter) const override;

  // NotFound if ref >= NumSeries(). Either output may be null.
  Status Series(uint64_t ref, model::Labels* labels, std::vector<ChunkMeta>* chunks) const;

  uint64_t size() const { return file_->size(); }
  const std::string& path() const { return file_->path(); }

  // Bytes per section (for size accounting and metrics).
  struct Sections {
    uint64_t symbols = 0, series = 0, series_table = 0, postings = 0, label_table = 0;
  };
  const Sections& sections() const { return sections_; }

 private:
  friend class SeriesCursor;
  struct NameEntry {
    uint32_t name_sym;
    uint32_t first;  // index into value_syms_ / postings_offsets_
    uint32_t count;
  };

  IndexReader() = default;
  Status Corrupt(uint64_t offset, std::string_view what) const;
  Status LoadSymbols(uint64_t begin, uint64_t end);
  Status LoadSeriesTable(uint64_t begin, uint64_t end, uint64_t series_begin);
  Status LoadLabelTable(uint64_t begin, uint64_t end, uint64_t postings_begin,
                        uint64_t postings_end);
  const NameEntry* FindName(std::string_view name) const;
  // Pair index of (name, value), or -1.
  int64_t FindPair(const NameEntry& e, std::string_view value) const;
  Status DecodePair(size_t pair, PostingsList* out) const;
  // Byte range of group g.
  void GroupRange(uint64_t g, uint64_t* begin, uint64_t* end) const;

  std::unique_ptr<fs::MmapFile> file_;
  std::string_view data_;
  std::vector<uint32_t> symbol_offsets_;
  uint64_t num_series_ = 0;
  uint32_t group_size_ = 1;
  int64_t base_time_ = 0;
  uint64_t group_table_ = 0;  // offset of the first BE64 group offset
  uint64_t series_end_ = 0;
  std::vector<NameEntry> names_;
  std::vector<uint32_t> value_syms_;
  std::vector<uint64_t> postings_offsets_;  // one per pair, plus the end
  Sections sections_;
};

// Reads series of one IndexReader, reusing the decoded group for
// increasing refs (the querier's and the compactor's access pattern).
class SeriesCursor {
 public:
  explicit SeriesCursor(const IndexReader* index) : ix_(index) {}
  Status Get(uint64_t ref, model::Labels* labels, std::vector<ChunkMeta>* chunks);

 private:
  Status LoadGroup(uint64_t g);
  Status DecodeNext();

  const IndexReader* ix_;
  uint64_t group_ = UINT64_MAX;
  uint64_t next_ = 0;  // ref the next DecodeNext yields
  uint64_t group_begin_ = 0;
  Decbuf d_;
  // The last series decoded: (name index, value index) per label, chunks.
  std::vector<std::pair<uint32_t, uint32_t>> labels_;
  std::vector<ChunkMeta> prev_chunks_;
  std::vector<ChunkMeta> chunks_;  // scratch
  ChunkRef prev_ref_ = 0;
};

}  // namespace vigil::tsdb::block
