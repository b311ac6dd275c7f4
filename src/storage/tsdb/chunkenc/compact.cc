#include "storage/tsdb/chunkenc/compact.h"

#include <algorithm>
#include <bit>
#include <climits>
#include <cmath>
#include <numeric>

#include <fmt/format.h>

#include "base/coding.h"
#include "storage/tsdb/chunkenc/xor_value.h"

namespace vigil::tsdb::chunkenc {

using namespace compact;  // NOLINT(build/namespaces): the mode names

namespace {

constexpr double kPow10[kMaxDecimals + 1] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                             1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                             1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
constexpr double kTwoPow53 = 9007199254740992.0;

int UvarintLen(uint64_t v) { return (64 - std::countl_zero(v | 1) + 6) / 7; }
int VarintLen(int64_t v) { return UvarintLen(ZigZagEncode(v)); }
int BitWidth(uint64_t range) { return 64 - std::countl_zero(range); }
size_t PackedBytes(size_t count, int width) { return (count * static_cast<size_t>(width) + 7) / 8; }

// The smallest k such that v == m / 10^k for an integer |m| <= 2^53, or -1.
int DecimalDigits(double v) {
  if (!(std::fabs(v) <= kTwoPow53)) return -1;  // also NaN and ±Inf
  if (v == 0) return std::signbit(v) ? -1 : 0;  // -0.0 does not survive m / 10^k
  for (int k = 0; k <= kMaxDecimals; ++k) {
    double s = v * kPow10[k];
    if (!(std::fabs(s) <= kTwoPow53)) return -1;
    double m = std::nearbyint(s);
    if (m / kPow10[k] == v) return k;
  }
  return -1;
}

// Delta-of-delta codes of kTimeDodBits, on the zig-zag value z:
//   '0' z = 0 | '10' + 8 bits | '110' + 16 bits | '1110' + 32 bits | '1111' + 64 bits
int DodCodeBits(uint64_t z) {
  if (z == 0) return 1;
  if (z < (uint64_t{1} << 8)) return 2 + 8;
  if (z < (uint64_t{1} << 16)) return 3 + 16;
  if (z < (uint64_t{1} << 32)) return 4 + 32;
  return 4 + 64;
}
void WriteDodCode(internal::BitWriter* w, uint64_t z) {
  if (z == 0) {
    w->WriteBits(0, 1);
  } else if (z < (uint64_t{1} << 8)) {
    w->WriteBits((uint64_t{0b10} << 8) | z, 10);
  } else if (z < (uint64_t{1} << 16)) {
    w->WriteBits((uint64_t{0b110} << 16) | z, 19);
  } else if (z < (uint64_t{1} << 32)) {
    w->WriteBits((uint64_t{0b1110} << 32) | z, 36);
  } else {
    w->WriteBits(0b1111, 4);
    w->WriteBits(z, 64);
  }
}

int ExceptionTag(uint64_t bits) {
  for (int tag = 1; tag < kNumExceptionTags; ++tag) {
    if (kExceptionBits[tag] == bits) return tag;
  }
  return 0;
}

uint64_t AbsU(int64_t v) {
  return v < 0 ? uint64_t{0} - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
}

// Residual width of timestamps against the line t0 + i*slope (i >= 1).
int LinearWidth(std::span<const model::Sample> s, uint64_t slope, int64_t* rmin) {
  auto line = static_cast<uint64_t>(s[0].t);
  int64_t lo = INT64_MAX, hi = INT64_MIN;
  for (size_t i = 1; i < s.size(); ++i) {
    line += slope;
    auto r = static_cast<int64_t>(static_cast<uint64_t>(s[i].t) - line);
    lo = std::min(lo, r);
    hi = std::max(hi, r);
  }
  *rmin = lo;
  return BitWidth(static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo));
}

}  // namespace

