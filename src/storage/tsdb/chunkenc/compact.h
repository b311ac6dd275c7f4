// Compact chunks: Vigil's encoding for immutable chunks (blocks, snapshots).
//
// Written once from a complete run of samples, never appended to. Each chunk
// picks, by computing the encoded size, the cheapest of a few layouts:
//   timestamps  residuals from a straight line t0 + i*D, bit-packed at a
//               per-chunk width (0 bits for a fixed scrape interval), or
//               delta-of-deltas in variable-length bit codes (1 bit when
//               the interval repeats; robust to gaps);
//   values      all bits equal (8 bytes for the chunk); or integers m with
//               value = m / 10^k for a per-chunk k, coded as constant,
//               bit-packed values, deltas or delta-of-deltas (frame of
//               reference, divided by their GCD) or varint deltas, with values that do
//               not fit (NaN, staleness markers, ±Inf, -0.0, full precision)
//               listed as exceptions by index; or Gorilla XOR floats.
// Every float is kept bit for bit. Layout: docs/storage-format.md (chunk encodings).
//
// Owned by the chunkenc module. Thread-safety: a CompactEncoder or
// CompactIterator belongs to one thread; the bytes an iterator reads must stay
// alive and unchanged while it is used.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "model/sample.h"
#include "storage/tsdb/chunkenc/bitstream.h"
#include "storage/tsdb/chunkenc/chunkenc.h"

namespace vigil::tsdb::chunkenc {

namespace compact {
// Section modes as stored in the chunk (never renumber).
// kTimeLinearSpan is kTimeLinear whose slope is not stored but derived from
// the header's span (DerivedSlope), the usual case.
enum TimeMode : uint8_t { kTimeLinear = 0, kTimeDodBits = 1, kTimeLinearSpan = 2 };
enum ValueMode : uint8_t { kValueConst = 0, kValueDecimal = 1, kValueFloat = 2 };
enum IntMode : uint8_t {
  kIntConst = 0,
  kIntDeltaFor = 1,
  kIntDodFor = 2,
  kIntDeltaVarint = 3,
  kIntFor = 4,  // the integers themselves, frame of reference (noisy gauges)
};
// Exception tags: 0 = raw 8 bytes follow, otherwise a common bit pattern.
inline constexpr int kNumExceptionTags = 8;
inline constexpr uint64_t kExceptionBits[kNumExceptionTags] = {
    0,                      // raw
    0x7ff0000000000002ull,  // staleness marker
    0x7ff8000000000001ull,  // Prometheus' NormalNaN
    0x7ff8000000000000ull,  // default quiet NaN
    0x7ff0000000000000ull,  // +Inf
    0xfff0000000000000ull,  // -Inf
    0x8000000000000000ull,  // -0.0
    0xfff8000000000000ull,  // x86's NaN from 0/0
};
inline constexpr int kMaxDecimals = 22;  // 10^22 is the largest exact power of ten

// Slope of the line through the first and last of n >= 2 timestamps: the
// span read as int64, divided by n - 1, rounded half away from zero.
inline uint64_t DerivedSlope(uint64_t span, int n) {
  __int128 s = static_cast<int64_t>(span);
  __int128 steps = n - 1;
  __int128 q = (s >= 0 ? s + steps / 2 : s - steps / 2) / steps;
  return static_cast<uint64_t>(static_cast<int64_t>(q));
}
}  // namespace compact

// Encodes runs of samples. Keeps scratch buffers between calls, so reuse one
// encoder for many chunks.
class CompactEncoder {
 public:
  // Appends the encoding of `samples` to *out. InvalidArgument if there are
  // more than kMaxSamplesPerChunk.
  Status Encode(std::span<const model::Sample> samples, std::string* out);

  // Which modes the last Encode chose (for tests and size reports).
  struct Choice {
    compact::TimeMode time = compact::kTimeLinear;
    compact::ValueMode value = compact::kValueConst;
    compact::IntMode ints = compact::kIntConst;
    int decimals = 0;
    int exceptions = 0;
  };
  const Choice& last_choice() const { return choice_; }

