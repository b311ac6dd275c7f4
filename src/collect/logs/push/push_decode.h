// Decoders for the push protocols of logs: Loki push (JSON and snappy
// protobuf) and OTLP/HTTP logs (protobuf and JSON). They turn a request body
// into normalized records (model/log_record.h); the HTTP handlers in
// src/api/loki call them and hand the records to the pipeline.
//
// Loki push: stream labels become LogRecord::stream (parsed from the label
// string in protobuf, from the "stream" object in JSON); each entry's
// timestamp (ns) is time_ns, its line the body, structured metadata the
// attributes. A gzip Content-Encoding is undone by the caller (or here when
// `content_encoding` is "gzip").
//
// OTLP: each LogRecord keeps its fields (time_unix_nano, observed,
// severity, body as text: a string body as is, other AnyValues as JSON),
// attributes and its resource's attributes; trace and span ids as hex.
// Stream labels follow Loki's OTLP mapping: the resource attributes
// service.name, service.namespace, service.instance.id, deployment.environment,
// cloud.region, cloud.availability_zone, k8s.cluster.name, k8s.namespace.name,
// k8s.pod.name, k8s.container.name, k8s.deployment.name, host.name (and a few
// more; see docs/events.md) become labels with '.' -> '_' (service_name, ...);
// a record without service.name gets service_name="unknown_service".
//
// Errors are InvalidArgument with a message fit for an HTTP 400 body
// ("loki push: entry 3 of stream {job=\"a\"}: timestamp is not a number").
// Limits: a stream label string longer than 16 KiB or more than
// `max_records` records in one body is refused.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "model/log_record.h"

namespace vigil::logs {

struct DecodeOptions {
  int64_t observed_time_ns = 0;  // stamped on every record
  size_t max_records = 1000000;
  size_t max_body_bytes_decompressed = 64 << 20;
};

// Content-Type application/json (or empty) -> JSON; application/x-protobuf
// -> snappy-compressed protobuf.
Status DecodeLokiPush(std::string_view content_type, std::string_view content_encoding,
                      std::string_view body, const DecodeOptions& options,
                      std::vector<model::LogRecord>* out);

// Content-Type application/x-protobuf -> protobuf; application/json -> OTLP
// JSON (hex ids, enum names or numbers, int64 as strings). gzip encoding is
// undone here.
Status DecodeOtlpLogs(std::string_view content_type, std::string_view content_encoding,
                      std::string_view body, const DecodeOptions& options,
                      std::vector<model::LogRecord>* out);

// Encoders, for the Loki forwarder and for tests: a snappy-compressed
// logproto.PushRequest of the records grouped by stream.
std::string EncodeLokiPushProto(const std::vector<model::LogRecord>& records);
std::string EncodeLokiPushJson(const std::vector<model::LogRecord>& records);

}  // namespace vigil::logs