Status CompactEncoder::Encode(std::span<const model::Sample> s, std::string* out) {
  if (s.size() > static_cast<size_t>(kMaxSamplesPerChunk)) {
    return Status::InvalidArgument(
        fmt::format("compact chunk: {} samples, at most {}", s.size(), kMaxSamplesPerChunk));
  }
  choice_ = Choice{};
  Encbuf e(out);
  const size_t n = s.size();
  e.PutUvarint(n);
  if (n == 0) return Status::OK();
  e.PutVarint(s[0].t);
  e.PutUvarint(static_cast<uint64_t>(s[n - 1].t) - static_cast<uint64_t>(s[0].t));
  EncodeTimes(s, out);

  // All values with the same bits: one 8-byte value for the chunk.
  const uint64_t first_bits = DoubleBits(s[0].v);
  bool same = true;
  for (size_t i = 1; i < n && same; ++i) same = DoubleBits(s[i].v) == first_bits;
  // (A decimal constant is cheaper as a varint: below.)
  if (same && DecimalDigits(s[0].v) < 0) {
    e.PutByte(kValueConst);
    e.PutBE64(first_bits);
    choice_.value = kValueConst;
    return Status::OK();
  }

  // Decimal digits per value. Give up early on full-precision chunks: each
  // such value would cost a 10-byte exception.
  digits_.resize(n);
  size_t full_precision = 0;
  const size_t max_full_precision = n / 8;
  uint32_t digit_counts[kMaxDecimals + 1] = {};
  for (size_t i = 0; i < n; ++i) {
    int d = DecimalDigits(s[i].v);
    digits_[i] = static_cast<int8_t>(d);
    if (d >= 0) {
      ++digit_counts[d];
    } else if (std::isfinite(s[i].v) && ExceptionTag(DoubleBits(s[i].v)) == 0) {
      if (++full_precision > max_full_precision) break;
    }
  }

  size_t best_size = SIZE_MAX;
  int best_k = -1;
  if (full_precision <= max_full_precision) {
    // Candidate k: each digit count that occurs, provided the values needing
    // more digits are few (they become raw exceptions).
    size_t above = 0;
    for (int k = kMaxDecimals; k >= 0; --k) {
      if (digit_counts[k] == 0) continue;
      if (best_k < 0 || above + full_precision <= max_full_precision) {
        size_t size = PlanDecimal(s, k);
        if (size < best_size) {
          best_size = size;
          best_k = k;
        }
      }
      above += digit_counts[k];
    }
  }
  // Gorilla floats are rarely smaller than 16 bits per sample; try them only
  // when the decimal form is not that small.
  if (best_k < 0 || best_size > 2 * n + 16) {
    size_t float_size = EncodeFloats(s);
    if (float_size < best_size) {
      e.PutByte(kValueFloat);
      e.PutBytes(bits_.View());
      choice_.value = kValueFloat;
      return Status::OK();
    }
  }
  PlanDecimal(s, best_k);
  WriteDecimal(best_k, out);
  return Status::OK();
}

void CompactEncoder::EncodeTimes(std::span<const model::Sample> s, std::string* out) {
  Encbuf e(out);
  const size_t n = s.size();
  if (n == 1) {
    e.PutByte(kTimeLinearSpan);
    e.PutVarint(0);
    e.PutByte(0);
    choice_.time = kTimeLinearSpan;
    return;
  }
  // Line through the first and last sample (rounded), or along the first
  // delta; keep the narrower residuals.
  const uint64_t span_slope = DerivedSlope(
      static_cast<uint64_t>(s[n - 1].t) - static_cast<uint64_t>(s[0].t), static_cast<int>(n));
  uint64_t slope = span_slope;
  int64_t rmin;
  int width = LinearWidth(s, slope, &rmin);
  uint64_t first_delta = static_cast<uint64_t>(s[1].t) - static_cast<uint64_t>(s[0].t);
  if (width > 0 && first_delta != slope) {
    int64_t rmin2;
    int width2 = LinearWidth(s, first_delta, &rmin2);
    if (width2 < width) {
      width = width2;
      rmin = rmin2;
      slope = first_delta;
    }
  }
  const bool derived = slope == span_slope;
  size_t linear_size = 1 + (derived ? 0 : VarintLen(static_cast<int64_t>(slope))) +
                       VarintLen(rmin) + 1 + PackedBytes(n - 1, width);

  size_t dod_bits = 0;
  uint64_t prev_delta = 0;
  for (size_t i = 1; i < n; ++i) {
    uint64_t delta = static_cast<uint64_t>(s[i].t) - static_cast<uint64_t>(s[i - 1].t);
    dod_bits += DodCodeBits(ZigZagEncode(static_cast<int64_t>(delta - prev_delta)));
    prev_delta = delta;
  }
  const size_t dod_len = (dod_bits + 7) / 8;
  size_t dod_size = 1 + UvarintLen(dod_len) + dod_len;

  if (linear_size <= dod_size) {
    choice_.time = derived ? kTimeLinearSpan : kTimeLinear;
    e.PutByte(choice_.time);
    if (!derived) e.PutVarint(static_cast<int64_t>(slope));
    e.PutVarint(rmin);
    e.PutByte(static_cast<uint8_t>(width));
    if (width > 0) {
      bits_.Clear();
      auto line = static_cast<uint64_t>(s[0].t);
      for (size_t i = 1; i < n; ++i) {
        line += slope;
        uint64_t r = static_cast<uint64_t>(s[i].t) - line;
        bits_.WriteBits(r - static_cast<uint64_t>(rmin), width);
      }
      e.PutBytes(bits_.View());
    }
    return;
  }
  choice_.time = kTimeDodBits;
  e.PutByte(kTimeDodBits);
  e.PutUvarint(dod_len);
  bits_.Clear();
  prev_delta = 0;
  for (size_t i = 1; i < n; ++i) {
    uint64_t delta = static_cast<uint64_t>(s[i].t) - static_cast<uint64_t>(s[i - 1].t);
    WriteDodCode(&bits_, ZigZagEncode(static_cast<int64_t>(delta - prev_delta)));
    prev_delta = delta;
  }
  e.PutBytes(bits_.View());
}

