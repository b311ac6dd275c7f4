// Fuzz target for the cloud event mappers (collect/logs/cloud/cloud_events.h).
// The first byte picks the mapper: 0 CloudWatch (envelopes parsed; when bit
// 3 is set the first line of the rest is the log group, so labels get
// arbitrary bytes too), 1 Azure Activity Log, 2 Cloud Logging. Nothing may
// crash; a CloudWatch event always maps, with the message as the body; an
// Azure or GCP event maps or fails with InvalidArgument and a message. What
// maps must carry a valid stream label set naming the provider, valid UTF-8
// attributes with unique keys, and hex trace ids of the right length.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "collect/logs/cloud/cloud_events.h"
#include "model/labels.h"

namespace {

constexpr int64_t kObserved = 1'700'000'000'000'000'000;

void CheckAttributes(const std::vector<vigil::model::LogAttribute>& attrs) {
  for (size_t i = 0; i < attrs.size(); ++i) {
    if (attrs[i].key.empty() || attrs[i].value.empty()) std::abort();
    if (!vigil::model::IsValidUTF8(attrs[i].value)) std::abort();
    for (size_t j = i + 1; j < attrs.size(); ++j) {
      if (attrs[i].key == attrs[j].key) std::abort();
    }
  }
}

bool IsLowerHex(std::string_view s, size_t len) {
  if (s.size() != len) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

void Check(const vigil::model::LogRecord& r, std::string_view provider) {
  if (r.observed_time_ns != kObserved) std::abort();
  auto v = vigil::model::ValidateLabels(r.stream.View(), vigil::model::LabelLimits{},
                                        /*require_name=*/false);
  if (!v.ok()) std::abort();
  if (r.stream.Get("cloud_provider") != provider) std::abort();
  CheckAttributes(r.attributes);
  CheckAttributes(r.resource);
  if (!r.trace_id.empty() && !IsLowerHex(r.trace_id, 32)) std::abort();
  if (!r.span_id.empty() && !IsLowerHex(r.span_id, 16)) std::abort();
  if (r.severity_number > 24) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (data[0] % 3) {
    case 0: {
      vigil::cloudlogs::CloudWatchEvent e;
      e.region = "us-east-1";
      e.account_id = "123456789012";
      e.log_group = "/aws/lambda/api";
      e.log_stream = "2024/01/01/[$LATEST]0123456789abcdef";
      e.event_id = "37000000000000000000000000000000000000000000000000000000";
      e.timestamp_ms = 1704067200000;
      e.ingestion_time_ms = 1704067201000;
      if (data[0] & 8) {
        size_t nl = rest.find('\n');
        e.log_group = std::string(rest.substr(0, nl));
        rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
      }
      e.message = std::string(rest);
      vigil::model::LogRecord r = vigil::cloudlogs::MapCloudWatchEvent(e, true, kObserved);
      if (r.body != e.message) std::abort();
      Check(r, "aws");
      return 0;
    }
    case 1: {
      auto r = vigil::cloudlogs::MapAzureActivityEvent(rest, "sub-1", kObserved);
      if (!r.ok()) {
        if (!r.status().IsInvalidArgument() || r.status().message().empty()) std::abort();
        return 0;
      }
      if (r->body != rest) std::abort();
      Check(*r, "azure");
      return 0;
    }
    default: {
      auto r = vigil::cloudlogs::MapGcpLogEntry(rest, "proj-1", kObserved);
      if (!r.ok()) {
        if (!r.status().IsInvalidArgument() || r.status().message().empty()) std::abort();
        return 0;
      }
      Check(*r, "gcp");
      return 0;
    }
  }
}
