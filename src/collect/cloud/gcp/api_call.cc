#include "collect/cloud/gcp/api_call.h"

#include <simdjson.h>

#include <chrono>
#include <thread>

#include <fmt/format.h>

#include "collect/cloud/gcp/json_util.h"

namespace vigil::gcp {

std::optional<ApiError> ParseApiError(std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(body.data(), body.size()).get(doc) != simdjson::SUCCESS) return std::nullopt;
  auto err = json::Field(doc, "error");
  if (!err) return std::nullopt;
  ApiError e;
  std::string_view s;
  if (err->get(s) == simdjson::SUCCESS) {  // OAuth form
    e.status = std::string(s);
    e.message = json::StringOr(doc, "error_description");
    return e;
  }
  if (!err->is_object()) return std::nullopt;
  e.code = static_cast<int>(json::Int64(*err, "code").value_or(0));
  e.status = json::StringOr(*err, "status");
  e.message = json::StringOr(*err, "message");
  return e;
}

Status HttpError(std::string_view api, const httpclient::Response& resp) {
  std::string msg = fmt::format("{}: HTTP {}", api, httpclient::StatusText(resp.status_code));
  if (auto e = ParseApiError(resp.body)) {
    if (!e->status.empty()) msg += ": " + e->status;
    if (!e->message.empty()) msg += ": " + e->message;
  } else if (!resp.body.empty()) {
    msg += ": " + resp.body.substr(0, 200);
  }
  if (resp.status_code == 401 || resp.status_code == 403) return Status::FailedPrecondition(msg);
  if (resp.status_code == 400 || resp.status_code == 404) return Status::InvalidArgument(msg);
  return Status::Unavailable(msg);
}

CallOutcome ClassifyResponse(const httpclient::Response& resp) {
  int c = resp.status_code;
  if (c >= 200 && c < 300) return CallOutcome::kSuccess;
  if (c == 429) return CallOutcome::kThrottled;
  if (c == 500 || c == 502 || c == 503 || c == 504) return CallOutcome::kRetryable;
  if (auto e = ParseApiError(resp.body)) {
    if (e->status == "RESOURCE_EXHAUSTED") return CallOutcome::kThrottled;
    if (e->status == "UNAVAILABLE") return CallOutcome::kRetryable;
  }
  return CallOutcome::kFailed;
}

namespace {

bool DefaultSleep(const std::atomic<bool>* cancelled, int64_t ms) {
  auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (std::chrono::steady_clock::now() < end) {
    if (cancelled && cancelled->load()) return false;
    auto left = end - std::chrono::steady_clock::now();
    std::this_thread::sleep_for(
        std::min<std::chrono::steady_clock::duration>(left, std::chrono::milliseconds(10)));
  }
  return !(cancelled && cancelled->load());
}

int64_t RetryAfterMs(const httpclient::Response& resp) {
  std::string v = resp.Header("retry-after");
  if (v.empty() || v.size() > 6) return -1;
  int64_t s = 0;
  for (char c : v) {
    if (c < '0' || c > '9') return -1;  // HTTP-date form: use our own backoff
    s = s * 10 + (c - '0');
  }
  return s * 1000;
}

}  // namespace

Result<httpclient::Response> CallWithRetries(CallContext& ctx, const httpclient::Request& req,
                                             std::string_view api) {
  const std::string api_name(api);
  int attempts = std::max(1, ctx.max_attempts);
  for (int attempt = 0;; ++attempt) {
    if (ctx.cancelled && ctx.cancelled->load()) return Status::Cancelled(api_name + ": cancelled");
    auto resp = ctx.client->Do(req);
    int64_t retry_after = -1;
    bool retry = false;
    if (!resp.ok()) {
      if (ctx.stats) ctx.stats->Call(api_name, ctx.region, "error");
      if (resp.status().IsCancelled() || (ctx.cancelled && ctx.cancelled->load())) {
        return Status::Cancelled(api_name + ": cancelled");
      }
      retry = true;
      if (attempt + 1 >= attempts) return resp.status().WithContext(api_name);
    } else {
      CallOutcome outcome = ClassifyResponse(*resp);
      const char* result = outcome == CallOutcome::kSuccess     ? "success"
                           : outcome == CallOutcome::kThrottled ? "throttled"
                                                                : "error";
      if (ctx.stats) ctx.stats->Call(api_name, ctx.region, result);
      if (outcome == CallOutcome::kSuccess || outcome == CallOutcome::kFailed) return resp;
      retry = true;
      retry_after = RetryAfterMs(*resp);
      if (attempt + 1 >= attempts) return resp;
    }
    if (!retry) return resp;
    if (ctx.stats) ctx.stats->Retry(api_name);
    int64_t delay = ctx.backoff ? ctx.backoff->DelayMs(attempt, retry_after) : 0;
    bool ok = ctx.sleep ? ctx.sleep(delay) : DefaultSleep(ctx.cancelled, delay);
    if (!ok) return Status::Cancelled(api_name + ": cancelled");
  }
}

}  // namespace vigil::gcp