size_t CompactEncoder::PlanDecimal(std::span<const model::Sample> s, int k) {
  ints_.clear();
  exc_.clear();
  const double p = kPow10[k];
  size_t exc_bytes = 0;
  uint32_t prev = UINT32_MAX;  // so that the first gap is the index itself
  for (size_t i = 0; i < s.size(); ++i) {
    double v = s[i].v;
    int d = digits_[i];
    if (d >= 0 && d <= k) {
      double m = std::nearbyint(v * p);
      if (std::fabs(m) <= kTwoPow53 && m / p == v) {
        ints_.push_back(static_cast<int64_t>(m));
        continue;
      }
    }
    uint64_t bits = DoubleBits(v);
    auto idx = static_cast<uint32_t>(i);
    exc_bytes += UvarintLen(idx - prev - 1) + 1 + (ExceptionTag(bits) == 0 ? 8 : 0);
    prev = idx;
    exc_.push_back({idx, bits});
  }
  size_t size = 2 + UvarintLen(exc_.size()) + exc_bytes;
  if (!ints_.empty()) size += 1 + PlanInts();
  return size;
}

size_t CompactEncoder::PlanInts() {
  const size_t n = ints_.size();
  const int64_t m0 = ints_[0];
  int_mode_ = kIntConst;
  int_gcd_ = 1;
  int_min_ = 0;
  int_width_ = 0;
  uint64_t g = 0;
  size_t j0 = 1;
  for (; j0 < n && g == 0; ++j0) g = AbsU(ints_[j0] - ints_[j0 - 1]);
  if (g == 0) return VarintLen(m0);  // constant
  for (size_t j = j0; j < n && g != 1; ++j) g = std::gcd(g, AbsU(ints_[j] - ints_[j - 1]));

  // Deltas divided by their GCD: frame of reference, and varints.
  int64_t lo = INT64_MAX, hi = INT64_MIN;
  size_t varint_bytes = 0;
  const auto sg = static_cast<int64_t>(g);
  for (size_t j = 1; j < n; ++j) {
    int64_t d = ints_[j] - ints_[j - 1];
    if (sg != 1) d /= sg;
    lo = std::min(lo, d);
    hi = std::max(hi, d);
    varint_bytes += VarintLen(d);
  }
  const size_t head = VarintLen(m0) + UvarintLen(g);
  int width = BitWidth(static_cast<uint64_t>(hi - lo));
  size_t best = head + VarintLen(lo) + 1 + PackedBytes(n - 1, width);
  int_mode_ = kIntDeltaFor;
  int_gcd_ = g;
  int_min_ = lo;
  int_width_ = width;
  if (head + varint_bytes < best) {
    best = head + varint_bytes;
    int_mode_ = kIntDeltaVarint;
  }

  // The integers themselves (noise around a level), with the GCD of their
  // offsets from the minimum.
  {
    int64_t mlo = *std::min_element(ints_.begin(), ints_.end());
    int64_t mhi = *std::max_element(ints_.begin(), ints_.end());
    uint64_t g3 = 0;
    for (size_t j = 0; j < n && g3 != 1; ++j) {
      g3 = std::gcd(g3, static_cast<uint64_t>(ints_[j] - mlo));
    }
    int width3 = BitWidth(static_cast<uint64_t>(mhi - mlo) / g3);
    size_t size = VarintLen(mlo) + UvarintLen(g3) + 1 + PackedBytes(n, width3);
    if (size < best) {
      best = size;
      int_mode_ = kIntFor;
      int_gcd_ = g3;
      int_min_ = mlo;
      int_width_ = width3;
    }
  }

  // Delta-of-deltas (smooth counters), with their own GCD.
  if (n >= 3) {
    uint64_t g2 = 0;
    for (size_t j = 2; j < n; ++j) {
      int64_t dd = (ints_[j] - ints_[j - 1]) - (ints_[j - 1] - ints_[j - 2]);
      g2 = std::gcd(g2, AbsU(dd));
      if (g2 == 1) break;
    }
    if (g2 == 0) g2 = 1;
    const auto sg2 = static_cast<int64_t>(g2);
    int64_t lo2 = INT64_MAX, hi2 = INT64_MIN;
    for (size_t j = 2; j < n; ++j) {
      int64_t dd = (ints_[j] - ints_[j - 1]) - (ints_[j - 1] - ints_[j - 2]);
      if (sg2 != 1) dd /= sg2;
      lo2 = std::min(lo2, dd);
      hi2 = std::max(hi2, dd);
    }
    int width2 = BitWidth(static_cast<uint64_t>(hi2 - lo2));
    size_t dod = VarintLen(m0) + VarintLen(ints_[1] - ints_[0]) + UvarintLen(g2) + VarintLen(lo2) +
                 1 + PackedBytes(n - 2, width2);
    if (dod < best) {
      best = dod;
      int_mode_ = kIntDodFor;
      int_gcd_ = g2;
      int_min_ = lo2;
      int_width_ = width2;
    }
  }
  return best;
}

