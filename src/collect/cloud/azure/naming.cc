#include "collect/cloud/azure/naming.h"

#include <map>

#include "collect/cloud/azure/arm.h"

namespace vigil::cloud::azure {

namespace {

bool LabelNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

}  // namespace

std::string SanitizeAzureMetricName(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == '-' || c == ' ' || c == '/' || c == '.') {
      out += '_';
    } else if (c >= 'A' && c <= 'Z') {
      out += static_cast<char>(c - 'A' + 'a');
    } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == ':') {
      out += c;
    }
  }
  if (out.empty()) return kDefaultMetricName;
  if (out[0] >= '0' && out[0] <= '9') out.insert(out.begin(), '_');
  return out;
}

std::string DimensionLabelName(std::string_view dimension) {
  std::string out = "dimension";
  bool first = true;
  for (char c : dimension) {
    if (!LabelNameChar(c)) continue;
    if (first && c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    first = false;
    out += c;
  }
  return out;
}

model::Labels SeriesLabels(const NamingContext& ctx, const SeriesIdentity& id) {
  std::map<std::string, std::string> labels{
      {"resourceID", ToLower(id.resource_id)},
      {"subscriptionID", id.subscription},
      {"resourceGroup", id.resource_group},
      {"resourceName", id.resource_name},
      {"resourceType", id.resource_type},
      {"metric", id.metric},
      {"aggregation", id.aggregation},
      {"unit", id.unit},
      {"interval", id.interval},
      {"timespan", id.timespan},
  };
  if (id.dimensions.size() == 1) {
    labels["dimension"] = id.dimensions[0].second;
  } else {
    for (const auto& [name, value] : id.dimensions) labels[DimensionLabelName(name)] = value;
  }

  // Placeholders: {name}, {type}, or a label, which then leaves the labels.
  const std::string& tmpl =
      ctx.name_template.empty() ? std::string(kDefaultMetricName) : ctx.name_template;
  std::string name;
  for (size_t i = 0; i < tmpl.size();) {
    size_t close = tmpl[i] == '{' ? tmpl.find('}', i + 1) : std::string::npos;
    if (close == std::string::npos) {
      name += tmpl[i++];
      continue;
    }
    std::string field = tmpl.substr(i + 1, close - i - 1);
    i = close + 1;
    if (field == "name") {
      name += ctx.name;
    } else if (field == "type") {
      name += ctx.type;
    } else if (auto it = labels.find(field); it != labels.end()) {
      name += it->second;
      labels.erase(it);
    }
  }

  std::vector<model::Label> out;
  out.reserve(labels.size() + 1);
  out.push_back({std::string(model::kMetricName), SanitizeAzureMetricName(name)});
  for (auto& [k, v] : labels) {
    if (!v.empty()) out.push_back({k, std::move(v)});
  }
  return model::Labels(std::move(out));
}

}  // namespace vigil::cloud::azure
