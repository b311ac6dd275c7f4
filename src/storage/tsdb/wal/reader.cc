#include "storage/tsdb/wal/reader.h"

#include <snappy.h>

#include <algorithm>

#include "base/checksum.h"
#include "base/coding.h"
#include "base/logging.h"
#include "storage/tsdb/wal/format.h"

namespace vigil::tsdb::wal {

namespace {

uint64_t NextPageBoundary(uint64_t pos) { return (pos / kPageSize + 1) * kPageSize; }

bool ValidType(uint8_t type) {
  uint8_t kind = type & kFragmentKindMask;
  return (type & kReservedTypeBits) == 0 && kind >= static_cast<uint8_t>(FragmentKind::kFull) &&
         kind <= static_cast<uint8_t>(FragmentKind::kLast);
}

}  // namespace

const char* CorruptionReasonName(CorruptionReason r) {
  switch (r) {
    case CorruptionReason::kChecksum:
      return "checksum_mismatch";
    case CorruptionReason::kTruncated:
      return "truncated";
    case CorruptionReason::kZeroFilled:
      return "zero_filled";
    case CorruptionReason::kBadType:
      return "bad_fragment_type";
    case CorruptionReason::kBadLength:
      return "bad_fragment_length";
    case CorruptionReason::kOrphanFragment:
      return "orphan_fragment";
    case CorruptionReason::kUnterminatedRecord:
      return "unterminated_record";
    case CorruptionReason::kDecompress:
      return "snappy_decode";
    case CorruptionReason::kTooLarge:
      return "record_too_large";
  }
  return "unknown";
}

Reader::Reader(std::vector<SegmentRef> segments, ReaderOptions options)
    : segments_(std::move(segments)), options_(std::move(options)), metrics_(options_.registry) {}

Reader::~Reader() = default;

std::unique_ptr<Reader> Reader::Open(std::vector<SegmentRef> segments, ReaderOptions options) {
  return std::unique_ptr<Reader>(new Reader(std::move(segments), std::move(options)));
}

std::unique_ptr<Reader> Reader::FromMemory(std::string_view data, ReaderOptions options,
                                           std::string name) {
  std::vector<SegmentRef> segs{SegmentRef{0, std::move(name), false}};
  auto r = std::unique_ptr<Reader>(new Reader(std::move(segs), std::move(options)));
  r->memory_ = data;
  r->from_memory_ = true;
  return r;
}

bool Reader::OpenNextSegment() {
  if (next_segment_ >= segments_.size()) return false;
  current_ = next_segment_++;
  file_.reset();
  if (from_memory_) {
    data_ = memory_;
  } else {
    auto f = fs::MmapFile::Open(segments_[current_].path);
    if (!f.ok()) {
      status_ = f.status().WithContext("open WAL segment");
      return false;
    }
    file_ = std::move(f).value();
    data_ = file_->data();
  }
  pos_ = 0;
  in_record_ = false;
  dropping_ = false;
  have_segment_ = true;
  return true;
}

bool Reader::Next() {
  record_ = {};
  if (!status_.ok()) return false;
  for (;;) {
    if (!have_segment_ && !OpenNextSegment()) return false;
    if (ReadFromSegment() == Step::kRecord) return true;
    FinishSegment();
  }
}

void Reader::FinishSegment() {
  // Records never span segments: an unfinished one at the end is torn.
  if (in_record_) DropPendingRecord(data_.size(), CorruptionReason::kTruncated);
  if (dropping_) ReportDrop(data_.size(), /*at_end=*/true);
  have_segment_ = false;
  file_.reset();
  data_ = {};
}

void Reader::Drop(uint64_t from, CorruptionReason reason) {
  if (dropping_) return;  // the region already open extends to here
  dropping_ = true;
  drop_start_ = from;
  drop_reason_ = reason;
}

void Reader::DropPendingRecord(uint64_t pos, CorruptionReason reason) {
  Drop(in_record_ ? pending_start_ : pos, reason);
  in_record_ = false;
  assembled_.clear();
}

void Reader::ReportDrop(uint64_t end, bool at_end) {
  dropping_ = false;
  if (end <= drop_start_) return;
  Corruption c;
  c.segment = segments_[current_].path;
  c.segment_index = segments_[current_].index;
  c.offset = drop_start_;
  c.bytes = end - drop_start_;
  c.reason = drop_reason_;
  c.at_end = at_end;
  ++corruptions_;
  bytes_dropped_ += c.bytes;
  metrics_.Corruption(CorruptionReasonName(c.reason))->Inc();
  metrics_.bytes_dropped->Inc(static_cast<double>(c.bytes));
  if (options_.log_corruptions) {
    log::Get("wal")->warn("corrupt WAL segment {} at offset {}: dropped {} bytes ({}{})", c.segment,
                          c.offset, c.bytes, CorruptionReasonName(c.reason),
                          c.at_end ? ", at end of segment" : "");
  }
  if (options_.reporter) options_.reporter(c);
}

bool Reader::HeaderValidAt(uint64_t pos) const {
  const uint64_t size = data_.size();
  if (pos >= size) return pos == size;
  if (kPageSize - pos % kPageSize < kHeaderSize) return true;  // page padding follows
  if (size - pos < kHeaderSize) return false;
  const char* h = data_.data() + pos;
  uint8_t type = static_cast<uint8_t>(h[kTypeOffset]);
  size_t len = DecodeFixed16BE(h + kLengthOffset);
  if (!ValidType(type) || len > kPageSize - pos % kPageSize - kHeaderSize) return false;
  if (size - pos - kHeaderSize < len) return false;
  return Checksum32(h + kTypeOffset, 3 + len) == DecodeFixed32BE(h + kChecksumOffset);
}

bool Reader::Deliver(std::string_view payload, bool snappy, uint64_t start, uint64_t end) {
  if (snappy) {
    size_t ulen = 0;
    if (!snappy::GetUncompressedLength(payload.data(), payload.size(), &ulen) ||
        ulen > kMaxRecordSize || ulen > payload.size() * kMaxSnappyExpansion + 16) {
      Drop(start, CorruptionReason::kDecompress);
      return false;
    }
    decompressed_.resize(ulen);
    if (!snappy::RawUncompress(payload.data(), payload.size(), decompressed_.data())) {
      Drop(start, CorruptionReason::kDecompress);
      return false;
    }
    record_ = decompressed_;
  } else {
    record_ = payload;
  }
  if (dropping_) ReportDrop(start, /*at_end=*/false);
  record_offset_ = start;
  record_end_ = end;
  ++records_read_;
  return true;
}

Reader::Step Reader::ReadFromSegment() {
  const uint64_t size = data_.size();
  while (pos_ < size) {
    const uint64_t page_left = kPageSize - pos_ % kPageSize;
    if (page_left < kHeaderSize) {  // padding at the end of a page
      pos_ = std::min<uint64_t>(pos_ + page_left, size);
      continue;
    }
    if (size - pos_ < kHeaderSize) {
      DropPendingRecord(pos_, CorruptionReason::kTruncated);
      pos_ = size;
      break;
    }
    const char* h = data_.data() + pos_;
    const uint32_t want_sum = DecodeFixed32BE(h + kChecksumOffset);
    const uint8_t type = static_cast<uint8_t>(h[kTypeOffset]);
    const size_t len = DecodeFixed16BE(h + kLengthOffset);
    const uint64_t next_page = std::min<uint64_t>(NextPageBoundary(pos_), size);

    if (want_sum == 0 && type == 0 && len == 0) {
      DropPendingRecord(pos_, CorruptionReason::kZeroFilled);
      pos_ = next_page;
      continue;
    }
    if (!ValidType(type)) {
      DropPendingRecord(pos_, CorruptionReason::kBadType);
      pos_ = next_page;
      continue;
    }
    if (len > page_left - kHeaderSize) {
      DropPendingRecord(pos_, CorruptionReason::kBadLength);
      pos_ = next_page;
      continue;
    }
    if (size - pos_ - kHeaderSize < len) {
      DropPendingRecord(pos_, CorruptionReason::kTruncated);
      pos_ = size;
      break;
    }
    const uint64_t frag_start = pos_;
    const uint64_t frag_end = pos_ + kHeaderSize + len;
    if (Checksum32(h + kTypeOffset, 3 + len) != want_sum) {
      DropPendingRecord(pos_, CorruptionReason::kChecksum);
      // A flipped payload bit leaves the length intact: if it leads to a
      // valid header, only this fragment is lost. A bad length leads to
      // garbage (a false match needs a 32-bit checksum collision).
      pos_ = HeaderValidAt(frag_end) ? frag_end : next_page;
      continue;
    }
    pos_ = frag_end;

    const std::string_view payload(h + kHeaderSize, len);
    const bool snappy = (type & kFlagSnappy) != 0;
    switch (static_cast<FragmentKind>(type & kFragmentKindMask)) {
      case FragmentKind::kFull:
        if (in_record_) DropPendingRecord(frag_start, CorruptionReason::kUnterminatedRecord);
        if (Deliver(payload, snappy, frag_start, frag_end)) return Step::kRecord;
        break;
      case FragmentKind::kFirst:
        if (in_record_) DropPendingRecord(frag_start, CorruptionReason::kUnterminatedRecord);
        in_record_ = true;
        record_snappy_ = snappy;
        pending_start_ = frag_start;
        assembled_.assign(payload);
        break;
      case FragmentKind::kMiddle:
      case FragmentKind::kLast: {
        if (!in_record_) {
          Drop(frag_start, CorruptionReason::kOrphanFragment);
          break;
        }
        if (snappy != record_snappy_) {
          DropPendingRecord(frag_start, CorruptionReason::kBadType);
          break;
        }
        if (assembled_.size() + len > kMaxRecordSize) {
          DropPendingRecord(frag_start, CorruptionReason::kTooLarge);
          break;
        }
        assembled_.append(payload);
        if ((type & kFragmentKindMask) == static_cast<uint8_t>(FragmentKind::kLast)) {
          in_record_ = false;
          if (Deliver(assembled_, snappy, pending_start_, frag_end)) return Step::kRecord;
        }
        break;
      }
    }
  }
  return Step::kEndOfSegment;
}

}  // namespace vigil::tsdb::wal
