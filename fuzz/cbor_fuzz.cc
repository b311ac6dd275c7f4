// Fuzzes the cloud simulator's CBOR decoder (the Smithy RPCv2 CBOR request
// bodies of CloudWatch): any input must decode or fail cleanly, and what
// decodes must survive an encode/decode round trip unchanged. Any crash,
// sanitizer report, leak or trap is a bug.
#include <stddef.h>
#include <stdint.h>

#include <string_view>

#include "tools/cloudsim/cbor.h"

using vigil::cloudsim::cbor::Decode;
using vigil::cloudsim::cbor::DecodeLimits;
using vigil::cloudsim::cbor::Diagnostic;
using vigil::cloudsim::cbor::Encode;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  DecodeLimits limits;
  limits.max_string_bytes = 1 << 20;
  limits.max_items = 1 << 16;
  auto v = Decode(in, limits);
  if (!v.ok()) {
    if (v.status().message().empty()) __builtin_trap();
    return 0;
  }
  std::string encoded = Encode(*v);
  auto again = Decode(encoded, limits);
  if (!again.ok() || !(*again == *v)) __builtin_trap();
  (void)Diagnostic(*v);
  return 0;
}