 private:
  struct Exception {
    uint32_t index;
    uint64_t bits;
  };
  void EncodeTimes(std::span<const model::Sample> s, std::string* out);
  // Size of the decimal value section at k decimals; fills ints_/exc_.
  // Returns SIZE_MAX if too many values do not fit.
  size_t PlanDecimal(std::span<const model::Sample> s, int k);
  size_t PlanInts();
  void WriteDecimal(int k, std::string* out);
  size_t EncodeFloats(std::span<const model::Sample> s);

  std::vector<int8_t> digits_;
  std::vector<int64_t> ints_;
  std::vector<Exception> exc_;
  std::vector<uint64_t> packed_;
  internal::BitWriter bits_;
  // Integer section plan from PlanInts().
  compact::IntMode int_mode_ = compact::kIntConst;
  uint64_t int_gcd_ = 1;
  int64_t int_min_ = 0;
  int int_width_ = 0;
  Choice choice_;
};

class CompactIterator final : public Iterator {
 public:
  CompactIterator() = default;
  explicit CompactIterator(std::string_view bytes) { Reset(bytes); }

  void Reset(std::string_view bytes) override;
  bool Next() override {
    if (bpos_ < blen_) [[likely]] {
      t_ = bt_[bpos_];
      v_ = bv_[bpos_];
      ++bpos_;
      return true;
    }
    return NextBatch();
  }
  Encoding encoding() const override { return Encoding::kCompact; }

  // From the header, valid after Reset of a well-formed chunk.
  int num_samples() const { return n_; }
  int64_t min_time() const { return static_cast<int64_t>(t0_); }
  int64_t max_time() const { return static_cast<int64_t>(t0_ + span_); }

 private:
  bool Fail(const char* what);
  bool ParseHeader(std::string_view bytes);
  // Decodes up to kBatch samples into bt_/bv_ and moves to the first.
  bool NextBatch();
  // Decodes sample i_ (the general path) and advances i_.
  bool DecodeOne(int64_t* t, double* v);
  bool NextException(int index);
  bool NextInt(uint64_t* m);

  // Samples are decoded kBatch at a time, in tight loops per mode.
  static constexpr int kBatch = 32;
  int64_t bt_[kBatch];
  double bv_[kBatch];
  uint64_t bm_[kBatch];
  int bpos_ = 0;
  int blen_ = 0;

  int n_ = 0;
  int i_ = 0;
  // Timestamps.
  uint8_t tmode_ = 0;
  uint64_t t0_ = 0;
  uint64_t span_ = 0;
  uint64_t tu_ = 0;    // current timestamp, wrapping arithmetic
  uint64_t line_ = 0;  // t0 + i*slope (linear) / the last delta (dod)
  uint64_t slope_ = 0;
  uint64_t rmin_ = 0;
  int twidth_ = 0;
  internal::BitReader tbits_;
  // Values.
  uint8_t vmode_ = 0;
  uint8_t imode_ = 0;
  uint64_t vbits_ = 0;
  double divisor_ = 1;
  int decimals_ = 0;
  int ints_read_ = 0;
  uint64_t m_ = 0;
  uint64_t d_ = 0;
  uint64_t gcd_ = 1;
  uint64_t imin_ = 0;
  int iwidth_ = 0;
  internal::BitReader vbitsr_;
  const char* vp_ = nullptr;
  const char* vend_ = nullptr;
  uint8_t leading_ = 0;
  uint8_t trailing_ = 0;
  // Exceptions: the next one is at index next_exc_ (n_ when none is left).
  int next_exc_ = 0;
  int exc_left_ = 0;
  const char* ep_ = nullptr;
  const char* eend_ = nullptr;
};

}  // namespace vigil::tsdb::chunkenc
