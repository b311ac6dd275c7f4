// The JSON bodies of the Loki HTTP API, in Loki 3's shapes:
//
//   query/query_range  {"status":"success","data":{"resultType":"streams",
//                      "result":[{"stream":{"job":"a"},"values":[["<ns>","line"]]}],
//                      "stats":{"summary":{...},...}}}
//                      matrix: [{"metric":{...},"values":[[<unix s>,"<v>"]]}]
//                      vector: [{"metric":{...},"value":[<unix s>,"<v>"]}]
//                      scalar: [<unix s>,"<v>"]
//   labels, label values  {"status":"success","data":["a","b"]}
//   series             {"status":"success","data":[{"job":"a"}]}
//   index/stats        {"streams":1,"chunks":2,"entries":3,"bytes":4}
//   tail frame         {"streams":[{"stream":{...},"values":[["<ns>","line"]]}],
//                      "dropped_entries":[]}
//
// Log timestamps are strings of Unix ns; sample times are Unix seconds with
// millisecond precision as numbers and values strings (Go's
// strconv.FormatFloat 'f', -1: "NaN", "+Inf"), as Prometheus' model prints
// them. With `categorize_labels` (the X-Loki-Response-Encoding-Flags:
// categorize-labels request header) an entry with structured metadata gets
// a third element {"structuredMetadata":{...}}.
//
// Strings are escaped by base/json.h (RFC 8259); everything is appended to
// one buffer, no intermediate DOM.
//
// Owned by helper "lokiapi". Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "model/labels.h"
#include "query/logql/engine.h"
#include "storage/logstore/log_reader.h"

namespace vigil::api::loki {

struct EncodeOptions {
  bool categorize_labels = false;
};

// {"name":"value",...} in label order.
void AppendLabelsObject(std::string* out, const model::Labels& labels);
// ["<ns>","line"] (plus metadata, see above).
void AppendLogEntry(std::string* out, const logstore::LogEntry& entry, const EncodeOptions& o);
// [<unix seconds>,"<value>"]
void AppendSamplePair(std::string* out, int64_t t_ns, double v);
// {"summary":{...},"querier":{...},"ingester":{...}}
void AppendStats(std::string* out, const logql::QueryStats& stats, uint64_t entries_returned);

std::string EncodeQueryResponse(const logql::QueryResult& result, const EncodeOptions& o);
std::string EncodeStringList(const std::vector<std::string>& values);
std::string EncodeSeries(const std::vector<model::Labels>& series);
std::string EncodeIndexStats(const logstore::IndexStats& stats);
std::string EncodeFormatQuery(std::string_view formatted);
std::string EncodeBuildInfo(std::string_view version);
// One tail frame with the given streams.
std::string EncodeTailFrame(const std::vector<logql::Stream>& streams, const EncodeOptions& o);

}  // namespace vigil::api::loki
