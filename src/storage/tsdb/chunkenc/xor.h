// XOR chunks: Gorilla-style encoding, byte-compatible with Prometheus.
//
// The head appends samples to an XorChunk in place; the bytes (Bytes()) are
// exactly what Prometheus' tsdb/chunkenc XOR chunk holds, so they can be sent
// unchanged in remote_read STREAMED_XOR_CHUNKS responses or read by
// Prometheus tooling. Layout: docs/storage-format.md (chunk encodings).
//
// Owned by the chunkenc module. Thread-safety: an XorChunk has one writer;
// Bytes() may be copied by another thread only while no Append runs (the
// caller's lock provides that). An XorIterator belongs to one thread and reads
// bytes that must stay alive and unchanged while it is used.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "storage/tsdb/chunkenc/bitstream.h"
#include "storage/tsdb/chunkenc/chunkenc.h"

namespace vigil::tsdb::chunkenc {

class XorChunk {
 public:
  // capacity_hint: bytes to allocate up front (≈ 2 bytes per expected sample).
  explicit XorChunk(size_t capacity_hint = 64);

  // Rebuilds a chunk from XOR bytes (e.g. after loading it from disk) so that
  // appending can continue. Fails on corrupt input.
  static Result<XorChunk> FromBytes(std::string_view bytes);

  // Appends one sample. Timestamps should increase (the caller checks order;
  // any int64 sequence still round-trips). Returns false, appending nothing,
  // when the chunk already holds kMaxSamplesPerChunk samples.
  bool Append(int64_t t, double v);

  int NumSamples() const { return num_samples_; }
  // Times of the first and last sample (meaningless while empty).
  int64_t MinTime() const { return first_t_; }
  int64_t MaxTime() const { return t_; }
  // The chunk's bytes: 2-byte big-endian sample count, then the bit stream.
  // Valid until the next Append. Byte for byte what Prometheus produces, which
  // includes its bstream's quirk: when the last field written was a whole
  // number of bytes ending on a byte boundary (e.g. the first sample), the
  // stream ends with one empty (zero) byte.
  std::string_view Bytes() const {
    std::string_view b = w_.View();
    return empty_last_byte_ ? std::string_view(b.data(), b.size() + 1) : b;
  }
  // Heap bytes held (for memory accounting).
  size_t MemoryBytes() const { return w_.Capacity(); }

 private:
  void AppendSlow(int64_t t, double v);

  internal::BitWriter w_;
  int num_samples_ = 0;
  int64_t first_t_ = 0;
  int64_t t_ = 0;
  uint64_t t_delta_ = 0;
  uint64_t v_bits_ = 0;
  uint8_t leading_ = 0xff;  // 0xff: no leading/trailing window yet
  uint8_t trailing_ = 0;
  bool empty_last_byte_ = false;
};

// Iterates the samples of XOR chunk bytes. Never reads outside the bytes;
// on malformed input Next() returns false and status() is a Corruption.
class XorIterator final : public Iterator {
 public:
  XorIterator() = default;
  explicit XorIterator(std::string_view bytes) { Reset(bytes); }

  void Reset(std::string_view bytes) override;
  bool Next() override;
  Encoding encoding() const override { return Encoding::kXor; }

 private:
  bool Fail(const char* what);
  bool ReadFirst();
  bool ReadSecond();

  std::string_view bytes_;
  const char* second_ = nullptr;  // where sample 1 starts
  internal::BitReader br_;
  int total_ = 0;
  int read_ = 0;
  uint64_t t_delta_ = 0;
  uint64_t v_bits_ = 0;
  uint8_t leading_ = 0;
  uint8_t trailing_ = 0;
};

}  // namespace vigil::tsdb::chunkenc
