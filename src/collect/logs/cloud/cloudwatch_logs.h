// CloudWatch Logs FilterLogEvents as a CloudLogApi (the factory is
// NewCloudWatchLogsApis in cloud_log_apis.h): the pieces of the client that
// are worth testing on their own, the wire request and the page parser, and
// the knobs that are not in the config file.
//
// Wire facts the client relies on (cloud-apis.md §1.6, the SDK captures, the
// simulator): AWS JSON 1.1, X-Amz-Target Logs_20140328.FilterLogEvents,
// signing name "logs"; startTime and endTime in epoch ms, BOTH inclusive (the
// API returns events "not later than" endTime, and `vigil cloudsim` keeps
// ts <= endTime), so the window [start, end) is asked as startTime = start,
// endTime = end - 1; logGroupName for a name, logGroupIdentifier for an ARN;
// logStreamNames or logStreamNamePrefix, never both; limit 1..10,000; pages
// end when the answer has no nextToken (pages may be empty while more
// remain).
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "collect/logs/cloud/cloud_events.h"
#include "collect/logs/cloud/cloud_log_apis.h"

namespace vigil::cloudlogs {

inline constexpr int kFilterLogEventsMaxLimit = 10'000;

struct CloudWatchLogsOptions {
  // FilterLogEvents `limit`: events per page (1..10,000). Tests page with
  // small values; the API's maximum costs the fewest calls.
  int page_limit = kFilterLogEventsMaxLimit;
};

// NewCloudWatchLogsApis with options (cloud_log_apis.h has the contract).
Result<std::vector<std::unique_ptr<CloudLogApi>>> NewCloudWatchLogsApis(
    const config::CloudLogSourceConfig& source, const config::AWSCloudConfig& cloud,
    const CloudLogApiDeps& deps, const CloudWatchLogsOptions& opts);

// One FilterLogEvents request.
struct FilterLogEventsQuery {
  std::string log_group;  // a name, or an ARN (sent as logGroupIdentifier)
  std::vector<std::string> log_stream_names;
  std::string log_stream_name_prefix;
  std::string filter_pattern;
  int64_t start_time_ms = 0;  // inclusive
  int64_t end_time_ms = 0;    // inclusive
  int limit = kFilterLogEventsMaxLimit;
  std::string next_token;  // "" on the first page
};

// The JSON body, members in the order the AWS CLI writes them.
std::string FilterLogEventsRequest(const FilterLogEventsQuery& q);

struct FilterLogEventsPage {
  // region, account_id and log_group are left empty: the caller knows them.
  std::vector<CloudWatchEvent> events;
  std::string next_token;  // "" on the last page
};

// Parses an answer (untrusted bytes). Corruption when the body is not a
// JSON object or `events` is not an array; an event whose members are
// missing or of the wrong type keeps their zero values.
Result<FilterLogEventsPage> ParseFilterLogEventsResponse(std::string_view body);

// Whether a configured log group is an ARN ("arn:aws:logs:...:log-group:x"),
// and the group's name either way (an ARN's name, without a trailing ":*").
bool IsLogGroupArn(std::string_view group);
std::string LogGroupName(std::string_view group);

}  // namespace vigil::cloudlogs
