// Internal to vigil_logparse: per-thread simdjson state shared by ParseJson,
// JsonPath and Unpack, so that a line costs one memcpy into a padded buffer
// and no allocation once the buffers have grown.
//
// Thread-safety: each thread gets its own JsonScratch; the views a parse
// returns are valid until that thread's next parse.
#pragma once

#include <simdjson.h>

#include <string>
#include <string_view>

#include "base/status.h"

namespace vigil::logparse {

struct JsonScratch {
  simdjson::ondemand::parser parser;
  std::string padded;  // the line plus SIMDJSON_PADDING bytes
  std::string name;    // flattened field name being built
};

JsonScratch& ThreadJsonScratch();

// Copies line into scratch->padded and views it with its padding.
simdjson::padded_string_view PadLine(JsonScratch* scratch, std::string_view line);

// The Status for a simdjson error ("json: <simdjson's message>").
Status JsonError(simdjson::error_code error);

// line's first byte after spaces is '{' (Loki rejects anything else early).
bool LooksLikeJsonObject(std::string_view line);

}  // namespace vigil::logparse
