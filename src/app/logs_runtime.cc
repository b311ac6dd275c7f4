#include "app/logs_runtime.h"

#include <fmt/format.h>

#include <filesystem>
#include <mutex>
#include <set>

#include "base/file.h"
#include "base/logging.h"
#include "collect/logs/cloud/cloud_log_apis.h"
#include "collect/logs/cloud/cloud_log_source.h"
#include "collect/logs/syslog/syslog.h"
#include "collect/logs/tail/tailer.h"
#include "forward/forwarder.h"
#include "model/labels.h"
#include "process/pipeline/pipeline.h"
#include "query/logql/engine.h"
#include "storage/logstore/logstore.h"

namespace vigil::app {

namespace {

model::Labels LabelsFromMap(const std::map<std::string, std::string>& m) {
  std::vector<model::Label> v;
  v.reserve(m.size());
  for (const auto& [k, val] : m) v.push_back({k, val});
  return model::Labels::FromSorted(std::move(v));
}

logstore::LogStoreOptions StoreOptions(const config::LogStoreConfig& c) {
  logstore::LogStoreOptions o;
  o.retention_ms = c.retention_ms;
  o.retention_bytes = c.retention_bytes;
  o.max_streams = c.max_streams;
  o.max_line_bytes = c.max_line_bytes;
  o.max_labels_per_stream = c.max_labels_per_stream;
  o.reject_old_ms = c.reject_old_ms;
  o.reject_future_ms = c.reject_future_ms;
  o.wal_sync = c.fsync ? logstore::WalSync::kBatch : logstore::WalSync::kNone;
  return o;
}

// A path component from a source or forwarder name.
std::string FileName(std::string_view name) {
  std::string out;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.';
    out.push_back(ok ? c : '_');
  }
  if (out.empty() || out == "." || out == "..") out = "_" + out;
  return out;
}

// The cloud_configs entry a cloud log source names (empty for the others).
config::CloudConfigs CloudEntryFor(const config::LogSourceConfig& sc,
                                   const config::CloudConfigs& clouds) {
  config::CloudConfigs out;
  const std::string& name = sc.cloud.cloud;
  if (sc.type == "cloudwatch_logs") {
    for (const auto& a : clouds.aws) {
      if (a.name == name) out.aws.push_back(a);
    }
  } else if (sc.type == "azure_activity_log") {
    for (const auto& a : clouds.azure) {
      if (a.name == name) out.azure.push_back(a);
    }
  } else if (sc.type == "gcp_logging") {
    for (const auto& g : clouds.gcp) {
      if (g.name == name) out.gcp.push_back(g);
    }
  }
  return out;
}

// Stands in for the real sinks while a new config is checked.
class NullSink : public model::LogSink {
 public:
  model::ConsumeResult Consume(model::LogBatch&) override { return {}; }
};

}  // namespace

Status CheckLogPipelines(const config::Config& cfg) {
  config::LogsConfig logs = cfg.logs;
  bool has_default = false;
  for (const auto& p : logs.pipelines) has_default |= p.name == "default";
  if (!has_default) {
    config::LogPipelineConfig d;
    d.name = "default";
    logs.pipelines.push_back(std::move(d));
  }
  NullSink null_sink;
  metrics::Registry scratch;
  pipeline::RouterOptions ro;
  ro.config = &logs;
  ro.config_dir = cfg.source_file.empty()
                      ? std::string(".")
                      : std::filesystem::path(cfg.source_file).parent_path().string();
  ro.registry = &scratch;
  ro.derived_metrics_interval_ms = 0;  // no flusher thread
  ro.sinks["store"] = &null_sink;
  for (const auto& fc : logs.forwarders) ro.sinks[fc.name] = &null_sink;
  // Metric steps need an Appendable; a check never appends.
  class NoAppendable : public storage::Appendable {
   public:
    std::unique_ptr<storage::Appender> NewAppender() override { return nullptr; }
  } no_appendable;
  ro.metrics_out = &no_appendable;
  auto router = pipeline::Router::Make(ro);
  return router.ok() ? Status::OK() : router.status();
}

// ---- PipelineEntry ----------------------------------------------------------

