// The Prometheus remote_read server, without HTTP: the HTTP layer passes the
// request's Content-Encoding and body to RemoteReadHandler::Handle and sends
// back the status, Content-Type, Content-Encoding and body it returns.
//
// A ReadRequest (snappy-compressed protobuf) holds queries, each a time
// range, label matchers and hints. The answer type is negotiated from the
// request's accepted_response_types, first supported one wins:
//   SAMPLES (also when the list is empty): one ReadResponse with a
//     QueryResult per query, snappy-compressed, Content-Type
//     application/x-protobuf, Content-Encoding snappy.
//   STREAMED_XOR_CHUNKS: a sequence of frames, each uvarint(length) +
//     CRC-32C (Castagnoli, big-endian) of the message + a
//     ChunkedReadResponse holding (part of) one series as XOR chunks of at
//     most 120 samples; Content-Type application/x-streamed-protobuf;
//     proto=prometheus.ChunkedReadResponse, no Content-Encoding. The whole
//     stream is built in memory (the HTTP layer has no streaming yet).
// Series are sorted by labels; series without samples in the range are left
// out. Errors are plain text with 400 (bad request, invalid regex, sample
// limit), 413 (decoded request too large), 415 (encoding), 500 (storage
// error) or 503 (too many concurrent reads, timeout; with Retry-After).
//
// Thread-safety: Handle may be called concurrently; at most
// ReadOptions::max_concurrent calls run at once, others wait up to
// ReadOptions::queue_wait_ms.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "base/metrics.h"
#include "base/time.h"
#include "storage/storage.h"

namespace vigil::remote {

struct ReadOptions {
  // Most samples returned for one query (as Prometheus'
  // --storage.remote.read-sample-limit); more is a 400. 0: unlimited.
  // Unlike Prometheus, it also applies to streamed responses, since Vigil
  // builds them in memory.
  size_t max_samples = 50'000'000;
  // Most reads served at once (as --storage.remote.read-concurrent-limit). 0: unlimited.
  size_t max_concurrent = 10;
  // How long a read waits for a free slot before 503.
  int64_t queue_wait_ms = 5'000;
  // A read still running after this long is abandoned with 503. 0: no limit.
  int64_t timeout_ms = 120'000;
  // Largest decompressed ReadRequest accepted (requests are small).
  size_t max_decoded_bytes = size_t{4} << 20;
  // Target size of the chunks in one streamed frame (as
  // --storage.remote.read-max-bytes-in-frame).
  size_t max_bytes_in_frame = size_t{1} << 20;
  // Retry-After (seconds) for 503 answers.
  int retry_after_seconds = 5;
  // Where vigil_remote_read_* metrics go. Null: a registry owned by the handler.
  metrics::Registry* registry = nullptr;
  // Time source for the timeout (tests replace it).
  Clock clock = SystemClock();
};

struct ReadOutcome {
  int status = 200;
  std::string content_type;      // always set
  std::string content_encoding;  // "snappy" for SAMPLES, empty otherwise
  std::string body;
  int retry_after_seconds = 0;  // > 0: send "Retry-After: <n>"
};

inline constexpr std::string_view kSamplesContentType = "application/x-protobuf";
inline constexpr std::string_view kStreamedContentType =
    "application/x-streamed-protobuf; proto=prometheus.ChunkedReadResponse";

class RemoteReadHandler {
 public:
  explicit RemoteReadHandler(ReadOptions options = {});
  ~RemoteReadHandler();
  RemoteReadHandler(const RemoteReadHandler&) = delete;
  RemoteReadHandler& operator=(const RemoteReadHandler&) = delete;

  // db must outlive the call.
  ReadOutcome Handle(std::string_view content_encoding, std::string_view body,
                     storage::Queryable* db) const;

 private:
  struct Metrics;
  class Slot;

  ReadOutcome Serve(std::string_view content_encoding, std::string_view body,
                    storage::Queryable* db) const;

  ReadOptions options_;
  std::unique_ptr<metrics::Registry> own_registry_;
  std::unique_ptr<Metrics> metrics_;
  mutable std::mutex mu_;
  mutable std::condition_variable slot_freed_;
  mutable size_t in_flight_ = 0;  // guarded by mu_
};

}  // namespace vigil::remote
