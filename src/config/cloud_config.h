// The `cloud_configs:` section of Vigil's config file (a Vigil extension of
// prometheus.yml): which clouds to poll, with which credentials, for which
// metrics. Parsed by config::LoadFile with the same strictness as the rest of
// the file (unknown keys, bad durations, missing required fields are errors
// at file:line:col). Durations are in milliseconds, as everywhere in config.
//
//   cloud_configs:
//     aws:   [ AWSCloudConfig... ]
//     azure: [ AzureCloudConfig... ]
//     gcp:   [ GCPCloudConfig... ]
//
// Each entry is one collector; its `name` is the `job` label of every series
// it writes and its name in /api/v1/targets. Defaults are those of the
// exporters users come from (YACE, azure-metrics-exporter,
// stackdriver_exporter); docs/cloud.md lists every key.
//
// The loader fills in what an entry leaves to its parent (an AWS metric's
// statistics, period, length, delay... from its discovery job; an Azure
// query's metric_namespace from resource_type; a GCP query's
// alignment_period from poll_interval), so collectors read final values.
// operator== compares entries whole (the cloud manager keeps a collector
// across a reload when its entry compares equal).
//
// Thread-safety: plain values; the helpers at the end are pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::config {

struct CloudSecret {
  std::string value;  // never printed; "<secret>" in logs and /api/v1/status/config
  bool empty() const { return value.empty(); }
  bool operator==(const CloudSecret&) const = default;
};

// ---- AWS -------------------------------------------------------------------

struct AWSCredentialsConfig {
  // Explicit keys; empty means: use the default chain (environment,
  // shared credentials file and profile, web identity, ECS/EKS container
  // credentials, EC2 IMDSv2), in the AWS SDKs' order.
  std::string access_key_id;
  CloudSecret secret_access_key;
  CloudSecret session_token;
  std::string profile;  // default: $AWS_PROFILE or "default"
  std::string
      shared_credentials_file;     // default: $AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials
  std::string shared_config_file;  // default: $AWS_CONFIG_FILE or ~/.aws/config
  // STS AssumeRole on top of the credentials above (or web identity when
  // web_identity_token_file is set: AssumeRoleWithWebIdentity).
  std::string role_arn;
  std::string external_id;
  std::string role_session_name;  // default "vigil"
  std::string web_identity_token_file;
  std::string sts_endpoint;    // default https://sts.<region>.amazonaws.com (or `endpoint`)
  bool imds_disabled = false;  // also $AWS_EC2_METADATA_DISABLED=true
  std::string imds_endpoint;   // default http://169.254.169.254
  bool operator==(const AWSCredentialsConfig&) const = default;
};

struct AWSMetricConfig {
  std::string name;  // CloudWatch MetricName, e.g. CPUUtilization
  std::vector<std::string>
      statistics;  // empty: the job's; Sum Average Maximum Minimum SampleCount pNN(.N)
  std::optional<int64_t> period_ms;  // empty: the job's
  std::optional<int64_t> length_ms;
  std::optional<int64_t> delay_ms;
  std::optional<bool> nil_to_zero;
  std::optional<bool> add_cloudwatch_timestamp;
  bool operator==(const AWSMetricConfig&) const = default;
};

struct AWSSearchTag {
  std::string key;
  std::string value;  // RE2, fully anchored
  bool operator==(const AWSSearchTag&) const = default;
};

