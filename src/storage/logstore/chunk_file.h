// Chunk files of the log store: append-only files of zstd-compressed chunks,
// each chunk one stream's entries over a time range, self-describing so that
// the index (stream labels -> chunk refs with min/max time) is rebuilt by
// reading only the chunk headers at Open.
//
// File:  8-byte header "VLCK" + version byte 1 + 3 zero bytes, then chunks.
// Chunk: u32 BE meta_len, u32 BE data_len, u32 BE meta_crc, u32 BE data_crc
//        (Checksum32 of meta / of data), then meta, then data.
//   meta: labels (uvarint #pairs {str name, str value}), varint min_time_ns,
//         varint max_time_ns, uvarint entries, uvarint line_bytes,
//         uvarint max_seq (the WAL batch seq the chunk covers up to),
//         uvarint raw_len (the uncompressed block length)
//   data: one zstd frame holding an EntryBlock encoding (entry_block.h).
//
// Thread-safety: ChunkFile reads (pread) may run concurrently; the store
// serialises appends. Free functions are pure.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"
#include "base/status.h"
#include "model/labels.h"
#include "storage/logstore/entry_block.h"

namespace vigil::logstore {

inline constexpr size_t kChunkFileHeaderSize = 8;
inline constexpr size_t kChunkHeaderSize = 16;
// Bounds what a decoder allocates on garbage input.
inline constexpr uint64_t kMaxChunkRawBytes = 1ull << 31;

struct ChunkMeta {
  model::Labels labels;
  int64_t min_time_ns = 0;
  int64_t max_time_ns = 0;
  uint64_t entries = 0;
  uint64_t line_bytes = 0;
  uint64_t max_seq = 0;
  uint64_t raw_len = 0;
};

// Where a chunk's data lies in its file.
struct ChunkLocation {
  uint64_t data_offset = 0;
  uint32_t data_len = 0;
  uint32_t data_crc = 0;
  uint64_t raw_len = 0;
};

std::string ChunkFileHeader();
std::string ChunkFileName(int id);              // "00000042.chunks"
int ParseChunkFileName(std::string_view name);  // -1 if not one

// zstd-compresses the (sorted) block into `data`.
Status CompressBlock(const EntryBlock& block, int level, std::string* data, uint64_t* raw_len);
// Decompresses and decodes a chunk's data (checksum checked by the caller).
Status DecompressBlock(std::string_view data, uint64_t raw_len, EntryBlock* out);

// A whole chunk record: header, meta and data.
std::string EncodeChunk(const ChunkMeta& meta, std::string_view data);
Status DecodeChunkMeta(std::string_view meta, ChunkMeta* out);
// Parses and checks one chunk record from the start of `bytes` (for tests and
// the fuzzer); *consumed is its length.
Status DecodeChunk(std::string_view bytes, ChunkMeta* meta, EntryBlock* block, size_t* consumed);

// An open chunk file, read with pread. Unlinking the file (retention) while
// readers still hold this object is safe: the descriptor stays valid.
class ChunkFile {
 public:
  static Result<std::shared_ptr<ChunkFile>> Open(const std::string& path, int id);
  ~ChunkFile();
  ChunkFile(const ChunkFile&) = delete;
  ChunkFile& operator=(const ChunkFile&) = delete;

  Status ReadAt(uint64_t offset, size_t n, std::string* out) const;
  // Reads, checks and decodes one chunk's data.
  Status Load(const ChunkLocation& loc, EntryBlock* out) const;

  int id() const { return id_; }
  const std::string& path() const { return path_; }

  // Bytes of valid chunks; set by the store.
  std::atomic<uint64_t> size{0};
  // Latest entry time of any chunk in the file; set by the store under its lock.
  int64_t max_time_ns = INT64_MIN;
  bool deleted = false;  // guarded by the store's files lock

 private:
  ChunkFile(int fd, std::string path, int id) : fd_(fd), path_(std::move(path)), id_(id) {}
  int fd_;
  std::string path_;
  int id_;
};

// Reads the chunk headers of the file at `path` in order, calling fn(meta,
// location) for each intact one. Stops at the first damaged or torn chunk;
// *valid_size is the length up to there (the caller truncates the rest).
Status ScanChunkFile(const ChunkFile& file, uint64_t file_size,
                     const std::function<void(ChunkMeta&&, const ChunkLocation&)>& fn,
                     uint64_t* valid_size);

}  // namespace vigil::logstore
