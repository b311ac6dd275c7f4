#include "collect/cloud/gcp/timeseries.h"

#include <simdjson.h>

#include <cmath>

#include <fmt/format.h>

#include "base/time.h"
#include "collect/cloud/gcp/json_util.h"

namespace vigil::gcp {

namespace {

// Distributions whose bucketOptions ask for more buckets than this are
// refused: a real one has at most a few hundred, and a hostile or corrupt
// numFiniteBuckets must not make us allocate gigabytes.
constexpr int64_t kMaxBuckets = 10'000;

std::string Seconds(int64_t ms) {
  if (ms % 1000 == 0) return fmt::format("{}s", ms / 1000);
  return fmt::format("{}.{:03d}s", ms / 1000, ms % 1000);
}

Status Bad(std::string_view what, std::string_view detail) {
  return Status::InvalidArgument(fmt::format("{}: {}", what, detail));
}

// An enum field: its name, or a number mapped to a name.
std::string EnumField(simdjson::dom::element obj, std::string_view key,
                      std::initializer_list<const char*> names) {
  auto f = json::Field(obj, key);
  if (!f) return "";
  std::string_view s;
  if (f->get(s) == simdjson::SUCCESS) return std::string(s);
  int64_t i;
  if (f->get(i) == simdjson::SUCCESS && i >= 0 && i < static_cast<int64_t>(names.size())) {
    return names.begin()[i];
  }
  return "";
}

Status ParseLabels(simdjson::dom::element parent, LabelPairs* out) {
  auto labels = json::Field(parent, "labels");
  if (!labels) return Status::OK();
  simdjson::dom::object obj;
  if (labels->get(obj) != simdjson::SUCCESS)
    return Status::InvalidArgument("labels is not an object");
  for (auto [k, v] : obj) {
    std::string_view s;
    if (v.get(s) != simdjson::SUCCESS)
      return Status::InvalidArgument("label value is not a string");
    out->emplace_back(std::string(k), std::string(s));
  }
  return Status::OK();
}

Result<int64_t> ParseTime(simdjson::dom::element obj, std::string_view key, bool required) {
  auto s = json::String(obj, key);
  if (!s) {
    if (required) return Status::InvalidArgument(fmt::format("interval has no {}", key));
    return int64_t{0};
  }
  auto t = ParseTimestamp(*s);
  if (!t.ok() || s->find('T') == std::string_view::npos) {
    return Status::InvalidArgument(fmt::format("bad {} \"{}\"", key, *s));
  }
  return *t;
}

Status ParseBucketOptions(simdjson::dom::element opts, Distribution* d) {
  d->has_bucket_options = true;
  if (auto lin = json::Field(opts, "linearBuckets")) {
    int64_t n = json::Int64(*lin, "numFiniteBuckets").value_or(0);
    double width = json::Double(*lin, "width").value_or(0);
    double offset = json::Double(*lin, "offset").value_or(0);
    if (n < 0 || n > kMaxBuckets) return Status::InvalidArgument("bad numFiniteBuckets");
    // numFiniteBuckets + 1 bounds: offset + i * width, i = 0..N.
    for (int64_t i = 0; i <= n; ++i)
      d->upper_bounds.push_back(offset + static_cast<double>(i) * width);
    return Status::OK();
  }
  if (auto exp = json::Field(opts, "exponentialBuckets")) {
    int64_t n = json::Int64(*exp, "numFiniteBuckets").value_or(0);
    double growth = json::Double(*exp, "growthFactor").value_or(0);
    double scale = json::Double(*exp, "scale").value_or(0);
    if (n < 0 || n > kMaxBuckets) return Status::InvalidArgument("bad numFiniteBuckets");
    for (int64_t i = 0; i <= n; ++i) {
      d->upper_bounds.push_back(scale * std::pow(growth, static_cast<double>(i)));
    }
    return Status::OK();
  }
  if (auto expl = json::Field(opts, "explicitBuckets")) {
    auto bounds = json::Field(*expl, "bounds");
    if (!bounds) return Status::OK();
    simdjson::dom::array arr;
    if (bounds->get(arr) != simdjson::SUCCESS)
      return Status::InvalidArgument("bounds is not an array");
    for (auto b : arr) {
      auto v = json::DoubleValue(b);
      if (!v) return Status::InvalidArgument("bad bucket bound");
      d->upper_bounds.push_back(*v);
    }
    return Status::OK();
  }
  d->has_bucket_options = false;  // none of the three: like no options
  return Status::OK();
}

Status ParseDistribution(simdjson::dom::element v, Distribution* d) {
  if (!v.is_object()) return Status::InvalidArgument("distributionValue is not an object");
  d->count = json::Int64(v, "count").value_or(0);
  d->mean = json::Double(v, "mean").value_or(0);
  d->sum_of_squared_deviation = json::Double(v, "sumOfSquaredDeviation").value_or(0);
  if (auto opts = json::Field(v, "bucketOptions")) {
    VIGIL_RETURN_IF_ERROR(ParseBucketOptions(*opts, d));
  }
  if (auto counts = json::Field(v, "bucketCounts")) {
    simdjson::dom::array arr;
    if (counts->get(arr) != simdjson::SUCCESS)
      return Status::InvalidArgument("bucketCounts is not an array");
    for (auto c : arr) {
      auto n = json::Int64Value(c);
      if (!n || *n < 0) return Status::InvalidArgument("bad bucket count");
      d->bucket_counts.push_back(*n);
    }
  }
  return Status::OK();
}

Status ParseValue(simdjson::dom::element v, TypedValue* out) {
  if (!v.is_object()) return Status::InvalidArgument("value is not an object");
  if (auto f = json::Field(v, "boolValue")) {
    bool b;
    if (f->get(b) != simdjson::SUCCESS) return Status::InvalidArgument("bad boolValue");
    out->kind = TypedValue::Kind::kBool;
    out->bool_value = b;
  } else if (auto f = json::Field(v, "int64Value")) {
    auto i = json::Int64Value(*f);
    if (!i) return Status::InvalidArgument("bad int64Value");
    out->kind = TypedValue::Kind::kInt64;
    out->int64_value = *i;
  } else if (auto f = json::Field(v, "doubleValue")) {
    auto d = json::DoubleValue(*f);
    if (!d) return Status::InvalidArgument("bad doubleValue");
    out->kind = TypedValue::Kind::kDouble;
    out->double_value = *d;
  } else if (auto f = json::Field(v, "stringValue")) {
    std::string_view s;
    if (f->get(s) != simdjson::SUCCESS) return Status::InvalidArgument("bad stringValue");
    out->kind = TypedValue::Kind::kString;
    out->string_value = std::string(s);
  } else if (auto f = json::Field(v, "distributionValue")) {
    out->kind = TypedValue::Kind::kDistribution;
    VIGIL_RETURN_IF_ERROR(ParseDistribution(*f, &out->distribution));
  }
  return Status::OK();
}

Status ParseTimeSeries(simdjson::dom::element e, TimeSeries* ts) {
  if (!e.is_object()) return Status::InvalidArgument("not an object");
  if (auto m = json::Field(e, "metric")) {
    ts->metric_type = json::StringOr(*m, "type");
    VIGIL_RETURN_IF_ERROR(ParseLabels(*m, &ts->metric_labels));
  }
  if (auto r = json::Field(e, "resource")) {
    ts->resource_type = json::StringOr(*r, "type");
    VIGIL_RETURN_IF_ERROR(ParseLabels(*r, &ts->resource_labels));
  }
  ts->metric_kind =
      EnumField(e, "metricKind", {"METRIC_KIND_UNSPECIFIED", "GAUGE", "DELTA", "CUMULATIVE"});
  ts->value_type = EnumField(
      e, "valueType",
      {"VALUE_TYPE_UNSPECIFIED", "BOOL", "INT64", "DOUBLE", "STRING", "DISTRIBUTION", "MONEY"});
  ts->unit = json::StringOr(e, "unit");
  if (auto pts = json::Field(e, "points")) {
    simdjson::dom::array arr;
    if (pts->get(arr) != simdjson::SUCCESS)
      return Status::InvalidArgument("points is not an array");
    for (auto p : arr) {
      Point point;
      auto interval = json::Field(p, "interval");
      if (!interval) return Status::InvalidArgument("point has no interval");
      VIGIL_ASSIGN_OR_RETURN(point.end_ms, ParseTime(*interval, "endTime", true));
      VIGIL_ASSIGN_OR_RETURN(point.start_ms, ParseTime(*interval, "startTime", false));
      auto value = json::Field(p, "value");
      if (!value) return Status::InvalidArgument("point has no value");
      VIGIL_RETURN_IF_ERROR(ParseValue(*value, &point.value));
      ts->points.push_back(std::move(point));
    }
  }
  return Status::OK();
}

Result<simdjson::dom::element> ParseDoc(simdjson::dom::parser& parser, std::string_view body,
                                        std::string_view what) {
  simdjson::dom::element doc;
  if (auto err = parser.parse(body.data(), body.size()).get(doc); err != simdjson::SUCCESS) {
    return Bad(what, fmt::format("invalid JSON: {}", simdjson::error_message(err)));
  }
  if (!doc.is_object()) return Bad(what, "not a JSON object");
  return doc;
}

}  // namespace

std::string QueryEncode(std::string_view s) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() + 16);
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '!' || c == '~' || c == '*' || c == '\'' || c == '(' ||
        c == ')' || c == '/') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string TimeSeriesFilter(std::string_view metric_type, std::string_view extra) {
  std::string f = "metric.type = " + json::Quote(metric_type);
  if (!extra.empty()) f += fmt::format(" AND {}", extra);
  return f;
}

