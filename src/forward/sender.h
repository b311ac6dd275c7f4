// Senders: the network half of a forwarder. A Sender delivers one batch of
// records and says whether the receiver took it, whether to try again later
// or whether the receiver refused it for good. The Forwarder (forwarder.cc)
// owns the queue, batching, retries and backoff; a Sender only talks to the
// network.
//
//   Loki:   POST snappy protobuf (logs::EncodeLokiPushProto), Content-Type
//           application/x-protobuf, X-Scope-OrgID = tenant_id. 2xx ok;
//           429, 5xx and transport errors retry (429 honours Retry-After);
//           other statuses are refused.
//   HTTP:   POST a JSON array (record_format.h), same status rules.
//   Syslog: RFC 5424 or 3164; TCP with octet counting ("LEN SP MSG"), or
//           UDP, one datagram per record. A batch is ok once written to the
//           socket; any socket error closes the connection (the next Send
//           reconnects) and retries. A batch cut by a broken connection is
//           resent whole, so the receiver may see some of it twice.
//
// Owned by the forward module (helper "forward").
// Thread-safety: Send is called by one thread; Cancel from any thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "config/log_config.h"
#include "model/log_record.h"

namespace vigil::forward {

struct SendResult {
  enum class Kind { kOk, kRetry, kRejected };
  Kind kind = Kind::kOk;
  std::string error;           // for logs and Status::last_error
  std::string reason;          // metrics reason: transport, http_429, http_5xx, rejected
  int64_t retry_after_ms = 0;  // > 0: the receiver asked to wait this long
  uint64_t wire_bytes = 0;     // bytes of the request body / socket writes

  static SendResult Ok(uint64_t bytes) {
    SendResult r;
    r.wire_bytes = bytes;
    return r;
  }
  static SendResult Retry(std::string reason, std::string error) {
    SendResult r;
    r.kind = Kind::kRetry;
    r.reason = std::move(reason);
    r.error = std::move(error);
    return r;
  }
  static SendResult Rejected(std::string error) {
    SendResult r;
    r.kind = Kind::kRejected;
    r.reason = "rejected";
    r.error = std::move(error);
    return r;
  }
};

class Sender {
 public:
  virtual ~Sender() = default;
  virtual SendResult Send(const std::vector<model::LogRecord>& records) = 0;
  // Aborts a Send in progress and makes later ones fail fast (shutdown).
  virtual void Cancel() = 0;
};

// Checks the config for its type (url / address, protocol, format) and
// builds the sender. InvalidArgument names the forwarder and the field.
Result<std::unique_ptr<Sender>> NewSender(const config::LogForwarderConfig& config);

Result<std::unique_ptr<Sender>> NewLokiSender(const config::LogForwarderConfig& config);
Result<std::unique_ptr<Sender>> NewHttpJsonSender(const config::LogForwarderConfig& config);
Result<std::unique_ptr<Sender>> NewSyslogSender(const config::LogForwarderConfig& config);

// How a response status is treated by the HTTP senders.
SendResult ClassifyHttpStatus(int status_code, std::string_view body, std::string_view retry_after);

}  // namespace vigil::forward