// One namespace (service) to discover and poll, like a YACE discovery job.
struct AWSDiscoveryJob {
  std::string type;  // "ec2", "rds", "elb", "alb", "lambda", "s3", ... or a namespace "AWS/EC2"
  std::string namespace_;                  // resolved from type ("AWS/EC2"); set by the loader
  std::vector<AWSSearchTag> search_tags;   // resources must carry all of them (Tagging API)
  std::vector<std::string> exported_tags;  // become tag_<Key> labels on the info series
  std::vector<std::string> dimension_name_requirements;
  bool recently_active_only = true;     // ListMetrics RecentlyActive=PT3H
  std::vector<std::string> statistics;  // default for its metrics; default {"Average"}
  int64_t period_ms = 300'000;
  int64_t length_ms = 300'000;
  int64_t delay_ms = 0;
  bool nil_to_zero = false;
  bool add_cloudwatch_timestamp = false;
  std::vector<AWSMetricConfig> metrics;  // required, at least one
  bool operator==(const AWSDiscoveryJob&) const = default;
};

struct AWSCloudConfig {
  std::string name;                  // required, unique across cloud_configs
  std::vector<std::string> regions;  // required
  // Base URL for every AWS API (CloudWatch, Tagging, STS), as
  // $AWS_ENDPOINT_URL; e.g. http://127.0.0.1:9901 for `vigil cloudsim`.
  // Empty: the real https://<service>.<region>.amazonaws.com.
  std::string endpoint;
  AWSCredentialsConfig credentials;
  int64_t poll_interval_ms = 300'000;  // how often a poll runs (YACE -scraping-interval)
  int metrics_per_query = 500;         // GetMetricData batch width (max 500)
  int64_t request_timeout_ms = 30'000;
  std::string ca_file;                     // extra CA for an https endpoint
  double cost_per_1000_metrics = 0.01;     // GetMetricData price (us-east-1) for the cost estimate
  std::vector<AWSDiscoveryJob> discovery;  // required, at least one
  bool operator==(const AWSCloudConfig&) const = default;
};

// ---- Azure -----------------------------------------------------------------

struct AzureResourceQuery {
  std::string resource_type;                 // required, e.g. Microsoft.Compute/virtualMachines
  std::string metric_namespace;              // default: resource_type
  std::vector<std::string> resource_groups;  // empty: all
  std::map<std::string, std::string> tags;   // resources must carry these tag=value pairs
  std::vector<std::string> metrics;          // required, e.g. "Percentage CPU"
  std::vector<std::string>
      aggregations;               // default {"average"}; average minimum maximum total count
  std::string interval = "PT1M";  // ISO 8601 grain
  int64_t timespan_ms = 0;        // window polled; 0: 5 grains
  std::string filter;             // getBatch `filter` (dimension split), optional
  int top = 0;                    // with filter
  bool operator==(const AzureResourceQuery&) const = default;
};

struct AzureCloudConfig {
  std::string name;                        // required, unique
  std::vector<std::string> subscriptions;  // required
  std::vector<std::string> regions;        // empty: every region the resources are in
  std::string tenant_id;                   // client credentials; default $AZURE_TENANT_ID
  std::string client_id;                   // default $AZURE_CLIENT_ID
  CloudSecret client_secret;               // default $AZURE_CLIENT_SECRET
  std::string client_secret_file;
  bool use_managed_identity = false;  // IMDS / App Service identity endpoint instead
  std::string
      managed_identity_endpoint;  // default http://169.254.169.254/metadata/identity/oauth2/token
  std::string managed_identity_client_id;
  std::string authority_host = "https://login.microsoftonline.com";
  std::string resource_manager_endpoint = "https://management.azure.com";
  // getBatch host; "{region}" is replaced by the resources' region.
  std::string metrics_endpoint = "https://{region}.metrics.monitor.azure.com";
  std::string ca_file;  // extra CA (the simulator's)
  int64_t poll_interval_ms = 60'000;
  int64_t delay_ms = 0;
  int64_t discovery_interval_ms = 1'800'000;  // ARM listing cache (30m as webdevops)
  int64_t request_timeout_ms = 30'000;
  int batch_size = 50;  // getBatch resources per call (max 50)
  // Metric name template; placeholders {name} {type} {metric} {aggregation} {unit}.
  std::string name_template = "azurerm_resource_metric";
  std::vector<AzureResourceQuery> resources;  // required
  bool operator==(const AzureCloudConfig&) const = default;
};