std::string TimeSeriesListUrl(std::string_view endpoint, const TimeSeriesQuery& q) {
  std::string url =
      fmt::format("{}/v3/projects/{}/timeSeries?filter={}", endpoint, QueryEncode(q.project_id),
                  QueryEncode(TimeSeriesFilter(q.metric_type, q.filter)));
  url += "&interval.startTime=" + QueryEncode(FormatRFC3339(q.start_ms));
  url += "&interval.endTime=" + QueryEncode(FormatRFC3339(q.end_ms));
  if (!q.aligner.empty() || !q.reducer.empty()) {
    int64_t period = q.alignment_period_ms > 0 ? q.alignment_period_ms : 60'000;
    url += "&aggregation.alignmentPeriod=" + Seconds(period);
    if (!q.aligner.empty()) url += "&aggregation.perSeriesAligner=" + QueryEncode(q.aligner);
    if (!q.reducer.empty()) url += "&aggregation.crossSeriesReducer=" + QueryEncode(q.reducer);
    for (const auto& g : q.group_by_fields) url += "&aggregation.groupByFields=" + QueryEncode(g);
  }
  if (q.page_size > 0) url += fmt::format("&pageSize={}", q.page_size);
  if (!q.page_token.empty()) url += "&pageToken=" + QueryEncode(q.page_token);
  return url;
}

