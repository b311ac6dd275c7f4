// Binary encoding helpers shared by every on-disk and wire format.
//
// Fixed-width integers are big-endian (as in Prometheus' formats; easy to
// read in a hex dump). Varints are LEB128 as in protobuf and Go's
// encoding/binary: Uvarint for unsigned, Varint zig-zag encodes signed.
//
// Encbuf appends to a std::string. Decbuf reads from a byte range with a
// sticky error: after the first short read or bad varint every further read
// returns 0 and err() stays set, so decoders can read a whole record and check
// once at the end (Prometheus' encoding.Decbuf uses the same pattern). No
// read ever goes past the range, which is what makes decoders fuzz-safe.
//
// Thread-safety: Encbuf/Decbuf objects are not shared between threads.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace vigil {

constexpr int kMaxVarintLen64 = 10;

inline void EncodeFixed32BE(char* dst, uint32_t v) {
  dst[0] = static_cast<char>(v >> 24);
  dst[1] = static_cast<char>(v >> 16);
  dst[2] = static_cast<char>(v >> 8);
  dst[3] = static_cast<char>(v);
}
inline void EncodeFixed64BE(char* dst, uint64_t v) {
  EncodeFixed32BE(dst, static_cast<uint32_t>(v >> 32));
  EncodeFixed32BE(dst + 4, static_cast<uint32_t>(v));
}
inline uint32_t DecodeFixed32BE(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return (uint32_t{u[0]} << 24) | (uint32_t{u[1]} << 16) | (uint32_t{u[2]} << 8) | uint32_t{u[3]};
}
inline uint64_t DecodeFixed64BE(const char* p) {
  return (uint64_t{DecodeFixed32BE(p)} << 32) | DecodeFixed32BE(p + 4);
}
inline uint16_t DecodeFixed16BE(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return static_cast<uint16_t>((u[0] << 8) | u[1]);
}

inline uint64_t ZigZagEncode(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
inline int64_t ZigZagDecode(uint64_t v) {
  return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
}

// Writes v as a varint into dst (at least kMaxVarintLen64 bytes); returns the length.
inline int EncodeUvarint(char* dst, uint64_t v) {
  int n = 0;
  while (v >= 0x80) {
    dst[n++] = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  dst[n++] = static_cast<char>(v);
  return n;
}
int UvarintLength(uint64_t v);

// Parses a varint from [p, limit). Returns the position after it, or nullptr
// if the input ends early or the varint overflows 64 bits.
const char* DecodeUvarint(const char* p, const char* limit, uint64_t* v);
inline const char* DecodeVarint(const char* p, const char* limit, int64_t* v) {
  uint64_t u;
  p = DecodeUvarint(p, limit, &u);
  if (p != nullptr) *v = ZigZagDecode(u);
  return p;
}

inline uint64_t DoubleBits(double d) {
  uint64_t u;
  std::memcpy(&u, &d, sizeof u);
  return u;
}
inline double BitsDouble(uint64_t u) {
  double d;
  std::memcpy(&d, &u, sizeof d);
  return d;
}

class Encbuf {
 public:
  Encbuf() = default;
  explicit Encbuf(std::string* out) : out_(out) {}

  void PutByte(uint8_t b) { out_->push_back(static_cast<char>(b)); }
  void PutBE32(uint32_t v) {
    char b[4];
    EncodeFixed32BE(b, v);
    out_->append(b, 4);
  }
  void PutBE64(uint64_t v) {
    char b[8];
    EncodeFixed64BE(b, v);
    out_->append(b, 8);
  }
  void PutBEDouble(double d) { PutBE64(DoubleBits(d)); }
  void PutUvarint(uint64_t v) {
    char b[kMaxVarintLen64];
    out_->append(b, EncodeUvarint(b, v));
  }
  void PutVarint(int64_t v) { PutUvarint(ZigZagEncode(v)); }
  void PutBytes(std::string_view s) { out_->append(s.data(), s.size()); }
  // Uvarint length followed by the bytes.
  void PutUvarintStr(std::string_view s) {
    PutUvarint(s.size());
    PutBytes(s);
  }

  size_t Len() const { return out_->size(); }
  std::string& Str() { return *out_; }

 private:
  std::string own_;
  std::string* out_ = &own_;
};

class Decbuf {
 public:
  Decbuf() = default;
  Decbuf(const char* data, size_t n) : p_(data), end_(data + n) {}
  explicit Decbuf(std::string_view s) : Decbuf(s.data(), s.size()) {}

  uint8_t Byte() {
    if (!Need(1)) return 0;
    return static_cast<uint8_t>(*p_++);
  }
  uint32_t BE32() {
    if (!Need(4)) return 0;
    uint32_t v = DecodeFixed32BE(p_);
    p_ += 4;
    return v;
  }
  uint64_t BE64() {
    if (!Need(8)) return 0;
    uint64_t v = DecodeFixed64BE(p_);
    p_ += 8;
    return v;
  }
  double BEDouble() { return BitsDouble(BE64()); }
  uint64_t Uvarint() {
    if (err_) return 0;
    uint64_t v = 0;
    const char* q = DecodeUvarint(p_, end_, &v);
    if (q == nullptr) {
      err_ = true;
      return 0;
    }
    p_ = q;
    return v;
  }
  int64_t Varint() { return ZigZagDecode(Uvarint()); }
  std::string_view Bytes(size_t n) {
    if (!Need(n)) return {};
    std::string_view s(p_, n);
    p_ += n;
    return s;
  }
  std::string_view UvarintStr() {
    uint64_t n = Uvarint();
    return Bytes(n);
  }
  void Skip(size_t n) { Bytes(n); }

  bool err() const { return err_; }
  void SetErr() { err_ = true; }
  size_t Len() const { return err_ ? 0 : static_cast<size_t>(end_ - p_); }
  bool Done() const { return err_ || p_ == end_; }
  const char* Pos() const { return p_; }

 private:
  bool Need(size_t n) {
    if (err_ || static_cast<size_t>(end_ - p_) < n) {
      err_ = true;
      return false;
    }
    return true;
  }

  const char* p_ = nullptr;
  const char* end_ = nullptr;
  bool err_ = false;
};

}  // namespace vigil
