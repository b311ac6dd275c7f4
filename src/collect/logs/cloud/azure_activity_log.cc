// The Azure Activity Log as a CloudLogApi (cloud_log_apis.h): one API per
// subscription, reading
//   GET {arm}/subscriptions/{sub}/providers/Microsoft.Insights/eventtypes/
//       management/values?api-version=2015-04-01&$filter=eventTimestamp ge
//       '<start>' and eventTimestamp le '<end - 1 ms>'[ and <filter>]
// and every page after it (nextLink, followed verbatim as the SDKs do).
// The filter's `le` is inclusive, so the window [start, end) asks up to the
// last millisecond before end: an event at exactly `end` belongs to the next
// window only.
//
// Every API of one source shares one session: the Azure collector's
// Transport (Entra ID token of the resource manager's scope, retries with
// Retry-After, a fresh token on 401, ApiStats "azure" / the source's name,
// API "ActivityLogs") and TokenSource. Reads of one session are serialized.
//
// Thread-safety: as CloudLogApi. Cancel stops the session, so every API of
// the source: it is for shutting the source down.
#include <simdjson.h>

#include <cstdlib>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "base/logging.h"
#include "base/time.h"
#include "collect/cloud/azure/arm.h"
#include "collect/cloud/azure/json_util.h"
#include "collect/cloud/azure/token.h"
#include "collect/cloud/azure/transport.h"
#include "collect/cloud/common/collector.h"
#include "collect/httpclient/http_client.h"
#include "collect/logs/cloud/cloud_events.h"
#include "collect/logs/cloud/cloud_log_apis.h"

namespace vigil::cloudlogs {
namespace {

namespace az = cloud::azure;

constexpr const char* kApiName = "ActivityLogs";
constexpr const char* kActivityLogApiVersion = "2015-04-01";

// What every subscription's API of one source shares. Members are declared
// in construction order: the stats need the registry, the transport the
// stats, the token source the transport.
struct Session {
  std::unique_ptr<metrics::Registry> own_registry;  // when the deps give none
  std::unique_ptr<cloud::ApiStats> stats;
  std::unique_ptr<az::Transport> transport;
  std::unique_ptr<az::TokenSource> tokens;
  std::string arm_endpoint;  // without a trailing '/'
  std::string scope;
  std::string extra_filter;
  int64_t timeout_ms = 30'000;
  std::function<int64_t()> now_ms;
  std::mutex read_mu;  // one Read at a time over the shared transport
};

class ActivityLogApi final : public CloudLogApi {
 public:
  ActivityLogApi(std::shared_ptr<Session> session, std::string subscription)
      : session_(std::move(session)), subscription_(std::move(subscription)) {}

  std::string Key() const override { return "azure-activity:" + subscription_; }

  Status Read(int64_t start_ms, int64_t end_ms,
              const std::function<Status(std::vector<model::LogRecord>&)>& page) override {
    if (end_ms <= start_ms) return Status::OK();
    std::lock_guard<std::mutex> l(session_->read_mu);
    std::string url = FirstPageUrl(start_ms, end_ms);
    std::set<std::string> seen_links;
    while (!url.empty()) {
      if (session_->transport->cancelled())
        return Status::Cancelled(fmt::format("{}: cancelled", Key()));
      httpclient::Request req;
      req.url = url;
      req.timeout_ms = session_->timeout_ms;
      req.max_body_bytes = 256 << 20;
      req.headers.emplace_back("Accept", "application/json");
      auto resp = session_->transport->Send(kApiName, "", std::move(req), session_->scope);
      if (!resp.ok()) return resp.status().WithContext(Key());
      std::vector<model::LogRecord> records;
      std::string next_link;
      VIGIL_RETURN_IF_ERROR(ParsePage(resp->body, &records, &next_link));
      VIGIL_RETURN_IF_ERROR(page(records));
      // A link seen before would loop forever.
      if (!next_link.empty() && !seen_links.insert(next_link).second) {
        return Status::Corruption(
            fmt::format("{}: nextLink {} repeats an earlier page", Key(), next_link));
      }
      url = std::move(next_link);
    }
    return Status::OK();
  }

  void Cancel() override { session_->transport->Cancel(); }

