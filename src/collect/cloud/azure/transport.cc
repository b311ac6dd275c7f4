#include "collect/cloud/azure/transport.h"

#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <utility>

#include "collect/cloud/azure/json_util.h"
#include "collect/cloud/azure/token.h"

namespace vigil::cloud::azure {

std::string PercentEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() * 3);
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

namespace {

// A non-negative integer header value, or -1.
int64_t HeaderInt(const httpclient::Response& resp, std::string_view name) {
  std::string v = resp.Header(name);
  if (v.empty() || v.size() > 12) return -1;
  int64_t n = 0;
  for (char c : v) {
    if (c < '0' || c > '9') return -1;
    n = n * 10 + (c - '0');
  }
  return n;
}

bool Retryable(int code) {
  return code == 429 || code == 500 || code == 502 || code == 503 || code == 504;
}

}  // namespace

int64_t RetryAfterMs(const httpclient::Response& resp) {
  if (int64_t ms = HeaderInt(resp, "retry-after-ms"); ms >= 0) return ms;
  if (int64_t ms = HeaderInt(resp, "x-ms-retry-after-ms"); ms >= 0) return ms;
  // Retry-After may also be an HTTP date; Azure sends seconds, and a date
  // falls back to the exponential backoff.
  if (int64_t s = HeaderInt(resp, "retry-after"); s >= 0) return s * 1000;
  return -1;
}

Status HttpError(std::string_view api, const httpclient::Response& resp) {
  std::string detail = AzureErrorMessage(resp.body);
  if (detail.empty() && !resp.body.empty()) {
    detail = resp.body.substr(0, 200);
    for (char& c : detail)
      if (c == '\n' || c == '\r') c = ' ';
  }
  std::string msg = fmt::format("azure {}: server returned HTTP status {}", api,
                                httpclient::StatusText(resp.status_code));
  if (!detail.empty()) msg += ": " + detail;
  int code = resp.status_code;
  if (code == 401 || code == 403) return Status::FailedPrecondition(msg);
  if (code == 429) return Status::ResourceExhausted(msg);
  if (code >= 500) return Status::Unavailable(msg);
  return Status::InvalidArgument(msg);
}

Transport::Transport(std::unique_ptr<httpclient::Client> client, ApiStats* stats,
                     TransportOptions opts)
    : client_(std::move(client)),
      stats_(stats),
      opts_(std::move(opts)),
      backoff_(opts_.backoff_base_ms, opts_.backoff_max_ms, opts_.backoff_seed) {
  if (opts_.max_attempts < 1) opts_.max_attempts = 1;
}

void Transport::Cancel() {
  {
    std::lock_guard<std::mutex> l(mu_);
    cancelled_.store(true);
  }
  cv_.notify_all();
  client_->Cancel();
}

bool Transport::Sleep(int64_t ms) {
  if (cancelled_.load()) return false;
  if (opts_.sleep) return opts_.sleep(ms) && !cancelled_.load();
  std::unique_lock<std::mutex> l(mu_);
  return !cv_.wait_for(l, std::chrono::milliseconds(ms), [this] { return cancelled_.load(); });
}

Result<httpclient::Response> Transport::Send(std::string_view api, std::string_view region,
                                             httpclient::Request req, const std::string& scope) {
  const std::string api_name(api);
  const std::string region_name = region.empty() ? "global" : std::string(region);
  const size_t base_headers = req.headers.size();
  bool token_refreshed = false;
  Status last;
  for (int attempt = 0; attempt < opts_.max_attempts; ++attempt) {
    if (cancelled_.load()) return Status::Cancelled(fmt::format("azure {}: cancelled", api));
    req.headers.resize(base_headers);
    if (!scope.empty()) {
      if (tokens_ == nullptr) return Status::Internal("azure: no token source");
      auto token = tokens_->Get(scope);
      if (!token.ok()) return token.status();
      req.headers.emplace_back("Authorization", "Bearer " + *token);
    }
    auto resp = client_->Do(req);
    if (!resp.ok()) {
      if (cancelled_.load() || resp.status().IsCancelled())
        return Status::Cancelled(fmt::format("azure {}: cancelled", api));
      stats_->Call(api_name, region_name, "error");
      last = resp.status().WithContext(fmt::format("azure {}", api));
      if (attempt + 1 < opts_.max_attempts) {
        stats_->Retry(api_name);
        if (!Sleep(backoff_.DelayMs(attempt))) return Status::Cancelled("azure: cancelled");
      }
      continue;
    }
    if (observer_) observer_(api, *resp);
    int code = resp->status_code;
    if (code >= 200 && code < 300) {
      stats_->Call(api_name, region_name, "success");
      return resp;
    }
    stats_->Call(api_name, region_name, code == 429 ? "throttled" : "error");
    last = HttpError(api, *resp);
    if (code == 401 && !scope.empty() && !token_refreshed) {
      // The token expired or was revoked early: fetch a new one, once.
      token_refreshed = true;
      tokens_->Invalidate(scope);
      stats_->Retry(api_name);
      continue;
    }
    if (!Retryable(code)) return last;
    if (attempt + 1 < opts_.max_attempts) {
      stats_->Retry(api_name);
      if (!Sleep(backoff_.DelayMs(attempt, RetryAfterMs(*resp))))
        return Status::Cancelled("azure: cancelled");
    }
  }
  return last;
}

}  // namespace vigil::cloud::azure