model::ConsumeResult LogsRuntime::PipelineEntry::Consume(model::LogBatch& batch) {
  std::string pipeline;
  {
    std::shared_lock<std::shared_mutex> lock(mu_);
    pipeline = pipeline_;
    if (!labels_.empty()) {
      for (auto& r : batch.records) {
        model::LabelsBuilder b;
        b.Reset(r.stream);
        for (const auto& [k, v] : labels_) b.Set(k, v);
        r.stream = b.Build();
      }
    }
  }
  std::shared_lock<std::shared_mutex> lock(rt_->router_mu_);
  if (rt_->router_ == nullptr) {
    return {Status::Unavailable("the log pipeline is not running"), {}};
  }
  model::LogSink* sink = rt_->router_->Source(pipeline);
  if (sink == nullptr) {
    return {Status::Internal(fmt::format("log pipeline \"{}\" does not exist", pipeline)), {}};
  }
  const size_t total = batch.records.size();
  model::ConsumeResult res = sink->Consume(batch);
  if (std::string refused = model::DescribeRefusal(res, total); !refused.empty()) {
    note_.Record(fmt::format("pipeline \"{}\": {}", pipeline, refused));
  }
  return res;
}

std::string LogsRuntime::PipelineEntry::pipeline() const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  return pipeline_;
}

void LogsRuntime::PipelineEntry::set_pipeline(std::string p) {
  std::unique_lock<std::shared_mutex> lock(mu_);
  pipeline_ = std::move(p);
}

void LogsRuntime::PipelineEntry::set_labels(std::map<std::string, std::string> labels) {
  std::unique_lock<std::shared_mutex> lock(mu_);
  labels_ = std::move(labels);
}

// ---- LogsRuntime ------------------------------------------------------------

LogsRuntime::LogsRuntime(std::string data_dir, LogsFlags flags, storage::Appendable* metrics_out,
                         metrics::Registry* registry)
    : data_dir_(std::move(data_dir)),
      flags_(std::move(flags)),
      metrics_out_(metrics_out),
      registry_(registry) {}

LogsRuntime::~LogsRuntime() { Stop(); }

logstore::LogReader* LogsRuntime::reader() const { return store_.get(); }

Status LogsRuntime::OpenStore(const config::LogStoreConfig& sc) {
  auto store = logstore::LogStore::Open(fs::Join(data_dir_, "logs"), StoreOptions(sc), registry_);
  if (!store.ok()) {
    return store.status().WithContext("opening the log store");
  }
  store_ = std::move(*store);
  store_config_ = sc;
  engine_ = std::make_unique<logql::Engine>(store_.get(), logql::EngineOptions{});
  return Status::OK();
}

