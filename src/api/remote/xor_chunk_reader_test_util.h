// Test-only: a decoder of the XOR chunk format described in
// xor_chunk_writer.h, written separately from the writer so that the tests
// check the format, not the writer against itself.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "base/coding.h"
#include "model/sample.h"

namespace vigil::remote::testing {

class BitReader {
 public:
  explicit BitReader(std::string_view s) : s_(s) {}
  bool ok() const { return ok_; }
  uint64_t Bits(int n) {
    uint64_t v = 0;
    for (int i = 0; i < n; ++i) {
      if (pos_ >= s_.size() * 8) {
        ok_ = false;
        return 0;
      }
      int bit = (static_cast<uint8_t>(s_[pos_ / 8]) >> (7 - pos_ % 8)) & 1;
      v = (v << 1) | static_cast<uint64_t>(bit);
      ++pos_;
    }
    return v;
  }
  uint64_t Uvarint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      uint64_t b = Bits(8);
      v |= (b & 0x7f) << shift;
      if (b < 0x80) return v;
    }
    ok_ = false;
    return 0;
  }

 private:
  std::string_view s_;
  size_t pos_ = 0;
  bool ok_ = true;
};

// Decodes a whole chunk; returns false if it is malformed.
inline bool DecodeXorChunk(std::string_view chunk, std::vector<model::Sample>* out) {
  out->clear();
  if (chunk.size() < 2) return false;
  size_t n = DecodeFixed16BE(chunk.data());
  BitReader r(chunk.substr(2));
  int64_t t = 0;
  int64_t delta = 0;
  uint64_t v = 0;
  int leading = 0, trailing = 0;
  auto read_value = [&] {
    if (r.Bits(1) == 0) return;
    if (r.Bits(1) == 1) {
      leading = static_cast<int>(r.Bits(5));
      int meaningful = static_cast<int>(r.Bits(6));
      if (meaningful == 0) meaningful = 64;
      trailing = 64 - leading - meaningful;
    }
    int meaningful = 64 - leading - trailing;
    v ^= r.Bits(meaningful) << trailing;
  };
  for (size_t i = 0; i < n; ++i) {
    if (i == 0) {
      t = ZigZagDecode(r.Uvarint());
      v = r.Bits(64);
    } else if (i == 1) {
      delta = static_cast<int64_t>(r.Uvarint());
      t += delta;
      read_value();
    } else {
      int64_t dod = 0;
      int size = 0;
      if (r.Bits(1) == 0) {
        size = 0;
      } else if (r.Bits(1) == 0) {
        size = 14;
      } else if (r.Bits(1) == 0) {
        size = 17;
      } else if (r.Bits(1) == 0) {
        size = 20;
      } else {
        size = 64;
      }
      if (size > 0) {
        uint64_t bits = r.Bits(size);
        if (size < 64 && bits > (uint64_t{1} << (size - 1))) bits -= uint64_t{1} << size;
        dod = static_cast<int64_t>(bits);
      }
      delta += dod;
      t += delta;
      read_value();
    }
    if (!r.ok()) return false;
    out->push_back(model::Sample{t, BitsDouble(v)});
  }
  return true;
}

}  // namespace vigil::remote::testing
