// Fuzzes the log store's decoders of on-disk bytes: WAL records
// (wal_record.h), chunk records and the blocks inside them (chunk_file.h,
// entry_block.h), and structured metadata. The first byte picks the decoder
// (so that each is reached with the whole rest); every decoder sees
// arbitrary bytes and must fail cleanly. A WAL record that decodes is
// encoded again and must decode to the same values; a block that decodes
// must be sorted and its views must stay inside its buffer.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "model/labels.h"
#include "storage/logstore/chunk_file.h"
#include "storage/logstore/entry_block.h"
#include "storage/logstore/wal_record.h"

namespace {

using namespace vigil::logstore;

void Check(bool ok) {
  if (!ok) std::abort();
}

void FuzzWalRecord(std::string_view data) {
  WalRecordView v;
  if (!DecodeWalRecord(data, &v).ok()) return;
  std::string again;
  if (v.type == WalRecordType::kCut) {
    std::vector<vigil::model::Label> ls;
    for (const auto& l : v.streams[0].labels)
      ls.push_back({std::string(l.name), std::string(l.value)});
    again = EncodeCut(v.seq, vigil::model::Labels::FromSorted(std::move(ls)));
  } else {
    PutBatchHeader(v.seq, v.offsets.size(), &again);
    for (const auto& [s, st] : v.offsets) PutOffset(s, st, &again);
    PutStreamCount(v.streams.size(), &again);
    for (const auto& s : v.streams) {
      std::vector<vigil::model::Label> ls;
      for (const auto& l : s.labels) ls.push_back({std::string(l.name), std::string(l.value)});
      PutStreamHeader(vigil::model::Labels::FromSorted(std::move(ls)), s.entries.size(), &again);
      for (const auto& e : s.entries) PutEntry(e.time_ns, e.line, e.meta, &again);
    }
  }
  WalRecordView w;
  Check(DecodeWalRecord(again, &w).ok());
  Check(w.type == v.type && w.seq == v.seq && w.offsets == v.offsets &&
        w.streams.size() == v.streams.size());
  for (size_t i = 0; i < v.streams.size(); ++i) {
    Check(w.streams[i].labels == v.streams[i].labels);
    Check(w.streams[i].entries.size() == v.streams[i].entries.size());
    for (size_t j = 0; j < v.streams[i].entries.size(); ++j) {
      Check(w.streams[i].entries[j].time_ns == v.streams[i].entries[j].time_ns);
      Check(w.streams[i].entries[j].line == v.streams[i].entries[j].line);
      Check(w.streams[i].entries[j].meta == v.streams[i].entries[j].meta);
    }
  }
}

void CheckBlock(const EntryBlock& b) {
  for (size_t i = 0; i < b.size(); ++i) {
    if (i > 0) Check(b.time(i - 1) <= b.time(i));
    Check(uint64_t{b.at(i).line_off} + b.at(i).line_len <= b.data_bytes());
    Check(uint64_t{b.at(i).meta_off} + b.at(i).meta_len <= b.data_bytes());
    std::vector<vigil::model::LogAttribute> attrs;
    (void)DecodeMeta(b.Meta(i), &attrs);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 4) {
    case 0:
      FuzzWalRecord(in);
      break;
    case 1: {
      ChunkMeta meta;
      EntryBlock block;
      size_t used = 0;
      if (DecodeChunk(in, &meta, &block, &used).ok()) {
        Check(used <= in.size());
        CheckBlock(block);
      }
      // Past the checksums: the meta and the zstd payload on their own.
      (void)DecodeChunkMeta(in, &meta);
      if (DecompressBlock(in, in.size() * 4 + 64, &block).ok()) CheckBlock(block);
      break;
    }
    case 2: {
      EntryBlock block;
      if (EntryBlock::Decode(std::string(in), &block).ok()) CheckBlock(block);
      break;
    }
    default: {
      std::vector<vigil::model::LogAttribute> attrs;
      (void)DecodeMeta(in, &attrs);
      break;
    }
  }
  return 0;
}
