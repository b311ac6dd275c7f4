// Samples and the special float values of Prometheus' data model.
//
// A staleness marker is a NaN with a specific bit pattern
// (0x7ff0000000000002). It must be stored and returned bit for bit: it is how
// PromQL knows a series ended, and a normal NaN must not be mistaken for it.
//
// Thread-safety: values only.
#pragma once

#include <cstdint>
#include <cstring>

namespace vigil::model {

struct Sample {
  int64_t t;  // milliseconds since the Unix epoch
  double v;
  bool operator==(const Sample& o) const;
};

inline constexpr uint64_t kStaleNaNBits = 0x7ff0000000000002ull;
inline constexpr uint64_t kNormalNaNBits = 0x7ff8000000000001ull;  // Prometheus' value.NormalNaN

inline double StaleNaN() {
  double d;
  std::memcpy(&d, &kStaleNaNBits, sizeof d);
  return d;
}

inline bool IsStaleNaN(double v) {
  uint64_t u;
  std::memcpy(&u, &v, sizeof u);
  return u == kStaleNaNBits;
}

// Equal timestamps and bit-identical values (so NaN == NaN of the same bits).
inline bool Sample::operator==(const Sample& o) const {
  uint64_t a, b;
  std::memcpy(&a, &v, sizeof a);
  std::memcpy(&b, &o.v, sizeof b);
  return t == o.t && a == b;
}

}  // namespace vigil::model
