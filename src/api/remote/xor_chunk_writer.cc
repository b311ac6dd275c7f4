#include "api/remote/xor_chunk_writer.h"

#include <algorithm>
#include <bit>

#include "base/coding.h"

namespace vigil::remote {

namespace {

// Whether x fits the k-bit bucket of the delta-of-delta encoding.
bool FitsBits(int64_t x, int k) {
  return -((int64_t{1} << (k - 1)) - 1) <= x && x <= (int64_t{1} << (k - 1));
}

}  // namespace

void XorChunkWriter::Reset() {
  buf_.assign(2, '\0');
  free_bits_ = 0;
  num_samples_ = 0;
  t_ = 0;
  t_delta_ = 0;
  v_bits_ = 0;
  leading_ = 0xff;
  trailing_ = 0;
}

void XorChunkWriter::PutBits(uint64_t v, int n) {
  while (n > 0) {
    if (free_bits_ == 0) {
      buf_.push_back('\0');
      free_bits_ = 8;
    }
    int k = std::min(n, free_bits_);
    auto part = static_cast<uint8_t>((v >> (n - k)) & ((1u << k) - 1));
    buf_.back() = static_cast<char>(static_cast<uint8_t>(buf_.back()) | (part << (free_bits_ - k)));
    free_bits_ -= k;
    n -= k;
  }
}

void XorChunkWriter::PutVarintBytes(uint64_t v) {
  char b[kMaxVarintLen64];
  int n = EncodeUvarint(b, v);
  for (int i = 0; i < n; ++i) PutBits(static_cast<uint8_t>(b[i]), 8);
}

void XorChunkWriter::PutValue(uint64_t bits) {
  uint64_t x = bits ^ v_bits_;
  if (x == 0) {
    PutBit(false);
    return;
  }
  PutBit(true);
  auto leading = static_cast<uint8_t>(std::min(std::countl_zero(x), 31));
  auto trailing = static_cast<uint8_t>(std::countr_zero(x));
  if (leading_ != 0xff && leading >= leading_ && trailing >= trailing_) {
    PutBit(false);
    PutBits(x >> trailing_, 64 - leading_ - trailing_);
    return;
  }
  leading_ = leading;
  trailing_ = trailing;
  int meaningful = 64 - leading - trailing;
  PutBit(true);
  PutBits(leading, 5);
  PutBits(static_cast<uint64_t>(meaningful) & 63, 6);  // 64 is written as 0
  PutBits(x >> trailing, meaningful);
}

void XorChunkWriter::Append(int64_t t, double v) {
  uint64_t bits = DoubleBits(v);
  if (num_samples_ == 0) {
    PutVarintBytes(ZigZagEncode(t));
    PutBits(bits, 64);
  } else if (num_samples_ == 1) {
    t_delta_ = static_cast<uint64_t>(t - t_);
    PutVarintBytes(t_delta_);
    PutValue(bits);
  } else {
    uint64_t delta = static_cast<uint64_t>(t - t_);
    auto dod = static_cast<int64_t>(delta - t_delta_);
    if (dod == 0) {
      PutBit(false);
    } else if (FitsBits(dod, 14)) {
      PutBits(0b10, 2);
      PutBits(static_cast<uint64_t>(dod), 14);
    } else if (FitsBits(dod, 17)) {
      PutBits(0b110, 3);
      PutBits(static_cast<uint64_t>(dod), 17);
    } else if (FitsBits(dod, 20)) {
      PutBits(0b1110, 4);
      PutBits(static_cast<uint64_t>(dod), 20);
    } else {
      PutBits(0b1111, 4);
      PutBits(static_cast<uint64_t>(dod), 64);
    }
    t_delta_ = delta;
    PutValue(bits);
  }
  t_ = t;
  v_bits_ = bits;
  ++num_samples_;
  buf_[0] = static_cast<char>(num_samples_ >> 8);
  buf_[1] = static_cast<char>(num_samples_ & 0xff);
}

}  // namespace vigil::remote
