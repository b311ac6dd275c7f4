// The three providers' CloudLogApi factories. Each takes the log source's
// config (its `cloud` section) and the cloud_configs entry it names, and
// builds one API per target, sharing one authenticated session (credentials
// chain or token source, HTTP client, backoff, API stats) among them:
//   cloudwatch_logs     one per (region, log group): FilterLogEvents with
//                       startTime / endTime (epoch ms), the stream names or
//                       prefix and filterPattern of the config, every page
//                       (nextToken); SigV4 through aws::JsonCaller
//                       (JSON 1.1, X-Amz-Target Logs_20140328.FilterLogEvents).
//   azure_activity_log  one per subscription: GET .../providers/
//                       Microsoft.Insights/eventtypes/management/values
//                       ?api-version=2015-04-01&$filter=eventTimestamp ge
//                       '<start>' and eventTimestamp le '<end - 1 ms>'
//                       [and <filter>], every page (nextLink); Entra ID
//                       token for the resource manager's scope.
//   gcp_logging         one per project: POST <endpoint>/v2/entries:list
//                       {resourceNames: [projects/<p>], filter: timestamp >=
//                       "<start>" AND timestamp < "<end>" [AND (<filter>)],
//                       orderBy: "timestamp asc", pageSize: 1000}, every
//                       page (nextPageToken); service-account JWT token
//                       (scope logging.read).
// Errors at build time: an entry that cannot authenticate (no credentials,
// a bad key file), a region / subscription / project the entry does not have.
//
// Thread-safety: see cloud_log_api.h; the factories are pure.
#pragma once

#include <memory>
#include <vector>

#include "base/result.h"
#include "collect/logs/cloud/cloud_log_api.h"
#include "config/cloud_config.h"
#include "config/log_config.h"

namespace vigil::cloudlogs {

Result<std::vector<std::unique_ptr<CloudLogApi>>> NewCloudWatchLogsApis(
    const config::CloudLogSourceConfig& source, const config::AWSCloudConfig& cloud,
    const CloudLogApiDeps& deps);

Result<std::vector<std::unique_ptr<CloudLogApi>>> NewAzureActivityLogApis(
    const config::CloudLogSourceConfig& source, const config::AzureCloudConfig& cloud,
    const CloudLogApiDeps& deps);

Result<std::vector<std::unique_ptr<CloudLogApi>>> NewGcpLoggingApis(
    const config::CloudLogSourceConfig& source, const config::GCPCloudConfig& cloud,
    const CloudLogApiDeps& deps);

}  // namespace vigil::cloudlogs
