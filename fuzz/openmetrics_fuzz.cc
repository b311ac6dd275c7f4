// Fuzzes the OpenMetrics parser (with and without its family rules): parses
// the input to the end, calling every accessor of every entry
// (parser_walk.h).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "collect/textparse/parser.h"
#include "parser_walk.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  // The first byte picks the options, the rest is the body.
  vigil::textparse::OpenMetricsOptions opts;
  opts.validate_families = (data[0] & 1) == 0;
  std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  auto p = vigil::textparse::NewOpenMetricsParser(body, opts);
  return WalkParser(p.get());
}
