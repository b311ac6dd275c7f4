// Bit-level writer and reader shared by the chunk encodings (internal to chunkenc).
//
// Bits are written most significant first: the first bit of the stream is the
// top bit of its first byte, as in Prometheus' bstream. The writer keeps its
// bytes in a buffer with zeroed slack past the logical end so that every
// write is one unaligned 64-bit read-modify-write; the reader keeps a 64-bit
// window that it refills eight bytes at a time while that many remain.
//
// Thread-safety: objects are owned by one thread.
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace vigil::tsdb::chunkenc::internal {

inline uint64_t LoadBE64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
  if constexpr (std::endian::native == std::endian::little) v = __builtin_bswap64(v);
  return v;
}
inline void StoreBE64(uint8_t* p, uint64_t v) {
  if constexpr (std::endian::native == std::endian::little) v = __builtin_bswap64(v);
  std::memcpy(p, &v, sizeof v);
}

// Appends bits to a growable byte buffer. The buffer always holds at least
// kSlack zero bytes past the byte holding the next bit.
class BitWriter {
 public:
  static constexpr size_t kSlack = 16;

  // Starts with `prefix_bytes` zero bytes (e.g. a header filled in later).
  explicit BitWriter(size_t prefix_bytes = 0, size_t initial_capacity = 64) {
    buf_.resize(std::max(initial_capacity, prefix_bytes + kSlack), '\0');
    bit_pos_ = prefix_bytes * 8;
  }

  // Writes the low `n` bits of `v` (0 <= n <= 64); higher bits must be zero.
  void WriteBits(uint64_t v, int n) {
    if (n == 0) return;
    if (n > 56) {
      WriteSmall(v >> 32, n - 32);
      WriteSmall(v & 0xffffffffu, 32);
      return;
    }
    WriteSmall(v, n);
  }
  void WriteBit(bool b) { WriteSmall(b ? 1 : 0, 1); }

  // Writes whole bytes; only valid at a byte boundary.
  void WriteAlignedBytes(const void* data, size_t n) {
    Reserve(n);
    std::memcpy(&buf_[bit_pos_ / 8], data, n);
    bit_pos_ += 8 * n;
  }

  // Empties the writer and keeps its buffer (already written bytes are zeroed).
  void Clear() {
    std::memset(buf_.data(), 0, ByteLen());
    bit_pos_ = 0;
  }

  uint64_t bit_pos() const { return bit_pos_; }
  size_t ByteLen() const { return static_cast<size_t>((bit_pos_ + 7) / 8); }
  std::string_view View() const { return std::string_view(buf_.data(), ByteLen()); }
  char* MutableData() { return buf_.data(); }
  size_t Capacity() const { return buf_.capacity(); }

  // Hands the logical bytes out and leaves the writer empty.
  std::string Release() {
    buf_.resize(ByteLen());
    std::string out = std::move(buf_);
    buf_.assign(kSlack, '\0');
    bit_pos_ = 0;
    return out;
  }

 private:
  // 1 <= n <= 56, so that n plus the bit offset within a byte fits in 64.
  void WriteSmall(uint64_t v, int n) {
    size_t byte = static_cast<size_t>(bit_pos_ >> 3);
    if (byte + kSlack > buf_.size()) [[unlikely]]
      Grow(byte + kSlack);
    int off = static_cast<int>(bit_pos_ & 7);
    auto* p = reinterpret_cast<uint8_t*>(&buf_[byte]);
    StoreBE64(p, LoadBE64(p) | (v << (64 - off - n)));
    bit_pos_ += static_cast<uint64_t>(n);
  }
  void Reserve(size_t n) {
    size_t need = static_cast<size_t>(bit_pos_ >> 3) + n + kSlack;
    if (need > buf_.size()) Grow(need);
  }
  void Grow(size_t need) {
    size_t size = buf_.size() * 2;
    if (size < need) size = need;
    buf_.resize(size, '\0');
  }

  std::string buf_;
  uint64_t bit_pos_ = 0;
};

// Reads bits from a byte range; never reads outside it. Reads past the end
// report failure instead of returning bits.
class BitReader {
 public:
  BitReader() = default;
  BitReader(const uint8_t* p, const uint8_t* end) { Reset(p, end); }

  void Reset(const uint8_t* p, const uint8_t* end) {
    p_ = p;
    end_ = end;
    buf_ = 0;
    avail_ = 0;
  }

  // Makes at least 56 bits available unless the input ends first. Bits of
  // buf_ below avail_ are either zero or the stream's next bits, so loading
  // a byte a second time (the refill ORs) is harmless.
  void Refill() {
    if (end_ - p_ >= 8) [[likely]] {
      buf_ |= LoadBE64(p_) >> avail_;
      p_ += (63 - avail_) >> 3;
      avail_ |= 56;
      return;
    }
    while (avail_ <= 56 && p_ < end_) {
      buf_ |= static_cast<uint64_t>(*p_++) << (56 - avail_);
      avail_ += 8;
    }
  }

  // The next n bits (1 <= n <= 56) without consuming them; bits past the end
  // of the input read as zero.
  uint64_t Peek(int n) {
    if (avail_ < n) Refill();
    return buf_ >> (64 - n);
  }
  // Consumes n bits (0 <= n <= avail after a Peek/Refill). False if the
  // input has fewer bits left.
  bool Skip(int n) {
    if (avail_ < n) [[unlikely]]
      return false;
    buf_ = n == 64 ? 0 : buf_ << n;
    avail_ -= n;
    return true;
  }

  // Reads n bits (0 <= n <= 64) into *v.
  bool ReadBits(int n, uint64_t* v) {
    if (n > 56) [[unlikely]]
      return ReadWide(n, v);
    return ReadSmall(n, v);
  }
  // Reads n <= 56 bits from a range whose length the caller has checked
  // covers them; past the end it returns arbitrary bits instead of failing.
  uint64_t ReadPrechecked(int n) {
    if (avail_ < n) {
      Refill();
      if (avail_ < n) [[unlikely]]
        avail_ = n;
    }
    uint64_t v = (buf_ >> 1) >> (63 - n);  // two shifts so that n == 0 reads 0
    buf_ <<= n;
    avail_ -= n;
    return v;
  }
  bool ReadBit(bool* b) {
    uint64_t v;
    if (!ReadBits(1, &v)) return false;
    *b = v != 0;
    return true;
  }

  bool ReadSmall(int n, uint64_t* v) {  // n <= 56
    if (avail_ < n) {
      Refill();
      if (avail_ < n) return false;
    }
    *v = (buf_ >> 1) >> (63 - n);  // two shifts so that n == 0 reads 0
    buf_ <<= n;
    avail_ -= n;
    return true;
  }
  bool ReadWide(int n, uint64_t* v) {
    uint64_t hi, lo;
    if (!ReadSmall(n - 32, &hi) || !ReadSmall(32, &lo)) return false;
    *v = (hi << 32) | lo;
    return true;
  }

  // Bits left in the input, including those already in the window.
  uint64_t BitsLeft() const { return static_cast<uint64_t>(end_ - p_) * 8 + avail_; }

 private:
  const uint8_t* p_ = nullptr;
  const uint8_t* end_ = nullptr;
  uint64_t buf_ = 0;
  int avail_ = 0;
};

}  // namespace vigil::tsdb::chunkenc::internal
