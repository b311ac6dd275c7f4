// Fuzzes the Prometheus config loader: any bytes must give a Config or an
// error (never a crash, a hang or an exception escaping). A loaded config
// is loaded again from the same text and must give the same scrape jobs.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "config/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto cfg = vigil::config::LoadString(text, "fuzz.yml", "/nonexistent");
  if (!cfg.ok()) return 0;
  auto again = vigil::config::LoadString(text, "fuzz.yml", "/nonexistent");
  if (!again.ok() || again->scrape_configs.size() != cfg->scrape_configs.size()) __builtin_trap();
  return 0;
}
