// Cloud events onto the event schema (model::LogRecord, docs/events.md):
// CloudWatch Logs events (plain text, or a CloudTrail record or an
// EventBridge event as the message), Azure Activity Log EventData and Cloud
// Logging LogEntry (audit logs among them). Pure functions over the JSON the
// APIs return; the API clients (cloud_log_apis.h) call them for each event
// of a page.
//
// Common shape (the table in docs/events.md has every field):
//   time_ns            the event's time (CloudTrail eventTime, EventBridge
//                      time, Azure eventTimestamp, LogEntry timestamp)
//   body               a plain log line as it is; an event: its whole JSON
//                      as received (a LogEntry with textPayload: the text)
//   stream labels      few and stable: cloud_provider, cloud_region /
//                      subscription_id / project_id, log_group / log_type /
//                      log_name (never per-request values)
//   resource           cloud.provider, cloud.account.id, cloud.region
//   attributes         event.id, event.type, event.source,
//                      cloud.resource_id, enduser.id, ...
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"
#include "model/log_record.h"

namespace vigil::cloudlogs {

// One event of a FilterLogEvents page, with where it came from.
struct CloudWatchEvent {
  std::string region;
  std::string account_id;  // "" when unknown
  std::string log_group;
  std::string log_stream;
  std::string event_id;
  std::string message;
  int64_t timestamp_ms = 0;
  int64_t ingestion_time_ms = 0;
};

// A CloudWatch Logs event. With parse_envelopes, a message that is the JSON
// of a CloudTrail record (eventVersion, eventSource, eventName) or of an
// EventBridge event (version, detail-type, source, detail; a detail-type
// "AWS API Call via CloudTrail" carries a CloudTrail record in detail) is
// mapped as that event; anything else (and everything without
// parse_envelopes) stays a plain line. Never fails.
model::LogRecord MapCloudWatchEvent(const CloudWatchEvent& e, bool parse_envelopes,
                                    int64_t observed_ns);

// One EventData of the Activity Log (`value[i]` of
// .../eventtypes/management/values). InvalidArgument when the text is not
// a JSON object.
Result<model::LogRecord> MapAzureActivityEvent(std::string_view event_json,
                                               std::string_view subscription_id,
                                               int64_t observed_ns);

// One LogEntry of entries:list (textPayload, jsonPayload or protoPayload,
// e.g. an AuditLog). InvalidArgument when the text is not a JSON object.
Result<model::LogRecord> MapGcpLogEntry(std::string_view entry_json, std::string_view project_id,
                                        int64_t observed_ns);

}  // namespace vigil::cloudlogs