void CompactEncoder::WriteDecimal(int k, std::string* out) {
  Encbuf e(out);
  e.PutByte(kValueDecimal);
  e.PutByte(static_cast<uint8_t>(k));
  e.PutUvarint(exc_.size());
  uint32_t prev = UINT32_MAX;
  for (const Exception& x : exc_) {
    e.PutUvarint(x.index - prev - 1);
    prev = x.index;
    int tag = ExceptionTag(x.bits);
    e.PutByte(static_cast<uint8_t>(tag));
    if (tag == 0) e.PutBE64(x.bits);
  }
  choice_.value = kValueDecimal;
  choice_.decimals = k;
  choice_.exceptions = static_cast<int>(exc_.size());
  if (ints_.empty()) return;
  choice_.ints = int_mode_;
  e.PutByte(int_mode_);
  const size_t n = ints_.size();
  const auto g = static_cast<int64_t>(int_gcd_);
  if (int_mode_ == kIntFor) {
    e.PutVarint(int_min_);
    e.PutUvarint(int_gcd_);
    e.PutByte(static_cast<uint8_t>(int_width_));
    bits_.Clear();
    for (size_t j = 0; j < n; ++j) {
      bits_.WriteBits(static_cast<uint64_t>(ints_[j] - int_min_) / int_gcd_, int_width_);
    }
    e.PutBytes(bits_.View());
    return;
  }
  e.PutVarint(ints_[0]);
  switch (int_mode_) {
    case kIntConst:
    case kIntFor:
      return;
    case kIntDeltaVarint:
      e.PutUvarint(int_gcd_);
      for (size_t j = 1; j < n; ++j) e.PutVarint((ints_[j] - ints_[j - 1]) / g);
      return;
    case kIntDeltaFor:
      e.PutUvarint(int_gcd_);
      e.PutVarint(int_min_);
      e.PutByte(static_cast<uint8_t>(int_width_));
      if (int_width_ > 0) {
        bits_.Clear();
        for (size_t j = 1; j < n; ++j) {
          int64_t d = (ints_[j] - ints_[j - 1]) / g;
          bits_.WriteBits(static_cast<uint64_t>(d - int_min_), int_width_);
        }
        e.PutBytes(bits_.View());
      }
      return;
    case kIntDodFor:
      e.PutVarint(ints_[1] - ints_[0]);
      e.PutUvarint(int_gcd_);
      e.PutVarint(int_min_);
      e.PutByte(static_cast<uint8_t>(int_width_));
      if (int_width_ > 0) {
        bits_.Clear();
        for (size_t j = 2; j < n; ++j) {
          int64_t dd = ((ints_[j] - ints_[j - 1]) - (ints_[j - 1] - ints_[j - 2])) / g;
          bits_.WriteBits(static_cast<uint64_t>(dd - int_min_), int_width_);
        }
        e.PutBytes(bits_.View());
      }
      return;
  }
}

