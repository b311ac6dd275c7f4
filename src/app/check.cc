#include "app/check.h"

#include <fmt/format.h>
#include <glob.h>

#include "app/config.h"
#include "base/file.h"
#include "collect/discovery/discovery.h"
#include "config/config.h"
#ifdef VIGIL_WITH_LOGS
#include "app/logs_runtime.h"
#endif

namespace vigil::app {

namespace {

std::vector<std::string> Glob(const std::string& pattern) {
  std::vector<std::string> out;
  glob_t g{};
  if (::glob(pattern.c_str(), 0, nullptr, &g) == 0) {
    for (size_t i = 0; i < g.gl_pathc; ++i) out.emplace_back(g.gl_pathv[i]);
  }
  globfree(&g);
  return out;
}

// The file_sd files a config names that exist now, each parsed as
// discovery would.
bool CheckSDFiles(const config::Config& cfg, std::FILE* out) {
  bool ok = true;
  for (const auto& sc : cfg.scrape_configs) {
    for (const auto& fsd : sc.file_sd_configs) {
      for (const auto& pattern : fsd.files) {
        for (const auto& file : Glob(pattern)) {
          auto text = fs::ReadFile(file);
          if (!text.ok()) {
            fmt::print(out, "  FAILED: {}: {}\n", file, text.status().message());
            ok = false;
            continue;
          }
          auto groups = discovery::ParseFileSD(*text, file);
          if (!groups.ok()) {
            fmt::print(out, "  FAILED: checking SD file {}: {}\n", file, groups.status().message());
            ok = false;
          }
        }
      }
    }
  }
  return ok;
}

}  // namespace

int CheckConfig(const std::vector<std::string>& files, std::FILE* out) {
  bool all_ok = true;
  for (const auto& file : files) {
    fmt::print(out, "Checking {}\n", file);
    ServeConfig scratch;
    Status s = LoadConfigFile(file, &scratch, {});
    Result<config::Config> cfg = s.ok() ? config::LoadFile(file) : Result<config::Config>(s);
    if (!cfg.ok()) {
      fmt::print(out, "  FAILED: {}\n\n", cfg.status().message());
      all_ok = false;
      continue;
    }
    size_t rule_files = 0;
    for (const auto& pattern : cfg->rule_files) rule_files += Glob(pattern).size();
    bool sd_ok = CheckSDFiles(*cfg, out);
#ifdef VIGIL_WITH_LOGS
    if (Status ls = CheckLogPipelines(*cfg); !ls.ok()) {
      fmt::print(out, "  FAILED: {}: {}\n", file, ls.message());
      sd_ok = false;
    }
#endif
    all_ok = all_ok && sd_ok;
    if (rule_files > 0) {
      fmt::print(out, "  SUCCESS: {} rule files found\n", rule_files);
    }
    if (sd_ok) {
      fmt::print(out, " SUCCESS: {} is valid prometheus config file syntax\n", file);
    }
    fmt::print(out, "\n");
  }
  return all_ok ? 0 : 1;
}

}  // namespace vigil::app
