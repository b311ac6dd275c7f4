// LogQL: parsing and evaluating Loki's query language over a LogReader
// (storage/logstore/log_reader.h), with Loki 3's semantics.
//
// Supported: stream selectors; line filters |= != |~ !~ (and chained `or`);
// parsers json (with parameters), logfmt, regexp, pattern, unpack; label
// filters (string, regex, numeric, duration and bytes comparisons, and/or);
// line_format, label_format, drop, keep, decolorize; __error__ handling;
// range aggregations count_over_time, rate, bytes_rate, bytes_over_time,
// absent_over_time, and over `unwrap`ped labels sum_over_time,
// avg_over_time, min/max_over_time, first/last_over_time, stddev/stdvar,
// quantile_over_time, rate (counter); `offset`; vector aggregations sum,
// avg, min, max, count, stddev, stdvar, topk, bottomk, sort, sort_desc with
// by/without; binary operations between vectors and with scalars (with
// bool); label_replace.
//
// Results are what the Loki HTTP API returns: log queries give streams (one
// per distinct label set after the pipeline), metric queries a matrix (range
// query) or a vector (instant query). The Loki JSON encoding lives in
// src/api/loki.
//
// Errors: parse errors read like Loki's ("parse error at line 1, col 8:
// syntax error: unexpected IDENTIFIER"); Status codes: InvalidArgument for
// a bad query or parameters (HTTP 400), ResourceExhausted for limits (too
// many series, max entries), others are internal (HTTP 500).
//
// Thread-safety: an Engine may run queries from several threads at once.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "model/labels.h"
#include "model/log_record.h"
#include "storage/logstore/log_reader.h"

namespace vigil::logql {

struct EngineOptions {
  uint32_t max_series = 500;          // metric query result series (Loki max_query_series)
  uint32_t max_entries_limit = 5000;  // largest `limit` a log query may ask for
  int64_t lookback_ns = 0;            // unused by LogQL (no lookback), reserved
};

struct QueryParams {
  std::string query;
  int64_t start_ns = 0;  // range queries; for instant queries start == end == time
  int64_t end_ns = 0;
  int64_t step_ns = 0;      // 0: instant query
  int64_t interval_ns = 0;  // log range queries: at most one entry per interval (Loki's `interval`)
  uint32_t limit = 100;     // log queries: most entries returned in total
  logstore::Direction direction = logstore::Direction::kBackward;
};

struct Stream {
  model::Labels labels;                     // labels after the pipeline (parsed labels included)
  std::vector<logstore::LogEntry> entries;  // in the query's direction
};

struct Point {
  int64_t t_ns = 0;
  double v = 0;
};

struct Series {
  model::Labels labels;
  std::vector<Point> points;  // one per step, steps without a value omitted
};

struct QueryStats {
  uint64_t streams_read = 0;
  uint64_t entries_read = 0;
  uint64_t bytes_read = 0;  // line bytes scanned
  double exec_seconds = 0;
};

struct QueryResult {
  enum class Type { kStreams, kMatrix, kVector, kScalar };
  Type type = Type::kStreams;
  std::vector<Stream> streams;  // kStreams
  std::vector<Series> series;  // kMatrix; kVector (one point each); kScalar (one series, no labels)
  QueryStats stats;
  std::vector<std::string> warnings;
};

// What kind of query a text is, and whether it parses (for /loki/api/v1
// endpoints that must refuse metric queries, e.g. tail).
struct ParsedQuery {
  bool is_metric = false;
  std::vector<model::Matcher> selector;  // the stream selector(s), for /series and /tail
  std::string normalized;                // the query printed back (format_query)
};
Result<ParsedQuery> Parse(std::string_view query);

// Evaluates the log pipeline of a log query (filters, parsers, formatters)
// on one entry, for the tail endpoint: returns false when the entry is
// filtered out, else fills `labels` with the stream's labels after the
// pipeline and may rewrite `line`.
class EntryPipeline {
 public:
  static Result<std::unique_ptr<EntryPipeline>> Make(std::string_view log_query);
  virtual ~EntryPipeline() = default;
  virtual bool Process(const model::Labels& stream, int64_t time_ns, std::string* line,
                       model::Labels* labels) = 0;
};

class Engine {
 public:
  Engine(logstore::LogReader* reader, EngineOptions options);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  Result<QueryResult> Query(const QueryParams& params);

 private:
  logstore::LogReader* reader_;
  EngineOptions options_;
};

}  // namespace vigil::logql
