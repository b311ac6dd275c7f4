// Fuzzes the service-discovery file and HTTP body parsers: the first byte
// picks JSON file, YAML file or http_sd body; the result is groups or an
// error, and every target of a group must have an __address__.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "collect/discovery/discovery.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1 || size > 64 * 1024) return 0;
  std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  vigil::Result<std::vector<vigil::config::TargetGroup>> groups =
      data[0] % 3 == 0   ? vigil::discovery::ParseFileSD(body, "targets.json")
      : data[0] % 3 == 1 ? vigil::discovery::ParseFileSD(body, "targets.yml")
                         : vigil::discovery::ParseHTTPSD(body, "http://sd.example/targets");
  if (!groups.ok()) return 0;
  for (const auto& g : *groups) {
    for (const auto& t : g.targets) {
      if (!t.Has("__address__")) __builtin_trap();
    }
  }
  return 0;
}
