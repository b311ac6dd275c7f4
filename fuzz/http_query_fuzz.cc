// Fuzz target for URL query-string and percent decoding (every request's
// parameters go through it): no crash, and decoding never grows the input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "api/http/http.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view s(reinterpret_cast<const char*>(data), size);
  vigil::http::Params params = vigil::http::ParseQueryString(s);
  size_t total = 0;
  for (const auto& [k, v] : params) total += k.size() + v.size();
  if (total > size) std::abort();
  if (vigil::http::PercentDecode(s, true).size() > size) std::abort();
  if (vigil::http::PercentDecode(s, false).size() > size) std::abort();
  return 0;
}
