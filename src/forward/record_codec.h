// The binary form of a model::LogRecord inside the forwarders' disk queue
// (one queue record per LogRecord; docs/storage-format.md, "Forwarder
// queue"). Compact (varints, no field tags) and versioned by a leading
// byte so that a later Vigil can still read an old queue.
//
// Owned by the forward module (helper "forward").
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"
#include "model/log_record.h"

namespace vigil::forward {

inline constexpr uint8_t kRecordCodecVersion = 1;

// Appends the encoding of `record` to *out.
void EncodeLogRecord(const model::LogRecord& record, std::string* out);

// Decodes a whole payload into *out (overwritten). Corruption when the bytes
// are not exactly one record of a known version, or its stream labels are
// not sorted by name and unique.
Status DecodeLogRecord(std::string_view payload, model::LogRecord* out);

}  // namespace vigil::forward
