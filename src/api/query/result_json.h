// The query API's JSON documents in Prometheus 3.5's shapes: PromQL values
// as /api/v1/query and /api/v1/query_range return them, the stats object and
// the whole query answer. The envelope and label sets, which every /api/v1
// endpoint shares, are in api/response_json.h.
//
//   vector  [{"metric":{...},"value":[1700000000.500,"1"]},...]
//   matrix  [{"metric":{...},"values":[[1700000000,"1"],...]},...]
//   scalar  [1700000000.5,"1"]      (timestamp as a JSON float, value in 'f' format)
//   string  [1700000000.5,"text"]
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "api/go_json.h"
#include "api/response_json.h"
#include "model/labels.h"
#include "query/promql/value.h"

namespace vigil::api::query {

// stats.BuiltinStats: timings in seconds and sample counts.
struct QueryStatsJson {
  double eval_total_time = 0;
  double result_sort_time = 0;
  double query_preparation_time = 0;
  double inner_eval_time = 0;
  double exec_queue_time = 0;
  double exec_total_time = 0;
  uint64_t total_queryable_samples = 0;
  uint64_t peak_samples = 0;
};

// "vector", "matrix", "scalar", "string" (empty for an empty Value).
std::string_view ResultTypeName(const promql::Value& v);

// The result array for v (see the file comment).
void WriteResult(GoJsonWriter& w, const promql::Value& v);
void WriteStats(GoJsonWriter& w, const QueryStatsJson& s);

// A whole query answer: data {"resultType","result"[,"stats"]}.
std::string QuerySuccessBody(const promql::Value& v, const std::vector<std::string>& warnings,
                             const std::vector<std::string>& infos, const QueryStatsJson* stats);

}  // namespace vigil::api::query
