#include "api/query/export_format.h"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <set>
#include <span>

#include "api/go_json.h"
#include "api/query/csv.h"

namespace vigil::api::query {

namespace {

constexpr std::string_view kTimestampColumn = "timestamp";
constexpr std::string_view kValueColumn = "value";
constexpr std::string_view kRenamePrefix = "exported_";

// 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z: RFC 3339 has four year digits.
constexpr int64_t kMinRfc3339Ms = -62'167'219'200'000;
constexpr int64_t kMaxRfc3339Ms = 253'402'300'799'999;
constexpr int64_t kMsPerDay = 86'400'000;

// Calls fn(labels, points, text) for each series of v. A vector's samples
// are series of one point; a scalar or a string is one series without
// labels; text is the string's value (null for every other series).
template <typename Fn>
void ForEachSeries(const promql::Value& v, Fn&& fn) {
  static const model::Labels kNoLabels;
  if (const auto* vec = std::get_if<promql::Vector>(&v)) {
    for (const auto& s : *vec) {
      promql::FPoint p{s.t, s.f};
      fn(s.metric, std::span<const promql::FPoint>(&p, 1), nullptr);
    }
  } else if (const auto* m = std::get_if<promql::Matrix>(&v)) {
    for (const auto& s : *m) fn(s.metric, std::span<const promql::FPoint>(s.floats), nullptr);
  } else if (const auto* sc = std::get_if<promql::Scalar>(&v)) {
    promql::FPoint p{sc->t, sc->v};
    fn(kNoLabels, std::span<const promql::FPoint>(&p, 1), nullptr);
  } else if (const auto* str = std::get_if<promql::String>(&v)) {
    promql::FPoint p{str->t, 0};
    fn(kNoLabels, std::span<const promql::FPoint>(&p, 1), &str->v);
  }
}

// Calls cell(value) for each column: the series' value of that label, or ""
// when it has none. Both the columns and the labels are sorted by name.
template <typename Fn>
void ForEachCell(const std::vector<ExportColumn>& columns, const model::Labels& labels, Fn&& cell) {
  auto it = labels.begin();
  for (const auto& c : columns) {
    while (it != labels.end() && it->name < c.label) ++it;
    if (it != labels.end() && it->name == c.label) {
      cell(std::string_view(it->value));
      ++it;
    } else {
      cell(std::string_view());
    }
  }
}

// "2023-11-14T22:13:20.000Z"; false (and nothing written) outside RFC 3339's years.
bool AppendRfc3339(std::string* out, int64_t ms) {
  if (ms < kMinRfc3339Ms || ms > kMaxRfc3339Ms) return false;
  int64_t day = ms / kMsPerDay;
  int64_t in_day = ms % kMsPerDay;
  if (in_day < 0) {
    in_day += kMsPerDay;
    --day;
  }
  const std::chrono::year_month_day date{std::chrono::sys_days{std::chrono::days{day}}};
  char buf[] = "0000-00-00T00:00:00.000Z";
  auto put = [&buf](int pos, int64_t value, int width) {
    for (int i = width - 1; i >= 0; --i) {
      buf[pos + i] = static_cast<char>('0' + value % 10);
      value /= 10;
    }
  };
  put(0, static_cast<int>(date.year()), 4);
  put(5, static_cast<unsigned>(date.month()), 2);
  put(8, static_cast<unsigned>(date.day()), 2);
  put(11, in_day / 3'600'000, 2);
  put(14, in_day / 60'000 % 60, 2);
  put(17, in_day / 1000 % 60, 2);
  put(20, in_day % 1000, 3);
  out->append(buf, sizeof(buf) - 1);
  return true;
}

Status NoRfc3339Form(int64_t ms) {
  std::string seconds;
  AppendTimestamp(&seconds, ms);
  return Status::InvalidArgument(fmt::format(
      "the time {} (Unix seconds) is outside the years 0000 to 9999 that RFC 3339 can write; "
      "ask for timestamp_format=unix or unix_ms",
      seconds));
}

// The timestamp cell as the number or text it is in both formats (unquoted).
Status AppendTime(std::string* out, int64_t ms, ExportTimestamps ts) {
  switch (ts) {
    case ExportTimestamps::kRfc3339:
      if (!AppendRfc3339(out, ms)) return NoRfc3339Form(ms);
      break;
    case ExportTimestamps::kUnix:
      AppendTimestamp(out, ms);
      break;
    case ExportTimestamps::kUnixMs:
      fmt::format_to(std::back_inserter(*out), "{}", ms);
      break;
  }
  return Status::OK();
}

}  // namespace

Result<ExportFormat> ParseExportFormat(std::string_view s) {
  if (s.empty() || s == "csv") return ExportFormat::kCsv;
  if (s == "json") return ExportFormat::kJson;
  return Status::InvalidArgument(fmt::format("unknown format {}: use csv or json", GoQuote(s)));
}

Result<ExportTimestamps> ParseExportTimestamps(std::string_view s) {
  if (s.empty() || s == "rfc3339") return ExportTimestamps::kRfc3339;
  if (s == "unix") return ExportTimestamps::kUnix;
  if (s == "unix_ms") return ExportTimestamps::kUnixMs;
  return Status::InvalidArgument(
      fmt::format("unknown timestamp format {}: use rfc3339, unix or unix_ms", GoQuote(s)));
}

std::vector<ExportColumn> ExportLabelColumns(const promql::Value& v) {
  std::set<std::string_view> names;
  // Series of one metric mostly share their label names: skip the lookups then.
  const model::Labels* previous = nullptr;
  auto same_names = [](const model::Labels& a, const model::Labels& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (a[i].name != b[i].name) return false;
    }
    return true;
  };
  ForEachSeries(v, [&](const model::Labels& labels, auto, auto) {
    if (previous != nullptr && same_names(*previous, labels)) return;
    for (const auto& l : labels) names.insert(l.name);
    previous = &labels;
  });
  std::set<std::string, std::less<>> taken(names.begin(), names.end());
  taken.emplace(kTimestampColumn);
  taken.emplace(kValueColumn);
  std::vector<ExportColumn> columns;
  columns.reserve(names.size());
  for (std::string_view name : names) {
    std::string header(name);
    if (name == kTimestampColumn || name == kValueColumn) {
      do {
        header.insert(0, kRenamePrefix);
      } while (taken.count(header) != 0);
      taken.insert(header);
    }
    columns.push_back({std::string(name), std::move(header)});
  }
  return columns;
}

Result<std::string> ExportCsv(const promql::Value& v, ExportTimestamps ts) {
  const std::vector<ExportColumn> columns = ExportLabelColumns(v);
  CsvWriter csv;
  csv.Field(kTimestampColumn);
  csv.Field(kValueColumn);
  for (const auto& c : columns) csv.Field(c.header);
  csv.EndRow();
  Status status;
  ForEachSeries(v, [&](const model::Labels& labels, std::span<const promql::FPoint> points,
                       const std::string* text) {
    if (!status.ok() || points.empty()) return;
    // The label cells are the same on every row of a series: encode them once.
    CsvWriter cells;
    ForEachCell(columns, labels, [&cells](std::string_view value) { cells.Field(value); });
    const std::string tail = cells.Take();
    constexpr size_t kTimeAndValueBytes = 48;
    csv.Reserve(points.size() * (tail.size() + kTimeAndValueBytes));
    for (const auto& p : points) {
      status = AppendTime(csv.RawField(), p.t, ts);
      if (!status.ok()) return;
      if (text != nullptr) {
        csv.Field(*text);
      } else {
        AppendJsoniterFloat(csv.RawField(), p.f);  // Prometheus' sample value form
      }
      if (!columns.empty()) csv.RawField()->append(tail);
      csv.EndRow();
    }
  });
  if (!status.ok()) return status;
  return csv.Take();
}

Result<std::string> ExportJson(const promql::Value& v, ExportTimestamps ts) {
  const std::vector<ExportColumn> columns = ExportLabelColumns(v);
  std::vector<std::string> keys;  // ,"header":
  keys.reserve(columns.size());
  for (const auto& c : columns) {
    std::string key = ",";
    AppendJsonString(&key, c.header, GoEscape::kHtml);
    key.push_back(':');
    keys.push_back(std::move(key));
  }
  std::string out = "[";
  bool first = true;
  Status status;
  ForEachSeries(v, [&](const model::Labels& labels, std::span<const promql::FPoint> points,
                       const std::string* text) {
    if (!status.ok() || points.empty()) return;
    std::string tail;  // the label members and the closing brace, the same on every row
    size_t column = 0;
    ForEachCell(columns, labels, [&](std::string_view value) {
      tail.append(keys[column++]);
      if (value.empty()) {
        tail.append("null");
      } else {
        AppendJsonString(&tail, value, GoEscape::kHtml);
      }
    });
    tail.push_back('}');
    for (const auto& p : points) {
      if (!first) out.push_back(',');
      first = false;
      out.append("{\"timestamp\":");
      if (ts == ExportTimestamps::kRfc3339) out.push_back('"');
      status = AppendTime(&out, p.t, ts);
      if (!status.ok()) return;
      if (ts == ExportTimestamps::kRfc3339) out.push_back('"');
      out.append(",\"value\":");
      if (text != nullptr) {
        AppendJsonString(&out, *text, GoEscape::kHtml);
      } else if (std::isfinite(p.f)) {
        AppendJsonFloat(&out, p.f);
      } else {
        out.push_back('"');
        AppendJsoniterFloat(&out, p.f);  // NaN, +Inf, -Inf
        out.push_back('"');
      }
      out.append(tail);
    }
  });
  if (!status.ok()) return status;
  out.push_back(']');
  return out;
}

}  // namespace vigil::api::query
