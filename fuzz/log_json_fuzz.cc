// Fuzzes the JSON-based parsers: ParseJson, JsonPath (Make on the first line
// of the input, Extract on the rest) and Unpack.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "process/logparse/logparse.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string_view expression = "a.b[0]";
  std::string_view line = input;
  if (size_t nl = input.find('\n'); nl != std::string_view::npos && nl < 64) {
    expression = input.substr(0, nl);
    line = input.substr(nl + 1);
  }
  vigil::logparse::Fields out;
  (void)vigil::logparse::ParseJson(line, &out);
  auto path = vigil::logparse::JsonPath::Make(expression);
  if (path.ok()) (void)(*path)->Extract(line);
  out.clear();
  std::string new_line;
  (void)vigil::logparse::Unpack(line, &out, &new_line);
  return 0;
}