std::string MetricDescriptorsListUrl(std::string_view endpoint, std::string_view project_id,
                                     std::string_view type_prefix, std::string_view page_token) {
  std::string filter = "metric.type = starts_with(" + json::Quote(type_prefix) + ")";
  std::string url = fmt::format("{}/v3/projects/{}/metricDescriptors?filter={}", endpoint,
                                QueryEncode(project_id), QueryEncode(filter));
  if (!page_token.empty()) url += "&pageToken=" + QueryEncode(page_token);
  return url;
}

Result<ListTimeSeriesResponse> ParseListTimeSeriesResponse(std::string_view body) {
  constexpr std::string_view kWhat = "timeSeries.list response";
  simdjson::dom::parser parser;
  VIGIL_ASSIGN_OR_RETURN(auto doc, ParseDoc(parser, body, kWhat));
  ListTimeSeriesResponse out;
  out.next_page_token = json::StringOr(doc, "nextPageToken");
  out.unit = json::StringOr(doc, "unit");
  if (auto list = json::Field(doc, "timeSeries")) {
    simdjson::dom::array arr;
    if (list->get(arr) != simdjson::SUCCESS) return Bad(kWhat, "timeSeries is not an array");
    size_t i = 0;
    for (auto e : arr) {
      TimeSeries ts;
      Status st = ParseTimeSeries(e, &ts);
      if (!st.ok()) return Bad(kWhat, fmt::format("timeSeries[{}]: {}", i, st.message()));
      out.time_series.push_back(std::move(ts));
      ++i;
    }
  }
  if (auto errs = json::Field(doc, "executionErrors")) {
    simdjson::dom::array arr;
    if (errs->get(arr) == simdjson::SUCCESS) {
      for (auto e : arr) out.execution_errors.push_back(json::StringOr(e, "message"));
    }
  }
  return out;
}

Result<ListMetricDescriptorsResponse> ParseListMetricDescriptorsResponse(std::string_view body) {
  constexpr std::string_view kWhat = "metricDescriptors.list response";
  simdjson::dom::parser parser;
  VIGIL_ASSIGN_OR_RETURN(auto doc, ParseDoc(parser, body, kWhat));
  ListMetricDescriptorsResponse out;
  out.next_page_token = json::StringOr(doc, "nextPageToken");
  if (auto list = json::Field(doc, "metricDescriptors")) {
    simdjson::dom::array arr;
    if (list->get(arr) != simdjson::SUCCESS) return Bad(kWhat, "metricDescriptors is not an array");
    for (auto e : arr) {
      if (!e.is_object()) return Bad(kWhat, "descriptor is not an object");
      MetricDescriptor d;
      d.name = json::StringOr(e, "name");
      d.type = json::StringOr(e, "type");
      if (d.type.empty()) return Bad(kWhat, "descriptor without type");
      d.metric_kind =
          EnumField(e, "metricKind", {"METRIC_KIND_UNSPECIFIED", "GAUGE", "DELTA", "CUMULATIVE"});
      d.value_type = EnumField(
          e, "valueType",
          {"VALUE_TYPE_UNSPECIFIED", "BOOL", "INT64", "DOUBLE", "STRING", "DISTRIBUTION", "MONEY"});
      d.unit = json::StringOr(e, "unit");
      d.description = json::StringOr(e, "description");
      d.display_name = json::StringOr(e, "displayName");
      if (auto labels = json::Field(e, "labels")) {
        simdjson::dom::array la;
        if (labels->get(la) == simdjson::SUCCESS) {
          for (auto l : la) d.label_keys.push_back(json::StringOr(l, "key"));
        }
      }
      out.metric_descriptors.push_back(std::move(d));
    }
  }
  return out;
}

}  // namespace vigil::gcp
