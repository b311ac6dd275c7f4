#include "collect/cloud/azure/arm.h"

#include <fmt/format.h>

#include <set>

#include "collect/cloud/azure/json_util.h"
#include "collect/cloud/azure/transport.h"

namespace vigil::cloud::azure {

namespace {

char LowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string_view TrimSlashes(std::string_view s) {
  while (!s.empty() && s.back() == '/') s.remove_suffix(1);
  return s;
}

}  // namespace

bool EqualFold(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (LowerAscii(a[i]) != LowerAscii(b[i])) return false;
  return true;
}

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = LowerAscii(c);
  return out;
}

ResourceId ParseResourceId(std::string_view id) {
  ResourceId r;
  std::vector<std::string_view> parts;
  size_t pos = 0;
  while (pos <= id.size()) {
    size_t next = id.find('/', pos);
    if (next == std::string_view::npos) next = id.size();
    if (next > pos) parts.push_back(id.substr(pos, next - pos));
    pos = next + 1;
  }
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    if (EqualFold(parts[i], "subscriptions") && r.subscription.empty()) {
      r.subscription = std::string(parts[i + 1]);
    } else if (EqualFold(parts[i], "resourceGroups") && r.resource_group.empty()) {
      r.resource_group = std::string(parts[i + 1]);
    }
  }
  if (!parts.empty()) r.name = std::string(parts.back());
  return r;
}

Result<ResourcePage> ParseResourceList(std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  VIGIL_RETURN_IF_ERROR(ParseJsonDocument(parser, body, "ARM resources", &doc));
  if (!doc.is_object())
    return Status::Corruption("malformed ARM resources response: not an object");
  ResourcePage page;
  page.next_link = std::string(JsonString(doc, "nextLink"));
  simdjson::dom::array values;
  if (doc["value"].get(values)) {
    return Status::Corruption("malformed ARM resources response: no \"value\" array");
  }
  for (simdjson::dom::element v : values) {
    if (!v.is_object()) continue;
    Resource r;
    r.id = std::string(JsonString(v, "id"));
    if (r.id.empty()) continue;
    r.name = std::string(JsonString(v, "name"));
    r.type = std::string(JsonString(v, "type"));
    r.location = std::string(JsonString(v, "location"));
    simdjson::dom::object tags;
    if (!v["tags"].get(tags)) {
      for (auto kv : tags) {
        std::string_view value;
        if (!kv.value.get(value)) r.tags[std::string(kv.key)] = std::string(value);
      }
    }
    ResourceId parsed = ParseResourceId(r.id);
    r.subscription = std::move(parsed.subscription);
    r.resource_group = std::move(parsed.resource_group);
    if (r.name.empty()) r.name = std::move(parsed.name);
    page.resources.push_back(std::move(r));
  }
  return page;
}

Result<std::vector<MetricDefinition>> ParseMetricDefinitions(std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  VIGIL_RETURN_IF_ERROR(ParseJsonDocument(parser, body, "metricDefinitions", &doc));
  simdjson::dom::array values;
  if (!doc.is_object() || doc["value"].get(values)) {
    return Status::Corruption("malformed metricDefinitions response: no \"value\" array");
  }
  std::vector<MetricDefinition> defs;
  for (simdjson::dom::element v : values) {
    if (!v.is_object()) continue;
    MetricDefinition d;
    d.name = std::string(JsonLocalizable(v, "name"));
    if (d.name.empty()) continue;
    d.unit = std::string(JsonString(v, "unit"));
    d.primary_aggregation = std::string(JsonString(v, "primaryAggregationType"));
    simdjson::dom::array arr;
    if (!v["supportedAggregationTypes"].get(arr)) {
      for (simdjson::dom::element a : arr) {
        std::string_view s;
        if (!a.get(s)) d.aggregations.emplace_back(s);
      }
    }
    if (!v["dimensions"].get(arr)) {
      for (simdjson::dom::element a : arr) {
        std::string_view s;
        if (!a.get(s)) {
          d.dimensions.emplace_back(s);
        } else if (std::string_view n = JsonString(a, "value"); !n.empty()) {
          d.dimensions.emplace_back(n);
        }
      }
    }
    defs.push_back(std::move(d));
  }
  return defs;
}

