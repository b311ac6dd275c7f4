#include "storage/tsdb/block/postings_codec.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>

#include "base/coding.h"

namespace vigil::tsdb::block {

namespace {

// Packs n values of `width` bits each, least significant bit first.
void Pack(const uint32_t* in, size_t n, int width, std::string* out) {
  if (width == 0) return;
  uint64_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < n; ++i) {
    acc |= uint64_t{in[i]} << bits;
    bits += width;
    while (bits >= 8) {
      out->push_back(static_cast<char>(acc));
      acc >>= 8;
      bits -= 8;
    }
  }
  if (bits > 0) out->push_back(static_cast<char>(acc));
}

// Inverse of Pack for n values; `in` holds at least ceil(n * width / 8) bytes.
void Unpack(const unsigned char* in, size_t n, int width, uint32_t* out) {
  if (width == 0) {
    std::fill(out, out + n, 0u);
    return;
  }
  const uint64_t mask = (uint64_t{1} << width) - 1;
  uint64_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < n; ++i) {
    while (bits < width) {
      acc |= uint64_t{*in++} << bits;
      bits += 8;
    }
    out[i] = static_cast<uint32_t>(acc & mask);
    acc >>= width;
    bits -= width;
  }
}

// Decodes n uvarints below 2^32 from [p, end) into out (the hot loop of
// varint runs, kept inline). Returns the position after them, or nullptr.
const unsigned char* DecodeVarintRun(const unsigned char* p, const unsigned char* end, size_t n,
                                     uint32_t* out) {
  for (size_t k = 0; k < n; ++k) {
    if (p == end) return nullptr;
    uint32_t b = *p++;
    if (b < 0x80) {
      out[k] = b;
      continue;
    }
    uint64_t v = b & 0x7f;
    for (int shift = 7;; shift += 7) {
      if (p == end || shift > 28) return nullptr;
      b = *p++;
      v |= uint64_t{b & 0x7f} << shift;
      if (b < 0x80) break;
    }
    if (v > UINT32_MAX) return nullptr;
    out[k] = static_cast<uint32_t>(v);
  }
  return p;
}

}  // namespace

// Tails shorter than this are uvarints: a width byte would cost more than
// packing saves.
constexpr size_t kMinPackedTail = 8;
// Mode byte of a run written as uvarints (other values are bit widths).
constexpr uint8_t kVarintRun = 0xff;

void EncodePostings(PostingsSpan refs, std::string* out) {
  Encbuf e(out);
  e.PutUvarint(refs.size());
  if (refs.empty()) return;
  // The first ref alone, so that its size does not widen the first block.
  e.PutUvarint(refs[0]);
  uint32_t gaps[kPostingsBlockSize];
  size_t i = 1;
  // Each run of gaps is packed at its widest gap or written as uvarints,
  // whichever is smaller (uvarints win when a few large gaps sit among many
  // small ones).
  auto put_run = [&](size_t n) {
    uint32_t widest = 0;
    size_t varint_bytes = 0;
    for (size_t k = 0; k < n; ++k) {
      gaps[k] = static_cast<uint32_t>(refs[i + k] - refs[i + k - 1] - 1);
      widest |= gaps[k];
      varint_bytes += UvarintLength(gaps[k]);
    }
    int width = std::bit_width(widest);
    if (varint_bytes < (n * static_cast<size_t>(width) + 7) / 8) {
      e.PutByte(kVarintRun);
      for (size_t k = 0; k < n; ++k) e.PutUvarint(gaps[k]);
    } else {
      e.PutByte(static_cast<uint8_t>(width));
      Pack(gaps, n, width, out);
    }
    i += n;
  };
  while (refs.size() - i >= kPostingsBlockSize) put_run(kPostingsBlockSize);
  if (refs.size() - i >= kMinPackedTail) {
    put_run(refs.size() - i);
  } else {
    for (; i < refs.size(); ++i) e.PutUvarint(refs[i] - refs[i - 1] - 1);
  }
}

Status DecodePostings(std::string_view data, uint64_t universe, PostingsList* out) {
  Decbuf d(data);
  uint64_t count = d.Uvarint();
  if (d.err()) return Status::Corruption("postings: bad count");
  if (count == 0) {
    if (!d.Done()) return Status::Corruption("postings: trailing bytes");
    return Status::OK();
  }
  const uint64_t gaps_total = count - 1;
  const uint64_t blocks = gaps_total / kPostingsBlockSize;
  const uint64_t tail = gaps_total % kPostingsBlockSize;
  // Every block takes at least a byte, a packed tail too, a varint tail a
  // byte per ref, the first ref a byte: bound the count before allocating.
  uint64_t min_bytes = 1 + blocks + (tail >= kMinPackedTail ? 1 : tail);
  if (count > universe || min_bytes > d.Len()) {
    return Status::Corruption(fmt::format("postings: count {} impossible ({} series, {} bytes)",
                                          count, universe, d.Len()));
  }
  const size_t old_size = out->size();
  if (out->capacity() < old_size + count) {
    // Geometric growth: callers append many lists to one vector.
    out->reserve(std::max<size_t>(old_size + count, 2 * out->capacity()));
  }
  out->resize(old_size + count);
  uint64_t* dst = out->data() + old_size;
  auto fail = [&](std::string_view what) {
    out->resize(old_size);
    return Status::Corruption(what);
  };
  uint64_t first = d.Uvarint();
  if (d.err() || first >= universe) return fail("postings: bad first ref");
  *dst++ = first;
  uint64_t next = first + 1;  // the smallest value the next ref may take
  uint32_t gaps[kPostingsBlockSize];
  auto varints = [&](size_t n) {
    auto* p = reinterpret_cast<const unsigned char*>(d.Pos());
    const unsigned char* q = DecodeVarintRun(p, p + d.Len(), n, gaps);
    if (q == nullptr) return false;
    d.Skip(static_cast<size_t>(q - p));
    return true;
  };
  auto emit = [&](size_t n) {
    // A local copy keeps the running value in a register (through the
    // captured reference the compiler stores and reloads it every step).
    uint64_t v = next;
    for (size_t k = 0; k < n; ++k) {
      v += gaps[k];
      dst[k] = v++;
    }
    next = v;
    dst += n;
    return next <= universe;
  };
  auto run = [&](size_t n) -> Status {
    uint8_t mode = d.Byte();
    if (d.err()) return fail("postings: block runs past the end");
    if (mode == kVarintRun) {
      if (!varints(n)) return fail("postings: bad gap");
    } else {
      if (mode > 32) return fail("postings: bit width over 32");
      std::string_view packed = d.Bytes((n * mode + 7) / 8);
      if (d.err()) return fail("postings: block runs past the end");
      Unpack(reinterpret_cast<const unsigned char*>(packed.data()), n, mode, gaps);
    }
    if (!emit(n)) return fail("postings: ref beyond the series count");
    return Status::OK();
  };
  for (uint64_t b = 0; b < blocks; ++b) VIGIL_RETURN_IF_ERROR(run(kPostingsBlockSize));
  if (tail >= kMinPackedTail) {
    VIGIL_RETURN_IF_ERROR(run(tail));
  } else {
    if (!varints(tail)) return fail("postings: bad gap");
    if (!emit(tail)) return fail("postings: ref beyond the series count");
  }
  if (!d.Done()) return fail("postings: trailing bytes");
  return Status::OK();
}

}  // namespace vigil::tsdb::block
