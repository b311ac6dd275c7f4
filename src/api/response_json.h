// The parts of Prometheus' /api/v1 JSON that every endpoint shares, for the
// storage API (api.cc) and the query API (api/query) alike: the envelope
//   {"status":"success","data":...,"warnings":[...],"infos":[...]}
//   {"status":"error","errorType":"bad_data","error":"..."}
// and a label set as Prometheus' labels.Labels encoder writes it.
//
// Warnings and infos are capped at 10 each, the rest summarised as
// "N more warning annotations omitted", as Prometheus' respond() does with
// annotations.AsStrings(query, 10, 10) for every endpoint.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "api/go_json.h"
#include "model/labels.h"

namespace vigil::api {

// {"name":"value",...}. Prometheus registers its own jsoniter encoder for
// labels.Labels (web/api/v1/json_codec.go, marshalLabelsJSON), which writes
// names and values with Stream.WriteString, so neither is HTML-escaped nor
// UTF-8-checked; this holds wherever a label set appears: query results,
// /api/v1/series, exemplars.
void WriteLabels(GoJsonWriter& w, const model::Labels& labels);

// {"status":"success","data": — the caller writes the data value next and
// then calls FinishSuccess.
void StartSuccess(GoJsonWriter& w);
// Writes the capped "warnings" and "infos" (when not empty) and closes the envelope.
void FinishSuccess(GoJsonWriter& w, const std::vector<std::string>& warnings,
                   const std::vector<std::string>& infos);

// The whole error document.
std::string ErrorBody(std::string_view error_type, std::string_view message);

}  // namespace vigil::api