size_t CompactEncoder::EncodeFloats(std::span<const model::Sample> s) {
  bits_.Clear();
  uint64_t prev = DoubleBits(s[0].v);
  bits_.WriteBits(prev, 64);
  uint8_t leading = 0xff, trailing = 0;
  for (size_t i = 1; i < s.size(); ++i) {
    internal::WriteXorValue(&bits_, DoubleBits(s[i].v), &prev, &leading, &trailing);
  }
  return 1 + bits_.ByteLen();
}

// ---------------------------------------------------------------------------

bool CompactIterator::Fail(const char* what) {
  status_ = Status::Corruption(fmt::format("compact chunk: {} (sample {} of {})", what, i_, n_));
  done_ = true;
  has_sample_ = false;
  return false;
}

void CompactIterator::Reset(std::string_view bytes) {
  ResetState();
  n_ = 0;
  i_ = 0;
  ints_read_ = 0;
  leading_ = 0;
  trailing_ = 0;
  exc_left_ = 0;
  next_exc_ = 0;
  bpos_ = blen_ = 0;
  t0_ = span_ = 0;
  if (!ParseHeader(bytes)) n_ = 0;
}

bool CompactIterator::ParseHeader(std::string_view bytes) {
  const char* p = bytes.data();
  const char* const end = p + bytes.size();
  uint64_t u;
  int64_t sv;
  auto uvarint = [&](uint64_t* out) { return p != nullptr && (p = DecodeUvarint(p, end, out)); };
  auto varint = [&](int64_t* out) { return p != nullptr && (p = DecodeVarint(p, end, out)); };
  auto byte = [&](uint8_t* out) {
    if (p == end) return false;
    *out = static_cast<uint8_t>(*p++);
    return true;
  };
  // Bit-packed section of `count` values of `width` bits: checked here once,
  // so Next() cannot run past it.
  auto packed = [&](size_t count, uint8_t width, internal::BitReader* br) {
    if (width > 64) return false;
    size_t need = PackedBytes(count, width);
    if (static_cast<size_t>(end - p) < need) return false;
    br->Reset(reinterpret_cast<const uint8_t*>(p), reinterpret_cast<const uint8_t*>(p + need));
    p += need;
    return true;
  };

  if (!uvarint(&u)) return Fail("bad sample count");
  if (u > static_cast<uint64_t>(kMaxSamplesPerChunk)) return Fail("too many samples");
  const int n = static_cast<int>(u);
  n_ = n;
  if (n == 0) return true;
  if (!varint(&sv) || !uvarint(&span_)) return Fail("bad time range");
  t0_ = static_cast<uint64_t>(sv);

  uint8_t mode, width;
  if (!byte(&tmode_)) return Fail("missing time mode");
  switch (tmode_) {
    case kTimeLinear:
    case kTimeLinearSpan:
      if (tmode_ == kTimeLinear) {
        if (!varint(&sv)) return Fail("bad slope");
        slope_ = static_cast<uint64_t>(sv);
      } else {
        slope_ = n >= 2 ? DerivedSlope(span_, n) : 0;
      }
      if (!varint(&sv)) return Fail("bad residual base");
      rmin_ = static_cast<uint64_t>(sv);
      if (!byte(&width) || !packed(static_cast<size_t>(n - 1), width, &tbits_)) {
        return Fail("bad timestamp residuals");
      }
      twidth_ = width;
      line_ = t0_;
      break;
    case kTimeDodBits:
      if (!uvarint(&u) || u > static_cast<uint64_t>(end - p)) return Fail("bad timestamp length");
      tbits_.Reset(reinterpret_cast<const uint8_t*>(p), reinterpret_cast<const uint8_t*>(p + u));
      p += u;
      line_ = 0;
      break;
    default:
      return Fail("unknown time mode");
  }

  if (!byte(&vmode_)) return Fail("missing value mode");
  switch (vmode_) {
    case kValueConst:
      if (end - p < 8) return Fail("truncated constant value");
      vbits_ = DecodeFixed64BE(p);
      return true;
    case kValueFloat:
      vbitsr_.Reset(reinterpret_cast<const uint8_t*>(p), reinterpret_cast<const uint8_t*>(end));
      return true;
    case kValueDecimal:
      break;
    default:
      return Fail("unknown value mode");
  }

  if (!byte(&mode) || mode > kMaxDecimals) return Fail("bad decimal exponent");
  decimals_ = mode;
  divisor_ = kPow10[mode];
  if (!uvarint(&u) || u > static_cast<uint64_t>(n)) return Fail("bad exception count");
  exc_left_ = static_cast<int>(u);
  const int num_ints = n - exc_left_;
  // Walk the exceptions once to validate them and find what follows.
  const char* first_exc = p;
  int64_t index = -1;
  for (int x = 0; x < exc_left_; ++x) {
    uint8_t tag;
    if (!uvarint(&u) || u >= static_cast<uint64_t>(n)) return Fail("bad exception index");
    index += static_cast<int64_t>(u) + 1;
    if (index >= n) return Fail("bad exception index");
    if (!byte(&tag) || tag >= kNumExceptionTags) return Fail("bad exception tag");
    if (tag == 0) {
      if (end - p < 8) return Fail("truncated exception");
      p += 8;
    }
  }
  ep_ = first_exc;
  eend_ = p;
  next_exc_ = n;
  if (exc_left_ > 0) {
    ep_ = DecodeUvarint(ep_, eend_, &u);
    next_exc_ = static_cast<int>(u);
  }
  if (num_ints == 0) return true;

  if (!byte(&imode_)) return Fail("missing integer mode");
  if (!varint(&sv)) return Fail(imode_ == kIntFor ? "bad integer base" : "bad first integer");
  m_ = static_cast<uint64_t>(sv);
  gcd_ = 1;
  imin_ = 0;
  iwidth_ = 0;
  switch (imode_) {
    case kIntConst:
      return true;
    case kIntDeltaVarint:
      if (!uvarint(&gcd_)) return Fail("bad integer gcd");
      vp_ = p;
      vend_ = end;
      return true;
    case kIntDeltaFor:
      if (!uvarint(&gcd_) || !varint(&sv)) return Fail("bad integer deltas");
      imin_ = static_cast<uint64_t>(sv);
      if (!byte(&width) || !packed(static_cast<size_t>(num_ints - 1), width, &vbitsr_)) {
        return Fail("bad integer deltas");
      }
      iwidth_ = width;
      return true;
    case kIntFor:
      imin_ = m_;
      if (!uvarint(&gcd_) || !byte(&width) ||
          !packed(static_cast<size_t>(num_ints), width, &vbitsr_)) {
        return Fail("bad integers");
      }
      iwidth_ = width;
      return true;
    case kIntDodFor:
      if (!varint(&sv)) return Fail("bad first integer delta");
      d_ = static_cast<uint64_t>(sv);
      if (!uvarint(&gcd_) || !varint(&sv)) return Fail("bad integer delta-of-deltas");
      imin_ = static_cast<uint64_t>(sv);
      if (!byte(&width) ||
          !packed(static_cast<size_t>(std::max(0, num_ints - 2)), width, &vbitsr_)) {
        return Fail("bad integer delta-of-deltas");
      }
      iwidth_ = width;
      return true;
    default:
      return Fail("unknown integer mode");
  }
}