std::string ResourceListUrl(std::string_view arm_endpoint, std::string_view subscription,
                            std::string_view resource_type) {
  // The Azure SDK's form: "$" raw, the filter value fully percent-encoded.
  return fmt::format("{}/subscriptions/{}/resources?api-version={}&$filter={}",
                     TrimSlashes(arm_endpoint), PercentEncode(subscription),
                     kArmResourcesApiVersion,
                     PercentEncode(fmt::format("resourceType eq '{}'", resource_type)));
}

std::string MetricDefinitionsUrl(std::string_view arm_endpoint, std::string_view resource_id,
                                 std::string_view metric_namespace) {
  std::string_view id = resource_id;
  while (!id.empty() && id.front() == '/') id.remove_prefix(1);
  std::string url =
      fmt::format("{}/{}/providers/Microsoft.Insights/metricDefinitions?api-version={}",
                  TrimSlashes(arm_endpoint), id, kMetricDefinitionsApiVersion);
  if (!metric_namespace.empty()) url += "&metricnamespace=" + PercentEncode(metric_namespace);
  return url;
}

bool MatchesQuery(const Resource& r, const config::AzureResourceQuery& q) {
  if (!r.type.empty() && !EqualFold(r.type, q.resource_type)) return false;
  if (!q.resource_groups.empty()) {
    bool found = false;
    for (const auto& g : q.resource_groups) found = found || EqualFold(g, r.resource_group);
    if (!found) return false;
  }
  for (const auto& [key, value] : q.tags) {
    bool found = false;
    for (const auto& [k, v] : r.tags) found = found || (EqualFold(k, key) && v == value);
    if (!found) return false;
  }
  return true;
}

Result<std::vector<Resource>> ListResources(Transport* transport, std::string_view arm_endpoint,
                                            std::string_view subscription,
                                            std::string_view resource_type,
                                            const std::string& scope, int64_t timeout_ms) {
  std::vector<Resource> all;
  std::set<std::string> seen_links;
  std::string url = ResourceListUrl(arm_endpoint, subscription, resource_type);
  for (int page_no = 0; !url.empty(); ++page_no) {
    if (page_no >= kMaxResourcePages) {
      return Status::ResourceExhausted(
          fmt::format("azure resources: more than {} pages for {} in subscription {}",
                      kMaxResourcePages, resource_type, subscription));
    }
    httpclient::Request req;
    req.url = url;
    req.timeout_ms = timeout_ms;
    req.max_body_bytes = 256 << 20;
    req.headers.emplace_back("Accept", "application/json");
    VIGIL_ASSIGN_OR_RETURN(httpclient::Response resp,
                           transport->Send("resources", "", std::move(req), scope));
    auto page = ParseResourceList(resp.body);
    if (!page.ok()) return page.status().WithContext(fmt::format("azure resources {}", url));
    for (auto& r : page->resources) all.push_back(std::move(r));
    // nextLink is followed verbatim, as the SDKs do; a link seen before
    // would loop forever.
    url = std::move(page->next_link);
    if (!url.empty() && !seen_links.insert(url).second) {
      return Status::Corruption(
          fmt::format("azure resources: nextLink {} repeats an earlier page", url));
    }
  }
  return all;
}

Result<std::vector<MetricDefinition>> GetMetricDefinitions(
    Transport* transport, std::string_view arm_endpoint, std::string_view resource_id,
    std::string_view metric_namespace, const std::string& scope, int64_t timeout_ms) {
  httpclient::Request req;
  req.url = MetricDefinitionsUrl(arm_endpoint, resource_id, metric_namespace);
  req.timeout_ms = timeout_ms;
  req.max_body_bytes = 64 << 20;
  req.headers.emplace_back("Accept", "application/json");
  VIGIL_ASSIGN_OR_RETURN(httpclient::Response resp,
                         transport->Send("metricDefinitions", "", std::move(req), scope));
  auto defs = ParseMetricDefinitions(resp.body);
  if (!defs.ok()) return defs.status().WithContext("azure metricDefinitions");
  return defs;
}

}  // namespace vigil::cloud::azure
