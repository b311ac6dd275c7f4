// Internal to discovery: one file_sd_configs entry, polled. Owned and used
// by the Manager's thread only (not thread-safe).
//
// Check() re-globs the patterns, stats every file and re-reads those that are
// new or changed (mtime, size, inode) or, when `reread_all`, every file. A
// file that vanished loses its groups; one that fails to parse keeps its last
// good groups and counts a read error.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/metrics.h"
#include "config/config.h"

namespace vigil::discovery {

// Paths matching one pattern, sorted: wildcards (* ? [...]) are allowed in
// the last path element only, as Prometheus' config requires; `*` matches a
// leading dot too, as Go's filepath.Match does.
std::vector<std::string> GlobLastElement(const std::string& pattern);

class FileProvider {
 public:
  FileProvider(config::FileSDConfig cfg, metrics::Counter* read_errors)
      : cfg_(std::move(cfg)), read_errors_(read_errors) {}

  // True when the groups changed.
  bool Check(bool reread_all);
  // Every group of every file, files in path order.
  void AppendGroups(std::vector<config::TargetGroup>* out) const;
  const config::FileSDConfig& cfg() const { return cfg_; }

 private:
  struct FileState {
    int64_t mtime_ns = 0;
    int64_t size = -1;
    ino_t ino = 0;
    std::vector<config::TargetGroup> groups;
  };

  const config::FileSDConfig cfg_;
  metrics::Counter* read_errors_;
  std::map<std::string, FileState> files_;
};

}  // namespace vigil::discovery
