// Fuzzes ParseLogfmt (both option sets) and the sanitizer on arbitrary bytes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "process/logparse/logparse.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view line(reinterpret_cast<const char*>(data), size);
  vigil::logparse::Fields out;
  (void)vigil::logparse::ParseLogfmt(line, &out);
  for (const auto& [name, value] : out) {
    if (name.empty()) __builtin_trap();  // names are always sanitized, never empty
  }
  out.clear();
  (void)vigil::logparse::ParseLogfmt(line, &out, {.strict = true, .keep_empty = false});
  for (const auto& [name, value] : out) {
    if (value.empty()) __builtin_trap();  // keep_empty=false drops empty values
  }
  (void)vigil::logparse::SanitizeFieldName(line);
  return 0;
}
