// Azure Resource Manager calls of the collector: resource discovery
// (GET /subscriptions/{sub}/resources?api-version=2021-04-01&$filter=
// resourceType eq '<type>', following nextLink verbatim) with the resource
// group and tag filters of the config, and metric definitions
// (GET {resourceId}/providers/Microsoft.Insights/metricDefinitions) for each
// metric's unit and to check that configured metric names exist.
//
// Thread-safety: the parsers and URL builders are pure; ListResources and
// GetMetricDefinitions use a Transport (one thread at a time).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "config/cloud_config.h"

namespace vigil::cloud::azure {

class Transport;

inline constexpr const char* kArmResourcesApiVersion = "2021-04-01";
inline constexpr const char* kMetricDefinitionsApiVersion = "2018-01-01";
// Pages followed per listing at most (ARM pages hold 1000 resources).
inline constexpr int kMaxResourcePages = 1000;

// The parts of an ARM resource id
// (/subscriptions/{sub}/resourceGroups/{rg}/providers/{ns}/{type}/{name}).
struct ResourceId {
  std::string subscription;
  std::string resource_group;
  std::string name;  // the last segment
};
ResourceId ParseResourceId(std::string_view id);

struct Resource {
  std::string id;
  std::string name;
  std::string type;      // e.g. Microsoft.Compute/virtualMachines
  std::string location;  // region, e.g. eastus
  std::map<std::string, std::string> tags;
  std::string subscription;    // from the id
  std::string resource_group;  // from the id
};

struct ResourcePage {
  std::vector<Resource> resources;
  std::string next_link;  // "" on the last page
};
// One page of GET .../resources ({"value":[...],"nextLink":"..."}).
Result<ResourcePage> ParseResourceList(std::string_view body);

struct MetricDefinition {
  std::string name;  // name.value, e.g. "Percentage CPU"
  std::string unit;  // e.g. "Percent"
  std::string primary_aggregation;
  std::vector<std::string> aggregations;  // supportedAggregationTypes
  std::vector<std::string> dimensions;
};
// GET .../metricDefinitions ({"value":[{"name":{"value":...},"unit":...}]}).
Result<std::vector<MetricDefinition>> ParseMetricDefinitions(std::string_view body);

// URL of the first listing page for one resource type in a subscription.
std::string ResourceListUrl(std::string_view arm_endpoint, std::string_view subscription,
                            std::string_view resource_type);
// metric_namespace is added as a parameter when not empty (namespaces other
// than the resource type's own, e.g. guest metrics).
std::string MetricDefinitionsUrl(std::string_view arm_endpoint, std::string_view resource_id,
                                 std::string_view metric_namespace = {});

// Whether a listed resource passes the query's resource_groups (compared
// case-insensitively, as ARM treats them) and tags (names case-insensitive,
// values exact), and is of its type.
bool MatchesQuery(const Resource& r, const config::AzureResourceQuery& q);

// Every resource of the type in the subscription, all pages (API
// "resources"), unfiltered.
Result<std::vector<Resource>> ListResources(Transport* transport, std::string_view arm_endpoint,
                                            std::string_view subscription,
                                            std::string_view resource_type,
                                            const std::string& scope, int64_t timeout_ms);

Result<std::vector<MetricDefinition>> GetMetricDefinitions(
    Transport* transport, std::string_view arm_endpoint, std::string_view resource_id,
    std::string_view metric_namespace, const std::string& scope, int64_t timeout_ms);

// ASCII case-insensitive equality (ARM names, regions, metric names).
bool EqualFold(std::string_view a, std::string_view b);
std::string ToLower(std::string_view s);

}  // namespace vigil::cloud::azure
