#include "storage/tsdb/chunkenc/xor.h"

#include <fmt/format.h>

#include "base/coding.h"
#include "storage/tsdb/chunkenc/xor_value.h"

namespace vigil::tsdb::chunkenc {

namespace {

// Sign-extends the low `bits` bits of u the way Prometheus' reader does: the
// writer's ranges are asymmetric, [-(2^(bits-1) - 1), 2^(bits-1)], so the
// pattern 100..0 means +2^(bits-1).
inline int64_t DecodeDod(uint64_t u, int bits) {
  if (u > (uint64_t{1} << (bits - 1))) u -= uint64_t{1} << bits;
  return static_cast<int64_t>(u);
}

}  // namespace

XorChunk::XorChunk(size_t capacity_hint) : w_(2, capacity_hint) {}

Result<XorChunk> XorChunk::FromBytes(std::string_view bytes) {
  XorChunk c(bytes.size() + 16);
  XorIterator it(bytes);
  while (it.Next()) c.Append(it.t(), it.v());
  if (!it.status().ok()) return it.status();
  return c;
}

bool XorChunk::Append(int64_t t, double v) {
  if (num_samples_ < 2 || num_samples_ >= kMaxSamplesPerChunk) [[unlikely]] {
    if (num_samples_ >= kMaxSamplesPerChunk) return false;
    AppendSlow(t, v);
    return true;
  }
  uint64_t delta = static_cast<uint64_t>(t) - static_cast<uint64_t>(t_);
  auto dod = static_cast<int64_t>(delta - t_delta_);
  if (dod == 0) {
    w_.WriteBits(0, 1);
  } else if (dod >= -((1 << 13) - 1) && dod <= (1 << 13)) {
    w_.WriteBits((uint64_t{0b10} << 14) | (static_cast<uint64_t>(dod) & 0x3fff), 16);
  } else if (dod >= -((1 << 16) - 1) && dod <= (1 << 16)) {
    w_.WriteBits((uint64_t{0b110} << 17) | (static_cast<uint64_t>(dod) & 0x1ffff), 20);
  } else if (dod >= -((1 << 19) - 1) && dod <= (1 << 19)) {
    w_.WriteBits((uint64_t{0b1110} << 20) | (static_cast<uint64_t>(dod) & 0xfffff), 24);
  } else {
    w_.WriteBits(0b1111, 4);
    w_.WriteBits(static_cast<uint64_t>(dod), 64);
  }
  t_delta_ = delta;
  t_ = t;

  int sig = internal::WriteXorValue(&w_, DoubleBits(v), &v_bits_, &leading_, &trailing_);
  empty_last_byte_ = sig % 8 == 0 && sig > 0 && w_.bit_pos() % 8 == 0;
  ++num_samples_;
  char* hdr = w_.MutableData();
  hdr[0] = static_cast<char>(num_samples_ >> 8);
  hdr[1] = static_cast<char>(num_samples_);
  return true;
}

void XorChunk::AppendSlow(int64_t t, double v) {
  char buf[kMaxVarintLen64];
  if (num_samples_ == 0) {
    uint64_t zz = ZigZagEncode(t);
    w_.WriteAlignedBytes(buf, EncodeUvarint(buf, zz));
    w_.WriteBits(DoubleBits(v), 64);
    empty_last_byte_ = true;
    first_t_ = t;
    v_bits_ = DoubleBits(v);
  } else {
    t_delta_ = static_cast<uint64_t>(t) - static_cast<uint64_t>(t_);
    w_.WriteAlignedBytes(buf, EncodeUvarint(buf, t_delta_));
    int sig = internal::WriteXorValue(&w_, DoubleBits(v), &v_bits_, &leading_, &trailing_);
    empty_last_byte_ = sig % 8 == 0 && sig > 0 && w_.bit_pos() % 8 == 0;
  }
  t_ = t;
  ++num_samples_;
  char* hdr = w_.MutableData();
  hdr[0] = static_cast<char>(num_samples_ >> 8);
  hdr[1] = static_cast<char>(num_samples_);
}

void XorIterator::Reset(std::string_view bytes) {
  ResetState();
  bytes_ = bytes;
  read_ = 0;
  t_delta_ = 0;
  v_bits_ = 0;
  leading_ = 0;
  trailing_ = 0;
  if (bytes.size() < 2) {
    total_ = 0;
    Fail("shorter than its 2-byte header");
    return;
  }
  total_ = DecodeFixed16BE(bytes.data());
}

bool XorIterator::Fail(const char* what) {
  status_ = Status::Corruption(fmt::format("xor chunk: {} (sample {} of {})", what, read_, total_));
  done_ = true;
  has_sample_ = false;
  return false;
}

bool XorIterator::ReadFirst() {
  const char* p = bytes_.data() + 2;
  const char* end = bytes_.data() + bytes_.size();
  int64_t t;
  p = DecodeVarint(p, end, &t);
  if (p == nullptr) return Fail("bad first timestamp");
  if (end - p < 8) return Fail("truncated first value");
  v_bits_ = DecodeFixed64BE(p);
  p += 8;
  t_ = t;
  second_ = p;  // the second sample starts at a byte boundary with a varint
  return true;
}

bool XorIterator::ReadSecond() {
  const char* p = second_;
  const char* end = bytes_.data() + bytes_.size();
  uint64_t delta;
  p = DecodeUvarint(p, end, &delta);
  if (p == nullptr) return Fail("bad second timestamp delta");
  t_delta_ = delta;
  t_ = static_cast<int64_t>(static_cast<uint64_t>(t_) + delta);
  br_.Reset(reinterpret_cast<const uint8_t*>(p), reinterpret_cast<const uint8_t*>(end));
  return true;
}

bool XorIterator::Next() {
  if (done_) [[unlikely]]
    return false;
  if (read_ >= total_) [[unlikely]] {
    done_ = true;
    has_sample_ = false;
    return false;
  }
  if (read_ >= 2) [[likely]] {
    uint64_t prefix = br_.Peek(4);
    int64_t dod = 0;
    uint64_t u;
    if (prefix < 0b1000) {
      if (!br_.Skip(1)) return Fail("truncated timestamp");
    } else if (prefix < 0b1100) {
      if (!br_.Skip(2) || !br_.ReadBits(14, &u)) return Fail("truncated timestamp");
      dod = DecodeDod(u, 14);
    } else if (prefix < 0b1110) {
      if (!br_.Skip(3) || !br_.ReadBits(17, &u)) return Fail("truncated timestamp");
      dod = DecodeDod(u, 17);
    } else if (prefix == 0b1110) {
      if (!br_.Skip(4) || !br_.ReadBits(20, &u)) return Fail("truncated timestamp");
      dod = DecodeDod(u, 20);
    } else {
      if (!br_.Skip(4) || !br_.ReadBits(64, &u)) return Fail("truncated timestamp");
      dod = static_cast<int64_t>(u);
    }
    t_delta_ += static_cast<uint64_t>(dod);
    t_ = static_cast<int64_t>(static_cast<uint64_t>(t_) + t_delta_);
  } else if (read_ == 0) {
    if (!ReadFirst()) return false;
    ++read_;
    v_ = BitsDouble(v_bits_);
    has_sample_ = true;
    return true;
  } else {
    if (!ReadSecond()) return false;
  }

  if (!internal::ReadXorValue(&br_, &v_bits_, &leading_, &trailing_)) return Fail("bad value");
  ++read_;
  v_ = BitsDouble(v_bits_);
  has_sample_ = true;
  return true;
}

}  // namespace vigil::tsdb::chunkenc
