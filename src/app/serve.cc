#include "app/serve.h"

#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include "api/api.h"
#include "api/dashboards/dashboards_api.h"
#include "api/http/server.h"
#include "api/query/query_api.h"
#include "api/targets/log_status.h"
#include "api/targets/targets_api.h"
#include "api/ui/ui_handler.h"
#include "app/version.h"
#include "base/file.h"
#include "base/logging.h"
#include "base/metrics.h"
#include "base/time.h"
#include "collect/host/host.h"
#include "collect/scrape/manager.h"
#include "config/config.h"
#include "storage/tsdb/db.h"
#ifdef VIGIL_WITH_PROMQL
#include "query/promql/engine.h"
#endif
#ifdef VIGIL_WITH_CLOUD
#include "collect/cloud/manager/cloud_manager.h"
#endif
#ifdef VIGIL_WITH_LOGS
#include "api/loki/loki_api.h"
#include "app/logs_runtime.h"
#endif

namespace vigil::app {

namespace {

#ifndef VIGIL_GIT_BRANCH
#define VIGIL_GIT_BRANCH ""
#endif

// What /api/v1/status/* report about this process.
api::query::QueryApiOptions StatusOptions(const ServeConfig& cfg, int64_t start_ms,
                                          metrics::Registry* registry) {
  api::query::QueryApiOptions o;
  o.build.version = Version();
  o.build.revision = GitCommit();
  o.build.branch = VIGIL_GIT_BRANCH;
  o.build.go_version = "gcc " __VERSION__;
  o.runtime.start_time_ms = start_ms;
  o.runtime.last_config_time_ms = start_ms;  // the config is read once, at start
  char buf[4096];
  if (getcwd(buf, sizeof(buf)) != nullptr) o.runtime.cwd = buf;
  if (gethostname(buf, sizeof(buf)) == 0) o.runtime.hostname = buf;
  o.runtime.storage_retention = api::query::FormatRetention(cfg.retention_ms, cfg.retention_bytes);
  o.runtime.gomaxprocs = cfg.http_threads > 0
                             ? cfg.http_threads
                             : static_cast<int>(std::thread::hardware_concurrency());
  o.runtime.corruption_count = [registry] {
    double n = 0;
    registry
        ->CounterFamily("vigil_tsdb_wal_corruptions_total",
                        "Corrupt regions found in WAL segments, by reason.", {"reason"})
        .ForEach(
            [&n](const std::vector<std::string>&, const metrics::Counter& c) { n += c.Value(); });
    return static_cast<int64_t>(n);
  };
  o.flags = cfg.flag_values;
  if (!cfg.config_file.empty()) {
    auto text = fs::ReadFile(cfg.config_file);
    if (text.ok()) {
      auto shown = ConfigForStatusPage(*text);
      if (shown.ok()) o.config_yaml = std::move(*shown);
    }
  }
  return o;
}

#ifndef VIGIL_WITH_CLOUD
namespace cloud {
class CloudManager;
}
#endif
#ifndef VIGIL_WITH_LOGS
class LogsRuntime;
#endif

// Loads the config file and hands it to the scrape manager and the cloud
// manager, at start and on every reload (SIGHUP, POST /-/reload). A config
// that fails to load or to apply is refused with its error; the running one
// stays.
class Reloader {
 public:
  Reloader(const ServeConfig& cfg, scrape::Manager* scrape, cloud::CloudManager* cloud,
           LogsRuntime* logs, metrics::Registry* registry)
      : file_(cfg.config_file), scrape_(scrape), cloud_(cloud), logs_(logs) {
    success_ = registry->NewGauge("vigil_config_last_reload_successful",
                                  "Whether the last configuration reload attempt was successful.");
    success_time_ = registry->NewGauge("vigil_config_last_reload_success_timestamp_seconds",
                                       "Timestamp of the last successful configuration reload.");
    reloads_ = registry
                   ->CounterFamily("vigil_config_reloads_total",
                                   "Configuration reloads, by result.", {"result"})
                   .With({"success"});
    failures_ = registry
                    ->CounterFamily("vigil_config_reloads_total",
                                    "Configuration reloads, by result.", {"result"})
                    .With({"failure"});
  }

