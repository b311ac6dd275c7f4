// Series names and labels of the Azure collector, as azure-metrics-exporter
// (webdevops) builds them, so dashboards and alerts written for it keep
// working:
//
//   azurerm_resource_metric{resourceID="/subscriptions/.../virtualmachines/vm-1",
//     subscriptionID, resourceGroup, resourceName, resourceType,
//     metric="Percentage CPU", aggregation="average", unit="Percent",
//     interval="PT1M", timespan="PT5M", dimension...}
//
// resourceID is lower-cased. One dimension becomes `dimension`, several
// become `dimension<Name>` (first letter upper-cased, characters outside
// [a-zA-Z0-9_] removed). A name template may use {name} (the collector's
// name), {type} (the metric namespace) and any label name ({metric},
// {aggregation}, {unit}, {interval}, {timespan}, {resourceGroup}, ...); a
// label used in the name is removed from the labels. The name is then made
// a Prometheus name: "-", " ", "/", "." become "_", lower case, other
// characters outside [a-z0-9_:] dropped.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/labels.h"

namespace vigil::cloud::azure {

inline constexpr const char* kDefaultMetricName = "azurerm_resource_metric";

struct SeriesIdentity {
  std::string resource_id;
  std::string subscription;
  std::string resource_group;
  std::string resource_name;
  std::string resource_type;
  std::string metric;
  std::string aggregation;  // lower case
  std::string unit;
  std::string interval;  // ISO 8601, e.g. PT1M
  std::string timespan;  // ISO 8601, e.g. PT5M
  std::vector<std::pair<std::string, std::string>> dimensions;
};

struct NamingContext {
  std::string name_template = kDefaultMetricName;
  std::string name;  // {name}: the collector's (config entry's) name
  std::string type;  // {type}: the metric namespace (or resource type)
};

// The label set of one sample, __name__ included.
model::Labels SeriesLabels(const NamingContext& ctx, const SeriesIdentity& id);

// azure-metrics-exporter's metric-name sanitizing (see above); an empty
// result becomes kDefaultMetricName, a leading digit gets a "_".
std::string SanitizeAzureMetricName(std::string_view s);

// "dimension" + name with its first letter upper-cased and characters
// outside [a-zA-Z0-9_] removed.
std::string DimensionLabelName(std::string_view dimension);

}  // namespace vigil::cloud::azure
