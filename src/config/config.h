// The Prometheus configuration file: its typed form and its loader.
//
// Vigil reads prometheus.yml as Prometheus 3 does: `global`, `scrape_configs`,
// `scrape_config_files`, `rule_files`, `remote_write`, `remote_read`,
// `alerting`, `storage`, `otlp` and `runtime`, plus Vigil's own `vigil:`
// section (read by src/app, skipped here). Parsing is strict, as Prometheus'
// yaml.UnmarshalStrict: an unknown, repeated or mistyped field is an error
// naming file:line:column ("field X not found in type config.ScrapeConfig",
// "field X already set in type config.plain", "yaml: unmarshal errors:
// cannot unmarshal !!seq into string"). Validation follows Prometheus'
// config.go and its error messages word for word where a feature exists in
// Vigil (so a user's search for the message finds the answer), located at the
// section it concerns. A feature Vigil does not implement (kubernetes_sd_configs
// and the other discoveries but static/file/http, oauth2, sigv4, azuread,
// google_iam, round_robin_dns, *_ref secrets, tracing) is refused with
// "<key> is not supported by Vigil" at its file:line:column, never silently
// ignored.
//
// Defaults are filled in as Prometheus does: a scrape config without
// scrape_interval takes the global one, and so on, so users of Config see
// final values. bearer_token(_file) is folded into authorization (type
// Bearer); relative paths are resolved; external label values have ${VAR}
// expanded from the environment; scrape_config_files are read and merged.
//
// Owner: the config module (src/config). Thread-safety: plain values; Load
// may be called from any thread.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "config/cloud_config.h"
#include "config/log_config.h"
#include "model/labels.h"
#include "process/relabel/relabel.h"