  Status Reload() {
    std::lock_guard<std::mutex> lock(mu_);
    Status s = Load();
    const int64_t now = NowMillis();
    std::lock_guard<std::mutex> state_lock(state_mu_);
    success_->Set(s.ok() ? 1 : 0);
    last_ok_ = s.ok();
    if (s.ok()) {
      reloads_->Inc();
      last_success_ms_ = now;
      success_time_->Set(static_cast<double>(now) / 1000);
    } else {
      failures_->Inc();
    }
    return s;
  }

  void State(bool* ok, int64_t* time_ms) const {
    std::lock_guard<std::mutex> lock(state_mu_);
    *ok = last_ok_;
    *time_ms = last_success_ms_;
  }
  std::string ShownYaml() const {
    std::lock_guard<std::mutex> lock(state_mu_);
    return shown_yaml_;
  }

 private:
  Status Load() {
    config::Config cfg;
    std::string shown;
    if (!file_.empty()) {
      // The vigil: section is checked too, though its settings take effect
      // only at start (they size the storage and the server).
      ServeConfig scratch;
      VIGIL_RETURN_IF_ERROR(LoadConfigFile(file_, &scratch, {}));
      auto loaded = config::LoadFile(file_);
      if (!loaded.ok()) return loaded.status();
      cfg = std::move(*loaded);
      auto text = fs::ReadFile(file_);
      if (text.ok()) {
        auto redacted = ConfigForStatusPage(*text);
        if (redacted.ok()) shown = std::move(*redacted);
      }
    }
    VIGIL_RETURN_IF_ERROR(scrape_->ApplyConfig(cfg));
#ifdef VIGIL_WITH_CLOUD
    {
      // An entry with no metrics to poll only lends its credentials to the
      // cloud log sources that name it: no collector, no target.
      config::Config polled = cfg;
      config::CloudConfigs& c = polled.cloud_configs;
      std::erase_if(c.aws, [](const auto& a) { return a.discovery.empty(); });
      std::erase_if(c.azure, [](const auto& a) { return a.resources.empty(); });
      std::erase_if(c.gcp, [](const auto& g) { return g.metrics.empty(); });
      VIGIL_RETURN_IF_ERROR(cloud_->ApplyConfig(polled));
    }
#endif
#ifdef VIGIL_WITH_LOGS
    VIGIL_RETURN_IF_ERROR(logs_->ApplyConfig(cfg));
#endif
    std::lock_guard<std::mutex> lock(state_mu_);
    shown_yaml_ = std::move(shown);
    return Status::OK();
  }

