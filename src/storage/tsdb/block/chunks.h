// Chunk segment files of a block: chunks/000001, chunks/000002, ...
//
// Chunks are opaque here: an encoding byte (1 = XOR, 2 = compact; defined by
// chunkenc) plus bytes. ChunkWriter appends them to segment files of bounded
// size; a ChunkRef names a chunk by segment index (high 32 bits, 0 for
// 000001) and byte offset in that file (low 32 bits). ChunkReader maps the
// segments and hands out views of chunk bytes after checking bounds and the
// checksum. The layout is in docs/storage-format.md (blocks).
//
// Thread-safety: a ChunkWriter is used by one thread. A ChunkReader is
// immutable after Open and may be read from any number of threads; the views
// it returns live as long as the reader.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/file.h"
#include "base/result.h"

namespace vigil::tsdb::block {

using ChunkRef = uint64_t;

inline constexpr ChunkRef MakeChunkRef(uint32_t segment, uint32_t offset) {
  return (uint64_t{segment} << 32) | offset;
}
inline constexpr uint32_t ChunkRefSegment(ChunkRef r) { return static_cast<uint32_t>(r >> 32); }
inline constexpr uint32_t ChunkRefOffset(ChunkRef r) { return static_cast<uint32_t>(r); }

// A chunk handed to the block writer. Times are inclusive, as Prometheus'
// chunk metas (mint = first sample, maxt = last sample).
struct ChunkData {
  int64_t mint = 0;
  int64_t maxt = 0;
  uint8_t encoding = 0;
  std::string_view bytes;
};

// A chunk as the index lists it.
struct ChunkMeta {
  int64_t mint = 0;
  int64_t maxt = 0;
  ChunkRef ref = 0;
  bool operator==(const ChunkMeta&) const = default;
};

// A chunk read back: bytes point into the reader's memory map.
struct Chunk {
  uint8_t encoding = 0;
  std::string_view bytes;
};

inline constexpr uint64_t kDefaultMaxSegmentSize = 512ull << 20;
inline constexpr uint32_t kChunkSegmentMagic = 0x56474353;  // "VGCS"
inline constexpr uint8_t kChunkSegmentVersion = 1;
inline constexpr size_t kChunkSegmentHeaderSize = 8;

// File name of segment index i: "000001" for 0.
std::string ChunkSegmentName(uint32_t index);

class ChunkWriter {
 public:
  // dir is created if missing. max_segment_size is clamped to [4 KiB, 4 GiB).
  static Result<std::unique_ptr<ChunkWriter>> Create(
      std::string dir, uint64_t max_segment_size = kDefaultMaxSegmentSize);
  ~ChunkWriter();
  ChunkWriter(const ChunkWriter&) = delete;
  ChunkWriter& operator=(const ChunkWriter&) = delete;

  Result<ChunkRef> Write(uint8_t encoding, std::string_view data);
  // Syncs and closes the open segment and syncs the directory.
  Status Finish();

  uint64_t bytes_written() const { return bytes_written_; }

 private:
  ChunkWriter(std::string dir, uint64_t max_segment_size)
      : dir_(std::move(dir)), max_segment_size_(max_segment_size) {}
  Status OpenSegment();
  Status CloseSegment();

  std::string dir_;
  uint64_t max_segment_size_;
  std::unique_ptr<fs::WritableFile> file_;
  uint32_t next_segment_ = 0;
  uint64_t bytes_written_ = 0;
  std::string scratch_;
};

class ChunkReader {
 public:
  // Maps every segment of dir; segments must be numbered 000001.. without gaps.
  static Result<std::unique_ptr<ChunkReader>> Open(const std::string& dir);

  // Corruption (naming the file and offset) if ref is out of bounds or the
  // chunk's checksum does not match.
  Result<Chunk> Read(ChunkRef ref) const;

  size_t num_segments() const { return segments_.size(); }
  uint64_t size() const;

 private:
  ChunkReader() = default;
  std::vector<std::unique_ptr<fs::MmapFile>> segments_;
};

}  // namespace vigil::tsdb::block
