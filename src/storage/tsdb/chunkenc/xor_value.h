// Gorilla XOR coding of one float (internal to chunkenc), shared by XOR
// chunks and the float fallback of compact chunks. Bit layout as Prometheus':
//   '0'                      same bits as the previous value
//   '10' + sig bits          XOR fits the previous leading/trailing window
//   '11' + 5 bits leading zeros + 6 bits significant bits (64 stored as 0)
//        + the significant bits
//
// Thread-safety: pure functions over caller-owned state.
#pragma once

#include <bit>
#include <cstdint>

#include "storage/tsdb/chunkenc/bitstream.h"

namespace vigil::tsdb::chunkenc::internal {

// Writes value bits `bits` after `*prev`; `*leading == 0xff` means no window
// yet (forces the '11' form). Updates the state. Returns the width of the
// significant-bits field written (0 if none), which decides whether
// Prometheus' bstream would end with an empty byte (see XorChunk::Bytes).
inline int WriteXorValue(BitWriter* w, uint64_t bits, uint64_t* prev, uint8_t* leading,
                         uint8_t* trailing) {
  uint64_t x = bits ^ *prev;
  *prev = bits;
  if (x == 0) {
    w->WriteBits(0, 1);
    return 0;
  }
  int lead = std::countl_zero(x);
  int trail = std::countr_zero(x);
  if (lead >= 32) lead = 31;  // the field has 5 bits
  if (*leading != 0xff && lead >= *leading && trail >= *trailing) {
    int sig = 64 - *leading - *trailing;
    if (sig <= 54) {
      w->WriteBits((uint64_t{0b10} << sig) | (x >> *trailing), sig + 2);
    } else {
      w->WriteBits(0b10, 2);
      w->WriteBits(x >> *trailing, sig);
    }
    return sig;
  }
  *leading = static_cast<uint8_t>(lead);
  *trailing = static_cast<uint8_t>(trail);
  int sig = 64 - lead - trail;
  w->WriteBits(
      (uint64_t{0b11} << 11) | (static_cast<uint64_t>(lead) << 6) | static_cast<uint64_t>(sig & 63),
      13);
  w->WriteBits(x >> trail, sig);
  return sig;
}

// Reads one value written by WriteXorValue. False on truncated or malformed
// input (a window wider than 64 bits).
inline bool ReadXorValue(BitReader* br, uint64_t* bits, uint8_t* leading, uint8_t* trailing) {
  uint64_t ctrl = br->Peek(2);
  if (ctrl < 0b10) return br->Skip(1);
  if (!br->Skip(2)) return false;
  if (ctrl == 0b11) {
    uint64_t hdr;
    if (!br->ReadBits(11, &hdr)) return false;
    int lead = static_cast<int>(hdr >> 6);
    int sig = static_cast<int>(hdr & 63);
    if (sig == 0) sig = 64;
    if (lead + sig > 64) return false;
    *leading = static_cast<uint8_t>(lead);
    *trailing = static_cast<uint8_t>(64 - lead - sig);
  }
  uint64_t x;
  if (!br->ReadBits(64 - *leading - *trailing, &x)) return false;
  *bits ^= x << *trailing;
  return true;
}

}  // namespace vigil::tsdb::chunkenc::internal
