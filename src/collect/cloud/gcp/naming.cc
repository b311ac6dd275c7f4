#include "collect/cloud/gcp/naming.h"

#include <cmath>
#include <limits>
#include <map>

#include "base/strconv.h"
#include "collect/cloud/common/collector.h"

namespace vigil::gcp {

namespace {

enum class CharClass { kLower, kUpper, kDigit, kOther };

CharClass ClassOf(char c) {
  if (c >= 'a' && c <= 'z') return CharClass::kLower;
  if (c >= 'A' && c <= 'Z') return CharClass::kUpper;
  if (c >= '0' && c <= '9') return CharClass::kDigit;
  return CharClass::kOther;
}

bool SafeChar(char c) { return ClassOf(c) != CharClass::kOther || c == '_'; }

// fatih/camelcase.Split on ASCII.
std::vector<std::string> CamelCaseSplit(std::string_view s) {
  std::vector<std::string> runs;
  CharClass last = CharClass::kOther;
  for (size_t i = 0; i < s.size(); ++i) {
    CharClass c = ClassOf(s[i]);
    if (runs.empty() || c != last) {
      runs.emplace_back(1, s[i]);
    } else {
      runs.back().push_back(s[i]);
    }
    last = c;
  }
  // "HTTPServer" -> "HTTP" "Server": an upper-case run followed by a
  // lower-case run gives its last letter to the lower-case run.
  for (size_t i = 0; i + 1 < runs.size(); ++i) {
    if (ClassOf(runs[i][0]) == CharClass::kUpper && ClassOf(runs[i + 1][0]) == CharClass::kLower) {
      runs[i + 1].insert(runs[i + 1].begin(), runs[i].back());
      runs[i].pop_back();
    }
  }
  std::vector<std::string> out;
  for (auto& r : runs) {
    if (!r.empty()) out.push_back(std::move(r));
  }
  return out;
}

// regexp `[^a-zA-Z0-9_]*$` ReplaceAllLiteralString(word, "_"): the trailing
// run of unsafe characters becomes one "_"; a word ending in a safe
// character gets "_" appended (the empty match at its end).
std::string ReplaceUnsafeSuffix(const std::string& w) {
  size_t end = w.size();
  while (end > 0 && !SafeChar(w[end - 1])) --end;
  return w.substr(0, end) + "_";
}

std::string Trim(std::string_view s, char c) {
  size_t b = 0, e = s.size();
  while (b < e && s[b] == c) ++b;
  while (e > b && s[e - 1] == c) --e;
  return std::string(s.substr(b, e - b));
}

std::string Lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

std::string TrimSpace(const std::string& s) {
  size_t b = 0, e = s.size();
  auto space = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
  };
  while (b < e && space(s[b])) ++b;
  while (e > b && space(s[e - 1])) --e;
  return s.substr(b, e - b);
}

bool ValueAsDouble(const TimeSeries& ts, const TypedValue& v, double* out) {
  if (ts.value_type == "BOOL" && v.kind == TypedValue::Kind::kBool) {
    *out = v.bool_value ? 1 : 0;
  } else if (ts.value_type == "INT64" && v.kind == TypedValue::Kind::kInt64) {
    *out = static_cast<double>(v.int64_value);
  } else if (ts.value_type == "DOUBLE" && v.kind == TypedValue::Kind::kDouble) {
    *out = v.double_value;
  } else {
    return false;
  }
  return true;
}

}  // namespace

std::string NormalizeMetricName(std::string_view s) {
  std::string out;
  for (const std::string& word : CamelCaseSplit(s)) {
    std::string w = TrimSpace(Lower(Trim(ReplaceUnsafeSuffix(word), '_')));
    if (w.empty()) continue;
    if (!out.empty()) out += '_';
    out += w;
  }
  // A word like "/_" keeps its "/" in stackdriver_exporter (which then fails
  // to register the name); here it becomes "_" instead.
  return cloud::SanitizeMetricName(out);
}

std::string StackdriverMetricName(std::string_view resource_type, std::string_view metric_type) {
  std::string name = "stackdriver";
  for (std::string part : {NormalizeMetricName(resource_type), NormalizeMetricName(metric_type)}) {
    if (part.empty()) continue;
    name += '_';
    name += part;
  }
  return name;
}

bool ConvertTimeSeries(const TimeSeries& ts, std::string_view descriptor_unit,
                       std::string_view project_id, std::vector<ConvertedSample>* out) {
  if (ts.points.empty()) return false;
  if (ts.metric_kind != "GAUGE" && ts.metric_kind != "DELTA" && ts.metric_kind != "CUMULATIVE") {
    return false;
  }
  const Point* newest = nullptr;
  for (const Point& p : ts.points) {
    if (newest == nullptr || p.end_ms > newest->end_ms) newest = &p;
  }

  // unit, metric labels, resource labels: the first of a name wins.
  std::vector<std::pair<std::string, std::string>> pairs;
  auto add = [&pairs](std::string name, std::string_view value) {
    for (const auto& [k, v] : pairs) {
      if (k == name) return;
    }
    pairs.emplace_back(std::move(name), std::string(value));
  };
  add("unit", descriptor_unit.empty() ? std::string_view(ts.unit) : descriptor_unit);
  for (const auto& [k, v] : ts.metric_labels) add(cloud::SanitizeLabelName(k), v);
  for (const auto& [k, v] : ts.resource_labels) add(cloud::SanitizeLabelName(k), v);
  add("project_id", project_id);

  std::string name = StackdriverMetricName(ts.resource_type, ts.metric_type);
  auto make_labels = [&pairs](const std::string& metric, const char* extra_name = nullptr,
                              std::string_view extra_value = {}) {
    model::LabelsBuilder b;
    b.Set(model::kMetricName, metric);
    for (const auto& [k, v] : pairs) {
      if (!v.empty() && k != model::kMetricName && !k.empty()) b.Set(k, v);
    }
    if (extra_name) b.Set(extra_name, extra_value);
    return b.Build();
  };

  if (ts.value_type == "DISTRIBUTION") {
    if (newest->value.kind != TypedValue::Kind::kDistribution) return false;
    const Distribution& d = newest->value.distribution;
    if (!d.has_bucket_options) return false;
    // stackdriver_exporter keys buckets by bound in a map: bucket i counts
    // toward bound i (the last bound is +Inf); absent counts are 0.
    std::vector<double> bounds = d.upper_bounds;
    bounds.push_back(std::numeric_limits<double>::infinity());
    std::map<double, uint64_t> cumulative;
    uint64_t running = 0;
    for (size_t i = 0; i < bounds.size(); ++i) {
      if (i < d.bucket_counts.size()) running += static_cast<uint64_t>(d.bucket_counts[i]);
      cumulative[bounds[i]] = running;
    }
    for (const auto& [le, n] : cumulative) {
      if (std::isnan(le)) continue;
      out->push_back({make_labels(name + "_bucket", "le", FormatGoFloat(le, 'g')), newest->end_ms,
                      static_cast<double>(n)});
    }
    out->push_back(
        {make_labels(name + "_sum"), newest->end_ms, d.mean * static_cast<double>(d.count)});
    out->push_back({make_labels(name + "_count"), newest->end_ms, static_cast<double>(d.count)});
    return true;
  }

  double v = 0;
  if (!ValueAsDouble(ts, newest->value, &v)) return false;
  out->push_back({make_labels(name), newest->end_ms, v});
  return true;
}

}  // namespace vigil::gcp
