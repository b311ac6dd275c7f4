// PromQL values as tidy tables for notebooks: the bodies of /api/v1/export
// (docs/promql.md, "Export for notebooks"). One row per point of each series
// ("long" form, which pandas pivots or groups at will), in the result's
// series order and each series' time order:
//
//   timestamp,value,__name__,instance,job
//   2023-11-14T22:13:20.000Z,1,up,a,node
//   2023-11-14T22:13:20.000Z,0,up,b,node
//
//   - the label columns are the sorted union of the label names of all the
//     series; a series without a label leaves its cell empty (CSV) or null
//     (JSON), which is what Prometheus means by an absent label;
//   - a label named "timestamp" or "value" gets the column "exported_<name>"
//     ("exported_" repeated until the name is free), as Prometheus renames a
//     scraped label that collides with a target label, so that column names
//     stay unique (pandas would otherwise rename or refuse duplicates);
//   - values are written as Prometheus writes them ("1", "0.25", "1e-07",
//     "NaN", "+Inf", "-Inf", all of which pandas reads as float64); a scalar
//     is one row without labels, a string one row whose value is the text;
//   - timestamps are RFC 3339 in UTC with milliseconds by default (exact, and
//     pandas parses them with parse_dates), or Unix seconds as Prometheus'
//     API writes them, or integer Unix milliseconds (exact as numbers).
//
// CSV follows RFC 4180 (csv.h). JSON is an array of flat records with the
// same columns, [{"timestamp":...,"value":1,"__name__":"up",...},...], which
// pandas.read_json reads as the same frame (orient "records", its default
// for an array); values are numbers, with NaN and the infinities as the
// strings "NaN", "+Inf", "-Inf" because JSON has no literal for them.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "query/promql/value.h"

namespace vigil::api::query {

enum class ExportFormat { kCsv, kJson };
enum class ExportTimestamps { kRfc3339, kUnix, kUnixMs };

// The format parameter: "csv" (also when empty) or "json".
Result<ExportFormat> ParseExportFormat(std::string_view s);
// The timestamp_format parameter: "rfc3339" (also when empty), "unix" or "unix_ms".
Result<ExportTimestamps> ParseExportTimestamps(std::string_view s);

// A label column: the label it shows and its column name.
struct ExportColumn {
  std::string label;
  std::string header;
};
// The label columns of v's table, sorted by label name.
std::vector<ExportColumn> ExportLabelColumns(const promql::Value& v);

// The whole table. The one error is InvalidArgument for a time that RFC 3339
// cannot write (before year 0000 or after 9999) when ts is kRfc3339.
Result<std::string> ExportCsv(const promql::Value& v, ExportTimestamps ts);
Result<std::string> ExportJson(const promql::Value& v, ExportTimestamps ts);

}  // namespace vigil::api::query
