// Fuzzes the Prometheus text parser: parses the input to the end, calling
// every accessor of every entry (parser_walk.h).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "collect/textparse/parser.h"
#include "parser_walk.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  auto p = vigil::textparse::NewPromTextParser(body);
  return WalkParser(p.get());
}
