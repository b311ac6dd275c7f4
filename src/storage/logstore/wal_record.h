// The records the log store writes into its write-ahead log (the TSDB's WAL
// library frames, checksums and repairs them; see tsdb/wal/wal.h).
//
//   batch: byte 1, uvarint seq, uvarint #offsets {str source, str state},
//          uvarint #streams {labels, uvarint #entries
//                            {varint time_ns, str line, str metadata}}
//   cut:   byte 2, uvarint seq, labels
//   labels: uvarint #pairs {str name, str value};  str: uvarint length + bytes
//
// A batch is one Consume call (its accepted records grouped by stream, in
// arrival order within a stream) with the source offsets given with it; seq
// increases by one per batch. A cut says that every entry of the stream from
// batches with seq <= the cut's seq is in a chunk file, so replay skips them.
//
// Thread-safety: pure functions; a decoded record views the input bytes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "model/labels.h"

namespace vigil::logstore {

enum class WalRecordType : uint8_t { kBatch = 1, kCut = 2 };

struct WalEntryView {
  int64_t time_ns = 0;
  std::string_view line;
  std::string_view meta;  // EncodeMeta form
};

struct WalStreamView {
  std::vector<model::LabelView> labels;
  std::vector<WalEntryView> entries;
};

struct WalRecordView {
  WalRecordType type = WalRecordType::kBatch;
  uint64_t seq = 0;
  std::vector<std::pair<std::string_view, std::string_view>> offsets;  // batch only
  std::vector<WalStreamView> streams;  // batch: one per stream; cut: exactly one, no entries
};

// Appends the pieces of a batch record (the caller writes the streams one
// after the other; BeginStream's count must match the entries that follow).
void PutBatchHeader(uint64_t seq, size_t offsets, std::string* out);
void PutOffset(std::string_view source, std::string_view state, std::string* out);
void PutStreamCount(size_t streams, std::string* out);
void PutStreamHeader(const model::Labels& labels, size_t entries, std::string* out);
void PutEntry(int64_t time_ns, std::string_view line, std::string_view meta, std::string* out);

std::string EncodeCut(uint64_t seq, const model::Labels& labels);

// Decodes any byte string safely: Corruption for anything malformed.
Status DecodeWalRecord(std::string_view rec, WalRecordView* out);

}  // namespace vigil::logstore
