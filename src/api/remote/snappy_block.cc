#include "api/remote/snappy_block.h"

#include <fmt/format.h>
#include <snappy.h>

#include <algorithm>

namespace vigil::remote {

char* DecodeBuffer::Reserve(size_t n) {
  if (n > capacity_) {
    // Grow geometrically so a slowly increasing request size does not
    // reallocate on every request; new[] of char does not initialise.
    size_t cap = std::max(n, capacity_ + capacity_ / 2);
    data_.reset(new char[cap]);
    capacity_ = cap;
  }
  return data_.get();
}

void DecodeBuffer::Trim(size_t max_retained) {
  if (capacity_ > max_retained) {
    data_.reset();
    capacity_ = 0;
  }
}

SnappyResult SnappyUncompress(std::string_view compressed, size_t max_decoded, DecodeBuffer* buf) {
  SnappyResult r;
  size_t n = 0;
  if (!snappy::GetUncompressedLength(compressed.data(), compressed.size(), &n)) {
    r.error = SnappyError::kInvalid;
    r.message = "snappy: corrupt input (bad block header)";
    return r;
  }
  if (n > max_decoded) {
    r.error = SnappyError::kTooLarge;
    r.message = fmt::format(
        "snappy: decoded body would be {} bytes, more than the limit of {} bytes", n, max_decoded);
    return r;
  }
  // Reserve(0) may return null; snappy needs a valid pointer even for 0 bytes.
  char* out = buf->Reserve(n == 0 ? 1 : n);
  if (!snappy::RawUncompress(compressed.data(), compressed.size(), out)) {
    r.error = SnappyError::kInvalid;
    r.message = "snappy: corrupt input";
    return r;
  }
  r.data = std::string_view(out, n);
  return r;
}

void SnappyCompress(std::string_view data, std::string* out) {
  size_t start = out->size();
  out->resize(start + snappy::MaxCompressedLength(data.size()));
  size_t n = 0;
  snappy::RawCompress(data.data(), data.size(), out->data() + start, &n);
  out->resize(start + n);
}

}  // namespace vigil::remote
