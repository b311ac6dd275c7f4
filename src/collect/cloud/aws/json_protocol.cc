#include "collect/cloud/aws/json_protocol.h"
#include "base/json.h"

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <random>
#include <utility>

#include <fmt/format.h>
#include <simdjson.h>

#include "base/time.h"
#include "collect/httpclient/http_client.h"

#ifndef VIGIL_VERSION_STRING
#define VIGIL_VERSION_STRING "0.1.0"
#endif

namespace vigil::aws {

namespace {

// The text between <tag> and </tag>, or "".
std::string_view XmlElement(std::string_view body, std::string_view tag) {
  std::string open = fmt::format("<{}>", tag);
  std::string close = fmt::format("</{}>", tag);
  size_t start = body.find(open);
  if (start == std::string_view::npos) return {};
  start += open.size();
  size_t end = body.find(close, start);
  if (end == std::string_view::npos) return {};
  return body.substr(start, end - start);
}

// `__type` values look like "com.amazon.coral.availability#ThrottlingException"
// or "ThrottlingException:http://internal.amazon.com/coral/...".
std::string ShapeName(std::string_view type) {
  size_t hash = type.rfind('#');
  if (hash != std::string_view::npos) type.remove_prefix(hash + 1);
  size_t colon = type.find(':');
  if (colon != std::string_view::npos) type = type.substr(0, colon);
  return std::string(type);
}

// The start of an unreadable body, printable, for the error message.
std::string BodySnippet(std::string_view body) {
  std::string out;
  for (char c : body.substr(0, 160)) {
    out += (c >= 0x20 && c < 0x7f) ? c : ' ';
  }
  if (body.size() > 160) out += "...";
  return out;
}

std::string NewInvocationId() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  uint64_t a = rng(), b = rng();
  a = (a & 0xffffffffffff0fffull) | 0x0000000000004000ull;  // version 4
  b = (b & 0x3fffffffffffffffull) | 0x8000000000000000ull;  // variant 10
  return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", a >> 32, (a >> 16) & 0xffff, a & 0xffff,
                     b >> 48, b & 0xffffffffffffull);
}

struct Url {
  std::string base;  // scheme://authority
  std::string host;  // authority as the Host header names it
  std::string path;  // "/" at least
};

Url SplitUrl(std::string_view url) {
  Url u;
  size_t scheme = url.find("://");
  size_t auth_start = scheme == std::string_view::npos ? 0 : scheme + 3;
  size_t path_start = url.find('/', auth_start);
  if (path_start == std::string_view::npos) path_start = url.size();
  u.base = std::string(url.substr(0, path_start));
  u.host = std::string(url.substr(auth_start, path_start - auth_start));
  u.path = std::string(url.substr(path_start));
  if (u.path.empty()) u.path = "/";
  // Default ports are not part of the Host header curl would send.
  std::string_view scheme_name = url.substr(0, scheme == std::string_view::npos ? 0 : scheme);
  auto strip = [&](std::string_view suffix) {
    if (u.host.size() > suffix.size() &&
        u.host.compare(u.host.size() - suffix.size(), suffix.size(), suffix) == 0) {
      u.host.resize(u.host.size() - suffix.size());
    }
  };
  if (scheme_name == "https") strip(":443");
  if (scheme_name == "http") strip(":80");
  return u;
}

int64_t RetryAfterMs(const httpclient::Response& r) {
  std::string v = r.Header("retry-after");
  if (v.empty()) return -1;
  char* end = nullptr;
  double s = std::strtod(v.c_str(), &end);
  if (end == v.c_str() || !(s >= 0) || s > 3600) return -1;
  return static_cast<int64_t>(s * 1000);
}

}  // namespace

AwsError ParseAwsError(int http_status, std::string_view body,
                       std::string_view query_error_header) {
  AwsError e;
  e.http_status = http_status;
  if (!query_error_header.empty()) {
    size_t semi = query_error_header.find(';');
    e.code = std::string(query_error_header.substr(0, semi));
    if (semi != std::string_view::npos) e.type = std::string(query_error_header.substr(semi + 1));
  }
  simdjson::dom::parser parser;
  simdjson::padded_string padded(body);
  simdjson::dom::element doc;
  if (!body.empty() && body.front() == '{' && !parser.parse(padded).get(doc) && doc.is_object()) {
    std::string_view type;
    if (e.code.empty()) {
      for (const char* key : {"__type", "code", "Code"}) {
        if (!doc[key].get_string().get(type)) {
          e.code = ShapeName(type);
          break;
        }
      }
    }
    std::string_view message;
    for (const char* key : {"message", "Message", "errorMessage"}) {
      if (!doc[key].get_string().get(message)) {
        e.message = std::string(message);
        break;
      }
    }
    return e;
  }
  if (body.find("<Error>") != std::string_view::npos ||
      body.find("<ErrorResponse") != std::string_view::npos) {
    if (e.code.empty()) e.code = std::string(XmlElement(body, "Code"));
    if (e.type.empty()) e.type = std::string(XmlElement(body, "Type"));
    e.message = std::string(XmlElement(body, "Message"));
    return e;
  }
  e.message = BodySnippet(body);
  return e;
}