bool CompactIterator::NextException(int index) {
  // ep_ is at the current exception's tag (validated by ParseHeader).
  if (ep_ == nullptr || ep_ >= eend_) return Fail("bad exception");
  auto tag = static_cast<uint8_t>(*ep_++);
  if (tag >= kNumExceptionTags) return Fail("bad exception tag");
  if (tag == 0) {
    if (eend_ - ep_ < 8) return Fail("truncated exception");
    vbits_ = DecodeFixed64BE(ep_);
    ep_ += 8;
  } else {
    vbits_ = kExceptionBits[tag];
  }
  if (--exc_left_ > 0) {
    uint64_t gap;
    ep_ = DecodeUvarint(ep_, eend_, &gap);
    if (ep_ == nullptr) return Fail("bad exception index");
    next_exc_ = index + 1 + static_cast<int>(gap);
  } else {
    next_exc_ = n_;
  }
  return true;
}

bool CompactIterator::NextInt(uint64_t* m) {
  const int j = ints_read_++;
  if (imode_ == kIntFor) {
    uint64_t u;
    if (!vbitsr_.ReadBits(iwidth_, &u)) return Fail("truncated integers");
    *m = imin_ + u * gcd_;
    return true;
  }
  if (j > 0) {
    uint64_t u;
    switch (imode_) {
      case kIntConst:
      case kIntFor:
        break;
      case kIntDeltaFor:
        if (!vbitsr_.ReadBits(iwidth_, &u)) return Fail("truncated integer deltas");
        m_ += (imin_ + u) * gcd_;
        break;
      case kIntDodFor:
        if (j > 1) {
          if (!vbitsr_.ReadBits(iwidth_, &u)) return Fail("truncated integer delta-of-deltas");
          d_ += (imin_ + u) * gcd_;
        }
        m_ += d_;
        break;
      case kIntDeltaVarint: {
        int64_t d;
        vp_ = vp_ == nullptr ? nullptr : DecodeVarint(vp_, vend_, &d);
        if (vp_ == nullptr) return Fail("truncated integer deltas");
        m_ += static_cast<uint64_t>(d) * gcd_;
        break;
      }
    }
  }
  *m = m_;
  return true;
}

