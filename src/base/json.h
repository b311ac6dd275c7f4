// JSON text for bodies Vigil writes itself: cloud API requests, the cloud
// simulator's answers, the Loki API. RFC 8259 string escaping (", \,
// control characters; valid UTF-8 as is; each byte of invalid UTF-8 becomes
// \ufffd, as Go's encoding/json writes it, so the output is always valid JSON). The Prometheus HTTP
// API has its own Go-compatible writer (src/api/go_json.h), whose escaping differs.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

namespace vigil {

// Appends s as a JSON string literal, quotes included.
void AppendJsonString(std::string* out, std::string_view s);
// s as a JSON string literal, quotes included.
std::string JsonQuote(std::string_view s);

}  // namespace vigil
