// The Azure collector's HTTP layer (module internal): every outbound call
// goes through Transport::Send, which adds the bearer token of the call's
// scope, retries throttling (429, and 503 ServerBusy) and server errors with
// cloud::Backoff honouring Retry-After, drops an expired token on 401 and
// retries once, and counts every attempt in cloud::ApiStats.
//
//   collector ──► Transport::Send(api, region, request, scope)
//                    │  token for scope (TokenSource, cached)
//                    │  httpclient::Client::Do  ◄── retry loop (Backoff)
//                    ▼
//                 Response (2xx) or a Status naming the API and Azure's error
//
// Thread-safety: Send is called by one thread at a time (the poll); Cancel
// from any thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "base/result.h"
#include "collect/cloud/common/collector.h"
#include "collect/httpclient/http_client.h"

namespace vigil::cloud::azure {

class TokenSource;

// RFC 3986 percent-encoding: everything but A-Z a-z 0-9 - _ . ~ becomes %XX
// (upper-case hex), as the Azure SDKs encode query values ("'" is %27, "/"
// is %2F, " " is %20).
std::string PercentEncode(std::string_view s);

// Retry-After in milliseconds from a response (Retry-After seconds, or the
// retry-after-ms / x-ms-retry-after-ms headers), or -1 when absent.
int64_t RetryAfterMs(const httpclient::Response& resp);

struct TransportOptions {
  int max_attempts = 5;  // per Send, the first try included
  int64_t backoff_base_ms = 500;
  int64_t backoff_max_ms = 30'000;
  uint64_t backoff_seed = 0;  // 0: random
  // Waits ms milliseconds; returns false when cancelled meanwhile. Default:
  // a wait that Cancel interrupts. Tests record the delays instead.
  std::function<bool(int64_t ms)> sleep;
};

class Transport {
 public:
  Transport(std::unique_ptr<httpclient::Client> client, ApiStats* stats, TransportOptions opts);
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  // Must be set before Send is called with a scope.
  void SetTokenSource(TokenSource* tokens) { tokens_ = tokens; }
  // Called with every response received (e.g. to export ARM rate-limit
  // headers).
  void SetResponseObserver(
      std::function<void(std::string_view api, const httpclient::Response&)> f) {
    observer_ = std::move(f);
  }

  // Sends req; a non-empty scope adds "Authorization: Bearer <token>". A 2xx
  // response is returned; anything else, after retries, is an error whose
  // message names the API, the HTTP status and Azure's error code/message.
  Result<httpclient::Response> Send(std::string_view api, std::string_view region,
                                    httpclient::Request req, const std::string& scope);

  // Makes the Send in progress and every later one fail with Cancelled.
  void Cancel();
  bool cancelled() const { return cancelled_.load(); }

 private:
  bool Sleep(int64_t ms);

  std::unique_ptr<httpclient::Client> client_;
  ApiStats* stats_;
  TransportOptions opts_;
  Backoff backoff_;
  TokenSource* tokens_ = nullptr;
  std::function<void(std::string_view, const httpclient::Response&)> observer_;
  std::atomic<bool> cancelled_{false};
  std::mutex mu_;
  std::condition_variable cv_;
};

// The Status for a non-2xx response of `api` (code by HTTP status: 401/403
// FailedPrecondition, 429 ResourceExhausted, 5xx Unavailable, else
// InvalidArgument).
Status HttpError(std::string_view api, const httpclient::Response& resp);

}  // namespace vigil::cloud::azure
