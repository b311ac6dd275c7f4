#include "app/serve.h"

#include <signal.h>

#include <atomic>
#include <chrono>

#include "api/api.h"
#include "api/http/server.h"
#include "app/version.h"
#include "base/file.h"
#include "base/logging.h"
#include "base/metrics.h"
#include "storage/tsdb/db.h"

namespace vigil::app {

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
  ao.version = Version();
  api::RegisterStorageApi(&router, ao);

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
      log->info("SIGHUP: there is no configuration to reload yet");
      continue;
    }
    log->info("received {}, shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
    break;
  }
  ready.store(false);
  (*server)->Shutdown(std::chrono::seconds(30));
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
