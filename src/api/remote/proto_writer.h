// Minimal protobuf encoding helpers for the messages Vigil sends (remote_read
// responses), written directly into a std::string without building message
// objects: a response can hold tens of millions of samples.
//
// Fields with default values (0, empty) are omitted, as proto3 encoders do.
// Internal to src/api/remote.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "base/coding.h"

namespace vigil::remote::pb {

inline constexpr uint32_t kVarint = 0;
inline constexpr uint32_t kFixed64 = 1;
inline constexpr uint32_t kLen = 2;

inline size_t VarintSize(uint64_t v) { return static_cast<size_t>(UvarintLength(v)); }

inline void PutVarint(std::string* out, uint64_t v) {
  char b[kMaxVarintLen64];
  out->append(b, EncodeUvarint(b, v));
}

// Field numbers used here are all below 16, so a tag is one byte.
inline void PutTag(std::string* out, uint32_t field, uint32_t wire_type) {
  out->push_back(static_cast<char>((field << 3) | wire_type));
}

// Size of a length-delimited field holding n bytes (tag + length + bytes).
inline size_t LenFieldSize(size_t n) { return 1 + VarintSize(n) + n; }
// Size of a string/bytes field, 0 when empty (omitted).
inline size_t StringFieldSize(std::string_view s) { return s.empty() ? 0 : LenFieldSize(s.size()); }
// Size of an int64 field, 0 when zero (omitted).
inline size_t Int64FieldSize(int64_t v) {
  return v == 0 ? 0 : 1 + VarintSize(static_cast<uint64_t>(v));
}
// Size of a double field, 0 when +0.0 (omitted; -0.0 and NaNs are kept).
inline size_t DoubleFieldSize(double v) { return DoubleBits(v) == 0 ? 0 : 9; }

inline void PutLenPrefix(std::string* out, uint32_t field, size_t n) {
  PutTag(out, field, kLen);
  PutVarint(out, n);
}
inline void PutString(std::string* out, uint32_t field, std::string_view s) {
  if (s.empty()) return;
  PutLenPrefix(out, field, s.size());
  out->append(s);
}
inline void PutInt64(std::string* out, uint32_t field, int64_t v) {
  if (v == 0) return;
  PutTag(out, field, kVarint);
  PutVarint(out, static_cast<uint64_t>(v));
}
inline void PutDouble(std::string* out, uint32_t field, double v) {
  uint64_t u = DoubleBits(v);
  if (u == 0) return;
  PutTag(out, field, kFixed64);
  char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<char>(u >> (8 * i));  // little-endian
  out->append(b, 8);
}

}  // namespace vigil::remote::pb
