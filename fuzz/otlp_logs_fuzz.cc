// Fuzz target for the OTLP logs decoders: the first byte picks protobuf or
// JSON. Bad input must fail with a message and leave no records; what
// decodes must carry a valid stream label set (service_name at least).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "collect/logs/push/push_decode.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  vigil::logs::DecodeOptions opts;
  opts.observed_time_ns = 1;
  opts.max_records = 10000;
  opts.max_body_bytes_decompressed = 1 << 20;
  std::vector<vigil::model::LogRecord> out;
  vigil::Status s = vigil::logs::DecodeOtlpLogs(
      data[0] % 2 == 0 ? "application/x-protobuf" : "application/json", "", rest, opts, &out);
  if (!s.ok()) {
    if (s.message().empty() || !out.empty()) std::abort();
    return 0;
  }
  for (const auto& r : out) {
    if (r.stream.Get("service_name").empty()) std::abort();
  }
  return 0;
}
