// Reading WAL records back, in order, from a list of segment files (for
// replay: the segments of the last checkpoint, then the WAL's segments after
// it; see checkpoint.h for a helper that builds that list).
//
// Corruption never stops the reader. Each damaged region (a torn tail after
// kill -9 or power loss, a zero-filled page, a flipped bit) is reported once
// through ReaderOptions::reporter, logged with the segment file and offset,
// and counted in vigil_tsdb_wal_corruptions_total{reason} and
// vigil_tsdb_wal_bytes_dropped_total. The reader then resynchronises at the
// next fragment it can trust (the one after a fragment whose payload is bad
// but whose length still leads to a valid header, else the next page
// boundary) and keeps every intact record after the damage. Only I/O errors
// (a segment that cannot be opened) end the reading early; see status().
//
// Segments are memory-mapped one at a time; a record view stays valid until
// the next call to Next(). Segments must not be written while they are read
// (the last one may be, but bytes appended after it was mapped are not seen).
//
// Thread-safety: a Reader is used by one thread at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/file.h"
#include "base/status.h"
#include "storage/tsdb/wal/segment.h"
#include "storage/tsdb/wal/wal_metrics.h"

namespace vigil::tsdb::wal {

enum class CorruptionReason : uint8_t {
  kChecksum,            // a fragment's checksum does not match its bytes
  kTruncated,           // the segment ends inside a header, a fragment or a record
  kZeroFilled,          // a zero header: the rest of the page was never written
  kBadType,             // unknown fragment kind, reserved bits, inconsistent flags
  kBadLength,           // a fragment longer than the rest of its page
  kOrphanFragment,      // a middle or last fragment without a first one
  kUnterminatedRecord,  // a fragmented record interrupted by a new record
  kDecompress,          // the snappy payload does not decode
  kTooLarge,            // a record longer than kMaxRecordSize
};
// The `reason` label value: "checksum_mismatch", "truncated", ...
const char* CorruptionReasonName(CorruptionReason r);

// One damaged region: bytes [offset, offset + bytes) of a segment, from
// which no record was returned.
struct Corruption {
  std::string segment;  // path of the segment file
  int segment_index = 0;
  uint64_t offset = 0;
  uint64_t bytes = 0;
  CorruptionReason reason = CorruptionReason::kChecksum;  // the first problem met in the region
  bool at_end = false;  // the region reaches the end of the segment (a torn tail)
};

struct ReaderOptions {
  // Called once per damaged region, from Next(). May be empty.
  std::function<void(const Corruption&)> reporter;
  // Where the corruption counters go; null: a registry private to the reader.
  metrics::Registry* registry = nullptr;
  // Log each corruption as a warning (the fuzzer turns this off).
  bool log_corruptions = true;
};

class Reader {
 public:
  // Reads the given segments in the given order. Segments are opened lazily.
  static std::unique_ptr<Reader> Open(std::vector<SegmentRef> segments, ReaderOptions options = {});
  // Reads one segment held in memory (data must outlive the reader); for
  // tests and the fuzzer. It is reported as segment `name`, index 0.
  static std::unique_ptr<Reader> FromMemory(std::string_view data, ReaderOptions options = {},
                                            std::string name = "<memory>");
  ~Reader();
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  // Moves to the next intact record. False at the end, or after an I/O error
  // (then status() is not OK).
  bool Next();
  // The current record (decompressed); valid until the next call to Next.
  std::string_view record() const { return record_; }
  // The segment the current record was read from.
  const SegmentRef& segment() const { return segments_[current_]; }
  // Byte range of the current record's fragments within its segment.
  uint64_t offset() const { return record_offset_; }
  uint64_t end_offset() const { return record_end_; }

  // OK unless a segment could not be read.
  const Status& status() const { return status_; }

  uint64_t records_read() const { return records_read_; }
  uint64_t corruptions() const { return corruptions_; }
  uint64_t bytes_dropped() const { return bytes_dropped_; }

 private:
  Reader(std::vector<SegmentRef> segments, ReaderOptions options);

  enum class Step { kRecord, kEndOfSegment };

  bool OpenNextSegment();
  Step ReadFromSegment();
  void FinishSegment();
  bool HeaderValidAt(uint64_t pos) const;
  // Starts (or extends) a dropped region at `from`; a record being assembled
  // is dropped with it.
  void Drop(uint64_t from, CorruptionReason reason);
  void DropPendingRecord(uint64_t pos, CorruptionReason reason);
  void ReportDrop(uint64_t end, bool at_end);
  bool Deliver(std::string_view payload, bool snappy, uint64_t start, uint64_t end);

  std::vector<SegmentRef> segments_;
  ReaderOptions options_;
  WalMetrics metrics_;
  Status status_;

  size_t next_segment_ = 0;
  size_t current_ = 0;  // index into segments_ of the segment being read
  bool have_segment_ = false;
  std::unique_ptr<fs::MmapFile> file_;
  bool from_memory_ = false;
  std::string_view memory_;  // FromMemory's data
  std::string_view data_;    // the segment being read
  uint64_t pos_ = 0;

  // A record spanning several fragments, being assembled.
  bool in_record_ = false;
  bool record_snappy_ = false;
  uint64_t pending_start_ = 0;
  std::string assembled_;
  std::string decompressed_;

  std::string_view record_;
  uint64_t record_offset_ = 0;
  uint64_t record_end_ = 0;

  // The damaged region being skipped (nothing returned since drop_start_).
  bool dropping_ = false;
  uint64_t drop_start_ = 0;
  CorruptionReason drop_reason_ = CorruptionReason::kChecksum;

  uint64_t records_read_ = 0;
  uint64_t corruptions_ = 0;
  uint64_t bytes_dropped_ = 0;
};

}  // namespace vigil::tsdb::wal
