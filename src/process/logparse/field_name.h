// Internal helpers of vigil_logparse for building field names (not part of
// the public API; see logparse.h for SanitizeFieldName).
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

namespace vigil::logparse {

// Appends name with invalid runes replaced by '_'; `first` adds the '_'
// prefix before a leading digit (Loki does that only for the first segment of
// a flattened JSON key). No trimming, "" appends nothing.
void AppendSanitizedFieldNamePart(std::string* out, std::string_view name, bool first);

// name without surrounding ASCII white space.
std::string_view TrimFieldName(std::string_view name);

// Loki 3 replaces U+FFFD (and, as Go decodes them, invalid UTF-8 bytes) in
// parsed values with a space, since Prometheus rejects the replacement rune.
// False (and *out untouched) when value needs no change.
bool ReplaceRuneErrors(std::string_view value, std::string* out);

}  // namespace vigil::logparse
