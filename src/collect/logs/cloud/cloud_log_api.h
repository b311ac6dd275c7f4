// The seam between the cloud log poller (cloud_log_source.h) and the three
// cloud log APIs it reads: CloudWatch Logs FilterLogEvents, the Azure
// Activity Log and Cloud Logging entries:list. Each CloudLogApi is one
// target (a log group in a region, a subscription, a project) read by event
// time window; the poller owns the windows, the checkpoints and the hand-off
// to the pipeline, the API only turns one window into mapped records, page
// by page.
//
//   CloudLogSource ──window [start, end)──► CloudLogApi::Read ──pages──► records
//        ▲                                         │ signed / token-authenticated
//        └──── checkpoint "<start> <end> <n>" ◄────┘ requests through the cloud
//                                                    collectors' auth and retries
//
// Thread-safety: Read is called by one thread at a time (the poller's);
// Cancel may be called from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "base/metrics.h"
#include "base/status.h"
#include "model/log_record.h"

namespace vigil::cloudlogs {

class CloudLogApi {
 public:
  virtual ~CloudLogApi() = default;

  // A stable name of the target, used as the SourceOffset key and in
  // errors: "cloudwatch:us-east-1:/aws/lambda/api",
  // "azure-activity:<subscription>", "gcp-logging:<project>".
  virtual std::string Key() const = 0;

  // Reads every event whose time is in [start_ms, end_ms), in the order the
  // API returns them (the same order each time for the same window), and
  // calls `page` with the mapped records of each page, in order (a page may
  // be empty). Records have time_ns, observed_time_ns (now), body,
  // attributes, resource and the stream labels of the mapping
  // (docs/events.md) set. When `page` returns an error, Read stops and
  // returns it. API errors come back as the cloud collectors report them
  // ("FilterLogEvents us-east-1: ThrottlingException: Rate exceeded (after
  // 5 attempts)"); Cancelled after Cancel.
  virtual Status Read(int64_t start_ms, int64_t end_ms,
                      const std::function<Status(std::vector<model::LogRecord>&)>& page) = 0;

  // Stops a Read in progress as soon as possible. Any thread.
  virtual void Cancel() = 0;
};

// What every provider's factory needs besides the configs.
struct CloudLogApiDeps {
  std::string source_name;  // the log source's name: the `collector` label of the API stats
  // API call counters (vigil_cloud_api_calls_total{provider, collector, api,
  // region, result}); may be null.
  metrics::Registry* registry = nullptr;
  // Seams for tests: the wait between retries (false: cancelled) and the
  // wall clock (for signing and observed times). Null: the real ones.
  std::function<bool(int64_t ms)> sleep;
  std::function<int64_t()> now_ms;
  int max_attempts = 5;  // per API call
};

}  // namespace vigil::cloudlogs