  const std::string file_;
  scrape::Manager* scrape_;
  [[maybe_unused]] cloud::CloudManager* cloud_;
  [[maybe_unused]] LogsRuntime* logs_;
  std::mutex mu_;  // one reload at a time
  mutable std::mutex state_mu_;
  bool last_ok_ = false;
  int64_t last_success_ms_ = 0;
  std::string shown_yaml_;
  metrics::Gauge* success_;
  metrics::Gauge* success_time_;
  metrics::Counter* reloads_;
  metrics::Counter* failures_;
};

// /metrics/host: the host collector's page, as node_exporter serves it.
void RegisterHostMetrics(http::Router* router, std::shared_ptr<host::Collector> collector) {
  auto mu = std::make_shared<std::mutex>();
  router->Handle({"GET"}, "/metrics/host",
                 [collector, mu](const http::Request&, http::Response& res) {
                   std::string page;
                   Status s;
                   {
                     std::lock_guard<std::mutex> lock(*mu);
                     s = collector->Collect(&page);
                   }
                   if (!s.ok()) {
                     res.Text(500, s.message());
                     return;
                   }
                   res.status = 200;
                   res.SetHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
                   res.body = std::move(page);
                 });
}

}  // namespace

int Serve(const ServeConfig& cfg) {
  auto log = log::Get("main");
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  log->info("starting vigil {} (commit {}), data in {}, listening on {}", Version(), GitCommit(),
            cfg.data_dir, cfg.listen);
  metrics::Registry& registry = metrics::DefaultRegistry();
  auto start = std::chrono::steady_clock::now();
  const int64_t start_ms = NowMillis();

  if (Status s = fs::CreateDirs(cfg.data_dir); !s.ok()) {
    log->error("{}", s.ToString());
    return 1;
  }
  auto dir_lock = fs::FileLock::Acquire(fs::Join(cfg.data_dir, "lock"));
  if (!dir_lock.ok()) {
    log->error("{}", dir_lock.status().message());
    return 1;
  }

  tsdb::DbOptions dbo;
  dbo.retention_ms = cfg.retention_ms;
  dbo.retention_bytes = cfg.retention_bytes;
  dbo.head.ooo_window_ms = cfg.ooo_window_ms;
  dbo.head.max_series = cfg.max_head_series;
  dbo.head.label_limits.max_labels_per_series = cfg.max_labels_per_series;
  dbo.head.label_limits.max_label_name_length = cfg.max_label_name_length;
  dbo.head.label_limits.max_label_value_length = cfg.max_label_value_length;
  dbo.wal_fsync_interval_ms = static_cast<int>(cfg.wal_fsync_interval_ms);
  dbo.registry = &registry;
  auto db = tsdb::DB::Open(fs::Join(cfg.data_dir, "tsdb"), dbo);
  if (!db.ok()) {
    log->error("opening the TSDB: {}", db.status().ToString());
    return 1;
  }

  std::atomic<bool> ready{false};
  http::Router router;
  api::StorageApiOptions ao;
  ao.storage = db->get();
  ao.registry = &registry;
  ao.ready = &ready;
  ao.enable_admin_api = cfg.enable_admin_api;
  ao.max_write_body_bytes = cfg.max_write_bytes;
  ao.write.max_decoded_bytes = cfg.max_decoded_write_bytes;
  ao.write.registry = &registry;
  ao.read.registry = &registry;
  api::RegisterStorageApi(&router, ao);
  ui::RegisterUi(&router);
  api::dashboards::DashboardsApiOptions dbo_ui;
  dbo_ui.dir = fs::Join(cfg.data_dir, "dashboards");
  dbo_ui.read_only = cfg.dashboards_read_only;
  api::dashboards::RegisterDashboardsApi(&router, dbo_ui);

  api::query::QueryApiOptions qo = StatusOptions(cfg, start_ms, &registry);
  qo.storage = db->get();
  qo.ready = &ready;
#ifdef VIGIL_WITH_PROMQL
  promql::EngineOptions eo;
  eo.lookback_delta_ms = cfg.query_lookback_delta_ms;
  eo.max_samples = cfg.query_max_samples;
  eo.timeout_ms = cfg.query_timeout_ms;
  eo.max_concurrent = cfg.query_max_concurrency;
  eo.max_workers_per_query = cfg.query_max_workers_per_query;
  eo.registry = &registry;
  promql::Engine engine(eo);
  qo.engine = &engine;
#endif

  // Collection: the scrape manager appends to the same storage.
  scrape::ManagerOptions smo;
  smo.user_agent = std::string("Vigil/") + Version();
  scrape::Manager scraper(db->get(), &registry, smo);
  // The cloud collectors (cloud_configs) append to it too.
#ifdef VIGIL_WITH_CLOUD
  cloud::CloudManager cloud_manager(db->get(), &registry);
  cloud::CloudManager* clouds = &cloud_manager;
#else
  cloud::CloudManager* clouds = nullptr;
#endif
  auto stop_collection = [&] {
    scraper.Stop();
#ifdef VIGIL_WITH_CLOUD
    cloud_manager.Stop();
#endif
  };
  // Logs: sources -> pipelines -> the log store and forwarders (logs:).
#ifdef VIGIL_WITH_LOGS
  LogsFlags logs_flags;
  logs_flags.syslog_listen = cfg.syslog_listen;
  logs_flags.tail = cfg.tail;
  logs_flags.tail_labels = cfg.tail_labels;
  LogsRuntime logs_runtime(cfg.data_dir, logs_flags, db->get(), &registry);
  LogsRuntime* logs = &logs_runtime;
#else
  LogsRuntime* logs = nullptr;
#endif
  auto stop_logs = [&] {
#ifdef VIGIL_WITH_LOGS
    logs_runtime.Stop();
#endif
  };
  Reloader reloader(cfg, &scraper, clouds, logs, &registry);
  if (Status rs = reloader.Reload(); !rs.ok()) {
    log->error("loading the config: {}", rs.message());
    stop_collection();
    stop_logs();
    (void)(*db)->Close();
    return 2;
  }
  qo.runtime.config_state = [&reloader](bool* ok, int64_t* t) { reloader.State(ok, t); };
  qo.config_yaml_source = [&reloader] { return reloader.ShownYaml(); };
  api::query::RegisterQueryApi(&router, qo);

  api::targets::TargetsApiOptions tao;
  tao.manager = &scraper;
#ifdef VIGIL_WITH_CLOUD
  tao.cloud_targets = [clouds] {
    std::vector<api::targets::CloudTarget> out;
    for (const auto& c : clouds->Collectors()) {
      api::targets::CloudTarget t;
      t.provider = c.provider;
      t.name = c.name;
      t.url = c.endpoint;
      switch (c.health.state) {
        case cloud::CollectorHealth::State::kUp:
          t.health = "up";
          break;
        case cloud::CollectorHealth::State::kDown:
          t.health = "down";
          break;
        default:
          t.health = "unknown";
      }
      t.last_error = c.health.last_error;
      t.last_poll_ms = c.health.last_poll_ms;
      t.last_duration_s = static_cast<double>(c.health.last_duration_ms) / 1000;
      t.interval_ms = c.poll_interval_ms;
      t.api_calls = c.health.api_calls;
      t.metrics_requested = c.health.metrics_requested;
      t.estimated_cost_usd = c.health.estimated_cost_usd;
      t.samples_last_poll = c.health.series_last_poll;
      out.push_back(std::move(t));
    }
    return out;
  };
#endif
  tao.ready = &ready;
  tao.hostname = qo.runtime.hostname;
  api::targets::RegisterTargetsApi(&router, tao);

#ifdef VIGIL_WITH_LOGS
  if (logs_runtime.enabled()) {
    api::loki::LokiApiOptions lo;
    lo.reader = logs_runtime.reader();
    lo.engine = logs_runtime.engine();
    lo.push_sink = [logs] { return logs->push_sink(); };
    lo.on_push_error = [logs](std::string_view protocol, std::string message) {
      logs->NotePushError(protocol, std::move(message));
    };
    lo.version = Version();
    lo.registry = &registry;
    api::loki::RegisterLokiApi(&router, lo);
    api::targets::RegisterLogStatusApi(&router, [logs] { return logs->ComponentStatus(); });
  }
#endif

  if (cfg.host_enabled) {
    auto collector = host::Collector::New(host::Options{});
    if (!collector.ok()) {
      log->error("host collector: {}", collector.status().message());
      return 1;
    }
    RegisterHostMetrics(&router, std::shared_ptr<host::Collector>(std::move(*collector)));
  }
  if (cfg.enable_lifecycle) {
    auto reload = [&reloader, log](const http::Request&, http::Response& res) {
      Status s = reloader.Reload();
      if (!s.ok()) {
        log->error("reload refused, the running config stays: {}", s.message());
        res.Text(500, fmt::format("failed to reload config: {}\n", s.message()));
        return;
      }
      log->info("configuration reloaded (POST /-/reload)");
      res.Text(200, "");
    };
    router.Handle({"POST", "PUT"}, "/-/reload", reload);
  }

  http::ServerOptions so;
  so.listen = cfg.listen;
  so.threads = cfg.http_threads;
  so.max_body_bytes = 32ull << 20;
  so.registry = &registry;
  auto server = http::Server::Start(so, &router);
  if (!server.ok()) {
    log->error("{}", server.status().message());
    return 1;
  }
  ready.store(true);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  log->info("ready on {} after {:.3f}s", (*server)->address(), secs);

  for (;;) {
    int sig = 0;
    sigwait(&signals, &sig);
    if (sig == SIGHUP) {
      Status rs = reloader.Reload();
      if (rs.ok()) {
        log->info("configuration reloaded (SIGHUP)");
      } else {
        log->error("reload refused, the running config stays: {}", rs.message());
      }
      continue;
    }
    log->info("received {}, shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
    break;
  }
  ready.store(false);
  stop_collection();
  (*server)->Shutdown(std::chrono::seconds(30));
  // After the HTTP server: pushes in flight are done. Sources hand over what
  // they hold, forwarders stop, the log store closes; derived metrics are
  // flushed into the TSDB before it closes.
  stop_logs();
  log->info("HTTP server stopped; flushing the head to disk");
  auto flush_start = std::chrono::steady_clock::now();
  Status s = (*db)->Close();
  if (!s.ok()) {
    log->error("closing the TSDB: {}", s.ToString());
    return 1;
  }
  double flush_secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - flush_start).count();
  log->info("TSDB closed in {:.3f}s; bye", flush_secs);
  return 0;
}

}  // namespace vigil::app
