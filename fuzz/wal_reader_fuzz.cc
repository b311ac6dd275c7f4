// Fuzzes the WAL reader and the record decoders with arbitrary bytes.
//
// The input is read as one WAL segment (from memory; the reader takes the
// same path as for an mmapped file) and every record it yields goes through
// the decoder of its type. It is read a second time placed kStraddle bytes
// before a page boundary (after a valid filler fragment), so that short
// inputs reach fragments spanning pages (FIRST/MIDDLE/LAST). The input itself
// is also given to every decoder, because the checksums keep random segments
// from reaching them. Checked: no crash or sanitizer report, and corruption
// reports and record offsets stay inside the segment.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "base/checksum.h"
#include "base/coding.h"
#include "storage/tsdb/wal/format.h"
#include "storage/tsdb/wal/reader.h"
#include "storage/tsdb/wal/records.h"

namespace {

using namespace vigil::tsdb::wal;

constexpr size_t kStraddle = 64;

// A FULL fragment ending kStraddle bytes before the end of the first page.
const std::string& Filler() {
  static const std::string* f = [] {
    const size_t len = kPageSize - kStraddle - kHeaderSize;
    auto* s = new std::string(kHeaderSize, '\0');
    (*s)[kTypeOffset] = static_cast<char>(FragmentKind::kFull);
    (*s)[kLengthOffset] = static_cast<char>(len >> 8);
    (*s)[kLengthOffset + 1] = static_cast<char>(len);
    s->append(len, 'f');
    vigil::EncodeFixed32BE(s->data(), vigil::Checksum32(s->data() + kTypeOffset, 3 + len));
    return s;
  }();
  return *f;
}

void DecodeAll(std::string_view rec) {
  static std::vector<RefSeries> series;
  static std::vector<RefSample> samples;
  static std::vector<RefTombstone> tombstones;
  static std::vector<RefMetadata> metadata;
  switch (GetRecordType(rec)) {
    case RecordType::kSeries:
      (void)DecodeSeries(rec, &series);
      break;
    case RecordType::kSamples:
      (void)DecodeSamples(rec, &samples);
      break;
    case RecordType::kTombstones:
      (void)DecodeTombstones(rec, &tombstones);
      break;
    case RecordType::kMetadata:
      (void)DecodeMetadata(rec, &metadata);
      break;
    case RecordType::kUnknown:
      break;
  }
}

void ReadAll(std::string_view segment) {
  const size_t size = segment.size();
  uint64_t reported = 0;
  ReaderOptions options;
  options.log_corruptions = false;
  options.reporter = [&](const Corruption& c) {
    if (c.bytes == 0 || c.offset + c.bytes > size) std::abort();
    reported += c.bytes;
  };
  auto reader = Reader::FromMemory(segment, std::move(options));
  while (reader->Next()) {
    if (reader->offset() >= reader->end_offset() || reader->end_offset() > size) std::abort();
    DecodeAll(reader->record());
  }
  if (!reader->status().ok() || reported > size) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  ReadAll(input);
  std::string straddling = Filler();
  straddling.append(input);
  ReadAll(straddling);
  DecodeAll(input);
  return 0;
}
