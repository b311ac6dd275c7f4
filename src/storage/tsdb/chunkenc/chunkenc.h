// Chunk encodings of Vigil's TSDB: the dispatch API everyone else uses.
//
// A chunk is a run of (timestamp, float) samples of one series, stored as
// bytes tagged with an Encoding:
//   kXor      Prometheus-compatible Gorilla chunk (xor.h); the head appends
//             to it in place and remote_read can ship it unchanged.
//   kCompact  Vigil's denser encoding for immutable chunks in blocks and
//             snapshots (compact.h): fixed-interval timestamps cost ~0 bits,
//             decimal values are stored as bit-packed integer deltas.
// Both keep every float bit for bit (NaN payloads, staleness markers, ±Inf,
// -0.0, denormals) and any int64 timestamps. Byte layouts:
// docs/storage-format.md (chunk encodings).
//
// Iterators never read outside the bytes they are given and never crash on
// corrupt input: they stop and report a Corruption through status().
//
// Owned by the chunkenc module. Thread-safety: the free functions are pure
// and thread-safe; an Iterator belongs to one thread, and the bytes it reads
// must stay alive and unchanged while it is used.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/status.h"
#include "model/sample.h"

namespace vigil::tsdb::chunkenc {

// Stored on disk and on the wire: never renumber.
enum class Encoding : uint8_t { kXor = 1, kCompact = 2 };
const char* EncodingName(Encoding e);  // "xor", "compact", "unknown"
// True for the values above (for checking a byte read from disk).
bool IsKnownEncoding(uint8_t e);

// The XOR format stores the count in 16 bits; the compact encoder uses the
// same limit so any chunk can be recoded either way.
inline constexpr int kMaxSamplesPerChunk = 65535;

class Iterator {
 public:
  virtual ~Iterator() = default;

  // Starts over on new bytes of the same encoding, reusing this object (no
  // allocation).
  virtual void Reset(std::string_view bytes) = 0;
  // Advances to the next sample. False at the end or on error (see status()).
  virtual bool Next() = 0;
  // Advances to the first sample with timestamp >= t. If the current sample
  // already qualifies it stays there: Seek never moves backwards. False if no
  // such sample exists (the iterator is then exhausted) or on error.
  virtual bool Seek(int64_t t);
  virtual Encoding encoding() const = 0;

  // The current sample; valid after Next() or Seek() returned true.
  int64_t t() const { return t_; }
  double v() const { return v_; }
  model::Sample sample() const { return {t_, v_}; }
  // OK unless the bytes were malformed.
  const Status& status() const { return status_; }

 protected:
  // Called by Reset() implementations.
  void ResetState() {
    status_ = Status::OK();
    has_sample_ = false;
    done_ = false;
  }

  int64_t t_ = 0;
  double v_ = 0;
  bool has_sample_ = false;  // t_/v_ hold a sample
  bool done_ = false;        // exhausted or failed
  Status status_;
};

std::unique_ptr<Iterator> NewIterator(Encoding e, std::string_view bytes);

// Iterates every sample: OK if the bytes decode completely. For compact chunks
// also checks that the header's time range and count match the samples.
Status Validate(Encoding e, std::string_view bytes);

// Sample count from the header (O(1) for both encodings). -1 if the header is
// malformed or the encoding unknown.
int NumSamples(Encoding e, std::string_view bytes);

struct TimeRange {
  int64_t min_t;
  int64_t max_t;
};
// First and last timestamp. O(1) for compact chunks; XOR chunks store only
// the first, so the whole chunk is decoded for the last (~1 µs for 120 samples).
// NotFound for an empty chunk, Corruption for malformed bytes.
Result<TimeRange> TimeBounds(Encoding e, std::string_view bytes);

// Encoders from samples. InvalidArgument if there are more than
// kMaxSamplesPerChunk samples. The "To" forms append to *out.
Result<std::string> EncodeXor(std::span<const model::Sample> samples);
Result<std::string> EncodeCompact(std::span<const model::Sample> samples);
Status EncodeTo(Encoding e, std::span<const model::Sample> samples, std::string* out);

// Decodes all samples (appending to *out).
Status DecodeAll(Encoding e, std::string_view bytes, std::vector<model::Sample>* out);

// Re-encodes a chunk; the samples are identical bit for bit.
Result<std::string> Recode(Encoding from, std::string_view bytes, Encoding to);

}  // namespace vigil::tsdb::chunkenc
