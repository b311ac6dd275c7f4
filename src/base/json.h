// JSON text for bodies Vigil writes itself: cloud API requests, the cloud
// simulator's answers. RFC 8259 string escaping (", \, control characters;
// everything else, UTF-8 included, as is). The Prometheus HTTP API has its
// own Go-compatible writer (src/api/go_json.h), whose escaping differs.
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
