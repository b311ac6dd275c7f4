// Service discovery: turns a scrape job's static_configs, file_sd_configs
// and http_sd_configs into the job's current list of target groups, and
// tells the scrape layer whenever that list changes.
//
//   static_configs   the groups as written;
//   file_sd_configs  JSON or YAML files (globs on the file name), re-read when
//                    a file changes (checked every few seconds) and every
//                    refresh_interval; each target gets __meta_filepath. A
//                    file that fails to parse keeps its last good groups and
//                    is counted in vigil_sd_file_read_errors_total;
//   http_sd_configs  GET url every refresh_interval (JSON list of {targets,
//                    labels}); each target gets __meta_url. A failed refresh
//                    keeps the last good groups and is counted in
//                    vigil_sd_http_failures_total.
//
// Updates are coalesced as Prometheus' discovery manager does (at most one
// callback per `update_interval`, 5 s by default), and a job whose configs
// did not change keeps its providers across ApplyConfig. After ApplyConfig
// one update is always sent: as soon as the files are read and every new
// http_sd provider has finished its first refresh (well or not), and at the
// latest after update_interval, so a slow http_sd does not hold up the rest.
// Later updates are sent only when the target sets changed.
//
// Threads: the manager's own thread does the file checks, the scheduling and
// the callbacks; each http_sd refresh runs on a short-lived thread so that a
// slow server delays nothing else; Stop aborts refreshes in flight at once.
// Metrics: vigil_sd_file_read_errors_total, vigil_sd_http_failures_total,
// vigil_sd_updates_total, vigil_sd_discovered_targets{job}.
//
// Thread-safety: Manager's methods may be called from any thread. The
// callback runs on the manager's own thread, never concurrently with itself,
// with no lock of the manager held (it may call ApplyConfig; Stop from the
// callback returns at once and the thread ends after the callback).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/metrics.h"
#include "base/result.h"
#include "base/status.h"
#include "config/config.h"

namespace vigil::discovery {

// What one job discovers from.
struct JobSD {
  std::vector<config::TargetGroup> static_configs;
  std::vector<config::FileSDConfig> file_sd_configs;
  std::vector<config::HTTPSDConfig> http_sd_configs;
  bool operator==(const JobSD&) const = default;
};

// job name -> every target group of the job, in a stable order.
using TargetSets = std::map<std::string, std::vector<config::TargetGroup>>;

struct ManagerOptions {
  int64_t update_interval_ms = 5000;
  int64_t file_check_interval_ms = 2000;  // how often files are stat'ed for changes
};

class Manager {
 public:
  // `on_update` receives the full TargetSets after each change. The first
  // call comes promptly after ApplyConfig (static groups need no waiting).
  static std::unique_ptr<Manager> New(std::function<void(const TargetSets&)> on_update,
                                      metrics::Registry* registry, const ManagerOptions& opts = {});
  virtual ~Manager() = default;
  // Replaces the set of jobs. Jobs whose JobSD is unchanged keep their
  // providers and last results; removed jobs disappear from the next update.
  virtual Status ApplyConfig(const std::map<std::string, JobSD>& jobs) = 0;
  // Stops every provider and the update thread; no callback runs afterwards.
  virtual void Stop() = 0;
};

// Parses a file_sd file's contents (JSON when the name ends in .json, YAML
// for .yml/.yaml), as Prometheus' file discovery does, including its
// validation messages. Exposed for tests and `vigil check config`. Each
// group gets source "<filename>:<index>" and the label __meta_filepath.
Result<std::vector<config::TargetGroup>> ParseFileSD(std::string_view content,
                                                     const std::string& filename);
// Parses an http_sd response body: the groups as written (no source, no
// __meta_url).
Result<std::vector<config::TargetGroup>> ParseHTTPSD(std::string_view body);
// The same as http_sd produces them from `url`: source "<url>:<index>" and
// the label __meta_url.
Result<std::vector<config::TargetGroup>> ParseHTTPSD(std::string_view body, const std::string& url);

}  // namespace vigil::discovery
