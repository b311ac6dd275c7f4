#include "storage/tsdb/block/ulid.h"

#include <random>

namespace vigil::tsdb::block {

namespace {

constexpr char kAlphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

// Value of a base32 character, or -1.
int DecodeChar(char c) {
  if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  for (int i = 0; i < 32; ++i) {
    if (kAlphabet[i] == c) return i;
  }
  return -1;
}

uint64_t RandomBits() {
  thread_local std::mt19937_64 rng([] {
    std::random_device rd;
    return (uint64_t{rd()} << 32) ^ rd();
  }());
  return rng();
}

}  // namespace

std::string NewULID(int64_t ms_time) {
  uint64_t t = ms_time < 0 ? 0 : static_cast<uint64_t>(ms_time);
  if (t >= (uint64_t{1} << 48)) t = (uint64_t{1} << 48) - 1;
  // 128 bits as hi (64) and lo (64): time in the top 48 bits, then 80 random bits.
  uint64_t r1 = RandomBits(), r2 = RandomBits();
  uint64_t hi = (t << 16) | (r1 & 0xffff);
  uint64_t lo = r2;
  std::string out(kULIDLength, '0');
  // Character i (from the right) holds bits [5i, 5i+5) of the 130-bit value
  // whose top two bits are zero.
  for (int i = 0; i < static_cast<int>(kULIDLength); ++i) {
    int bit = 5 * i;
    uint64_t v;
    if (bit + 5 <= 64) {
      v = lo >> bit;
    } else if (bit >= 64) {
      v = hi >> (bit - 64);
    } else {
      v = (lo >> bit) | (hi << (64 - bit));
    }
    out[kULIDLength - 1 - i] = kAlphabet[v & 31];
  }
  return out;
}

bool IsValidULID(std::string_view s) {
  if (s.size() != kULIDLength) return false;
  // The first character carries only the top 3 bits of 128 ("7" at most).
  int first = DecodeChar(s[0]);
  if (first < 0 || first > 7) return false;
  for (char c : s.substr(1)) {
    if (DecodeChar(c) < 0) return false;
  }
  return true;
}

Result<int64_t> ULIDTime(std::string_view s) {
  if (!IsValidULID(s)) return Status::InvalidArgument("not a ULID: " + std::string(s));
  // 10 characters = 50 bits: two zero padding bits, then the 48-bit time.
  uint64_t v = 0;
  for (size_t i = 0; i < 10; ++i) v = (v << 5) | static_cast<uint64_t>(DecodeChar(s[i]));
  return static_cast<int64_t>(v);
}

}  // namespace vigil::tsdb::block
