// Parsing a Loki stream label string, `{job="x", host="a"}`, into Labels.
// Loki's protobuf push carries each stream's labels in this form (Prometheus'
// label-set syntax; only `=`, no other matchers).
//
// Accepted: optional spaces around everything; names are identifiers
// ([a-zA-Z_][a-zA-Z0-9_]*) or double-quoted UTF-8 names; values are "..." or
// '...' with Go escapes, or `...` raw; a trailing comma. A label with an empty
// value is dropped (as Prometheus does). Refused, with a message: anything
// else, duplicate names, no label at all, invalid UTF-8.
//
// Owned by the logs/push module (helper "ingest").
// Thread-safety: pure function.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"
#include "model/labels.h"

namespace vigil::logs {

Status ParseLokiLabels(std::string_view text, model::Labels* out);

// The inverse: `{host="a", job="x"}` with Go-quoted values (and names that
// are not identifiers), which ParseLokiLabels and Loki both read back.
void AppendLokiLabels(std::string* out, const model::Labels& labels);

}  // namespace vigil::logs
