// An encoder of Prometheus' XOR chunk format ("Gorilla" compression of
// float samples), for remote_read's STREAMED_XOR_CHUNKS responses.
//
// TODO(remote): replace with the chunk encoder of src/storage/tsdb/chunkenc
// once it exists; this one is private to remote_read so that the two can
// differ only until then. Better still, remote_read should stream the
// storage's own chunks instead of re-encoding samples.
//
// Format (all bits most-significant first):
//   2 bytes   number of samples, big-endian
//   sample 0: timestamp as a zig-zag varint, value as 64 raw bits
//   sample 1: timestamp delta as a uvarint, value XOR-encoded
//   sample n: delta-of-delta of the timestamp as '0' (0), '10'+14 bits,
//             '110'+17 bits, '1110'+20 bits or '1111'+64 bits (two's
//             complement, range -(2^(k-1)-1)..2^(k-1)), value XOR-encoded.
//   value XOR with the previous value's bits: '0' if equal; else '1', then
//   '0' + the meaningful bits if they fit in the previous window of leading
//   and trailing zeros, or '1' + 5 bits of leading zeros (at most 31) +
//   6 bits of meaningful-bit count (64 written as 0) + the meaningful bits.
//
// Thread-safety: an object belongs to one thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace vigil::remote {

class XorChunkWriter {
 public:
  XorChunkWriter() { Reset(); }

  void Reset();
  // Samples must come in increasing time order; at most 65535 per chunk.
  void Append(int64_t t, double v);
  uint16_t num_samples() const { return num_samples_; }
  // The chunk's bytes (header included); valid until the next call.
  std::string_view data() const { return buf_; }

 private:
  void PutBits(uint64_t v, int n);
  void PutBit(bool b) { PutBits(b ? 1 : 0, 1); }
  void PutVarintBytes(uint64_t v);
  void PutValue(uint64_t bits);

  std::string buf_;
  int free_bits_ = 0;  // unused low bits of buf_.back()
  uint16_t num_samples_ = 0;
  int64_t t_ = 0;
  uint64_t t_delta_ = 0;
  uint64_t v_bits_ = 0;
  uint8_t leading_ = 0xff;  // 0xff: no window yet
  uint8_t trailing_ = 0;
};

}  // namespace vigil::remote
