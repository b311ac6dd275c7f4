// The Loki and HTTP JSON senders (sender.h) on httpclient::Client.
#include <algorithm>
#include <cstdlib>

#include <fmt/format.h>

#include "collect/httpclient/http_client.h"
#include "collect/logs/push/push_decode.h"
#include "forward/record_format.h"
#include "forward/sender.h"

namespace vigil::forward {

namespace {

class HttpSender : public Sender {
 public:
  enum class Encoding { kLokiProto, kJson };

  HttpSender(const config::LogForwarderConfig& cfg, Encoding enc,
             std::unique_ptr<httpclient::Client> client)
      : config_(cfg), encoding_(enc), client_(std::move(client)) {}

  SendResult Send(const std::vector<model::LogRecord>& records) override {
    httpclient::Request req;
    req.method = "POST";
    req.url = config_.url;
    req.timeout_ms = config_.timeout_ms;
    // Generous: a 2xx whose body hit the limit would count as failed and be resent.
    req.max_body_bytes = 64 << 20;
    if (encoding_ == Encoding::kLokiProto) {
      req.body = logs::EncodeLokiPushProto(records);
      req.headers.emplace_back("Content-Type", "application/x-protobuf");
    } else {
      req.body = RecordsToJson(records);
      req.headers.emplace_back("Content-Type", "application/json");
    }
    if (!config_.tenant_id.empty()) req.headers.emplace_back("X-Scope-OrgID", config_.tenant_id);
    for (const auto& [k, v] : config_.headers) req.headers.emplace_back(k, v);
    uint64_t bytes = req.body.size();
    Result<httpclient::Response> resp = client_->Do(req);
    if (!resp.ok()) return SendResult::Retry("transport", resp.status().message());
    SendResult r = ClassifyHttpStatus(resp->status_code, resp->body, resp->Header("retry-after"));
    r.wire_bytes = bytes;
    return r;
  }

  void Cancel() override { client_->Cancel(); }

 private:
  const config::LogForwarderConfig config_;
  const Encoding encoding_;
  std::unique_ptr<httpclient::Client> client_;
};

Result<std::unique_ptr<Sender>> NewHttp(const config::LogForwarderConfig& cfg,
                                        HttpSender::Encoding enc) {
  if (cfg.url.rfind("http://", 0) != 0 && cfg.url.rfind("https://", 0) != 0) {
    return Status::InvalidArgument(fmt::format(
        "forwarder {}: url must start with http:// or https://, got \"{}\"", cfg.name, cfg.url));
  }
  config::HTTPClientConfig http;
  VIGIL_ASSIGN_OR_RETURN(auto client, httpclient::Client::New(http));
  return std::unique_ptr<Sender>(new HttpSender(cfg, enc, std::move(client)));
}

}  // namespace

SendResult ClassifyHttpStatus(int code, std::string_view body, std::string_view retry_after) {
  if (code >= 200 && code < 300) return SendResult::Ok(0);
  std::string msg = fmt::format("server returned HTTP status {}", httpclient::StatusText(code));
  std::string_view snippet = body.substr(0, 256);
  while (!snippet.empty() && (snippet.back() == '\n' || snippet.back() == '\r')) {
    snippet.remove_suffix(1);
  }
  if (!snippet.empty()) msg += fmt::format(": {}", snippet);
  if (code == 429) {
    SendResult r = SendResult::Retry("http_429", msg);
    // Retry-After in seconds (the HTTP-date form is rare from log receivers).
    if (!retry_after.empty() &&
        std::all_of(retry_after.begin(), retry_after.end(),
                    [](char c) { return c >= '0' && c <= '9'; }) &&
        retry_after.size() < 9) {
      r.retry_after_ms = std::atoll(std::string(retry_after).c_str()) * 1000;
    }
    return r;
  }
  if (code >= 500) return SendResult::Retry("http_5xx", msg);
  if (code >= 400) return SendResult::Rejected(msg);
  // 1xx / 3xx after redirects were followed: the receiver did not take it.
  return SendResult::Retry("http_other", msg);
}

Result<std::unique_ptr<Sender>> NewLokiSender(const config::LogForwarderConfig& cfg) {
  return NewHttp(cfg, HttpSender::Encoding::kLokiProto);
}

Result<std::unique_ptr<Sender>> NewHttpJsonSender(const config::LogForwarderConfig& cfg) {
  return NewHttp(cfg, HttpSender::Encoding::kJson);
}

Result<std::unique_ptr<Sender>> NewSender(const config::LogForwarderConfig& cfg) {
  if (cfg.type == "loki") return NewLokiSender(cfg);
  if (cfg.type == "http") return NewHttpJsonSender(cfg);
  if (cfg.type == "syslog") return NewSyslogSender(cfg);
  return Status::InvalidArgument(fmt::format(
      "forwarder {}: unknown type \"{}\" (want loki, syslog or http)", cfg.name, cfg.type));
}

}  // namespace vigil::forward