bool CompactIterator::DecodeOne(int64_t* t, double* v) {
  if (i_ == 0) {
    tu_ = t0_;
  } else if (tmode_ != kTimeDodBits) [[likely]] {
    uint64_t u;
    if (!tbits_.ReadBits(twidth_, &u)) return Fail("truncated timestamps");
    line_ += slope_;
    tu_ = line_ + rmin_ + u;
  } else {
    uint64_t code = tbits_.Peek(4), z = 0;
    bool ok;
    if (code < 0b1000) {
      ok = tbits_.Skip(1);
    } else if (code < 0b1100) {
      ok = tbits_.Skip(2) && tbits_.ReadBits(8, &z);
    } else if (code < 0b1110) {
      ok = tbits_.Skip(3) && tbits_.ReadBits(16, &z);
    } else if (code == 0b1110) {
      ok = tbits_.Skip(4) && tbits_.ReadBits(32, &z);
    } else {
      ok = tbits_.Skip(4) && tbits_.ReadBits(64, &z);
    }
    if (!ok) return Fail("truncated timestamps");
    line_ += static_cast<uint64_t>(ZigZagDecode(z));
    tu_ += line_;
  }

  if (vmode_ == kValueDecimal) [[likely]] {
    if (i_ == next_exc_) {
      if (!NextException(i_)) return false;
      *v = BitsDouble(vbits_);
    } else {
      uint64_t m;
      if (!NextInt(&m)) return false;
      *v = static_cast<double>(static_cast<int64_t>(m)) / divisor_;
    }
  } else if (vmode_ == kValueFloat) {
    if (i_ == 0) {
      if (!vbitsr_.ReadBits(64, &vbits_)) return Fail("truncated floats");
    } else if (!internal::ReadXorValue(&vbitsr_, &vbits_, &leading_, &trailing_)) {
      return Fail("bad float");
    }
    *v = BitsDouble(vbits_);
  } else {
    *v = BitsDouble(vbits_);
  }
  *t = static_cast<int64_t>(tu_);
  ++i_;
  return true;
}

