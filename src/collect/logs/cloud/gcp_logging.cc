// Cloud Logging entries:list as a CloudLogApi (cloud_log_apis.h): one API
// per project, reading
//   POST {endpoint}/v2/entries:list
//   {"resourceNames":["projects/<p>"],
//    "filter":"timestamp >= \"<start>\" AND timestamp < \"<end>\"[ AND (<filter>)]",
//    "orderBy":"timestamp asc","pageSize":1000[,"pageToken":"..."]}
// and every page after it (nextPageToken). The window is half-open, as the
// poller's: an entry at exactly `end` belongs to the next window. Entries
// come oldest first, ties in the server's stable order, so a window reads
// the same each time.
//
// The endpoint is the source's `endpoint`, else the entry's when it is not
// Google's monitoring endpoint (a simulator or proxy serving both APIs),
// else https://logging.googleapis.com.
//
// Every API of one source shares one session: the GCP collector's token
// source (service-account JWT, scope logging.read), api_call.h's retries on
// 429 / RESOURCE_EXHAUSTED / 5xx, one fresh token and retry on 401, and
// ApiStats "gcp" / the source's name (API "entries.list"). Reads of one
// session are serialized.
//
// Thread-safety: as CloudLogApi. Cancel stops the session, so every API of
// the source: it is for shutting the source down.
#include <simdjson.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "base/json.h"
#include "base/logging.h"
#include "base/time.h"
#include "collect/cloud/common/collector.h"
#include "collect/cloud/gcp/api_call.h"
#include "collect/cloud/gcp/token.h"
#include "collect/httpclient/http_client.h"
#include "collect/logs/cloud/cloud_events.h"
#include "collect/logs/cloud/cloud_log_apis.h"

