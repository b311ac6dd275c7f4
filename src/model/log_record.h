// One log record or event, normalized: the schema every log source produces,
// every pipeline step transforms, the log store keeps and every forwarder
// sends. It follows the OpenTelemetry log data model (timestamp, observed
// timestamp, severity number and text, body, attributes, resource, trace
// context), plus `stream`: the small set of index labels that picks the
// record's stream in the log store, as Loki's stream labels do.
//
// docs/events.md maps every input (syslog, Loki push, OTLP, files, cloud
// events) onto these fields.
//
// LogSink is the one seam records flow through: sources hand batches to a
// sink (the pipeline router), the router hands them to sinks (the log store,
// forwarders). A sink that returns OK has taken the batch durably if it is a
// durable sink (the log store: in its WAL; a forwarder: in its disk queue),
// so a source may acknowledge the sender (HTTP 204, a file offset) only after
// Consume returns OK.
//
// Thread-safety: LogRecord and LogBatch are values. LogSink implementations
// must accept concurrent Consume calls from several sources.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "model/labels.h"

namespace vigil::model {

// OpenTelemetry SeverityNumber: 0 unspecified, 1-4 TRACE, 5-8 DEBUG,
// 9-12 INFO, 13-16 WARN, 17-20 ERROR, 21-24 FATAL.
enum class Severity : uint8_t {
  kUnspecified = 0,
  kTrace = 1,
  kDebug = 5,
  kInfo = 9,
  kWarn = 13,
  kError = 17,
  kFatal = 21,
};

// A string-valued attribute. OTLP values that are not strings are kept in
// their JSON text (ints "42", bools "true", arrays and maps as JSON); Loki's
// structured metadata is string-valued already.
struct LogAttribute {
  std::string key;
  std::string value;
  bool operator==(const LogAttribute&) const = default;
};

struct LogRecord {
  // Event time as the source states it, Unix nanoseconds; 0 when the source
  // gave none (then the store uses observed_time_ns).
  int64_t time_ns = 0;
  // When Vigil received the record, Unix nanoseconds (always set by the
  // source).
  int64_t observed_time_ns = 0;
  uint8_t severity_number = 0;  // see Severity
  std::string severity_text;    // as given ("err", "WARN", ...), may be empty
  std::string body;             // the log line / message
  // Index labels: the stream. Sources set them from their config and the
  // protocol (Loki stream labels, syslog app name -> job, ...); the pipeline
  // may add, rename and remove them. Must be a valid label set when stored.
  Labels stream;
  std::vector<LogAttribute> attributes;  // record attributes, Loki's structured metadata
  std::vector<LogAttribute> resource;    // resource attributes (host.name, service.name, ...)
  std::string trace_id;                  // lower-case hex, empty if none
  std::string span_id;                   // lower-case hex, empty if none

  // time_ns, or observed_time_ns when the source gave no time.
  int64_t EffectiveTime() const { return time_ns != 0 ? time_ns : observed_time_ns; }
};

// A source's position after a batch, recorded atomically with the batch by
// durable sinks so that a restarted source resumes exactly where the stored
// data ends (the file tailer's offsets). `source` names the source
// ("file:/var/log/app.log" plus an inode, chosen by the source); `state` is
// opaque to everyone but the source.
struct SourceOffset {
  std::string source;
  std::string state;
};

struct LogBatch {
  std::vector<LogRecord> records;
  std::vector<SourceOffset> offsets;  // usually empty
};

// Why a record was not taken. Counted per reason in
// vigil_logs_rejected_total{reason} by whoever rejects.
struct LogRejection {
  size_t index = 0;    // position in the batch
  std::string reason;  // short, stable: "line_too_long", "too_many_streams", "invalid_labels", ...
  std::string
      message;  // for the sender, e.g. "line of 10485760 bytes exceeds max_line_size 262144"
};

struct ConsumeResult {
  Status status;                       // not OK: nothing of the batch was taken; retry later
  std::vector<LogRejection> rejected;  // records refused one by one (the rest were taken)
};

// What a sink refused of a batch of `total` records, as one line for an
// operator ("refused a batch of 100 records: ..." or "3 of 100 records
// rejected; the last: too_old: ..."); "" when it took everything.
std::string DescribeRefusal(const ConsumeResult& result, size_t total);

class LogSink {
 public:
  virtual ~LogSink() = default;
  // Takes the batch (may move out of it). Records are not required to be in
  // time order.
  virtual ConsumeResult Consume(LogBatch& batch) = 0;
};

}  // namespace vigil::model
