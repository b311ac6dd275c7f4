// Fuzzes the Azure collector's response parsers: Entra ID / managed identity
// token responses, ARM resource list pages, metric definitions, getBatch
// results and Azure error bodies, plus the ISO 8601 durations Azure returns.
// Every input goes through all of them (an Azure response is one JSON
// document, so any mutation is a candidate for each). Any crash, sanitizer
// report or leak is a bug; error statuses are the expected outcome.
#include <stddef.h>
#include <stdint.h>

#include <string_view>

#include "collect/cloud/azure/arm.h"
#include "collect/cloud/azure/batch.h"
#include "collect/cloud/azure/json_util.h"
#include "collect/cloud/azure/naming.h"
#include "collect/cloud/azure/token.h"

using namespace vigil::cloud::azure;  // NOLINT(build/namespaces)

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);

  auto token = ParseTokenResponse(body, 1'700'000'000'000);
  if (token.ok() && token->value.empty()) __builtin_trap();

  auto page = ParseResourceList(body);
  if (page.ok()) {
    for (const auto& r : page->resources) {
      if (r.id.empty()) __builtin_trap();
      ParseResourceId(r.id);
    }
  }

  auto defs = ParseMetricDefinitions(body);
  if (defs.ok()) {
    for (const auto& d : *defs)
      if (d.name.empty()) __builtin_trap();
  }

  auto batch = ParseBatchResponse(body);
  if (batch.ok()) {
    for (const auto& s : batch->series) {
      SeriesIdentity id;
      id.resource_id = s.resource_id;
      id.metric = s.metric;
      id.unit = s.unit;
      id.dimensions = s.dimensions;
      id.aggregation = "average";
      NamingContext ctx;
      ctx.name_template = "{name}_{metric}_{aggregation}_{unit}";
      SeriesLabels(ctx, id);
    }
  }

  AzureErrorMessage(body);
  if (size < 64) (void)ParseIsoDuration(body);
  return 0;
}
