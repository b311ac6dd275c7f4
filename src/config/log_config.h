// The `logs:` section of Vigil's config file (a Vigil extension of
// prometheus.yml): where logs and events come from, the pipelines that parse,
// normalize, redact and route them, the log store's limits and the
// forwarders that send them on. Parsed by config::LoadFile with the same
// strictness as the rest of the file (unknown keys, bad durations, missing
// fields are errors at file:line:col). Durations are in milliseconds, sizes
// in bytes. docs/logs.md lists every key.
//
//   logs:
//     store:     { retention: 7d, retention_size: 10GB, max_streams: 100000, ... }
//     push:      { pipeline: default, labels: {...} }   # Loki push and OTLP on the HTTP port
//     sources:   [ LogSourceConfig... ]                 # syslog, file, cloud log APIs
//     pipelines: [ LogPipelineConfig... ]
//     forwarders: [ LogForwarderConfig... ]
//
// Data flow: source -> its pipeline (steps in order) -> the pipeline's
// routes (first matching route's sinks, or the pipeline's default sinks) ->
// sinks: "store" (the log store) or a forwarder's name. A pipeline named
// "default" always exists (empty steps, sinks [store]) unless the file
// defines one.
//
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace vigil::config {

struct LogStoreConfig {
  int64_t retention_ms = 7ll * 24 * 3600 * 1000;  // `retention`, 0 = forever
  uint64_t retention_bytes = 0;                   // `retention_size`, 0 = unlimited
  uint64_t max_streams = 100000;
  uint64_t max_line_bytes = 256 << 10;  // `max_line_size`
  uint32_t max_labels_per_stream = 30;
  int64_t reject_old_ms = 0;                  // `reject_old_samples_max_age`, 0 = accept all
  int64_t reject_future_ms = 10 * 60 * 1000;  // `creation_grace_period`
  bool fsync = false;                         // `fsync`: fsync the WAL before acknowledging
  bool operator==(const LogStoreConfig&) const = default;
};

struct LogPushConfig {
  std::string pipeline = "default";
  std::map<std::string, std::string> labels;  // added to every pushed record's stream
  uint64_t max_body_bytes = 64 << 20;         // compressed request body
  bool operator==(const LogPushConfig&) const = default;
};

struct SyslogSourceConfig {
  std::string listen;            // required, "127.0.0.1:1514"
  std::string protocol = "tcp";  // tcp | udp
  std::string framing = "auto";  // auto | newline | octet_counting
  uint64_t max_message_bytes = 64 << 10;
  bool operator==(const SyslogSourceConfig&) const = default;
};

struct FileSourceConfig {
  std::vector<std::string> include;  // `paths`: globs, required
  std::vector<std::string> exclude;
  bool start_at_end = false;      // `start_at: end` (default beginning)
  std::string multiline_start;    // `multiline.start`: RE2
  int multiline_max_lines = 500;  // `multiline.max_lines`
  int64_t multiline_timeout_ms = 1000;
  uint64_t max_line_bytes = 256 << 10;
  uint64_t read_rate_bytes_per_sec = 0;  // `read_rate`, e.g. 10MB (per second)
  int64_t poll_interval_ms = 250;
  bool operator==(const FileSourceConfig&) const = default;
};

// A cloud log API polled by time window (types cloudwatch_logs,
// azure_activity_log, gcp_logging). Authentication, endpoints and the
// regions / subscriptions / projects come from the `cloud_configs` entry
// named by `cloud`, so logs and metrics of one account share one set of
// credentials. Each poll reads the window [last end, now - delay) (at most
// max_window long); the window's end is recorded with the records, so a
// restart resumes where the stored records end. Events that reach the cloud
// API later than `delay` after their time are not read.
struct CloudLogSourceConfig {
  std::string cloud;                 // required: the cloud_configs entry (of the type's provider)
  int64_t poll_interval_ms = 0;      // 0: the type's default (30s, 1m, 1m)
  int64_t delay_ms = -1;             // -1: the type's default (30s, 5m, 1m)
  int64_t lookback_ms = 3600'000;    // the first window when nothing was read before
  int64_t max_window_ms = 3600'000;  // a window longer than this is read in parts
  // cloudwatch_logs (FilterLogEvents)
  std::vector<std::string> log_group_names;  // required; names or ARNs
  std::vector<std::string> log_stream_names;
  std::string log_stream_name_prefix;
  std::string filter_pattern;
  std::vector<std::string> regions;  // empty: every region of the cloud entry
  // A message that is a CloudTrail record or an EventBridge event is mapped
  // onto the event schema (docs/events.md); false keeps it as plain text.
  bool parse_envelopes = true;
  // azure_activity_log
  std::vector<std::string> subscriptions;  // empty: every subscription of the entry
  // azure_activity_log: extra $filter terms ("resourceGroupName eq 'web'");
  // gcp_logging: a Logging query ANDed with the time window.
  std::string filter;
  // gcp_logging (entries:list)
  std::vector<std::string> project_ids;  // empty: every project of the entry
  // Cloud Logging base URL; empty: the entry's endpoint when it is not
  // Google's monitoring endpoint (a simulator or proxy serving both), else
  // https://logging.googleapis.com.
  std::string endpoint;
  bool operator==(const CloudLogSourceConfig&) const = default;
};
struct LogSourceConfig {
  std::string name;  // required, unique among sources
  std::string type;  // syslog | file | cloudwatch_logs | azure_activity_log | gcp_logging
  std::map<std::string, std::string> labels;
  std::string pipeline = "default";
  SyslogSourceConfig syslog;   // type syslog
  FileSourceConfig file;       // type file
  CloudLogSourceConfig cloud;  // the cloud types: section named as the type
  bool operator==(const LogSourceConfig&) const = default;
};

// One pipeline step. `type` picks which of the fields below apply.
struct LogStepConfig {
  // parse steps: json | logfmt | regex | syslog | nginx | apache
  // then: normalize | redact | drop | sample | labels | metric | lua
  std::string type;
  int line = 0;  // where the step is in the file, for error messages

  // Parse steps: which text to parse (`source`: "" = the body, else an
  // attribute), `expression` for regex (named groups). Parsed fields become
  // attributes, prefixed with `prefix` if set.
  std::string source;
  std::string expression;
  std::string prefix;

  // normalize: which attributes become the record's fields.
  std::string timestamp_field;  // `timestamp.field`
  std::string
      timestamp_format;        // `timestamp.format`: rfc3339 | unix | unix_ms | unix_ns | go layout
  std::string severity_field;  // `severity.field`
  std::string body_field;      // `body.field`: replace the body with this attribute
  // redact: regexes (or built-in names: email, credit_card, ipv4, bearer_token,
  // aws_access_key, jwt) applied to the body and attribute values, and
  // attribute keys whose value is replaced whole.
  std::vector<std::string> patterns;
  std::vector<std::string> keys;
  std::string replacement = "<redacted>";
  // drop: records for which `when` holds are dropped. `when` is a condition
  // (see docs/logs.md): `field op value` with op == != =~ !~ > >= < <=,
  // joined with `and` / `or`; fields: body, severity, severity_number,
  // labels.<name>, attributes.<name>, resource.<name>.
  std::string when;
  // sample: keep `rate` (0..1) of the records (optionally those matching
  // `when`), deterministically by a hash of the body.
  double rate = 1;
  // labels: add/set, rename (from -> to), remove stream labels; `from_fields`
  // copies attribute values to labels (label name -> attribute name).
  std::map<std::string, std::string> add;
  std::map<std::string, std::string> rename;
  std::vector<std::string> remove;
  std::map<std::string, std::string> from_fields;
  // metric: a counter (count of records, or sum of `value_field`) or a
  // histogram of `value_field`, with labels from fields, written to the TSDB.
  std::string metric_name;
  std::string metric_type = "counter";  // counter | histogram
  std::string value_field;
  std::vector<std::string> label_fields;  // label = field name (sanitized)
  std::vector<double> buckets;
  // lua: a script (file path, resolved against the config file's directory,
  // or inline `code`) defining function `process(record)`; limits per record.
  std::string lua_file;
  std::string lua_code;
  std::string lua_function = "process";
  int64_t lua_timeout_ms = 10;
  uint64_t lua_memory_bytes = 16 << 20;

  bool operator==(const LogStepConfig&) const = default;
};

struct LogRouteConfig {
  std::string when;                // condition as in drop
  std::vector<std::string> sinks;  // "store" or forwarder names
  bool stop = true;                // false: later routes are tried too
  bool operator==(const LogRouteConfig&) const = default;
};

struct LogPipelineConfig {
  std::string name;
  std::vector<LogStepConfig> steps;
  std::vector<LogRouteConfig> routes;
  std::vector<std::string> sinks = {"store"};  // when no route matched
  bool operator==(const LogPipelineConfig&) const = default;
};

struct LogForwarderConfig {
  std::string name;              // required, unique; not "store"
  std::string type;              // loki | syslog | http
  std::string url;               // loki: http://host:3100/loki/api/v1/push; http: the POST URL
  std::string address;           // syslog: host:port
  std::string protocol = "tcp";  // syslog: tcp | udp
  std::string syslog_format = "rfc5424";       // rfc5424 | rfc3164
  std::map<std::string, std::string> headers;  // extra HTTP headers (http, loki)
  std::string tenant_id;                       // loki: X-Scope-OrgID
  int64_t batch_wait_ms = 1000;
  uint64_t batch_bytes = 1 << 20;
  int64_t timeout_ms = 10000;
  int64_t min_backoff_ms = 500;
  int64_t max_backoff_ms = 5 * 60 * 1000;
  uint64_t queue_max_bytes = 1ull << 30;  // disk queue size; full -> Consume refuses (backpressure)
  bool operator==(const LogForwarderConfig&) const = default;
};

struct LogsConfig {
  bool enabled = true;  // false: no log endpoints, no log store
  LogStoreConfig store;
  LogPushConfig push;
  std::vector<LogSourceConfig> sources;
  std::vector<LogPipelineConfig> pipelines;  // "default" added when absent
  std::vector<LogForwarderConfig> forwarders;
  bool operator==(const LogsConfig&) const = default;
};

}  // namespace vigil::config
