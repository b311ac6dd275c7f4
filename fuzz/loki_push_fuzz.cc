// Fuzz target for the Loki push decoders. The first byte picks JSON or
// protobuf (the rest is the raw protobuf, snappy-compressed here so that the
// fuzzer explores the message decoder rather than snappy's). Bad input must
// fail with a message; whatever decodes must re-encode (both encoders) and
// decode again to the same records.
#include <snappy.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "collect/logs/push/push_decode.h"

namespace {

void Same(const std::vector<vigil::model::LogRecord>& a,
          const std::vector<vigil::model::LogRecord>& b) {
  if (a.size() != b.size()) std::abort();
  // The encoders group by stream: compare as multisets of (stream, body, time).
  auto key = [](const vigil::model::LogRecord& r) {
    return r.stream.ToString() + "\x01" + r.body + "\x01" + std::to_string(r.EffectiveTime());
  };
  std::vector<std::string> ka, kb;
  for (const auto& r : a) ka.push_back(key(r));
  for (const auto& r : b) kb.push_back(key(r));
  std::sort(ka.begin(), ka.end());
  std::sort(kb.begin(), kb.end());
  if (ka != kb) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  vigil::logs::DecodeOptions opts;
  opts.observed_time_ns = 1;
  opts.max_records = 10000;
  opts.max_body_bytes_decompressed = 1 << 20;
  std::vector<vigil::model::LogRecord> out;
  vigil::Status s;
  switch (data[0] % 3) {
    case 0:
      s = vigil::logs::DecodeLokiPush("application/json", "", rest, opts, &out);
      break;
    case 1: {
      std::string compressed;
      snappy::Compress(rest.data(), rest.size(), &compressed);
      s = vigil::logs::DecodeLokiPush("application/x-protobuf", "", compressed, opts, &out);
      break;
    }
    default:
      s = vigil::logs::DecodeLokiPush("application/x-protobuf", "", rest, opts, &out);
      break;
  }
  if (!s.ok()) {
    if (s.message().empty() || !out.empty()) std::abort();
    return 0;
  }
  for (auto& r : out) {
    // The JSON encoder needs valid UTF-8 (JSON text); the decoders keep
    // protobuf bytes as they are, which the pipeline checks later.
    if (r.stream.empty()) std::abort();
  }
  std::vector<vigil::model::LogRecord> again;
  if (!vigil::logs::DecodeLokiPush("application/x-protobuf", "",
                                   vigil::logs::EncodeLokiPushProto(out), opts, &again)
           .ok()) {
    std::abort();
  }
  Same(out, again);
  // JSON: the same number of records (invalid UTF-8 is replaced, so the
  // bytes may differ).
  again.clear();
  if (!vigil::logs::DecodeLokiPush("application/json", "", vigil::logs::EncodeLokiPushJson(out),
                                   opts, &again)
           .ok() ||
      again.size() != out.size()) {
    std::abort();
  }
  return 0;
}