namespace vigil::cloudlogs {
namespace {

constexpr const char* kApiName = "entries.list";
constexpr const char* kLoggingReadScope = "https://www.googleapis.com/auth/logging.read";
constexpr const char* kGoogleMonitoringEndpoint = "https://monitoring.googleapis.com";
constexpr const char* kGoogleLoggingEndpoint = "https://logging.googleapis.com";
constexpr int kPageSize = 1000;  // entries:list's maximum

std::string WithoutTrailingSlash(std::string s) {
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

// What every project's API of one source shares. Members are declared in
// construction order (the stats need the registry, the context the client,
// stats and backoff, the token source the context).
struct Session {
  std::unique_ptr<metrics::Registry> own_registry;  // when the deps give none
  std::unique_ptr<cloud::ApiStats> stats;
  std::unique_ptr<httpclient::Client> client;
  cloud::Backoff backoff{200, 20'000, 0};
  std::atomic<bool> cancelled{false};
  gcp::CallContext ctx;
  std::unique_ptr<gcp::TokenSource> tokens;
  std::string endpoint;  // without a trailing '/'
  std::string extra_filter;
  int64_t timeout_ms = 30'000;
  std::function<int64_t()> now_ms;
  std::mutex read_mu;  // one Read at a time: the token source and context are not shared-safe
};

class LoggingApi final : public CloudLogApi {
 public:
  LoggingApi(std::shared_ptr<Session> session, std::string project)
      : session_(std::move(session)), project_(std::move(project)) {}

  std::string Key() const override { return "gcp-logging:" + project_; }

  Status Read(int64_t start_ms, int64_t end_ms,
              const std::function<Status(std::vector<model::LogRecord>&)>& page) override {
    if (end_ms <= start_ms) return Status::OK();
    std::lock_guard<std::mutex> l(session_->read_mu);
    const std::string filter = Filter(start_ms, end_ms);
    std::string page_token;
    for (;;) {
      if (session_->cancelled.load()) return Status::Cancelled(Key() + ": cancelled");
      auto resp = AuthorizedPost(RequestBody(filter, page_token));
      if (!resp.ok()) return resp.status().WithContext(Key());
      std::vector<model::LogRecord> records;
      std::string next_token;
      VIGIL_RETURN_IF_ERROR(ParsePage(resp->body, &records, &next_token));
      VIGIL_RETURN_IF_ERROR(page(records));
      if (next_token.empty()) return Status::OK();
      // The same token again would loop forever.
      if (next_token == page_token) {
        return Status::Corruption(
            fmt::format("{}: entries.list returned the page token {:?} twice", Key(), next_token));
      }
      page_token = std::move(next_token);
    }
  }

  void Cancel() override {
    session_->cancelled.store(true);
    session_->client->Cancel();
  }

 private:
  std::string Filter(int64_t start_ms, int64_t end_ms) const {
    std::string f = fmt::format(R"(timestamp >= "{}" AND timestamp < "{}")",
                                FormatRFC3339(start_ms), FormatRFC3339(end_ms));
    // Parenthesised: the user's query may hold OR, which binds looser than AND.
    if (!session_->extra_filter.empty()) f += " AND (" + session_->extra_filter + ")";
    return f;
  }

  std::string RequestBody(const std::string& filter, const std::string& page_token) const {
    std::string body = R"({"resourceNames":[)";
    AppendJsonString(&body, "projects/" + project_);
    body += R"(],"filter":)";
    AppendJsonString(&body, filter);
    body += fmt::format(R"(,"orderBy":"timestamp asc","pageSize":{})", kPageSize);
    if (!page_token.empty()) {
      body += R"(,"pageToken":)";
      AppendJsonString(&body, page_token);
    }
    body += "}";
    return body;
  }

  // POST with the bearer token; one new token and retry on 401.
  Result<httpclient::Response> AuthorizedPost(const std::string& body) {
    for (int attempt = 0;; ++attempt) {
      VIGIL_ASSIGN_OR_RETURN(std::string token, session_->tokens->Token(session_->now_ms()));
      httpclient::Request req;
      req.method = "POST";
      req.url = session_->endpoint + "/v2/entries:list";
      req.timeout_ms = session_->timeout_ms;
      req.max_body_bytes = 256u << 20;
      req.headers = {{"Authorization", "Bearer " + token},
                     {"Accept", "application/json"},
                     {"Content-Type", "application/json"}};
      req.body = body;
      VIGIL_ASSIGN_OR_RETURN(httpclient::Response resp,
                             gcp::CallWithRetries(session_->ctx, req, kApiName));
      if (resp.status_code == 401 && attempt == 0) {
        session_->tokens->Invalidate();
        continue;
      }
      if (resp.status_code < 200 || resp.status_code >= 300) return gcp::HttpError(kApiName, resp);
      return resp;
    }
  }

  // {"entries":[LogEntry...],"nextPageToken":"..."}; both may be absent
  // (an empty page).
  Status ParsePage(std::string_view body, std::vector<model::LogRecord>* records,
                   std::string* next_token) const {
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    if (parser.parse(body.data(), body.size()).get(doc) != simdjson::SUCCESS || !doc.is_object()) {
      return Status::Corruption(
          fmt::format("{}: malformed entries.list response: not a JSON object", Key()));
    }
    std::string_view token;
    if (doc["nextPageToken"].get(token) == simdjson::SUCCESS) *next_token = std::string(token);
    simdjson::dom::element entries;
    if (doc["entries"].get(entries) != simdjson::SUCCESS) return Status::OK();
    simdjson::dom::array list;
    if (entries.get(list) != simdjson::SUCCESS) {
      return Status::Corruption(
          fmt::format("{}: malformed entries.list response: \"entries\" is not an array", Key()));
    }
    const int64_t observed_ns = session_->now_ms() * 1'000'000;
    size_t skipped = 0;
    for (simdjson::dom::element e : list) {
      auto record = MapGcpLogEntry(simdjson::minify(e), project_, observed_ns);
      if (!record.ok()) {
        // One odd element must not stall the window forever: count it, go on.
        ++skipped;
        continue;
      }
      records->push_back(std::move(record).value());
    }
    if (skipped > 0) {
      log::Get("logs")->warn("{}: skipped {} entries.list elements that are not log entries", Key(),
                             skipped);
    }
    return Status::OK();
  }

  std::shared_ptr<Session> session_;
  const std::string project_;
};

}  // namespace

Result<std::vector<std::unique_ptr<CloudLogApi>>> NewGcpLoggingApis(
    const config::CloudLogSourceConfig& source, const config::GCPCloudConfig& cloud,
    const CloudLogApiDeps& deps) {
  const std::string where =
      fmt::format("gcp_logging source {:?} (cloud_configs.gcp {:?})", deps.source_name, cloud.name);
  std::vector<std::string> projects;
  if (source.project_ids.empty()) {
    projects = cloud.project_ids;
  } else {
    for (const std::string& want : source.project_ids) {
      bool found = false;
      for (const std::string& have : cloud.project_ids) found = found || want == have;
      if (!found) {
        return Status::InvalidArgument(
            fmt::format("{}: project {:?} is not one of the entry's project_ids ({})", where, want,
                        fmt::join(cloud.project_ids, ", ")));
      }
      projects.push_back(want);
    }
  }
  if (projects.empty()) return Status::InvalidArgument(where + ": no project_ids");

  auto file = gcp::ResolveCredentialsFile(cloud.credentials_file);
  if (!file.ok()) return file.status().WithContext(where);
  config::HTTPClientConfig http;
  http.tls_config.ca_file = cloud.ca_file;
  auto client = httpclient::Client::New(http);
  if (!client.ok()) return client.status().WithContext(where);

  auto session = std::make_shared<Session>();
  metrics::Registry* registry = deps.registry;
  if (registry == nullptr) {
    session->own_registry = std::make_unique<metrics::Registry>();
    registry = session->own_registry.get();
  }
  session->stats = std::make_unique<cloud::ApiStats>(registry, "gcp", deps.source_name);
  session->client = std::move(client).value();
  session->ctx.client = session->client.get();
  session->ctx.stats = session->stats.get();
  session->ctx.backoff = &session->backoff;
  session->ctx.cancelled = &session->cancelled;
  session->ctx.max_attempts = deps.max_attempts;
  session->ctx.sleep = deps.sleep;
  session->tokens = std::make_unique<gcp::TokenSource>(
      gcp::TokenSource::Options{*file, cloud.token_uri, kLoggingReadScope, 5 * 60 * 1000,
                                cloud.request_timeout_ms},
      &session->ctx);
  Status init = session->tokens->Init();
  if (!init.ok()) return init.WithContext(where);
  if (!source.endpoint.empty()) {
    session->endpoint = WithoutTrailingSlash(source.endpoint);
  } else if (std::string entry = WithoutTrailingSlash(cloud.endpoint);
             !entry.empty() && entry != kGoogleMonitoringEndpoint) {
    session->endpoint = std::move(entry);
  } else {
    session->endpoint = kGoogleLoggingEndpoint;
  }
  session->extra_filter = source.filter;
  session->timeout_ms = cloud.request_timeout_ms;
  session->now_ms = deps.now_ms ? deps.now_ms : std::function<int64_t()>(&NowMillis);

  std::vector<std::unique_ptr<CloudLogApi>> apis;
  for (const std::string& project : projects)
    apis.push_back(std::make_unique<LoggingApi>(session, project));
  return apis;
}

}  // namespace vigil::cloudlogs
