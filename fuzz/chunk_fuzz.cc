// Fuzzes both chunk decoders and the encoders' round trip.
//
// Input byte 0 picks the encoding (odd: XOR, even: compact); the rest is fed
// to that decoder as chunk bytes and iterated to the end (plus Validate,
// NumSamples, TimeBounds, Seek). Whatever decodes is re-encoded in both
// encodings and must decode to the same samples bit for bit. The rest of the
// input, read as 16-byte (timestamp, value bits) pairs, must round-trip too.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "base/coding.h"
#include "storage/tsdb/chunkenc/chunkenc.h"

namespace {

using vigil::model::Sample;
using vigil::tsdb::chunkenc::Encoding;
namespace ce = vigil::tsdb::chunkenc;

void CheckRoundTrip(const std::vector<Sample>& samples) {
  for (Encoding e : {Encoding::kXor, Encoding::kCompact}) {
    std::string bytes;
    if (!ce::EncodeTo(e, samples, &bytes).ok()) std::abort();
    std::vector<Sample> got;
    if (!ce::DecodeAll(e, bytes, &got).ok()) std::abort();
    if (got != samples) std::abort();
    if (!ce::Validate(e, bytes).ok()) std::abort();
    if (ce::NumSamples(e, bytes) != static_cast<int>(samples.size())) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const Encoding enc = (data[0] & 1) ? Encoding::kXor : Encoding::kCompact;
  // A heap copy of exactly the chunk bytes, so ASan catches any over-read.
  std::string chunk(reinterpret_cast<const char*>(data) + 1, size - 1);

  std::unique_ptr<ce::Iterator> it = ce::NewIterator(enc, chunk);
  std::vector<Sample> decoded;
  while (it->Next()) decoded.push_back(it->sample());
  if (decoded.size() > static_cast<size_t>(ce::kMaxSamplesPerChunk)) std::abort();
  (void)ce::Validate(enc, chunk);
  (void)ce::NumSamples(enc, chunk);
  (void)ce::TimeBounds(enc, chunk);
  if (!decoded.empty()) {
    it->Reset(chunk);
    int64_t target = decoded[decoded.size() / 2].t;
    if (it->Seek(target) && it->t() < target) std::abort();
    while (it->Next()) {
    }
  }
  CheckRoundTrip(decoded);

  std::vector<Sample> raw;
  for (size_t off = 1; off + 16 <= size && raw.size() < 4000; off += 16) {
    const char* p = reinterpret_cast<const char*>(data) + off;
    raw.push_back({static_cast<int64_t>(vigil::DecodeFixed64BE(p)),
                   vigil::BitsDouble(vigil::DecodeFixed64BE(p + 8))});
  }
  CheckRoundTrip(raw);
  return 0;
}