bool CompactIterator::NextBatch() {
  if (done_) return false;
  if (i_ >= n_) {
    done_ = true;
    has_sample_ = false;
    return false;
  }
  const int cnt = std::min(kBatch, n_ - i_);
  int j = 0;
  // The first samples (and anything unusual) one at a time.
  while (j < cnt && (i_ == 0 || (vmode_ == kValueDecimal && ints_read_ < 2))) {
    if (!DecodeOne(&bt_[j], &bv_[j])) return false;
    ++j;
  }
  const int rest = cnt - j;
  if (rest > 0 && tmode_ != kTimeDodBits && vmode_ == kValueDecimal && next_exc_ >= i_ + rest &&
      imode_ != kIntDeltaVarint && iwidth_ <= 56) {
    // Steady state: straight loops over the bit-packed sections, whose
    // lengths ParseHeader checked (the reads cannot fail).
    uint64_t u = 0;
    uint64_t line = line_;
    if (twidth_ <= 56) {
      const int w = twidth_;
      const uint64_t base = rmin_;
      for (int k = j; k < cnt; ++k) {
        line += slope_;
        bt_[k] = static_cast<int64_t>(line + base + tbits_.ReadPrechecked(w));
      }
    } else {
      for (int k = j; k < cnt; ++k) {
        if (!tbits_.ReadBits(twidth_, &u)) return Fail("truncated timestamps");
        line += slope_;
        bt_[k] = static_cast<int64_t>(line + rmin_ + u);
      }
    }
    line_ = line;
    tu_ = static_cast<uint64_t>(bt_[cnt - 1]);
    uint64_t m = m_;
    switch (imode_) {
      case kIntConst:
        break;
      case kIntFor:
        for (int k = j; k < cnt; ++k) {
          bm_[k] = imin_ + vbitsr_.ReadPrechecked(iwidth_) * gcd_;
        }
        break;
      case kIntDeltaFor:
        for (int k = j; k < cnt; ++k) {
          m += (imin_ + vbitsr_.ReadPrechecked(iwidth_)) * gcd_;
          bm_[k] = m;
        }
        break;
      case kIntDodFor: {
        uint64_t d = d_;
        for (int k = j; k < cnt; ++k) {
          d += (imin_ + vbitsr_.ReadPrechecked(iwidth_)) * gcd_;
          m += d;
          bm_[k] = m;
        }
        d_ = d;
        break;
      }
      default:
        return Fail("unknown integer mode");
    }
    m_ = m;
    if (imode_ == kIntConst) {
      const double v = static_cast<double>(static_cast<int64_t>(m)) / divisor_;
      for (int k = j; k < cnt; ++k) bv_[k] = v;
    } else if (decimals_ == 0) {  // integers: no division
      for (int k = j; k < cnt; ++k) bv_[k] = static_cast<double>(static_cast<int64_t>(bm_[k]));
    } else {
      for (int k = j; k < cnt; ++k) {
        bv_[k] = static_cast<double>(static_cast<int64_t>(bm_[k])) / divisor_;
      }
    }
    i_ += rest;
    ints_read_ += rest;
  } else if (rest > 0 && tmode_ != kTimeDodBits && twidth_ <= 56 && vmode_ == kValueFloat &&
             i_ > 0) {
    uint64_t line = line_;
    const int w = twidth_;
    for (int k = j; k < cnt; ++k) {
      line += slope_;
      bt_[k] = static_cast<int64_t>(line + rmin_ + tbits_.ReadPrechecked(w));
      if (!internal::ReadXorValue(&vbitsr_, &vbits_, &leading_, &trailing_)) {
        return Fail("bad float");
      }
      bv_[k] = BitsDouble(vbits_);
    }
    line_ = line;
    tu_ = static_cast<uint64_t>(bt_[cnt - 1]);
    i_ += rest;
  } else {
    for (; j < cnt; ++j) {
      if (!DecodeOne(&bt_[j], &bv_[j])) return false;
    }
  }
  blen_ = cnt;
  t_ = bt_[0];
  v_ = bv_[0];
  bpos_ = 1;
  has_sample_ = true;
  return true;
}

}  // namespace vigil::tsdb::chunkenc
