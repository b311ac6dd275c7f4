// AWS JSON 1.0 / 1.1 RPC calls as botocore 1.43 makes them: CloudWatch
// (X-Amz-Target GraniteServiceVersion20100801.<Op>, application/x-amz-json-1.0,
// x-amzn-query-mode: true) and the Resource Groups Tagging API
// (ResourceGroupsTaggingAPI_20170126.<Op>, application/x-amz-json-1.1), plus
// STS GetCallerIdentity over the query protocol (for the account id).
//
// A call is built, SigV4-signed (content-type;host;x-amz-date;x-amz-target
// [;x-amzn-query-mode], as botocore signs), POSTed through
// httpclient::Client::Do, and retried with cloud::Backoff (at most
// max_attempts) when the answer is throttling (codes Throttling,
// ThrottlingException, RequestLimitExceeded, TooManyRequestsException, ...;
// HTTP 429), a 5xx, or a transport error. Every attempt is counted in
// cloud::ApiStats (result "success", "throttled" or "error"), every retry too.
//
// Errors read as AWS SDKs report them: the code from `x-amzn-query-error`
// ("Throttling;Sender") when present, else the `__type` name after '#'
// (and before any ':'), the message from "message" or "Message":
//   "Throttling: Rate exceeded (after 5 attempts)".
//
// Owner: the AWS CloudWatch collector (helper "awscw").
// Thread-safety: ParseAwsError and the helpers are pure. A JsonCaller is
// used by one thread at a time (it drives one httpclient::Client), except
// Cancel, which any thread may call.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>

#include "base/json.h"
#include "base/result.h"
#include "base/status.h"
#include "collect/cloud/aws/sigv4.h"
#include "collect/cloud/common/collector.h"

namespace vigil::httpclient {
class Client;
}

namespace vigil::aws {

// An error answer of an AWS API, in the SDKs' terms.
struct AwsError {
  int http_status = 0;
  std::string code;     // "Throttling", "SignatureDoesNotMatch"; "" when none could be found
  std::string type;     // "Sender" / "Receiver" from x-amzn-query-error, else ""
  std::string message;  // may be ""
};

// Reads the error of a JSON 1.0/1.1 answer (or a query-protocol XML one,
// which STS and fakes speak). Never fails: an unreadable body gives a code
// "" and, for the message, the start of the body.
AwsError ParseAwsError(int http_status, std::string_view body, std::string_view query_error_header);
// botocore's throttling codes.
bool IsThrottlingCode(std::string_view code);
// Throttling codes, HTTP 429, and every 5xx.
bool IsThrottled(const AwsError& e);
bool IsRetryable(const AwsError& e);
// "Code: message" (or the HTTP status when there is no code).
std::string DescribeAwsError(const AwsError& e);

// JSON string literals: vigil::AppendJsonString (base/json.h).

// One RPC of the JSON protocols.
struct JsonCall {
  std::string api;            // operation, e.g. "GetMetricData"; also the stats label
  std::string target_prefix;  // "GraniteServiceVersion20100801"
  std::string json_version;   // "1.0" or "1.1"
  bool query_mode = false;    // x-amzn-query-mode: true (CloudWatch)
  std::string service;        // SigV4 signing name and endpoint prefix: "monitoring"
  std::string region;
  std::string body;  // the JSON request
};

struct JsonCallerOptions {
  // Base URL of every API (AWS_ENDPOINT_URL style); "" = the real
  // https://<service>.<region>.amazonaws.com.
  std::string endpoint;
  int max_attempts = 5;  // botocore's legacy retry mode
  int64_t request_timeout_ms = 30'000;
  uint64_t max_body_bytes = 64ull << 20;
  std::string user_agent;  // "" = "Vigil/<version> ..."
  // Waits ms milliseconds between attempts; returns false when the wait was
  // cut short by Cancel. Null = a cancellable wait on the caller's clock.
  std::function<bool(int64_t ms)> sleep;
  // Wall clock used for signing; null = the system clock.
  std::function<int64_t()> now_ms;
};

class JsonCaller {
 public:
  using CredentialsFn = std::function<Result<Credentials>(int64_t now_ms)>;

  // client, stats and backoff must outlive the caller.
  JsonCaller(httpclient::Client* client, CredentialsFn credentials, cloud::ApiStats* stats,
             cloud::Backoff* backoff, JsonCallerOptions opts);

  // The response body of a successful (2xx) call, or the error of the last
  // attempt: Unavailable when throttled or retryable, FailedPrecondition for
  // other API errors (bad credentials, bad request), Cancelled after Cancel.
  Result<std::string> Call(const JsonCall& call);

  // STS GetCallerIdentity (query protocol): the account id.
  Result<std::string> GetCallerIdentityAccount(const std::string& region);

  // The URL of a service in a region.
  std::string EndpointFor(std::string_view service, std::string_view region) const;

  void Cancel();
  bool cancelled() const { return cancelled_.load(); }

 private:
  struct Attempt {
    std::string content_type;
    std::vector<std::pair<std::string, std::string>> extra_headers;  // signed
    std::vector<std::string> signed_headers;
  };
  Result<std::string> Send(const std::string& api, const std::string& service,
                           const std::string& region, const Attempt& shape,
                           const std::string& body);
  bool Sleep(int64_t ms);
  int64_t Now() const;

  httpclient::Client* client_;
  CredentialsFn credentials_;
  cloud::ApiStats* stats_;
  cloud::Backoff* backoff_;
  JsonCallerOptions opts_;
  std::atomic<bool> cancelled_{false};
  std::mutex mu_;
  std::condition_variable cv_;
};

// Pieces of the parsers, shared with the other parsers of this module.
// Epoch seconds (integer or fraction) as a JSON number -> milliseconds.
int64_t EpochSecondsToMs(double s);

}  // namespace vigil::aws