 private:
  std::string FirstPageUrl(int64_t start_ms, int64_t end_ms) const {
    std::string filter = fmt::format("eventTimestamp ge '{}' and eventTimestamp le '{}'",
                                     FormatRFC3339(start_ms), FormatRFC3339(end_ms - 1));
    if (!session_->extra_filter.empty()) filter += " and " + session_->extra_filter;
    // The SDKs' form: "$" raw, the filter value fully percent-encoded.
    return fmt::format(
        "{}/subscriptions/{}/providers/Microsoft.Insights/eventtypes/management/values"
        "?api-version={}&$filter={}",
        session_->arm_endpoint, az::PercentEncode(subscription_), kActivityLogApiVersion,
        az::PercentEncode(filter));
  }

  // {"value":[EventData...],"nextLink":"..."}: each EventData mapped.
  Status ParsePage(std::string_view body, std::vector<model::LogRecord>* records,
                   std::string* next_link) const {
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    Status parsed = az::ParseJsonDocument(parser, body, "activity log", &doc);
    if (!parsed.ok()) return parsed.WithContext(Key());
    simdjson::dom::array values;
    if (!doc.is_object() || doc["value"].get(values) != simdjson::SUCCESS) {
      return Status::Corruption(
          fmt::format("{}: malformed activity log response: no \"value\" array", Key()));
    }
    *next_link = std::string(az::JsonString(doc, "nextLink"));
    const int64_t observed_ns = session_->now_ms() * 1'000'000;
    size_t skipped = 0;
    for (simdjson::dom::element v : values) {
      auto record = MapAzureActivityEvent(simdjson::minify(v), subscription_, observed_ns);
      if (!record.ok()) {
        // One odd element must not stall the window forever: count it, go on.
        ++skipped;
        continue;
      }
      records->push_back(std::move(record).value());
    }
    if (skipped > 0) {
      log::Get("logs")->warn("{}: skipped {} activity log values that are not events", Key(),
                             skipped);
    }
    return Status::OK();
  }

  std::shared_ptr<Session> session_;
  const std::string subscription_;
};

}  // namespace

Result<std::vector<std::unique_ptr<CloudLogApi>>> NewAzureActivityLogApis(
    const config::CloudLogSourceConfig& source, const config::AzureCloudConfig& cloud,
    const CloudLogApiDeps& deps) {
  const std::string where = fmt::format("azure_activity_log source {:?} (cloud_configs.azure {:?})",
                                        deps.source_name, cloud.name);
  std::vector<std::string> subscriptions;
  if (source.subscriptions.empty()) {
    subscriptions = cloud.subscriptions;
  } else {
    for (const std::string& want : source.subscriptions) {
      const std::string* found = nullptr;
      for (const std::string& have : cloud.subscriptions) {
        if (az::EqualFold(want, have)) found = &have;
      }
      if (found == nullptr) {
        return Status::InvalidArgument(
            fmt::format("{}: subscription {:?} is not one of the entry's subscriptions ({})", where,
                        want, fmt::join(cloud.subscriptions, ", ")));
      }
      subscriptions.push_back(*found);
    }
  }
  if (subscriptions.empty()) return Status::InvalidArgument(where + ": no subscriptions");

  auto creds = az::ResolveCredentials(cloud, [](const char* name) { return std::getenv(name); });
  if (!creds.ok()) return creds.status().WithContext(where);
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
  session->stats = std::make_unique<cloud::ApiStats>(registry, "azure", deps.source_name);
  az::TransportOptions topts;
  topts.max_attempts = deps.max_attempts;
  topts.sleep = deps.sleep;
  session->transport = std::make_unique<az::Transport>(std::move(client).value(),
                                                       session->stats.get(), std::move(topts));
  session->now_ms = deps.now_ms ? deps.now_ms : std::function<int64_t()>(&NowMillis);
  az::Transport* transport = session->transport.get();
  session->tokens = std::make_unique<az::TokenSource>(
      std::move(creds).value(),
      [transport](httpclient::Request req) {
        return transport->Send("token", "", std::move(req), "");
      },
      session->now_ms, cloud.request_timeout_ms);
  session->transport->SetTokenSource(session->tokens.get());
  session->arm_endpoint = cloud.resource_manager_endpoint;
  while (!session->arm_endpoint.empty() && session->arm_endpoint.back() == '/')
    session->arm_endpoint.pop_back();
  session->scope = az::ArmScopeFor(cloud.resource_manager_endpoint);
  session->extra_filter = source.filter;
  session->timeout_ms = cloud.request_timeout_ms;

  std::vector<std::unique_ptr<CloudLogApi>> apis;
  for (const std::string& sub : subscriptions)
    apis.push_back(std::make_unique<ActivityLogApi>(session, sub));
  return apis;
}

}  // namespace vigil::cloudlogs
