// On-disk constants of the write-ahead log, shared by the writer (wal.cc) and
// the reader (reader.cc). docs/storage-format.md (write-ahead log) is the specification; change the
// two together.
//
// A WAL directory holds numbered segment files. A segment is a sequence of
// 32 KiB pages (the last one may be short). A page holds fragments; a
// fragment never crosses a page boundary, so after damage a reader can
// resynchronise at the next multiple of kPageSize. Fragment header:
//
//   offset 0  uint32 BE  checksum: Checksum32 of bytes [4, 7 + length)
//   offset 4  uint8      type: bits 0-2 fragment kind, bit 3 snappy, bits 4-7 zero
//   offset 5  uint16 BE  length of the payload that follows
//
// The checksum covers the type, the length and the payload, so any flipped
// bit of a fragment is detected. Fewer than kHeaderSize bytes left at the end
// of a page are zero padding.
//
// Thread-safety: constants and pure functions only.
#pragma once

#include <cstddef>
#include <cstdint>

namespace vigil::tsdb::wal {

inline constexpr size_t kPageSize = 32 * 1024;
inline constexpr size_t kHeaderSize = 7;
inline constexpr size_t kMaxFragmentPayload = kPageSize - kHeaderSize;
inline constexpr uint64_t kDefaultSegmentSize = 128ull * 1024 * 1024;

// A record (after compression) larger than this is refused by the writer and
// dropped by the reader, which bounds the reader's memory on garbage input.
inline constexpr size_t kMaxRecordSize = 256ull * 1024 * 1024;

enum class FragmentKind : uint8_t {
  kFull = 1,    // a whole record
  kFirst = 2,   // the first fragment of a record spanning pages
  kMiddle = 3,  // neither first nor last
  kLast = 4,    // the last fragment
};

inline constexpr uint8_t kFragmentKindMask = 0x07;
inline constexpr uint8_t kFlagSnappy = 0x08;  // the record's bytes are snappy-compressed
inline constexpr uint8_t kReservedTypeBits = 0xF0;

// Offsets inside the fragment header.
inline constexpr size_t kChecksumOffset = 0;
inline constexpr size_t kTypeOffset = 4;
inline constexpr size_t kLengthOffset = 5;

// Segment files are named by their index, zero-padded to this many digits.
inline constexpr int kSegmentNameDigits = 8;
// The index of the first segment written into an empty directory.
inline constexpr int kFirstSegmentIndex = 1;

// Snappy cannot expand data by more than this factor (a 3-byte copy emits at
// most 64 bytes); a claimed decompressed length above it is corrupt.
inline constexpr size_t kMaxSnappyExpansion = 22;

}  // namespace vigil::tsdb::wal
