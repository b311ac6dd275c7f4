// Syslog: parsing RFC 5424 and RFC 3164 messages into normalized records,
// and a server that receives them over UDP and TCP.
//
// Parsing (ParseSyslog): the format is detected per message ("<PRI>1 " is
// RFC 5424, anything else after "<PRI>" is RFC 3164; a message without PRI
// is kept whole as the body with severity unspecified and the attribute
// syslog.parse_error). Fields land as docs/events.md says: PRI's severity ->
// severity_number/text (emerg..debug), facility -> attribute
// syslog.facility (name), HOSTNAME -> resource host.name and label `host`,
// APP-NAME -> label `job` (the bench harness counts by it) and attribute
// syslog.appname, PROCID, MSGID -> attributes, structured data ->
// attributes `sd.<id>.<param>`, TIMESTAMP -> time_ns (RFC 3164 has no year
// and no zone: the current year in UTC, or the previous one when that would
// be more than a day in the future), MSG -> body (a UTF-8 BOM dropped).
// Invalid UTF-8 is kept with each bad byte replaced by U+FFFD and the
// attribute syslog.invalid_utf8=true. Nothing is refused: an unparsable
// message is stored whole and tagged.
//
// Server: TCP with octet counting (RFC 6587, "LEN SP MSG") or newline
// framing, detected per connection from its first byte (a digit: octet
// counting) unless configured; UDP one message per datagram. Messages are
// batched (up to batch_size or batch_wait_ms) and handed to the sink; a TCP
// connection is read no faster than the sink takes batches (backpressure, no
// unbounded queue). A frame longer than max_message_bytes is cut there, kept
// and tagged syslog.truncated=true; counted in
// vigil_syslog_messages_total{listener,result}.
//
// Thread-safety: ParseSyslog is pure. A SyslogServer's methods may be called
// from any thread; it calls the sink from its own threads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/last_error.h"
#include "base/metrics.h"
#include "base/result.h"
#include "model/labels.h"
#include "model/log_record.h"

namespace vigil::logs {

struct SyslogParseOptions {
  int64_t observed_time_ns = 0;
  int64_t now_ns = 0;  // for RFC 3164's missing year; 0: the clock
};

// Parses one message (without framing) into `out` (fields as above; `out`'s
// stream labels get host and job added to whatever it already holds).
void ParseSyslog(std::string_view message, const SyslogParseOptions& options,
                 model::LogRecord* out);

struct SyslogServerOptions {
  std::string name = "syslog";  // the listener label in metrics
  std::string listen;           // "127.0.0.1:1514"
  enum class Protocol { kTcp, kUdp } protocol = Protocol::kTcp;
  enum class Framing { kAuto, kNewline, kOctetCounting } framing = Framing::kAuto;
  model::Labels labels;  // added to every record's stream
  size_t max_message_bytes = 64 << 10;
  size_t batch_size = 1024;
  int batch_wait_ms = 100;
  size_t max_connections = 1024;
  int threads = 1;
  metrics::Registry* registry = nullptr;
};

class SyslogServer {
 public:
  // Binds and starts; records go to `sink`, which must outlive the server.
  static Result<std::unique_ptr<SyslogServer>> Start(SyslogServerOptions options,
                                                     model::LogSink* sink);
  virtual ~SyslogServer() = default;
  virtual uint16_t port() const = 0;
  // Stops accepting, flushes what was received, closes connections. Idempotent.
  virtual void Stop() = 0;
  // The newest error (a batch the pipeline refused, a message cut at
  // max_message_bytes, broken octet counting, a failed accept), as text.
  virtual LastError last_error() const = 0;
};

}  // namespace vigil::logs
