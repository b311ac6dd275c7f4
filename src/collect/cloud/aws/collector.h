// The AWS CloudWatch collector: one `cloud_configs: aws:` entry, polled by the
// cloud Manager. For every region and discovery job it
//   1. discovers (cached for discovery_interval_ms, 5 minutes by default):
//      the job's resources and their tags through the Tagging API
//      GetResources (ResourceTypeFilters of the namespace, TagFilters with
//      the search_tags keys, values matched here as anchored RE2), and the
//      metrics through CloudWatch ListMetrics (one listing per configured
//      metric name, RecentlyActive=PT3H when recently_active_only, every
//      page); each metric is tied to a resource by its dimension (naming.h);
//      metrics of resources that fail search_tags are dropped;
//   2. polls: GetMetricData, up to metrics_per_query queries per call (Id
//      id_<n>, ScanBy TimestampDescending, every page), one query per
//      (metric, dimensions, statistic), in YACE's window;
//   3. writes the latest datapoint of each series as YACE names it
//      (aws_ec2_cpuutilization_average{name=ARN|"global", region,
//      account_id, dimension_<Dim>, tag_<Key>}) and, per discovered
//      resource, aws_<ns>_info{name, tag_<Key>} 0.
// Errors of one region, job or batch are reported in Poll's Status
// ("GetMetricData us-east-1: Throttling: Rate exceeded (after 5 attempts)")
// while the rest of the poll is kept.
//
// Owner: the AWS CloudWatch collector (helper "awscw").
// Thread-safety: as cloud::Collector (Poll from one thread at a time;
// Health, Name, Cancel from any).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include "base/metrics.h"
#include "base/result.h"
#include "collect/cloud/aws/credentials.h"
#include "collect/cloud/common/collector.h"
#include "config/cloud_config.h"

namespace vigil::aws {

// Knobs that are not (yet) in the config file, and seams for tests.
struct AwsCollectorOptions {
  int64_t discovery_interval_ms = 300'000;  // ListMetrics / GetResources cache
  int max_attempts = 5;                     // per API call, throttling and 5xx retried
  int64_t backoff_base_ms = 200;
  int64_t backoff_max_ms = 20'000;
  uint64_t backoff_seed = 0;  // 0: random
  // Replaces the cancellable wait between attempts (tests record delays).
  std::function<bool(int64_t ms)> sleep;
};

// creds: null = the default chain of cfg.credentials (NewDefaultChain).
// Fails on an invalid entry (no region, no job, a job without metrics, an
// unknown statistic, a bad search_tags regex, a period that is not a
// positive multiple of a second).
Result<std::unique_ptr<cloud::Collector>> NewAwsCollector(
    const config::AWSCloudConfig& cfg, metrics::Registry* registry,
    std::unique_ptr<CredentialsProvider> creds);
Result<std::unique_ptr<cloud::Collector>> NewAwsCollector(
    const config::AWSCloudConfig& cfg, metrics::Registry* registry,
    std::unique_ptr<CredentialsProvider> creds, const AwsCollectorOptions& opts);

}  // namespace vigil::aws
