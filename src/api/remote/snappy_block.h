// Snappy block (de)compression for remote_write and remote_read bodies.
//
// Both protocols carry snappy's block format (not the framing format). The
// decoded size is read from the block header and checked against a limit
// BEFORE any memory is allocated, so a 30-byte body claiming a 1 GiB payload
// costs nothing. Decoding goes into a DecodeBuffer that callers keep per
// thread and reuse across requests; it never zero-fills.
//
// Thread-safety: the functions are pure; a DecodeBuffer belongs to one thread.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"

namespace vigil::remote {

// A growable byte buffer that keeps its capacity between uses.
class DecodeBuffer {
 public:
  DecodeBuffer() = default;
  DecodeBuffer(const DecodeBuffer&) = delete;
  DecodeBuffer& operator=(const DecodeBuffer&) = delete;

  // Makes room for n bytes (contents undefined) and returns the start.
  char* Reserve(size_t n);
  // Frees the memory if more than max_retained bytes are held, so one huge
  // request does not pin its buffer for the life of the thread.
  void Trim(size_t max_retained);
  size_t capacity() const { return capacity_; }

 private:
  std::unique_ptr<char[]> data_;
  size_t capacity_ = 0;
};

// Why a body could not be decompressed; the HTTP layer maps kTooLarge to 413
// and the others to 400.
enum class SnappyError { kNone, kInvalid, kTooLarge };

struct SnappyResult {
  SnappyError error = SnappyError::kNone;
  std::string_view data;  // the decoded bytes (inside the DecodeBuffer) when ok
  std::string message;    // what is wrong, when not ok
  bool ok() const { return error == SnappyError::kNone; }
};

// Decodes a snappy block of at most max_decoded bytes into buf. The result's
// data points into buf and is valid until buf is next used.
SnappyResult SnappyUncompress(std::string_view compressed, size_t max_decoded, DecodeBuffer* buf);

// Appends the snappy block encoding of data to *out.
void SnappyCompress(std::string_view data, std::string* out);

}  // namespace vigil::remote