bool IsThrottlingCode(std::string_view code) {
  static constexpr std::string_view kCodes[] = {
      "Throttling",
      "ThrottlingException",
      "ThrottledException",
      "RequestThrottledException",
      "TooManyRequestsException",
      "ProvisionedThroughputExceededException",
      "TransactionInProgressException",
      "RequestLimitExceeded",
      "BandwidthLimitExceeded",
      "LimitExceededException",
      "RequestThrottled",
      "SlowDown",
      "PriorRequestNotComplete",
      "EC2ThrottledException",
  };
  for (std::string_view c : kCodes) {
    if (c == code) return true;
  }
  return false;
}

bool IsThrottled(const AwsError& e) {
  return IsThrottlingCode(e.code) || e.http_status == 429 || e.http_status == 503;
}

bool IsRetryable(const AwsError& e) { return IsThrottled(e) || e.http_status >= 500; }

std::string DescribeAwsError(const AwsError& e) {
  std::string code =
      e.code.empty() ? fmt::format("HTTP {}", httpclient::StatusText(e.http_status)) : e.code;
  if (e.message.empty()) return code;
  return fmt::format("{}: {}", code, e.message);
}

int64_t EpochSecondsToMs(double s) {
  if (!std::isfinite(s)) return 0;
  constexpr double kLimit = 9.0e15;  // ~285,000 years in ms: far beyond any real timestamp
  double ms = s * 1000.0;
  if (ms > kLimit) ms = kLimit;
  if (ms < -kLimit) ms = -kLimit;
  return std::llround(ms);
}

JsonCaller::JsonCaller(httpclient::Client* client, CredentialsFn credentials,
                       cloud::ApiStats* stats, cloud::Backoff* backoff, JsonCallerOptions opts)
    : client_(client),
      credentials_(std::move(credentials)),
      stats_(stats),
      backoff_(backoff),
      opts_(std::move(opts)) {
  if (opts_.max_attempts < 1) opts_.max_attempts = 1;
  if (opts_.user_agent.empty()) {
    opts_.user_agent =
        "Vigil/" VIGIL_VERSION_STRING " ua/2.1 os/linux lang/cpp cfg/retry-mode#legacy";
  }
  while (!opts_.endpoint.empty() && opts_.endpoint.back() == '/') opts_.endpoint.pop_back();
}

std::string JsonCaller::EndpointFor(std::string_view service, std::string_view region) const {
  if (!opts_.endpoint.empty()) return opts_.endpoint;
  std::string_view suffix = "amazonaws.com";
  if (region.rfind("cn-", 0) == 0) suffix = "amazonaws.com.cn";
  return fmt::format("https://{}.{}.{}", service, region, suffix);
}

int64_t JsonCaller::Now() const { return opts_.now_ms ? opts_.now_ms() : NowMillis(); }

void JsonCaller::Cancel() {
  {
    std::lock_guard<std::mutex> l(mu_);
    cancelled_.store(true);
  }
  cv_.notify_all();
  client_->Cancel();
}

bool JsonCaller::Sleep(int64_t ms) {
  if (cancelled_.load()) return false;
  if (ms <= 0) return true;
  if (opts_.sleep) return opts_.sleep(ms) && !cancelled_.load();
  std::unique_lock<std::mutex> l(mu_);
  return !cv_.wait_for(l, std::chrono::milliseconds(ms), [this] { return cancelled_.load(); });
}

Result<std::string> JsonCaller::Call(const JsonCall& call) {
  Attempt shape;
  shape.content_type = "application/x-amz-json-" + call.json_version;
  shape.extra_headers.emplace_back("X-Amz-Target", call.target_prefix + "." + call.api);
  shape.signed_headers = {"content-type", "host", "x-amz-date", "x-amz-target"};
  if (call.query_mode) {
    shape.extra_headers.emplace_back("x-amzn-query-mode", "true");
    shape.signed_headers.push_back("x-amzn-query-mode");
  }
  return Send(call.api, call.service, call.region, shape, call.body);
}

