#include "collect/cloud/azure/batch.h"

#include "base/json.h"
#include "config/cloud_config.h"

#include <fmt/format.h>

#include <cmath>

#include "base/time.h"
#include "collect/cloud/azure/arm.h"
#include "collect/cloud/azure/json_util.h"
#include "collect/cloud/azure/transport.h"

namespace vigil::cloud::azure {

Result<int64_t> ParseIsoDuration(std::string_view s) {
  // The grammar is config's (the loader checks the same strings); Azure's
  // windows are positive and at most a year.
  std::optional<int64_t> ms = config::ParseIso8601DurationMs(s);
  if (!ms || *ms <= 0 || *ms > 366 * kDay) {
    return Status::InvalidArgument(fmt::format("invalid ISO 8601 duration {:?}", s));
  }
  return *ms;
}

std::string FormatIsoDuration(int64_t ms) { return config::FormatIso8601Duration(ms); }

QueryWindow ComputeWindow(int64_t now_ms, int64_t delay_ms, int64_t interval_ms,
                          int64_t timespan_ms) {
  if (interval_ms <= 0) interval_ms = kMinute;
  int64_t end = now_ms - delay_ms;
  int64_t rem = end % interval_ms;
  if (rem < 0) rem += interval_ms;
  end -= rem;
  if (timespan_ms <= 0) timespan_ms = 5 * interval_ms;
  return QueryWindow{end - timespan_ms, end};
}

namespace {

std::string JoinEncoded(const std::vector<std::string>& parts) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += ',';  // left raw, as the Azure SDK sends it
    out += PercentEncode(parts[i]);
  }
  return out;
}

}  // namespace

std::string BatchUrl(std::string_view metrics_endpoint, const BatchQuery& q) {
  std::string base(metrics_endpoint);
  for (size_t pos = base.find("{region}"); pos != std::string::npos;
       pos = base.find("{region}", pos)) {
    base.replace(pos, 8, q.region);
    pos += q.region.size();
  }
  while (!base.empty() && base.back() == '/') base.pop_back();
  std::string url = fmt::format(
      "{}/subscriptions/{}/metrics:getBatch?starttime={}&endtime={}&interval={}"
      "&metricnamespace={}&metricnames={}&aggregation={}",
      base, PercentEncode(q.subscription), PercentEncode(FormatRFC3339(q.window.start_ms)),
      PercentEncode(FormatRFC3339(q.window.end_ms)), PercentEncode(q.interval),
      PercentEncode(q.metric_namespace), JoinEncoded(q.metric_names), JoinEncoded(q.aggregations));
  if (!q.filter.empty()) {
    if (q.top > 0) url += fmt::format("&top={}", q.top);
    url += "&filter=" + PercentEncode(q.filter);
  }
  url += fmt::format("&api-version={}", kBatchApiVersion);
  return url;
}

std::string BatchBody(const BatchQuery& q) {
  std::string out = "{\"resourceids\":[";
  for (size_t i = 0; i < q.resource_ids.size(); ++i) {
    if (i > 0) out += ',';
    out += JsonQuote(q.resource_ids[i]);
  }
  out += "]}";
  return out;
}

namespace {

constexpr std::string_view kAggregations[] = {"average", "minimum", "maximum", "total", "count"};

void ParseTimeseries(simdjson::dom::element ts, BatchSeries* series) {
  simdjson::dom::array arr;
  if (!ts["metadatavalues"].get(arr)) {
    for (simdjson::dom::element mv : arr) {
      std::string_view name = JsonLocalizable(mv, "name");
      if (name.empty()) continue;
      series->dimensions.emplace_back(std::string(name), std::string(JsonString(mv, "value")));
    }
  }
  if (ts["data"].get(arr)) return;
  for (simdjson::dom::element point : arr) {
    std::string_view stamp = JsonString(point, "timeStamp");
    if (stamp.empty()) continue;
    auto t = ParseTimestamp(stamp);
    if (!t.ok()) continue;
    for (std::string_view agg : kAggregations) {
      auto v = JsonNumberField(point, agg);
      if (!v) continue;
      auto [it, inserted] = series->latest.try_emplace(std::string(agg), LatestPoint{*t, *v});
      if (!inserted && *t >= it->second.t_ms) it->second = LatestPoint{*t, *v};
    }
  }
}

}  // namespace

Result<BatchResponse> ParseBatchResponse(std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  VIGIL_RETURN_IF_ERROR(ParseJsonDocument(parser, body, "getBatch", &doc));
  simdjson::dom::array values;
  if (!doc.is_object() || doc["values"].get(values)) {
    std::string err = AzureErrorMessage(body);
    if (!err.empty()) return Status::FailedPrecondition(fmt::format("getBatch: {}", err));
    return Status::Corruption("malformed getBatch response: no \"values\" array");
  }
  BatchResponse out;
  for (simdjson::dom::element res : values) {
    if (!res.is_object()) continue;
    std::string_view resource_id = JsonString(res, "resourceid");
    std::string_view region = JsonString(res, "resourceregion");
    simdjson::dom::array metrics;
    if (res["value"].get(metrics)) {
      if (std::string err = AzureErrorMessageOf(res); !err.empty())
        out.errors.push_back(fmt::format("{}: {}", resource_id, err));
      continue;
    }
    for (simdjson::dom::element m : metrics) {
      if (!m.is_object()) continue;
      std::string_view metric = JsonLocalizable(m, "name");
      std::string_view code = JsonString(m, "errorCode");
      if (!code.empty() && !EqualFold(code, "Success")) {
        std::string_view msg = JsonString(m, "errorMessage");
        out.errors.push_back(fmt::format("{} metric {:?}: {}{}{}", resource_id, metric, code,
                                         msg.empty() ? "" : ": ", msg));
        continue;
      }
      simdjson::dom::array timeseries;
      if (m["timeseries"].get(timeseries)) continue;
      for (simdjson::dom::element ts : timeseries) {
        if (!ts.is_object()) continue;
        BatchSeries s;
        s.resource_id = std::string(resource_id);
        s.resource_region = std::string(region);
        s.metric = std::string(metric);
        s.unit = std::string(JsonString(m, "unit"));
        ParseTimeseries(ts, &s);
        out.series.push_back(std::move(s));
      }
    }
  }
  return out;
}

}  // namespace vigil::cloud::azure
