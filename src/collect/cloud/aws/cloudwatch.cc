#include "collect/cloud/aws/cloudwatch.h"

#include <fmt/format.h>
#include <simdjson.h>

#include "collect/cloud/aws/json_protocol.h"

namespace vigil::aws {

namespace {

namespace dom = simdjson::dom;

Status Bad(std::string_view what, std::string_view detail) {
  return Status::Corruption(fmt::format("{} response: {}", what, detail));
}

// An optional string member: absent or null is "", another type an error.
bool OptString(dom::object obj, std::string_view key, std::string* out) {
  dom::element e;
  if (obj.at_key(key).get(e)) {
    out->clear();
    return true;
  }
  if (e.is_null()) {
    out->clear();
    return true;
  }
  std::string_view s;
  if (e.get_string().get(s)) return false;
  *out = std::string(s);
  return true;
}

// An optional array member: absent or null is an empty array.
bool OptArray(dom::object obj, std::string_view key, dom::array* out, bool* present) {
  dom::element e;
  *present = false;
  if (obj.at_key(key).get(e) || e.is_null()) return true;
  if (e.get_array().get(*out)) return false;
  *present = true;
  return true;
}

Result<std::vector<Dimension>> ParseDimensions(dom::object metric, std::string_view what) {
  std::vector<Dimension> dims;
  dom::array arr;
  bool present;
  if (!OptArray(metric, "Dimensions", &arr, &present)) return Bad(what, "Dimensions is not a list");
  if (!present) return dims;
  for (dom::element d : arr) {
    dom::object o;
    if (d.get_object().get(o)) return Bad(what, "a dimension is not an object");
    Dimension dim;
    if (!OptString(o, "Name", &dim.name) || !OptString(o, "Value", &dim.value)) {
      return Bad(what, "a dimension's Name or Value is not a string");
    }
    dims.push_back(std::move(dim));
  }
  return dims;
}

Result<dom::object> ParseTop(dom::parser& parser, const simdjson::padded_string& padded,
                             std::string_view what) {
  dom::element doc;
  if (auto err = parser.parse(padded).get(doc)) {
    return Bad(what, fmt::format("invalid JSON ({})", simdjson::error_message(err)));
  }
  dom::object top;
  if (doc.get_object().get(top)) return Bad(what, "not a JSON object");
  return top;
}

void AppendMetric(std::string* out, const MetricId& m) {
  *out += "{\"Namespace\": ";
  AppendJsonString(out, m.ns);
  *out += ", \"MetricName\": ";
  AppendJsonString(out, m.name);
  *out += ", \"Dimensions\": [";
  for (size_t i = 0; i < m.dimensions.size(); ++i) {
    if (i > 0) *out += ", ";
    *out += "{\"Name\": ";
    AppendJsonString(out, m.dimensions[i].name);
    *out += ", \"Value\": ";
    AppendJsonString(out, m.dimensions[i].value);
    *out += "}";
  }
  *out += "]}";
}

// Floor division that rounds toward negative infinity.
int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

}  // namespace

std::string ListMetricsRequest(std::string_view ns, std::string_view metric_name,
                               bool recently_active, std::string_view next_token) {
  std::string out = "{";
  auto member = [&](std::string_view key, std::string_view value) {
    if (value.empty()) return;
    if (out.size() > 1) out += ", ";
    AppendJsonString(&out, key);
    out += ": ";
    AppendJsonString(&out, value);
  };
  member("Namespace", ns);
  member("MetricName", metric_name);
  if (recently_active) member("RecentlyActive", "PT3H");
  member("NextToken", next_token);
  out += "}";
  return out;
}

Result<ListMetricsPage> ParseListMetricsResponse(std::string_view body) {
  constexpr std::string_view kWhat = "ListMetrics";
  dom::parser parser;
  simdjson::padded_string padded(body);
  VIGIL_ASSIGN_OR_RETURN(dom::object top, ParseTop(parser, padded, kWhat));
  ListMetricsPage page;
  if (!OptString(top, "NextToken", &page.next_token))
    return Bad(kWhat, "NextToken is not a string");
  dom::array metrics;
  bool present;
  if (!OptArray(top, "Metrics", &metrics, &present)) return Bad(kWhat, "Metrics is not a list");
  if (!present) return page;
  for (dom::element m : metrics) {
    dom::object o;
    if (m.get_object().get(o)) return Bad(kWhat, "a metric is not an object");
    MetricId id;
    if (!OptString(o, "Namespace", &id.ns) || !OptString(o, "MetricName", &id.name)) {
      return Bad(kWhat, "a metric's Namespace or MetricName is not a string");
    }
    VIGIL_ASSIGN_OR_RETURN(id.dimensions, ParseDimensions(o, kWhat));
    page.metrics.push_back(std::move(id));
  }
  return page;
}

std::string GetMetricDataRequest(const std::vector<MetricDataQuery>& queries, int64_t start_ms,
                                 int64_t end_ms, std::string_view next_token) {
  std::string out = "{\"MetricDataQueries\": [";
  for (size_t i = 0; i < queries.size(); ++i) {
    const MetricDataQuery& q = queries[i];
    if (i > 0) out += ", ";
    out += "{\"Id\": ";
    AppendJsonString(&out, q.id);
    out += ", \"MetricStat\": {\"Metric\": ";
    AppendMetric(&out, q.metric);
    out += fmt::format(", \"Period\": {}, \"Stat\": ", q.period_s);
    AppendJsonString(&out, q.stat);
    out += "}, \"ReturnData\": true}";
  }
  out += fmt::format("], \"StartTime\": {}, \"EndTime\": {}, \"ScanBy\": \"TimestampDescending\"",
                     FloorDiv(start_ms, 1000), FloorDiv(end_ms, 1000));
  if (!next_token.empty()) {
    out += ", \"NextToken\": ";
    AppendJsonString(&out, next_token);
  }
  out += "}";
  return out;
}

Result<GetMetricDataPage> ParseGetMetricDataResponse(std::string_view body) {
  constexpr std::string_view kWhat = "GetMetricData";
  dom::parser parser;
  simdjson::padded_string padded(body);
  VIGIL_ASSIGN_OR_RETURN(dom::object top, ParseTop(parser, padded, kWhat));
  GetMetricDataPage page;
  if (!OptString(top, "NextToken", &page.next_token))
    return Bad(kWhat, "NextToken is not a string");
  dom::array messages;
  bool present;
  if (!OptArray(top, "Messages", &messages, &present)) return Bad(kWhat, "Messages is not a list");
  if (present) {
    for (dom::element m : messages) {
      dom::object o;
      std::string code, value;
      if (m.get_object().get(o) || !OptString(o, "Code", &code) || !OptString(o, "Value", &value)) {
        return Bad(kWhat, "a message is not {Code, Value}");
      }
      page.messages.push_back(value.empty() ? code : fmt::format("{}: {}", code, value));
    }
  }
  dom::array results;
  if (!OptArray(top, "MetricDataResults", &results, &present)) {
    return Bad(kWhat, "MetricDataResults is not a list");
  }
  if (!present) return page;
  for (dom::element r : results) {
    dom::object o;
    if (r.get_object().get(o)) return Bad(kWhat, "a result is not an object");
    MetricDataResult res;
    if (!OptString(o, "Id", &res.id) || !OptString(o, "Label", &res.label) ||
        !OptString(o, "StatusCode", &res.status_code)) {
      return Bad(kWhat, "a result's Id, Label or StatusCode is not a string");
    }
    dom::array ts, vs;
    bool ts_present, vs_present;
    if (!OptArray(o, "Timestamps", &ts, &ts_present) || !OptArray(o, "Values", &vs, &vs_present)) {
      return Bad(kWhat, "Timestamps or Values is not a list");
    }
    if (ts_present) {
      for (dom::element t : ts) {
        double s;
        if (t.get_double().get(s)) return Bad(kWhat, "a timestamp is not a number");
        res.timestamps_ms.push_back(EpochSecondsToMs(s));
      }
    }
    if (vs_present) {
      for (dom::element v : vs) {
        double d;
        if (v.get_double().get(d)) return Bad(kWhat, "a value is not a number");
        res.values.push_back(d);
      }
    }
    if (res.timestamps_ms.size() != res.values.size()) {
      return Bad(kWhat, fmt::format("result {}: {} timestamps but {} values", res.id,
                                    res.timestamps_ms.size(), res.values.size()));
    }
    page.results.push_back(std::move(res));
  }
  return page;
}

MetricWindow ComputeWindow(int64_t now_ms, int64_t period_ms, int64_t length_ms, int64_t delay_ms) {
  if (period_ms <= 0) period_ms = 60'000;
  // Go's time.Round counts from January 1 of year 1, 62135596800 s before
  // the Unix epoch; that matters for periods that do not divide a day.
  constexpr int64_t kYearOneOffsetMs = 62'135'596'800'000;
  int64_t t = now_ms - period_ms / 2;
  int64_t since_year_one = t + kYearOneOffsetMs;
  int64_t rem = since_year_one % period_ms;
  if (rem < 0) rem += period_ms;
  int64_t rounded = since_year_one - rem;
  if (rem + rem >= period_ms) rounded += period_ms;  // halves round up
  int64_t aligned = rounded - kYearOneOffsetMs;
  MetricWindow w;
  w.start_ms = aligned - (length_ms + delay_ms);
  w.end_ms = aligned - delay_ms;
  return w;
}

}  // namespace vigil::aws