namespace vigil::config {

// A secret (password, bearer token...) as written in the file. Printing a
// Config for /api/v1/status/config shows "<secret>" instead.
struct Secret {
  std::string value;
  bool empty() const { return value.empty(); }
  bool operator==(const Secret&) const = default;
};

struct BasicAuth {
  std::string username;
  std::string username_file;
  Secret password;
  std::string password_file;
  bool operator==(const BasicAuth&) const = default;
};

// The Authorization header: "<type> <credentials>".
struct Authorization {
  std::string type = "Bearer";
  Secret credentials;
  std::string credentials_file;
  bool operator==(const Authorization&) const = default;
};

struct TLSConfig {
  std::string ca;  // inline PEM
  std::string ca_file;
  std::string cert;
  std::string cert_file;
  Secret key;
  std::string key_file;
  std::string server_name;
  bool insecure_skip_verify = false;
  std::string min_version;  // "TLS10".."TLS13", "" = library default
  std::string max_version;
  bool operator==(const TLSConfig&) const = default;
};

// Prometheus' common/config HTTPClientConfig: how to reach a target.
struct HTTPClientConfig {
  std::optional<BasicAuth> basic_auth;
  std::optional<Authorization> authorization;  // bearer_token(_file) are folded in here
  TLSConfig tls_config;
  std::string proxy_url;
  std::string no_proxy;
  bool proxy_from_environment = false;
  std::map<std::string, std::vector<std::string>> proxy_connect_header;
  std::map<std::string, std::vector<std::string>> http_headers;  // header -> values
  // http_headers' `files`: header -> files whose contents are sent as values
  // (resolved against the config file's directory).
  std::map<std::string, std::vector<std::string>> http_header_files;
  bool follow_redirects = true;
  bool enable_http2 = true;
  bool operator==(const HTTPClientConfig&) const = default;
};

// A group of targets sharing labels: static_configs entries, and what file
// and HTTP discovery produce. Each target is a label set holding at least
// __address__.
struct TargetGroup {
  std::vector<model::Labels> targets;
  model::Labels labels;  // common labels, applied under each target's own
  std::string source;    // unique id within its provider, e.g. "file.yml:0"
  bool operator==(const TargetGroup&) const = default;
};

struct FileSDConfig {
  std::vector<std::string> files;  // globs on the last path element ("*.json")
  int64_t refresh_interval_ms = 5 * 60 * 1000;
  bool operator==(const FileSDConfig&) const = default;
};

struct HTTPSDConfig {
  std::string url;
  int64_t refresh_interval_ms = 60 * 1000;
  HTTPClientConfig http_client;
  bool operator==(const HTTPSDConfig&) const = default;
};

enum class ScrapeProtocol : uint8_t {
  kOpenMetricsText1_0_0,  // "OpenMetricsText1.0.0"
  kOpenMetricsText0_0_1,  // "OpenMetricsText0.0.1"
  kPrometheusText1_0_0,   // "PrometheusText1.0.0"
  kPrometheusText0_0_4,   // "PrometheusText0.0.4"
  kPrometheusProto,       // "PrometheusProto"
};
const char* ScrapeProtocolName(ScrapeProtocol p);
// The exact (case-sensitive) name, as Prometheus' ScrapeProtocol.Validate.
std::optional<ScrapeProtocol> ParseScrapeProtocol(std::string_view name);
// Prometheus' default order when none is configured.
std::vector<ScrapeProtocol> DefaultScrapeProtocols();

struct GlobalConfig {
  int64_t scrape_interval_ms = 60 * 1000;
  int64_t scrape_timeout_ms = 10 * 1000;
  std::vector<ScrapeProtocol> scrape_protocols = DefaultScrapeProtocols();
  int64_t evaluation_interval_ms = 60 * 1000;
  int64_t rule_query_offset_ms = 0;
  model::Labels external_labels;
  std::string query_log_file;
  std::string scrape_failure_log_file;
  // Limits; 0 = none.
  uint64_t body_size_limit = 0;
  uint64_t sample_limit = 0;
  uint64_t target_limit = 0;
  uint64_t label_limit = 0;
  uint64_t label_name_length_limit = 0;
  uint64_t label_value_length_limit = 0;
  uint64_t keep_dropped_targets = 0;
  std::string metric_name_validation_scheme = "utf8";  // or "legacy"
  // "" (= by the validation scheme), "allow-utf-8", "underscores", "dots", "values".
  std::string metric_name_escaping_scheme;
  bool always_scrape_classic_histograms = false;
  bool convert_classic_histograms_to_nhcb = false;
  bool operator==(const GlobalConfig&) const = default;
};

struct ScrapeConfig {
  std::string job_name;
  bool honor_labels = false;
  bool honor_timestamps = true;
  bool track_timestamps_staleness = false;
  std::map<std::string, std::vector<std::string>> params;  // URL query parameters
  int64_t scrape_interval_ms = 0;                          // filled from global when absent
  int64_t scrape_timeout_ms = 0;  // filled from global; min(global timeout, interval)
  std::vector<ScrapeProtocol> scrape_protocols;
  std::optional<ScrapeProtocol> scrape_fallback_protocol;
  bool always_scrape_classic_histograms = false;
  bool convert_classic_histograms_to_nhcb = false;
  std::string metrics_path = "/metrics";
  std::string scheme = "http";
  bool enable_compression = true;  // Accept-Encoding: gzip
  uint64_t body_size_limit = 0;
  uint64_t sample_limit = 0;
  uint64_t target_limit = 0;
  uint64_t label_limit = 0;
  uint64_t label_name_length_limit = 0;
  uint64_t label_value_length_limit = 0;
  uint64_t keep_dropped_targets = 0;
  uint64_t native_histogram_bucket_limit = 0;
  double native_histogram_min_bucket_factor = 0;
  std::string metric_name_validation_scheme;
  std::string metric_name_escaping_scheme;
  std::string scrape_failure_log_file;  // filled from global when absent
  HTTPClientConfig http_client;

  std::vector<TargetGroup> static_configs;
  std::vector<FileSDConfig> file_sd_configs;
  std::vector<HTTPSDConfig> http_sd_configs;

