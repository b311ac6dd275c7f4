// The one path every Google API request of the GCP collector takes (OAuth
// token, metricDescriptors.list, timeSeries.list): retries with
// cloud::Backoff on throttling and server errors, accounting in
// cloud::ApiStats, and a cancellable wait between attempts.
//
// Retried: HTTP 429, 500, 502, 503, 504, any status whose Google error body
// says RESOURCE_EXHAUSTED or UNAVAILABLE, and transport failures (not
// cancellation). Retry-After (seconds) is honoured, capped by the Backoff.
// Everything else comes back to the caller as the Response it is (a 401 is
// the caller's to answer with a fresh token).
//
// Thread-safety: a CallContext belongs to the collector's poll thread;
// `cancelled` may be set from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "collect/cloud/common/collector.h"
#include "collect/httpclient/http_client.h"

namespace vigil::gcp {

// Google's error body: {"error": {"code": 429, "message": "...", "status":
// "RESOURCE_EXHAUSTED"}}; OAuth's: {"error": "invalid_grant",
// "error_description": "..."} (then status is the error string).
struct ApiError {
  int code = 0;
  std::string status;   // RESOURCE_EXHAUSTED, PERMISSION_DENIED, invalid_grant, ...
  std::string message;  // message or error_description
};
std::optional<ApiError> ParseApiError(std::string_view body);

// "<api>: HTTP 403 Forbidden: PERMISSION_DENIED: <message>" (the parts the
// response has).
Status HttpError(std::string_view api, const httpclient::Response& resp);

enum class CallOutcome {
  kSuccess,    // 2xx
  kThrottled,  // 429 or RESOURCE_EXHAUSTED: retried
  kRetryable,  // 5xx or UNAVAILABLE: retried
  kFailed,     // any other status: returned to the caller
};
CallOutcome ClassifyResponse(const httpclient::Response& resp);

struct CallContext {
  httpclient::Client* client = nullptr;
  cloud::ApiStats* stats = nullptr;  // may be null
  cloud::Backoff* backoff = nullptr;
  const std::atomic<bool>* cancelled = nullptr;  // may be null
  int max_attempts = 5;
  std::string region = "global";  // the ApiStats region label (GCP has none)
  // Waits ms milliseconds; false if cancelled meanwhile. Default: sleeps in
  // small steps watching `cancelled`.
  std::function<bool(int64_t ms)> sleep;
};

// Sends req, retrying as described above. Returns the last Response (2xx,
// or the non-retryable or last retryable status), or the transport error of
// the last attempt, or Cancelled.
Result<httpclient::Response> CallWithRetries(CallContext& ctx, const httpclient::Request& req,
                                             std::string_view api);

}  // namespace vigil::gcp