Result<std::string> JsonCaller::GetCallerIdentityAccount(const std::string& region) {
  Attempt shape;
  shape.content_type = "application/x-www-form-urlencoded; charset=utf-8";
  shape.signed_headers = {"content-type", "host", "x-amz-date"};
  VIGIL_ASSIGN_OR_RETURN(std::string body, Send("GetCallerIdentity", "sts", region, shape,
                                                "Action=GetCallerIdentity&Version=2011-06-15"));
  std::string_view account = XmlElement(body, "Account");
  if (account.empty()) {
    // A JSON answer (some fakes) carries the same member.
    simdjson::dom::parser parser;
    simdjson::padded_string padded(body);
    simdjson::dom::element doc;
    std::string_view v;
    if (!parser.parse(padded).get(doc) &&
        (!doc["GetCallerIdentityResponse"]["GetCallerIdentityResult"]["Account"].get_string().get(
             v) ||
         !doc["Account"].get_string().get(v))) {
      return std::string(v);
    }
    return Status::Corruption("GetCallerIdentity: no Account in the response");
  }
  return std::string(account);
}

Result<std::string> JsonCaller::Send(const std::string& api, const std::string& service,
                                     const std::string& region, const Attempt& shape,
                                     const std::string& body) {
  Url url = SplitUrl(EndpointFor(service, region));
  std::string invocation_id = NewInvocationId();
  Status last;
  int attempts = 0;
  for (int attempt = 1; attempt <= opts_.max_attempts; ++attempt) {
    if (cancelled_.load()) return Status::Cancelled(api + ": cancelled");
    attempts = attempt;
    int64_t now = Now();
    Result<Credentials> creds = credentials_(now);
    if (!creds.ok()) return creds.status().WithContext("credentials");
    if (creds->expiration_ms != 0 && creds->expiration_ms <= now) {
      return Status::FailedPrecondition(fmt::format("credentials from {} expired at {}",
                                                    creds->source.empty() ? "?" : creds->source,
                                                    AmzDate(creds->expiration_ms)));
    }

    SignableRequest sreq;
    sreq.method = "POST";
    sreq.path = url.path;
    sreq.body = body;
    sreq.headers.emplace_back("Host", url.host);
    for (const auto& h : shape.extra_headers) {
      if (h.first == "X-Amz-Target") sreq.headers.push_back(h);
    }
    sreq.headers.emplace_back("Content-Type", shape.content_type);
    for (const auto& h : shape.extra_headers) {
      if (h.first != "X-Amz-Target") sreq.headers.push_back(h);
    }
    sreq.headers.emplace_back("User-Agent", opts_.user_agent);
    SignOptions sopts;
    sopts.region = region;
    sopts.service = service;
    sopts.now_ms = now;
    sopts.signed_headers = shape.signed_headers;
    Result<SigningParts> signed_parts = Sign(&sreq, *creds, sopts);
    if (!signed_parts.ok()) return signed_parts.status().WithContext("signing");

    httpclient::Request hreq;
    hreq.method = "POST";
    hreq.url = url.base + url.path;
    hreq.headers = sreq.headers;
    hreq.headers.emplace_back("amz-sdk-invocation-id", invocation_id);
    hreq.headers.emplace_back("amz-sdk-request",
                              fmt::format("attempt={}; max={}", attempt, opts_.max_attempts));
    hreq.timeout_ms = opts_.request_timeout_ms;
    hreq.max_body_bytes = opts_.max_body_bytes;
    hreq.accept_gzip = false;  // botocore sends Accept-Encoding: identity
    hreq.body = body;

    Result<httpclient::Response> resp = client_->Do(hreq);
    int64_t retry_after_ms = -1;
    if (!resp.ok()) {
      if (cancelled_.load() || resp.status().IsCancelled()) {
        return Status::Cancelled(api + ": cancelled");
      }
      stats_->Call(api, region, "error");
      last = Status::Unavailable(resp.status().message());
    } else if (resp->status_code >= 200 && resp->status_code < 300) {
      stats_->Call(api, region, "success");
      return std::move(resp->body);
    } else {
      std::string query_error = resp->Header("x-amzn-query-error");
      if (query_error.empty()) query_error = resp->Header("x-amzn-errortype");
      // x-amzn-ErrorType may carry ":<url>" after the code.
      if (size_t colon = query_error.find(':');
          colon != std::string::npos && query_error.find(';') == std::string::npos) {
        query_error.resize(colon);
      }
      AwsError err = ParseAwsError(resp->status_code, resp->body, query_error);
      bool throttled = IsThrottled(err);
      stats_->Call(api, region, throttled ? "throttled" : "error");
      if (!IsRetryable(err)) return Status::FailedPrecondition(DescribeAwsError(err));
      last = Status::Unavailable(DescribeAwsError(err));
      retry_after_ms = RetryAfterMs(*resp);
    }
    if (attempt < opts_.max_attempts) {
      stats_->Retry(api);
      if (!Sleep(backoff_->DelayMs(attempt - 1, retry_after_ms))) {
        return Status::Cancelled(api + ": cancelled");
      }
    }
  }
  if (attempts <= 1) return last;
  return Status::Unavailable(fmt::format("{} (after {} attempts)", last.message(), attempts));
}

}  // namespace vigil::aws
