// The cloud manager: runs one collector per `cloud_configs:` entry, each on a
// thread of its own, and writes what every poll produced to storage.
//
//   ApplyConfig(cfg) ──CloudEntries──► factory ──► Collector ──► runner thread
//                                                                   │ every poll_interval
//   storage Appender ◄── PollSink (job=<name> added) ◄── Collector::Poll
//                    ◄── up, vigil_cloud_poll_duration_seconds,
//                        vigil_cloud_poll_samples {job=<name>, instance=<provider>/<name>}
//
// Schedule: a collector's first poll comes within first_poll_spread_ms of its
// start, at a phase fixed by a hash of provider/name (so collectors started
// together do not poll together, as scrape offsets spread targets); later
// polls keep that phase, every poll_interval_ms. A poll that overruns its
// interval skips the missed slots instead of polling back to back.
//
// Each poll gets its own Appender: the samples it added and the synthetic
// series are committed together when Poll returns, whether it succeeded or
// not (a failed poll keeps what it fetched before failing, and writes up=0).
//
// Reload: ApplyConfig compares each entry with the running one (the config
// structs' operator==); an unchanged collector keeps running, undisturbed;
// a changed or removed one is cancelled and joined (and its synthetic series
// get staleness markers), and new or changed entries start. A collector
// whose construction fails is listed as down with that error and retried at
// the next ApplyConfig; it never brings the process down.
//
// Thread-safety: every method may be called from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <variant>
#include <vector>

#include "base/metrics.h"
#include "base/result.h"
#include "base/status.h"
#include "collect/cloud/common/collector.h"
#include "config/config.h"
#include "model/labels.h"
#include "storage/storage.h"

namespace vigil::cloud {

// One entry of cloud_configs, whichever its provider.
struct CloudEntry {
  std::string provider;  // "aws", "azure", "gcp"
  std::string name;      // the job label
  int64_t poll_interval_ms = 0;
  std::variant<config::AWSCloudConfig, config::AzureCloudConfig, config::GCPCloudConfig> config;
  bool operator==(const CloudEntry&) const = default;
};

// The entries of a config, aws first, then azure, then gcp, in file order.
std::vector<CloudEntry> CloudEntries(const config::CloudConfigs& cfg);

// Builds the collector of an entry. Tests inject fakes through it.
using CollectorFactory =
    std::function<Result<std::unique_ptr<Collector>>(const CloudEntry&, metrics::Registry*)>;

// NewAwsCollector / NewAzureCollector / NewGcpCollector for the providers
// compiled into this build; Unimplemented for the others.
Result<std::unique_ptr<Collector>> DefaultCollectorFactory(const CloudEntry& entry,
                                                           metrics::Registry* registry);
// Which providers DefaultCollectorFactory can build ("aws", "azure", "gcp").
std::vector<std::string> CompiledInProviders();

// What /api/v1/targets shows for a collector.
struct CollectorStatus {
  std::string provider;
  std::string name;
  CollectorHealth health;
  int64_t poll_interval_ms = 0;
  model::Labels labels;  // {job=<name>, instance=<provider>/<name>}
  // The API endpoint polled: AWS `endpoint` (or CloudWatch's in the first
  // region), Azure `metrics_endpoint` (getBatch), GCP `endpoint`.
  std::string endpoint;
};

// CollectorStatus::endpoint of an entry.
std::string PolledEndpoint(const CloudEntry& entry);

struct CloudManagerOptions {
  // The first poll of a collector comes within this long after its start.
  int64_t first_poll_spread_ms = 5'000;
  // Mixed into the phase hash (tests set it to place polls).
  uint64_t offset_seed = 0;
};

class CloudManager {
 public:
  CloudManager(storage::Appendable* storage, metrics::Registry* registry,
               CollectorFactory factory = DefaultCollectorFactory, CloudManagerOptions opts = {});
  ~CloudManager();  // Stop()

  CloudManager(const CloudManager&) = delete;
  CloudManager& operator=(const CloudManager&) = delete;

  // Starts, keeps and stops collectors to match cfg.cloud_configs (already
  // validated by config::LoadFile). Construction failures do not fail the
  // call (they show in Collectors()); only a call after Stop does.
  Status ApplyConfig(const config::Config& cfg);
  // Cancels every collector and joins its thread. Idempotent.
  void Stop();

  // Every configured collector, sorted by provider and name.
  std::vector<CollectorStatus> Collectors() const;

 private:
  class Runner;

  storage::Appendable* storage_;
  metrics::Registry* registry_;
  CollectorFactory factory_;
  const CloudManagerOptions opts_;
  metrics::Family<metrics::Counter>* polls_;

  std::mutex apply_mu_;    // one ApplyConfig at a time
  mutable std::mutex mu_;  // guards the fields below
  bool stopped_ = false;
  std::map<std::string, std::unique_ptr<Runner>> runners_;  // by "<provider>/<name>"
};

}  // namespace vigil::cloud
