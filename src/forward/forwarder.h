// Forwarding logs to other systems: Loki push (snappy protobuf), syslog
// (RFC 5424 or 3164 over TCP with octet counting, or UDP) and HTTP JSON
// (a JSON array of normalized records per POST, docs/events.md's shape).
//
// Every forwarder is a model::LogSink with a disk-backed queue in front of
// the network: Consume appends the batch to the queue (segment files with
// checksummed records, written before Consume returns) and a sender thread
// reads from the queue, sends in batches of batch_bytes / batch_wait_ms, and
// advances a durable read cursor only after the receiver acknowledged
// (2xx; syslog: written to the socket). So when the receiver is down for
// minutes nothing is lost, memory stays bounded (the queue lives on disk;
// only one send batch is in memory) and, at queue_max_bytes, Consume
// refuses with ResourceExhausted (backpressure to the source) instead of
// dropping. Restarts resume from the cursor (a batch sent but not yet
// acknowledged may be sent again after a crash: at-least-once across
// kill -9, exactly once otherwise). 4xx other than 429 are not retried: the
// batch is dropped and counted with reason "rejected".
//
// Metrics: vigil_forward_records_total{forwarder,result="sent|rejected"},
// vigil_forward_queue_bytes{forwarder}, vigil_forward_queue_records{forwarder},
// vigil_forward_send_errors_total{forwarder,reason}, vigil_forward_up{forwarder}.
//
// The queue lives in `queue_dir` (disk_queue.h: segment files, cursor);
// senders are in sender.h.
//
// Thread-safety: Consume may be called concurrently; Stop from any thread.
#pragma once

#include <memory>
#include <string>

#include "base/last_error.h"
#include "base/metrics.h"
#include "base/result.h"
#include "config/log_config.h"
#include "model/log_record.h"

namespace vigil::forward {

class Forwarder : public model::LogSink {
 public:
  // Opens (or creates) the queue in `queue_dir` and starts the sender.
  static Result<std::unique_ptr<Forwarder>> Start(const config::LogForwarderConfig& config,
                                                  const std::string& queue_dir,
                                                  metrics::Registry* registry);
  ~Forwarder() override = default;

  struct Status {
    bool up = false;       // last send succeeded
    LastError last_error;  // the newest failed send, kept after a success
    uint64_t queued_records = 0;
    uint64_t queued_bytes = 0;
    uint64_t sent_records = 0;
    uint64_t rejected_records = 0;  // refused by the receiver (4xx) or unreadable in the queue
    // Bytes of records held in memory (the queue's read buffer plus the
    // batch being sent): bounded by about twice batch_bytes, however much
    // is queued.
    uint64_t memory_bytes = 0;
  };
  virtual Status status() const = 0;

  // Tries to send what is queued for up to `grace`, then stops the sender.
  // What is left stays in the queue for the next start.
  virtual void Stop(int64_t grace_ms) = 0;
};

}  // namespace vigil::forward
