// The Prometheus remote_write 1.0 receiver, without HTTP: the HTTP layer
// passes the request's Content-Encoding, Content-Type and body to
// RemoteWriteHandler::Handle and sends back the status, the plain-text body
// and (when set) a Retry-After header.
//
// Answers (see docs/remote-protocols.md for the full table):
//   204  everything was appended and committed.
//   400  the body is not a valid snappy/protobuf WriteRequest (nothing is
//        appended), or some samples were refused (bad labels, out of order,
//        duplicate, too old, label limits, native histograms): the rest of the
//        request IS committed, and the body names the first refusals and the
//        counts by reason. Clients must not retry these.
//   413  the decoded body would exceed WriteOptions::max_decoded_bytes.
//   415  Content-Encoding other than snappy, a Content-Type other than
//        application/x-protobuf, or remote write 2.0.
//   429  (WriteOptions::series_limit_status) storage refused new series
//        because of its series limit; everything else was committed.
//   500  Commit failed; 503 storage had no appender to give.
//
// Samples of one series are appended in the order they arrive, passing the
// ref Append returned for the next sample. Labels with empty values are
// dropped before validation (an empty value means "no such label" in
// Prometheus' data model), so {__name__="up", job=""} is stored as
// {__name__="up"}.
//
// Thread-safety: Handle may be called concurrently from any number of
// threads. Each thread keeps its own decode buffer and decoder (thread_local),
// reused across requests and across handler objects.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/metrics.h"
#include "model/labels.h"
#include "storage/storage.h"

namespace vigil::remote {

struct WriteOptions {
  // The largest decompressed body accepted (checked from the snappy header
  // before allocating). Decoding may use up to ~16x this in the worst case
  // (a body made only of empty labels), ~1.2x for real requests.
  size_t max_decoded_bytes = size_t{32} << 20;
  // The status for samples refused by storage's series limit: 429 (clients
  // that retry on rate limiting back off and retry; Prometheus by default
  // drops the batch instead of blocking its queue) or 503 (every client
  // retries, which blocks it until the limit clears).
  int series_limit_status = 429;
  // Retry-After (seconds) sent with 429 and 503 answers.
  int retry_after_seconds = 30;
  // How many refused samples are described in a 400 body (the counts by
  // reason always follow).
  size_t max_error_examples = 3;
  // Where the vigil_remote_write_* metrics go. Null: a registry owned by
  // the handler (metrics still counted, not exposed).
  metrics::Registry* registry = nullptr;
};

// What one request did; filled by Handle when asked for.
struct WriteStats {
  size_t compressed_bytes = 0;
  size_t decoded_bytes = 0;
  size_t series = 0;
  size_t samples = 0;  // float samples in the request
  size_t samples_appended = 0;
  size_t samples_rejected = 0;
  // Indexed by storage::RejectReason.
  std::array<size_t, 7> rejected_by_reason{};
  size_t exemplars_dropped = 0;
  size_t histograms_dropped = 0;
  size_t metadata = 0;
};

struct WriteOutcome {
  int status = 204;
  std::string body;             // plain text (kTextPlain) when status != 204
  int retry_after_seconds = 0;  // > 0: send "Retry-After: <n>"
};

class RemoteWriteHandler {
 public:
  explicit RemoteWriteHandler(WriteOptions options = {});
  ~RemoteWriteHandler();
  RemoteWriteHandler(const RemoteWriteHandler&) = delete;
  RemoteWriteHandler& operator=(const RemoteWriteHandler&) = delete;

  // db must outlive the call. stats may be null.
  WriteOutcome Handle(std::string_view content_encoding, std::string_view content_type,
                      std::string_view body, storage::Appendable* db,
                      WriteStats* stats = nullptr) const;

  const WriteOptions& options() const { return options_; }

 private:
  struct Metrics;

  WriteOptions options_;
  std::unique_ptr<metrics::Registry> own_registry_;
  std::unique_ptr<Metrics> metrics_;
};

}  // namespace vigil::remote
