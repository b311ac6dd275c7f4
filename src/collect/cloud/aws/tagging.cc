#include "collect/cloud/aws/tagging.h"

#include <fmt/format.h>
#include <simdjson.h>

#include "collect/cloud/aws/json_protocol.h"

namespace vigil::aws {

namespace {

namespace dom = simdjson::dom;

Status Bad(std::string_view detail) {
  return Status::Corruption(fmt::format("GetResources response: {}", detail));
}

// Absent or null: ""; a string: its value; anything else: false.
bool OptString(dom::object obj, std::string_view key, std::string* out) {
  dom::element e;
  out->clear();
  if (obj.at_key(key).get(e) || e.is_null()) return true;
  std::string_view s;
  if (e.get_string().get(s)) return false;
  *out = std::string(s);
  return true;
}

}  // namespace

const std::string* TaggedResource::Tag(std::string_view key) const {
  for (const auto& [k, v] : tags) {
    if (k == key) return &v;
  }
  return nullptr;
}

std::string GetResourcesRequest(const std::vector<std::string>& resource_type_filters,
                                const std::vector<std::string>& tag_keys,
                                std::string_view pagination_token) {
  std::string out = "{";
  if (!resource_type_filters.empty()) {
    out += "\"ResourceTypeFilters\": [";
    for (size_t i = 0; i < resource_type_filters.size(); ++i) {
      if (i > 0) out += ", ";
      AppendJsonString(&out, resource_type_filters[i]);
    }
    out += "]";
  }
  if (!tag_keys.empty()) {
    if (out.size() > 1) out += ", ";
    out += "\"TagFilters\": [";
    for (size_t i = 0; i < tag_keys.size(); ++i) {
      if (i > 0) out += ", ";
      out += "{\"Key\": ";
      AppendJsonString(&out, tag_keys[i]);
      out += "}";
    }
    out += "]";
  }
  if (!pagination_token.empty()) {
    if (out.size() > 1) out += ", ";
    out += "\"PaginationToken\": ";
    AppendJsonString(&out, pagination_token);
  }
  out += "}";
  return out;
}

Result<GetResourcesPage> ParseGetResourcesResponse(std::string_view body) {
  dom::parser parser;
  simdjson::padded_string padded(body);
  dom::element doc;
  if (auto err = parser.parse(padded).get(doc)) {
    return Bad(fmt::format("invalid JSON ({})", simdjson::error_message(err)));
  }
  dom::object top;
  if (doc.get_object().get(top)) return Bad("not a JSON object");
  GetResourcesPage page;
  if (!OptString(top, "PaginationToken", &page.pagination_token)) {
    return Bad("PaginationToken is not a string");
  }
  dom::element list;
  if (top.at_key("ResourceTagMappingList").get(list) || list.is_null()) return page;
  dom::array arr;
  if (list.get_array().get(arr)) return Bad("ResourceTagMappingList is not a list");
  for (dom::element m : arr) {
    dom::object o;
    if (m.get_object().get(o)) return Bad("a mapping is not an object");
    TaggedResource r;
    if (!OptString(o, "ResourceARN", &r.arn)) return Bad("ResourceARN is not a string");
    dom::element tags;
    if (!o.at_key("Tags").get(tags) && !tags.is_null()) {
      dom::array tarr;
      if (tags.get_array().get(tarr)) return Bad("Tags is not a list");
      for (dom::element t : tarr) {
        dom::object to;
        std::string k, v;
        if (t.get_object().get(to) || !OptString(to, "Key", &k) || !OptString(to, "Value", &v)) {
          return Bad("a tag is not {Key, Value}");
        }
        r.tags.emplace_back(std::move(k), std::move(v));
      }
    }
    if (!r.arn.empty()) page.resources.push_back(std::move(r));
  }
  return page;
}

}  // namespace vigil::aws
