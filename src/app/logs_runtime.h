// The logs side of `vigil serve`: the log store, the forwarders, the
// pipeline router and the sources (syslog listeners, file tailers, cloud
// log APIs polled with the credentials of a cloud_configs entry), built
// from the config's `logs:` section plus the --syslog-listen / --tail flags,
// and rebuilt on reload. Loki push and OTLP arrive through the HTTP API
// (src/api/loki), which takes push_sink() from here.
//
//   sources ──► PipelineEntry(pipeline) ──► Router (current) ──► store / forwarders
//
// Sources never hold the Router itself but a PipelineEntry, which looks up
// the current Router under a shared lock for every batch, so a reload swaps
// the Router between two batches without stopping the sources. Sources and
// forwarders whose config did not change are kept across a reload; the log
// store's settings take effect only at start (a change is logged).
//
// Thread-safety: ApplyConfig and Stop are called from the reloading thread
// (one at a time); push_sink() and the readers may be used from any thread.
#pragma once

#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <vector>

#include "api/targets/log_status.h"
#include "base/last_error.h"
#include "base/metrics.h"
#include "base/status.h"
#include "config/config.h"
#include "model/log_record.h"
#include "storage/logstore/log_reader.h"
#include "storage/storage.h"

namespace vigil::logs {
class SyslogServer;
class Tailer;
}  // namespace vigil::logs
namespace vigil::logstore {
class LogStore;
}
namespace vigil::cloudlogs {
class CloudLogSource;
}
namespace vigil::logql {
class Engine;
}
namespace vigil::forward {
class Forwarder;
}
namespace vigil::pipeline {
class Router;
}

namespace vigil::app {

struct LogsFlags {
  std::vector<std::string> syslog_listen;  // --syslog-listen host:port (TCP), udp://host:port
  std::vector<std::string> tail;           // --tail glob
  std::vector<std::string> tail_labels;    // --tail.label name=value
};

// Checks what only the pipeline module can check (conditions, templates,
// Lua syntax, timestamp layouts), for `vigil check config`: builds the
// pipelines against stand-in sinks. Errors name the pipeline and the step's
// line.
Status CheckLogPipelines(const config::Config& cfg);

class LogsRuntime {
 public:
  LogsRuntime(std::string data_dir, LogsFlags flags, storage::Appendable* metrics_out,
              metrics::Registry* registry);
  ~LogsRuntime();
  LogsRuntime(const LogsRuntime&) = delete;
  LogsRuntime& operator=(const LogsRuntime&) = delete;

  // At the first call opens the store; then (re)builds forwarders, the
  // router and sources. On error the running setup stays.
  Status ApplyConfig(const config::Config& cfg);

  bool enabled() const { return store_ != nullptr; }
  logstore::LogReader* reader() const;
  logql::Engine* engine() const { return engine_.get(); }
  // Records pushed over HTTP (Loki, OTLP): the push pipeline, with the
  // configured push labels added.
  model::LogSink* push_sink() { return &push_entry_; }

  // Stops the sources (each hands over what it has), then the forwarders,
  // then closes the store. Idempotent.
  void Stop();

  // Every running source and sink with the newest error it met
  // (/api/v1/status/logs). A source's error is the newer of its own (a file
  // it cannot read, a failed poll) and its pipeline entry's (records the
  // pipeline or the store refused).
  std::vector<api::targets::LogComponentStatus> ComponentStatus() const;
  // A refused push (LokiApiOptions::on_push_error); protocol "loki" or "otlp".
  void NotePushError(std::string_view protocol, std::string message);

 private:
  class PipelineEntry : public model::LogSink {
   public:
    PipelineEntry(LogsRuntime* rt, std::string pipeline)
        : rt_(rt), pipeline_(std::move(pipeline)) {}
    model::ConsumeResult Consume(model::LogBatch& batch) override;
    void set_pipeline(std::string p);
    void set_labels(std::map<std::string, std::string> labels);
    std::string pipeline() const;
    // Batches refused and records rejected downstream, as text.
    LastError last_error() const { return note_.Get(); }

   private:
    LogsRuntime* rt_;
    LastErrorNote note_;
    mutable std::shared_mutex mu_;
    std::string pipeline_;
    std::map<std::string, std::string> labels_;  // added to each record's stream (push)
  };
  struct RunningSource {
    config::LogSourceConfig config;
    std::unique_ptr<PipelineEntry> entry;
    std::unique_ptr<logs::SyslogServer> syslog;
    std::unique_ptr<logs::Tailer> tailer;
    std::unique_ptr<cloudlogs::CloudLogSource> cloud;
    // The cloud_configs entry a cloud log source uses (its credentials):
    // a changed entry restarts the source.
    config::CloudConfigs cloud_entry;
    ~RunningSource();
    void Stop();
  };
  struct RunningForwarder {
    config::LogForwarderConfig config;
    std::unique_ptr<forward::Forwarder> forwarder;
  };

  Status ApplyConfigLocked(const config::Config& cfg);
  Status OpenStore(const config::LogStoreConfig& sc);
  std::vector<config::LogSourceConfig> SourcesWithFlags(const config::LogsConfig& logs) const;
  Result<std::unique_ptr<RunningSource>> StartSource(const config::LogSourceConfig& sc,
                                                     const config::CloudConfigs& clouds);
  Status StartCloudSource(const config::LogSourceConfig& sc, RunningSource* rs);

  const std::string data_dir_;
  const LogsFlags flags_;
  storage::Appendable* const metrics_out_;
  metrics::Registry* const registry_;

  // Guards forwarders_ and sources_ (changed by ApplyConfig and Stop,
  // read by ComponentStatus from HTTP threads).
  mutable std::shared_mutex components_mu_;
  std::unique_ptr<logstore::LogStore> store_;
  config::LogStoreConfig store_config_;
  std::unique_ptr<logql::Engine> engine_;
  std::map<std::string, RunningForwarder> forwarders_;
  std::map<std::string, std::unique_ptr<RunningSource>> sources_;

  std::shared_mutex router_mu_;  // guards router_
  std::unique_ptr<pipeline::Router> router_;
  PipelineEntry push_entry_{this, "default"};
  LastErrorNote loki_push_errors_;
  LastErrorNote otlp_push_errors_;
  bool stopped_ = false;
};

}  // namespace vigil::app