  std::vector<relabel::RelabelConfig> relabel_configs;
  std::vector<relabel::RelabelConfig> metric_relabel_configs;
  bool operator==(const ScrapeConfig&) const = default;
};

struct QueueConfig {
  int64_t capacity = 10000;
  int64_t max_shards = 50;
  int64_t min_shards = 1;
  int64_t max_samples_per_send = 2000;
  int64_t batch_send_deadline_ms = 5000;
  int64_t min_backoff_ms = 30;
  int64_t max_backoff_ms = 5000;
  bool retry_on_http_429 = true;
  int64_t sample_age_limit_ms = 0;  // 0: no limit
  bool operator==(const QueueConfig&) const = default;
};

struct RemoteWriteConfig {
  std::string url;
  std::string name;
  int64_t remote_timeout_ms = 30 * 1000;
  std::map<std::string, std::string> headers;
  std::string protobuf_message = "prometheus.WriteRequest";  // or "io.prometheus.write.v2.Request"
  bool send_exemplars = false;
  bool send_native_histograms = false;
  std::vector<relabel::RelabelConfig> write_relabel_configs;
  QueueConfig queue_config;
  bool metadata_send = true;
  int64_t metadata_send_interval_ms = 60 * 1000;
  int64_t metadata_max_samples_per_send = 2000;
  HTTPClientConfig http_client;
  bool operator==(const RemoteWriteConfig&) const = default;
};

struct RemoteReadConfig {
  std::string url;
  std::string name;
  int64_t remote_timeout_ms = 60 * 1000;
  std::map<std::string, std::string> headers;
  std::map<std::string, std::string> required_matchers;
  bool read_recent = false;
  bool filter_external_labels = true;
  HTTPClientConfig http_client;
};

struct AlertmanagerConfig {
  std::string scheme = "http";
  std::string path_prefix = "/";
  int64_t timeout_ms = 10 * 1000;
  std::string api_version = "v2";
  std::vector<TargetGroup> static_configs;
  std::vector<FileSDConfig> file_sd_configs;
  std::vector<HTTPSDConfig> http_sd_configs;
  std::vector<relabel::RelabelConfig> relabel_configs;
  std::vector<relabel::RelabelConfig> alert_relabel_configs;
  HTTPClientConfig http_client;
};

struct AlertingConfig {
  std::vector<relabel::RelabelConfig> alert_relabel_configs;
  std::vector<AlertmanagerConfig> alertmanagers;
};

// storage: Prometheus' TSDB settings that its config file carries.
struct StorageConfig {
  int64_t out_of_order_time_window_ms = 0;  // storage.tsdb.out_of_order_time_window
  int64_t max_exemplars = -1;               // storage.exemplars.max_exemplars; -1 = unset
  bool operator==(const StorageConfig&) const = default;
};

// otlp: how OTLP metrics are translated (Prometheus' OTLPConfig).
struct OTLPConfig {
  bool promote_all_resource_attributes = false;
  std::vector<std::string> promote_resource_attributes;  // trimmed, unique
  std::vector<std::string> ignore_resource_attributes;
  std::string translation_strategy = "UnderscoreEscapingWithSuffixes";
  bool keep_identifying_resource_attributes = false;
  bool convert_histograms_to_nhcb = false;
  bool promote_scope_metadata = false;
  bool operator==(const OTLPConfig&) const = default;
};

struct Config {
  GlobalConfig global;
  std::vector<ScrapeConfig> scrape_configs;  // scrape_config_files merged in, in order
  std::vector<std::string> rule_files;       // globs, resolved against the config file's directory
  std::vector<RemoteWriteConfig> remote_write;
  std::vector<RemoteReadConfig> remote_read;
  AlertingConfig alerting;
  StorageConfig storage;
  OTLPConfig otlp;
  CloudConfigs cloud_configs;  // Vigil's extension: see cloud_config.h
  LogsConfig logs;             // Vigil's extension: see log_config.h
  int64_t runtime_gogc = 75;   // runtime.gogc: a Go GC knob, accepted and unused
  std::string source_file;     // path it was loaded from ("" for LoadString)
};

// Loads and validates a config file. Relative paths inside (file_sd files,
// rule_files, credentials_file, ca_file, ...) are resolved against the
// file's directory, as Prometheus does. Errors read "FILE:LINE:COL: message"
// where the offending node is known, "FILE: message" otherwise.
Result<Config> LoadFile(const std::string& path);
// The same from text; `filename` is used in error messages and dir for
// relative paths ("" = current directory).
Result<Config> LoadString(std::string_view yaml_text, const std::string& filename,
                          const std::string& dir = "");

}  // namespace vigil::config
