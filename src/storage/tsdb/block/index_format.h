// Constants of the block index file layout shared by IndexWriter and
// IndexReader. The layout itself is described in docs/storage-format.md (blocks).
//
// Thread-safety: constants only.
#pragma once

#include <cstddef>
#include <cstdint>

namespace vigil::tsdb::block::index_format {

inline constexpr uint32_t kMagic = 0x56474958;  // "VGIX"
inline constexpr uint8_t kVersion = 1;
inline constexpr size_t kHeaderSize = 8;  // magic, version, 3 zero bytes
// Five BE64 section offsets and a BE32 checksum of them.
inline constexpr size_t kTocSize = 5 * 8 + 4;
// Series table header: BE32 group size, BE64 series count, BE64 base time.
inline constexpr size_t kSeriesTableHeaderSize = 4 + 8 + 8;
inline constexpr uint32_t kDefaultGroupSize = 16;
inline constexpr uint32_t kMaxGroupSize = 1024;
// A block index holds fewer series than this (refs fit in 32 bits).
inline constexpr uint64_t kMaxSeries = (uint64_t{1} << 32) - 1;

// Wrapping arithmetic for time deltas: the format stores differences of
// arbitrary int64 values, and decoding bogus data must not hit signed
// overflow.
inline int64_t WrapAdd(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}
inline int64_t WrapSub(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b));
}

}  // namespace vigil::tsdb::block::index_format