std::vector<config::LogSourceConfig> LogsRuntime::SourcesWithFlags(
    const config::LogsConfig& logs) const {
  std::vector<config::LogSourceConfig> out = logs.sources;
  for (size_t i = 0; i < flags_.syslog_listen.size(); ++i) {
    config::LogSourceConfig s;
    s.name = fmt::format("flag-syslog-{}", i);
    s.type = "syslog";
    std::string addr = flags_.syslog_listen[i];
    if (addr.rfind("udp://", 0) == 0) {
      s.syslog.protocol = "udp";
      addr = addr.substr(6);
    } else if (addr.rfind("tcp://", 0) == 0) {
      addr = addr.substr(6);
    }
    s.syslog.listen = addr;
    out.push_back(std::move(s));
  }
  if (!flags_.tail.empty()) {
    config::LogSourceConfig s;
    s.name = "flag-tail";
    s.type = "file";
    s.file.include = flags_.tail;
    for (const auto& kv : flags_.tail_labels) {
      auto eq = kv.find('=');
      if (eq != std::string::npos) s.labels[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    out.push_back(std::move(s));
  }
  return out;
}

LogsRuntime::RunningSource::~RunningSource() { Stop(); }

void LogsRuntime::RunningSource::Stop() {
  if (syslog) syslog->Stop();
  if (tailer) tailer->Stop();
  if (cloud) cloud->Stop();
}

Result<std::unique_ptr<LogsRuntime::RunningSource>> LogsRuntime::StartSource(
    const config::LogSourceConfig& sc, const config::CloudConfigs& clouds) {
  auto rs = std::make_unique<RunningSource>();
  rs->config = sc;
  rs->cloud_entry = CloudEntryFor(sc, clouds);
  rs->entry = std::make_unique<PipelineEntry>(this, sc.pipeline);
  if (sc.type == "syslog") {
    logs::SyslogServerOptions o;
    o.name = sc.name;
    o.listen = sc.syslog.listen;
    o.protocol = sc.syslog.protocol == "udp" ? logs::SyslogServerOptions::Protocol::kUdp
                                             : logs::SyslogServerOptions::Protocol::kTcp;
    if (sc.syslog.framing == "newline") {
      o.framing = logs::SyslogServerOptions::Framing::kNewline;
    } else if (sc.syslog.framing == "octet_counting") {
      o.framing = logs::SyslogServerOptions::Framing::kOctetCounting;
    }
    o.max_message_bytes = sc.syslog.max_message_bytes;
    o.threads = 2;  // the connections of a busy sender spread over both cores
    o.labels = LabelsFromMap(sc.labels);
    o.registry = registry_;
    auto server = logs::SyslogServer::Start(std::move(o), rs->entry.get());
    if (!server.ok()) {
      return server.status().WithContext(fmt::format("log source \"{}\"", sc.name));
    }
    rs->syslog = std::move(*server);
  } else if (sc.type == "file") {
    logs::TailerOptions o;
    o.name = sc.name;
    o.include = sc.file.include;
    o.exclude = sc.file.exclude;
    o.labels = LabelsFromMap(sc.labels);
    o.start_at_end = sc.file.start_at_end;
    o.multiline_start = sc.file.multiline_start;
    o.multiline_max_lines = sc.file.multiline_max_lines;
    o.multiline_timeout_ms = static_cast<int>(sc.file.multiline_timeout_ms);
    o.max_line_bytes = sc.file.max_line_bytes;
    o.read_rate_bytes_per_sec = sc.file.read_rate_bytes_per_sec;
    o.poll_interval_ms = static_cast<int>(sc.file.poll_interval_ms);
    std::string dir = fs::Join(data_dir_, "tail-positions");
    VIGIL_RETURN_IF_ERROR(fs::CreateDirs(dir));
    o.positions_file = fs::Join(dir, FileName(sc.name) + ".positions");
    logstore::LogStore* store = store_.get();
    o.initial_state = [store](const std::string& source) { return store->SourceState(source); };
    o.registry = registry_;
    auto tailer = logs::Tailer::Start(std::move(o), rs->entry.get());
    if (!tailer.ok()) {
      return tailer.status().WithContext(fmt::format("log source \"{}\"", sc.name));
    }
    rs->tailer = std::move(*tailer);
  } else {
    VIGIL_RETURN_IF_ERROR(StartCloudSource(sc, rs.get()));
  }
  return rs;
}

Status LogsRuntime::StartCloudSource(const config::LogSourceConfig& sc, RunningSource* rs) {
  cloudlogs::CloudLogApiDeps deps;
  deps.source_name = sc.name;
  deps.registry = registry_;
  Result<std::vector<std::unique_ptr<cloudlogs::CloudLogApi>>> apis = Status::InvalidArgument(
      fmt::format("no cloud config {} for log source {}", sc.cloud.cloud, sc.name));
  const config::CloudConfigs& e = rs->cloud_entry;
  if (sc.type == "cloudwatch_logs" && !e.aws.empty()) {
    apis = cloudlogs::NewCloudWatchLogsApis(sc.cloud, e.aws[0], deps);
  } else if (sc.type == "azure_activity_log" && !e.azure.empty()) {
    apis = cloudlogs::NewAzureActivityLogApis(sc.cloud, e.azure[0], deps);
  } else if (sc.type == "gcp_logging" && !e.gcp.empty()) {
    apis = cloudlogs::NewGcpLoggingApis(sc.cloud, e.gcp[0], deps);
  }
  if (!apis.ok()) return apis.status().WithContext(fmt::format("log source \"{}\"", sc.name));
  cloudlogs::CloudLogSourceOptions o;
  o.name = sc.name;
  o.labels = LabelsFromMap(sc.labels);
  o.poll_interval_ms = sc.cloud.poll_interval_ms;
  o.delay_ms = sc.cloud.delay_ms;
  o.lookback_ms = sc.cloud.lookback_ms;
  o.max_window_ms = sc.cloud.max_window_ms;
  logstore::LogStore* store = store_.get();
  o.initial_state = [store](const std::string& key) { return store->SourceState(key); };
  o.state_dir = fs::Join(fs::Join(data_dir_, "cloud-log-positions"), FileName(sc.name));
  o.registry = registry_;
  auto src = cloudlogs::CloudLogSource::Create(std::move(o), std::move(*apis), rs->entry.get());
  if (!src.ok()) return src.status().WithContext(fmt::format("log source \"{}\"", sc.name));
  rs->cloud = std::move(*src);
  rs->cloud->Start();
  return Status::OK();
}

Status LogsRuntime::ApplyConfig(const config::Config& cfg) {
  std::unique_lock<std::shared_mutex> lock(components_mu_);
  return ApplyConfigLocked(cfg);
}

Status LogsRuntime::ApplyConfigLocked(const config::Config& cfg) {
  auto log = log::Get("logs");
  if (stopped_) return Status::FailedPrecondition("the logs runtime is stopped");
  config::LogsConfig logs = cfg.logs;
  if (!logs.enabled) {
    if (store_ != nullptr) log->warn("logs.enabled: false takes effect at the next start");
    if (store_ == nullptr) return Status::OK();
  }
  bool has_default = false;
  for (const auto& p : logs.pipelines) has_default |= p.name == "default";
  if (!has_default) {
    config::LogPipelineConfig d;
    d.name = "default";
    logs.pipelines.push_back(std::move(d));
  }
  if (store_ == nullptr) {
    VIGIL_RETURN_IF_ERROR(OpenStore(logs.store));
  } else if (!(logs.store == store_config_)) {
    log->warn("changes to logs.store take effect at the next start");
  }

  // Check the pipelines first, against stand-in sinks, so that a bad config
  // is refused before anything running is touched.
  VIGIL_RETURN_IF_ERROR(CheckLogPipelines(cfg));
  pipeline::RouterOptions ro;
  ro.config = &logs;
  ro.config_dir = cfg.source_file.empty()
                      ? std::string(".")
                      : std::filesystem::path(cfg.source_file).parent_path().string();
  ro.metrics_out = metrics_out_;
  ro.registry = registry_;

  // Forwarders: keep the unchanged, start the new and changed ones. (A
  // forwarder that fails to start leaves the ones before it started: its
  // error is returned and the next reload tries again.)
  std::map<std::string, RunningForwarder> next_forwarders;
  for (const auto& fc : logs.forwarders) {
    auto it = forwarders_.find(fc.name);
    if (it != forwarders_.end() && it->second.config == fc) {
      next_forwarders[fc.name] = std::move(it->second);
      forwarders_.erase(it);
      continue;
    }
    std::string dir = fs::Join(fs::Join(data_dir_, "forward"), FileName(fc.name));
    // The old forwarder of a changed config holds the queue directory: stop
    // it first (what it holds stays queued on disk for the new one).
    if (it != forwarders_.end()) {
      it->second.forwarder->Stop(0);
      forwarders_.erase(it);
    }
    auto f = forward::Forwarder::Start(fc, dir, registry_);
    if (!f.ok()) {
      for (auto& [name, rf] : next_forwarders) forwarders_[name] = std::move(rf);
      return f.status().WithContext(fmt::format("log forwarder \"{}\"", fc.name));
    }
    next_forwarders[fc.name] = RunningForwarder{fc, std::move(*f)};
  }

  ro.sinks["store"] = store_.get();
  for (auto& [name, rf] : next_forwarders) ro.sinks[name] = rf.forwarder.get();
  auto router = pipeline::Router::Make(ro);
  if (!router.ok()) {
    for (auto& [name, rf] : next_forwarders) forwarders_[name] = std::move(rf);
    return router.status();
  }
  {
    std::unique_lock<std::shared_mutex> lock(router_mu_);
    std::swap(router_, *router);
  }
  // The old router (now in *router) may still hold pointers to removed
  // forwarders; no Consume can reach it any more.
  router->reset();
  for (auto& [name, rf] : forwarders_) rf.forwarder->Stop(5000);
  forwarders_ = std::move(next_forwarders);

  push_entry_.set_pipeline(logs.push.pipeline);
  push_entry_.set_labels(logs.push.labels);

  // Sources: stop the removed and changed ones, start the new and changed.
  std::vector<config::LogSourceConfig> wanted = SourcesWithFlags(logs);
  std::set<std::string> wanted_names;
  for (const auto& sc : wanted) wanted_names.insert(sc.name);
  for (auto it = sources_.begin(); it != sources_.end();) {
    bool keep = false;
    for (const auto& sc : wanted) {
      keep |= sc.name == it->first && sc == it->second->config &&
              CloudEntryFor(sc, cfg.cloud_configs) == it->second->cloud_entry;
    }
    if (keep) {
      ++it;
      continue;
    }
    it->second->Stop();
    it = sources_.erase(it);
  }
  Status first_error;
  for (const auto& sc : wanted) {
    if (sources_.count(sc.name)) continue;
    auto rs = StartSource(sc, cfg.cloud_configs);
    if (!rs.ok()) {
      log->error("{}", rs.status().message());
      if (first_error.ok()) first_error = rs.status();
      continue;
    }
    sources_[sc.name] = std::move(*rs);
  }
  return first_error;
}

void LogsRuntime::Stop() {
  std::unique_lock<std::shared_mutex> components_lock(components_mu_);
  if (stopped_) return;
  stopped_ = true;
  for (auto& [name, rs] : sources_) rs->Stop();
  sources_.clear();
  {
    std::unique_lock<std::shared_mutex> lock(router_mu_);
    if (router_) router_->Flush();
    router_.reset();
  }
  for (auto& [name, rf] : forwarders_) rf.forwarder->Stop(5000);
  forwarders_.clear();
  engine_.reset();
  if (store_ != nullptr) {
    Status s = store_->Close();
    if (!s.ok()) log::Get("logs")->error("closing the log store: {}", s.ToString());
    store_.reset();
  }
}

namespace {

// The newer of two notes, with both counts.
LastError Newer(const LastError& a, const LastError& b) {
  LastError out = a.time_ms >= b.time_ms ? a : b;
  out.count = a.count + b.count;
  return out;
}

void SetError(const LastError& e, api::targets::LogComponentStatus* c) {
  c->last_error = e.message;
  c->last_error_ms = e.time_ms;
  c->error_count = e.count;
}

}  // namespace

std::vector<api::targets::LogComponentStatus> LogsRuntime::ComponentStatus() const {
  using api::targets::LogComponentStatus;
  std::vector<LogComponentStatus> out;
  std::shared_lock<std::shared_mutex> lock(components_mu_);
  if (store_ == nullptr) return out;
  for (const auto& [name, rs] : sources_) {
    LogComponentStatus c;
    c.name = name;
    c.pipeline = rs->entry->pipeline();
    LastError entry = rs->entry->last_error();
    if (rs->syslog) {
      c.kind = "syslog";
      SetError(Newer(rs->syslog->last_error(), entry), &c);
    } else if (rs->tailer) {
      c.kind = "file";
      SetError(Newer(rs->tailer->last_error(), entry), &c);
    } else if (rs->cloud) {
      // One row per target: its last poll's result. The entry's note (what
      // the store refused) goes with every target of the source.
      for (const cloudlogs::CloudLogTargetHealth& t : rs->cloud->Health()) {
        LogComponentStatus ct = c;
        ct.kind = "cloud";
        ct.target = t.key;
        ct.health = !t.last_error.empty() ? "down" : t.last_poll_ms > 0 ? "up" : "";
        LastError polled;
        if (!t.last_error.empty()) {
          polled.message = t.last_error;
          polled.time_ms = t.last_poll_ms;
          polled.count = 1;
        }
        SetError(Newer(polled, entry), &ct);
        out.push_back(std::move(ct));
      }
      continue;
    }
    out.push_back(std::move(c));
  }
  LastError push_entry = push_entry_.last_error();
  for (const auto& [protocol, note] :
       {std::pair<const char*, const LastErrorNote*>{"loki", &loki_push_errors_},
        {"otlp", &otlp_push_errors_}}) {
    LogComponentStatus c;
    c.kind = "push";
    c.name = protocol;
    c.pipeline = push_entry_.pipeline();
    // A push answered 4xx is noted by protocol; the entry's own note holds
    // what the pipeline refused of pushes of either protocol.
    SetError(Newer(note->Get(), push_entry), &c);
    out.push_back(std::move(c));
  }
  LogComponentStatus store;
  store.sink = true;
  store.kind = "store";
  store.name = "local";
  SetError(store_->last_error(), &store);
  out.push_back(std::move(store));
  for (const auto& [name, rf] : forwarders_) {
    forward::Forwarder::Status st = rf.forwarder->status();
    LogComponentStatus c;
    c.sink = true;
    c.kind = "forwarder";
    c.name = name;
    c.health = st.up ? "up" : "down";
    SetError(st.last_error, &c);
    out.push_back(std::move(c));
  }
  return out;
}

void LogsRuntime::NotePushError(std::string_view protocol, std::string message) {
  if (protocol == "loki") loki_push_errors_.Record(std::move(message));
  if (protocol == "otlp") otlp_push_errors_.Record(std::move(message));
}

}  // namespace vigil::app
