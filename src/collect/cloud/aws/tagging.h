// The Resource Groups Tagging API's GetResources over AWS JSON 1.1
// (X-Amz-Target ResourceGroupsTaggingAPI_20170126.GetResources, signing name
// "tagging"): the request body (ResourceTypeFilters, TagFilters with keys
// only, PaginationToken) and a parser of the answer. Pages end with
// "PaginationToken": "" (or no token).
//
// Owner: the AWS CloudWatch collector (helper "awscw"). Pure functions;
// thread-safe. The parser takes untrusted bytes (fuzzed).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"

namespace vigil::aws {

inline constexpr const char* kTaggingTargetPrefix = "ResourceGroupsTaggingAPI_20170126";
inline constexpr const char* kTaggingService = "tagging";

struct TaggedResource {
  std::string arn;
  std::vector<std::pair<std::string, std::string>> tags;  // in the order returned
  // The value of a tag, or nullptr.
  const std::string* Tag(std::string_view key) const;
};

struct GetResourcesPage {
  std::vector<TaggedResource> resources;
  std::string pagination_token;  // "" on the last page
};

// Tag values are matched by the caller (regular expressions), so TagFilters
// carry keys only: a resource must carry every key.
std::string GetResourcesRequest(const std::vector<std::string>& resource_type_filters,
                                const std::vector<std::string>& tag_keys,
                                std::string_view pagination_token);
Result<GetResourcesPage> ParseGetResourcesResponse(std::string_view body);

}  // namespace vigil::aws
