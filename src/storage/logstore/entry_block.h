// EntryBlock: the entries of one stream held in memory (the head chunk, a
// chunk cut but not yet written, a chunk read back from disk) and the
// columnar encoding of a block inside a chunk (before zstd).
//
// Entries keep their arrival order until Sort(), which orders them by time
// and keeps arrival order among equal times (a stable sort).
//
// Block encoding (all varints LEB128, see base/coding.h):
//   uvarint n
//   n x varint   time delta to the previous entry (the first to 0)
//   n x uvarint  line length
//   n x uvarint  metadata length
//   lines, concatenated
//   metadata, concatenated (each: uvarint pairs, then per pair
//                           uvarint-prefixed key and value)
// Columns compress much better under zstd than interleaved entries.
//
// Thread-safety: a value type; const methods may be called concurrently.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "model/log_record.h"

namespace vigil::logstore {

struct EntryRef {
  int64_t time_ns;
  uint32_t line_off;
  uint32_t line_len;
  uint32_t meta_off;
  uint32_t meta_len;
};

class EntryBlock {
 public:
  void Append(int64_t time_ns, std::string_view line, std::string_view encoded_meta);
  // Stable sort by time (no-op when already in order).
  void Sort();
  void Clear();

  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  const EntryRef& at(size_t i) const { return entries_[i]; }
  int64_t time(size_t i) const { return entries_[i].time_ns; }
  std::string_view Line(size_t i) const {
    return {data_.data() + entries_[i].line_off, entries_[i].line_len};
  }
  std::string_view Meta(size_t i) const {
    return {data_.data() + entries_[i].meta_off, entries_[i].meta_len};
  }
  int64_t min_time() const { return min_time_; }
  int64_t max_time() const { return max_time_; }
  bool sorted() const { return sorted_; }
  uint64_t line_bytes() const { return line_bytes_; }
  uint64_t data_bytes() const { return data_.size(); }
  // Memory held, for accounting.
  uint64_t MemoryBytes() const { return data_.capacity() + entries_.capacity() * sizeof(EntryRef); }

  // The first index with time >= t / > t (requires sorted()).
  size_t LowerBound(int64_t t) const;
  size_t UpperBound(int64_t t) const;

  // Copies the entries with time in [start, end) (requires sorted()).
  EntryBlock CopyRange(int64_t start_ns, int64_t end_ns) const;

  // Columnar encoding (see above); the block must be sorted.
  void EncodeTo(std::string* out) const;
  // Takes ownership of `raw` (an encoded block) and indexes it in place.
  static Status Decode(std::string raw, EntryBlock* out);

 private:
  std::string data_;
  std::vector<EntryRef> entries_;
  int64_t min_time_ = 0;
  int64_t max_time_ = 0;
  uint64_t line_bytes_ = 0;
  bool sorted_ = true;
};

// Structured metadata encoding used in EntryBlock and the WAL.
void EncodeMeta(const std::vector<model::LogAttribute>& attrs, std::string* out);
// Appends the pairs of an encoded metadata blob; false if it is malformed.
bool DecodeMeta(std::string_view encoded, std::vector<model::LogAttribute>* out);

// What the store keeps as an entry's structured metadata: the record's
// attributes, then its resource attributes, then severity_text, trace_id and
// span_id when set (as Loki's OTLP ingestion does). Keys already present are
// not repeated. Empty output for a record with none of them.
void EncodeRecordMeta(const model::LogRecord& record, std::string* out);

}  // namespace vigil::logstore