// ---- Google Cloud ----------------------------------------------------------

struct GCPMetricQuery {
  std::string type;         // metric.type, e.g. compute.googleapis.com/instance/cpu/utilization
  std::string type_prefix;  // or a prefix, expanded with metricDescriptors.list
  std::string filter;       // extra filter ANDed in, e.g. resource.type = "gce_instance"
  std::string aligner;      // ALIGN_MEAN ...; default: none (raw points)
  std::string reducer;      // REDUCE_NONE ...
  std::vector<std::string> group_by_fields;
  int64_t alignment_period_ms = 0;  // default: the poll interval
  bool operator==(const GCPMetricQuery&) const = default;
};

struct GCPCloudConfig {
  std::string name;                      // required, unique
  std::vector<std::string> project_ids;  // required
  std::string
      credentials_file;   // service-account key JSON; default $GOOGLE_APPLICATION_CREDENTIALS
  std::string token_uri;  // override of the key file's token_uri
  std::string endpoint = "https://monitoring.googleapis.com";
  std::string ca_file;
  int64_t poll_interval_ms = 60'000;
  int64_t delay_ms = 60'000;  // stackdriver_exporter --monitoring.metrics-offset... (ingest lag)
  int64_t lookback_ms =
      300'000;  // window of the first poll; later polls continue from the last end
  int64_t request_timeout_ms = 30'000;
  std::vector<GCPMetricQuery> metrics;  // required
  bool operator==(const GCPCloudConfig&) const = default;
};

struct CloudConfigs {
  std::vector<AWSCloudConfig> aws;
  std::vector<AzureCloudConfig> azure;
  std::vector<GCPCloudConfig> gcp;
  bool empty() const { return aws.empty() && azure.empty() && gcp.empty(); }
  bool operator==(const CloudConfigs&) const = default;
};

// ---- Helpers shared by the loader and the collectors ------------------------

// The CloudWatch namespace of a discovery job's `type`: an alias ("ec2" ->
// "AWS/EC2", "alb" -> "AWS/ApplicationELB", ...) or a namespace written out
// (anything holding a '/', e.g. "AWS/EC2", "ECS/ContainerInsights"). "" for an
// unknown alias.
std::string AwsNamespaceForType(std::string_view type);
// The aliases AwsNamespaceForType knows, sorted (for error messages).
std::vector<std::string> AwsTypeAliases();
// A CloudWatch statistic Vigil can request: Sum, Average, Maximum, Minimum,
// SampleCount, or a percentile pN / pN.N (0 <= N <= 100).
bool IsValidAwsStatistic(std::string_view stat);
// A CloudWatch period: 1, 5, 10, 20 or 30 s (high resolution) or a positive
// multiple of 60 s.
bool IsValidAwsPeriod(int64_t period_ms);
// An ISO 8601 duration as Azure writes them ("PT1M", "PT1H", "P1D",
// "P1DT12H", "PT0.5S"), in milliseconds; nullopt when malformed. Years and
// months are refused (they have no fixed length).
std::optional<int64_t> ParseIso8601DurationMs(std::string_view s);
// The shortest ISO 8601 form of a positive duration: 60000 -> "PT1M",
// 86400000 -> "P1D", 5400000 -> "PT1H30M".
std::string FormatIso8601Duration(int64_t ms);
// The time grains Azure Monitor serves (PT1M PT5M PT15M PT30M PT1H PT6H PT12H
// P1D), in milliseconds.
bool IsAzureTimeGrain(int64_t ms);
// Azure Monitor's aggregation types, lower case.
bool IsAzureAggregation(std::string_view aggregation);
// Cloud Monitoring's Aggregation.Aligner and Aggregation.Reducer enum names.
bool IsGcpAligner(std::string_view name);
bool IsGcpReducer(std::string_view name);

}  // namespace vigil::config
