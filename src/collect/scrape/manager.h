// The scrape manager: one pool per scrape job, one loop per target, kept in
// step with the config and with service discovery.
//
//   config ──ApplyConfig──► pools (job settings, relabel rules compiled)
//      └──► discovery ──target groups──► Sync ──► PopulateTarget ──► loops
//
// A reload (ApplyConfig again) leaves jobs whose config is unchanged alone;
// a changed job keeps the loops of targets that are still the same (same
// labels and URL) with their series cache, so their series continue without
// a gap; targets that disappear, and removed jobs, get staleness markers.
// target_limit: when a job has more targets than allowed, every one of its
// scrapes fails with "target_limit exceeded" until it has fewer.
//
// Thread-safety: every method may be called from any thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/metrics.h"
#include "base/status.h"
#include "collect/discovery/discovery.h"
#include "collect/scrape/scrape_loop.h"
#include "config/config.h"
#include "storage/storage.h"

namespace vigil::scrape {

struct ActiveTarget {
  std::string pool;
  model::Labels discovered;
  model::Labels labels;  // public labels
  std::string url;
  int64_t interval_ms = 0;
  int64_t timeout_ms = 0;
  LoopStatus status;
  TargetMetadata metadata;  // filled only by TargetsMetadata
};

struct DroppedTarget {
  std::string pool;
  model::Labels discovered;
};

struct ManagerOptions {
  discovery::ManagerOptions discovery;
  std::string user_agent = "Vigil";
};

class Manager {
 public:
  Manager(storage::Appendable* storage, metrics::Registry* registry,
          const ManagerOptions& opts = {});
  ~Manager();

  // Applies the scrape_configs of cfg (already validated by config::Load).
  // Returns an error (and changes nothing) if a relabel rule fails to
  // compile.
  Status ApplyConfig(const config::Config& cfg);
  // Target groups per job, from discovery (or tests).
  void Sync(const discovery::TargetSets& sets);
  // Stops discovery and every loop, without staleness markers (shutdown).
  void Stop();

  std::vector<std::string> Pools() const;
  std::vector<ActiveTarget> ActiveTargets(bool with_metadata = false) const;
  std::vector<DroppedTarget> DroppedTargets() const;
  std::map<std::string, size_t> DroppedTargetCounts() const;

 private:
  struct Pool;
  void SyncPoolLocked(Pool* pool, const std::vector<config::TargetGroup>& groups,
                      std::vector<std::unique_ptr<ScrapeLoop>>* to_stop);
  static void StopLoops(std::vector<std::unique_ptr<ScrapeLoop>> loops, bool mark_stale);

  storage::Appendable* storage_;
  metrics::Registry* registry_;
  const ManagerOptions opts_;
  uint64_t offset_seed_ = 0;

  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<Pool>> pools_;
  bool stopped_ = false;
  std::unique_ptr<discovery::Manager> discovery_;
  metrics::FuncHandle targets_gauge_;
};

}  // namespace vigil::scrape
