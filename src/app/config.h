// The server's settings: defaults, then the config file's `vigil:` section,
// then command-line flags (flags win), as docs/configuration.md describes.
//
// The config file is YAML in Prometheus' layout. This file reads only the
// `vigil:` section; Prometheus' own sections (global, scrape_configs,
// rule_files, remote_write, ...) are read and validated by src/config.
// Unknown keys are errors naming file:line:column.
//
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"

namespace vigil::app {

struct ServeConfig {
  std::string listen = "127.0.0.1:9900";
  std::string data_dir = "./data";
  std::string config_file;
  std::string log_level = "info";
  std::string log_format = "logfmt";

  // Storage.
  int64_t retention_ms = 15LL * 24 * 3600 * 1000;
  uint64_t retention_bytes = 0;
  int64_t ooo_window_ms = 0;
  uint64_t max_head_series = 2'000'000;
  uint64_t max_labels_per_series = 64;
  uint64_t max_label_name_length = 1024;
  uint64_t max_label_value_length = 4096;
  int64_t wal_fsync_interval_ms = 1000;

  // Web.
  bool enable_admin_api = false;
  // Dashboards saved in <data-dir>/dashboards through the UI or the API.
  bool dashboards_read_only = false;
  // POST /-/reload (and /-/quit later). On by default, unlike Prometheus:
  // Vigil listens on loopback by default and the issue asks for /-/reload.
  bool enable_lifecycle = true;
  uint64_t max_write_bytes = 32ull << 20;
  uint64_t max_decoded_write_bytes = 256ull << 20;
  int http_threads = 0;

  // Query (PromQL engine), as Prometheus' --query.* flags.
  int64_t query_lookback_delta_ms = 5 * 60 * 1000;
  uint64_t query_max_samples = 50'000'000;
  int64_t query_timeout_ms = 2 * 60 * 1000;
  uint64_t query_max_concurrency = 20;
  uint64_t query_max_workers_per_query = 0;  // 0: one per CPU core

  // Collection.
  bool host_enabled = true;  // the host collector, served at /metrics/host
  // Scrape loops log each failed scrape at this level ("debug" by default,
  // as Prometheus logs them only at debug).
  std::string scrape_failure_log_level = "debug";

  // Logs (the config file's `logs:` section holds the rest). Sources given
  // as flags, for quick starts and the log benchmark.
  std::vector<std::string> syslog_listen;  // --syslog-listen host:port (TCP) or udp://host:port
  std::vector<std::string> tail;           // --tail glob
  std::vector<std::string> tail_labels;    // --tail.label name=value (stream labels of --tail)

  // Every command-line flag (all its long names) and its value as text, for
  // /api/v1/status/flags. Filled by main.
  std::vector<std::pair<std::string, std::string>> flag_values;
};

// Applies the `vigil:` section of a config file to *cfg. Keys named in
// `explicit_flags` (flag names like "retention.time") were set on the command
// line and are not overridden.
Status LoadConfigFile(const std::string& path, ServeConfig* cfg,
                      const std::vector<std::string>& explicit_flags);

// The config file as /api/v1/status/config shows it: re-emitted YAML with the
// values of secret fields (password, bearer_token, credentials,
// client_secret, secret_key, token, ...) replaced by "<secret>", as
// Prometheus prints its config. Comments do not survive.
Result<std::string> ConfigForStatusPage(std::string_view yaml_text);

// "512MB", "10GB", "1TB" (base 2, as Prometheus' --storage.tsdb.retention.size), or bytes.
Result<uint64_t> ParseByteSize(std::string_view s);

}  // namespace vigil::app
