// Helpers shared by the Loki and OTLP decoders: media types, the snappy and
// content-encoding steps, per-thread scratch buffers.
//
// Owned by the logs/push module (helper "ingest"); internal to it.
// Thread-safety: pure functions; scratch buffers are per thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace vigil::logs::internal {

enum class BodyFormat { kJson, kProtobuf, kUnknown };

// "application/json; charset=utf-8" -> kJson, "" -> kJson,
// "application/x-protobuf" / "application/protobuf" -> kProtobuf.
BodyFormat FormatOf(std::string_view content_type);

// Decompresses a snappy block of at most max_out bytes into *out.
Status SnappyDecode(std::string_view in, size_t max_out, std::string* out);

// Per-thread buffers that keep their capacity across requests (up to a cap,
// see ReleaseScratch).
std::string* ScratchA();
std::string* ScratchB();
// Frees a scratch buffer's memory if it grew beyond a few MiB.
void ReleaseScratch(std::string* s);

// Lower-case hex of raw bytes (trace and span ids).
void AppendHex(std::string* out, std::string_view bytes);

}  // namespace vigil::logs::internal
