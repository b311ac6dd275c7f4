// Fuzzes the CloudWatch collector's response parsers: arbitrary bytes as the
// body of a GetMetricData, ListMetrics or GetResources answer, and as an
// error answer (with the first line, up to a newline, as the
// x-amzn-query-error header). Corruption statuses are the expected outcome;
// a crash, a sanitizer report or a parsed GetMetricData result whose
// timestamps and values differ in number is a bug.
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <string_view>

#include "collect/cloud/aws/cloudwatch.h"
#include "collect/cloud/aws/json_protocol.h"
#include "collect/cloud/aws/tagging.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vigil::aws;  // NOLINT(build/namespaces)
  std::string_view body(reinterpret_cast<const char*>(data), size);

  auto gmd = ParseGetMetricDataResponse(body);
  if (gmd.ok()) {
    for (const auto& r : gmd->results) {
      if (r.timestamps_ms.size() != r.values.size()) abort();
    }
  }
  auto lm = ParseListMetricsResponse(body);
  (void)lm.ok();
  auto gr = ParseGetResourcesResponse(body);
  if (gr.ok()) {
    for (const auto& r : gr->resources) {
      if (r.arn.empty()) abort();
    }
  }

  std::string_view header;
  std::string_view rest = body;
  size_t nl = body.find('\n');
  if (nl != std::string_view::npos && nl < 128) {
    header = body.substr(0, nl);
    rest = body.substr(nl + 1);
  }
  AwsError e = ParseAwsError(400, rest, header);
  (void)IsRetryable(e);
  (void)DescribeAwsError(e);
  return 0;
}
