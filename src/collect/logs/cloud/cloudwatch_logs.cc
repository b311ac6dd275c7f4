#include "collect/logs/cloud/cloudwatch_logs.h"

#include <algorithm>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <simdjson.h>

#include "base/json.h"
#include "base/logging.h"
#include "base/time.h"
#include "collect/cloud/aws/credentials.h"
#include "collect/cloud/aws/json_protocol.h"
#include "collect/cloud/aws/naming.h"
#include "collect/cloud/common/collector.h"
#include "collect/httpclient/http_client.h"

namespace vigil::cloudlogs {

namespace {

constexpr const char* kLogsTargetPrefix = "Logs_20140328";
constexpr const char* kLogsService = "logs";
constexpr const char* kApiName = "FilterLogEvents";
constexpr size_t kMaxStreamNames = 100;  // the API's bound on logStreamNames
// A window that needs more pages than this is a server that never stops
// (fresh tokens forever); 10,000 events a page makes it 10^9 events.
constexpr int kMaxPages = 100'000;

// An ARN's trailing ":*" (DescribeLogGroups prints it) is not accepted as a
// logGroupIdentifier.
std::string_view WithoutWildcard(std::string_view group) {
  if (group.size() > 2 && group.substr(group.size() - 2) == ":*") group.remove_suffix(2);
  return group;
}

// A JSON integer (or an integral double) of an object member; 0 otherwise.
int64_t Int64Member(simdjson::dom::object obj, std::string_view key) {
  simdjson::dom::element v;
  if (obj.at_key(key).get(v) != simdjson::SUCCESS) return 0;
  int64_t i;
  if (v.get(i) == simdjson::SUCCESS) return i;
  double d;
  if (v.get(d) == simdjson::SUCCESS && d > -9.0e18 && d < 9.0e18) return static_cast<int64_t>(d);
  return 0;
}

std::string StringMember(simdjson::dom::object obj, std::string_view key) {
  std::string_view s;
  if (obj.at_key(key).get(s) != simdjson::SUCCESS) return {};
  return std::string(s);
}

// What every API of one cloud_configs entry shares: one authenticated
// session. The HTTP client belongs to one thread at a time, so calls are
// serialised here (a source reads its targets from one thread anyway).
// Cancel is session-wide and final: the source cancels every target at
// stop and builds new ones on reload.
class Session {
 public:
  Session(std::string source_name, std::unique_ptr<aws::CredentialsProvider> creds,
          std::unique_ptr<httpclient::Client> client, metrics::Registry* registry,
          aws::JsonCallerOptions opts, std::function<int64_t()> now_ms)
      : source_name_(std::move(source_name)),
        creds_(std::move(creds)),
        client_(std::move(client)),
        stats_(registry, "aws", source_name_),
        caller_(
            client_.get(), [this](int64_t now) { return creds_->Get(now); }, &stats_, &backoff_,
            std::move(opts)),
        now_ms_(std::move(now_ms)) {}

  Result<std::string> Call(const aws::JsonCall& call) {
    std::lock_guard<std::mutex> l(mu_);
    return caller_.Call(call);
  }

  // The caller's account (STS GetCallerIdentity), asked once per session,
  // on first need; "" when STS failed (logged once, reads go on without it).
  std::string AccountId(const std::string& region) {
    std::lock_guard<std::mutex> l(mu_);
    if (account_asked_) return account_id_;
    account_asked_ = true;
    Result<std::string> account = caller_.GetCallerIdentityAccount(region);
    if (account.ok()) {
      account_id_ = *account;
    } else if (!account.status().IsCancelled()) {
      log::Get("logs")->warn(
          "cloudwatch_logs source {}: account id unknown (cloud.account.id left empty): "
          "GetCallerIdentity {}: {}",
          source_name_, region, account.status().message());
    }
    return account_id_;
  }

  void Cancel() { caller_.Cancel(); }
  bool cancelled() const { return caller_.cancelled(); }
  int64_t NowMs() const { return now_ms_ ? now_ms_() : NowMillis(); }

 private:
  const std::string source_name_;
  std::unique_ptr<aws::CredentialsProvider> creds_;
  std::unique_ptr<httpclient::Client> client_;
  cloud::ApiStats stats_;
  cloud::Backoff backoff_;
  aws::JsonCaller caller_;
  std::function<int64_t()> now_ms_;

  std::mutex mu_;  // serialises caller_ (one HTTP client)
  bool account_asked_ = false;
  std::string account_id_;
};

// One log group in one region.
class CloudWatchLogsApi : public CloudLogApi {
 public:
  CloudWatchLogsApi(std::shared_ptr<Session> session, const config::CloudLogSourceConfig& source,
                    std::string region, std::string group, int page_limit)
      : session_(std::move(session)),
        region_(std::move(region)),
        group_(std::move(group)),
        group_name_(LogGroupName(group_)),
        stream_names_(source.log_stream_names),
        stream_prefix_(source.log_stream_name_prefix),
        filter_pattern_(source.filter_pattern),
        parse_envelopes_(source.parse_envelopes),
        page_limit_(page_limit) {
    // A group named by ARN may live in another account (cross-account
    // observability): its events belong to the ARN's account.
    aws::Arn arn;
    if (IsLogGroupArn(group_) && aws::ParseArn(group_, &arn)) arn_account_ = arn.account;
  }

  std::string Key() const override { return fmt::format("cloudwatch:{}:{}", region_, group_); }

  Status Read(int64_t start_ms, int64_t end_ms,
              const std::function<Status(std::vector<model::LogRecord>&)>& page) override;

  void Cancel() override { session_->Cancel(); }

 private:
  Status CallError(const Status& s) const;

  std::shared_ptr<Session> session_;
  const std::string region_, group_, group_name_;
  const std::vector<std::string> stream_names_;
  const std::string stream_prefix_, filter_pattern_;
  const bool parse_envelopes_;
  const int page_limit_;
  std::string arn_account_;
};

Status CloudWatchLogsApi::CallError(const Status& s) const {
  if (s.IsFailedPrecondition() &&
      s.message().find("ResourceNotFoundException") != std::string::npos) {
    return Status::NotFound(fmt::format("{} {}: log group {} not found in region {} ({})", kApiName,
                                        region_, group_, region_, s.message()));
  }
  return s.WithContext(fmt::format("{} {}", kApiName, region_));
}

Status CloudWatchLogsApi::Read(int64_t start_ms, int64_t end_ms,
                               const std::function<Status(std::vector<model::LogRecord>&)>& page) {
  if (session_->cancelled()) return Status::Cancelled(fmt::format("{}: cancelled", Key()));
  if (end_ms <= start_ms) return Status::OK();  // an empty window has no events
  const std::string account = !arn_account_.empty() ? arn_account_ : session_->AccountId(region_);

  FilterLogEventsQuery q;
  q.log_group = group_;
  q.log_stream_names = stream_names_;
  q.log_stream_name_prefix = stream_prefix_;
  q.filter_pattern = filter_pattern_;
  q.start_time_ms = start_ms;
  q.end_time_ms = end_ms - 1;  // endTime is inclusive
  q.limit = page_limit_;

  aws::JsonCall call;
  call.api = kApiName;
  call.target_prefix = kLogsTargetPrefix;
  call.json_version = "1.1";
  call.service = kLogsService;
  call.region = region_;

  std::set<std::string> seen_tokens;
  for (int page_no = 0;; ++page_no) {
    if (page_no >= kMaxPages) {
      return Status::Corruption(fmt::format("{} {}: {}: more than {} pages for one window",
                                            kApiName, region_, group_, kMaxPages));
    }
    if (session_->cancelled()) return Status::Cancelled(fmt::format("{}: cancelled", Key()));
    call.body = FilterLogEventsRequest(q);
    Result<std::string> body = session_->Call(call);
    if (!body.ok()) return CallError(body.status());
    Result<FilterLogEventsPage> parsed = ParseFilterLogEventsResponse(*body);
    if (!parsed.ok()) return parsed.status().WithContext(fmt::format("{} {}", kApiName, region_));

    const int64_t observed_ns = session_->NowMs() * 1'000'000;
    std::vector<model::LogRecord> records;
    records.reserve(parsed->events.size());
    for (CloudWatchEvent& e : parsed->events) {
      e.region = region_;
      e.account_id = account;
      e.log_group = group_name_;
      records.push_back(MapCloudWatchEvent(e, parse_envelopes_, observed_ns));
    }
    VIGIL_RETURN_IF_ERROR(page(records));

    if (parsed->next_token.empty()) return Status::OK();
    if (!seen_tokens.insert(parsed->next_token).second) {
      return Status::Corruption(
          fmt::format("{} {}: {}: the server returned nextToken \"{}\" twice (a paging loop)",
                      kApiName, region_, group_, parsed->next_token));
    }
    q.next_token = std::move(parsed->next_token);
  }
}

}  // namespace

bool IsLogGroupArn(std::string_view group) {
  aws::Arn arn;
  return aws::ParseArn(group, &arn) && arn.service == "logs" &&
         arn.resource.rfind("log-group:", 0) == 0;
}

std::string LogGroupName(std::string_view group) {
  if (!IsLogGroupArn(group)) return std::string(group);
  group = WithoutWildcard(group);
  size_t pos = group.find(":log-group:");
  return std::string(group.substr(pos + 11));
}

std::string FilterLogEventsRequest(const FilterLogEventsQuery& q) {
  std::string out = "{";
  if (IsLogGroupArn(q.log_group)) {
    out += "\"logGroupIdentifier\": ";
    AppendJsonString(&out, WithoutWildcard(q.log_group));
  } else {
    out += "\"logGroupName\": ";
    AppendJsonString(&out, q.log_group);
  }
  if (!q.log_stream_names.empty()) {
    out += ", \"logStreamNames\": [";
    for (size_t i = 0; i < q.log_stream_names.size(); ++i) {
      if (i > 0) out += ", ";
      AppendJsonString(&out, q.log_stream_names[i]);
    }
    out += "]";
  } else if (!q.log_stream_name_prefix.empty()) {
    out += ", \"logStreamNamePrefix\": ";
    AppendJsonString(&out, q.log_stream_name_prefix);
  }
  out += fmt::format(", \"startTime\": {}, \"endTime\": {}", q.start_time_ms, q.end_time_ms);
  if (!q.filter_pattern.empty()) {
    out += ", \"filterPattern\": ";
    AppendJsonString(&out, q.filter_pattern);
  }
  out += fmt::format(", \"limit\": {}", q.limit);
  if (!q.next_token.empty()) {
    out += ", \"nextToken\": ";
    AppendJsonString(&out, q.next_token);
  }
  out += "}";
  return out;
}

Result<FilterLogEventsPage> ParseFilterLogEventsResponse(std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(body);
  simdjson::dom::element doc;
  simdjson::dom::object root;
  if (parser.parse(padded).get(doc) != simdjson::SUCCESS || doc.get(root) != simdjson::SUCCESS) {
    return Status::Corruption("FilterLogEvents: the answer is not a JSON object");
  }
  FilterLogEventsPage page;
  simdjson::dom::element events;
  if (root.at_key("events").get(events) == simdjson::SUCCESS) {
    simdjson::dom::array arr;
    if (events.get(arr) != simdjson::SUCCESS) {
      return Status::Corruption("FilterLogEvents: `events` is not an array");
    }
    page.events.reserve(arr.size());
    for (simdjson::dom::element item : arr) {
      simdjson::dom::object e;
      if (item.get(e) != simdjson::SUCCESS) continue;
      CloudWatchEvent ev;
      ev.log_stream = StringMember(e, "logStreamName");
      ev.event_id = StringMember(e, "eventId");
      ev.message = StringMember(e, "message");
      ev.timestamp_ms = Int64Member(e, "timestamp");
      ev.ingestion_time_ms = Int64Member(e, "ingestionTime");
      page.events.push_back(std::move(ev));
    }
  }
  page.next_token = StringMember(root, "nextToken");
  return page;
}

Result<std::vector<std::unique_ptr<CloudLogApi>>> NewCloudWatchLogsApis(
    const config::CloudLogSourceConfig& source, const config::AWSCloudConfig& cloud,
    const CloudLogApiDeps& deps) {
  return NewCloudWatchLogsApis(source, cloud, deps, CloudWatchLogsOptions{});
}

Result<std::vector<std::unique_ptr<CloudLogApi>>> NewCloudWatchLogsApis(
    const config::CloudLogSourceConfig& source, const config::AWSCloudConfig& cloud,
    const CloudLogApiDeps& deps, const CloudWatchLogsOptions& opts) {
  const std::string who = fmt::format("cloudwatch_logs source {}", deps.source_name);
  if (cloud.regions.empty()) {
    return Status::InvalidArgument(
        fmt::format("{}: cloud_configs entry {} has no regions", who, cloud.name));
  }
  if (source.log_group_names.empty()) {
    return Status::InvalidArgument(fmt::format("{}: log_group_names is required", who));
  }
  if (!source.log_stream_names.empty() && !source.log_stream_name_prefix.empty()) {
    return Status::InvalidArgument(fmt::format(
        "{}: log_stream_names and log_stream_name_prefix cannot be used together", who));
  }
  if (source.log_stream_names.size() > kMaxStreamNames) {
    return Status::InvalidArgument(fmt::format("{}: at most {} log_stream_names (got {})", who,
                                               kMaxStreamNames, source.log_stream_names.size()));
  }
  if (opts.page_limit < 1 || opts.page_limit > kFilterLogEventsMaxLimit) {
    return Status::InvalidArgument(fmt::format("{}: page limit {} is outside 1..{}", who,
                                               opts.page_limit, kFilterLogEventsMaxLimit));
  }
  std::vector<std::string> regions = source.regions.empty() ? cloud.regions : source.regions;
  for (const std::string& r : regions) {
    if (std::find(cloud.regions.begin(), cloud.regions.end(), r) == cloud.regions.end()) {
      return Status::InvalidArgument(
          fmt::format("{}: region {} is not one of the regions of cloud_configs entry {} ({})", who,
                      r, cloud.name, fmt::join(cloud.regions, ", ")));
    }
  }
  for (const std::string& g : source.log_group_names) {
    if (g.empty()) return Status::InvalidArgument(fmt::format("{}: empty log group name", who));
    aws::Arn arn;
    if (IsLogGroupArn(g) && aws::ParseArn(g, &arn) &&
        std::find(regions.begin(), regions.end(), arn.region) == regions.end()) {
      return Status::InvalidArgument(
          fmt::format("{}: log group {} is in region {}, which is not read ({})", who, g,
                      arn.region, fmt::join(regions, ", ")));
    }
  }

  aws::ChainEnv env = aws::ChainEnv::FromProcess();
  if (!cloud.ca_file.empty()) env.ca_file = cloud.ca_file;
  Result<std::unique_ptr<aws::CredentialsProvider>> creds =
      aws::NewDefaultChain(cloud.credentials, cloud.regions.front(), cloud.endpoint, env);
  if (!creds.ok()) return creds.status().WithContext(fmt::format("{}: credentials", who));
  config::HTTPClientConfig http;
  http.tls_config.ca_file = cloud.ca_file;
  VIGIL_ASSIGN_OR_RETURN(std::unique_ptr<httpclient::Client> client, httpclient::Client::New(http));

  aws::JsonCallerOptions copts;
  copts.endpoint = cloud.endpoint;
  copts.max_attempts = deps.max_attempts;
  copts.request_timeout_ms = cloud.request_timeout_ms > 0 ? cloud.request_timeout_ms : 30'000;
  copts.sleep = deps.sleep;
  copts.now_ms = deps.now_ms;
  auto session = std::make_shared<Session>(deps.source_name, std::move(*creds), std::move(client),
                                           deps.registry, std::move(copts), deps.now_ms);

  std::vector<std::unique_ptr<CloudLogApi>> apis;
  for (const std::string& region : regions) {
    for (const std::string& g : source.log_group_names) {
      // An ARN names one group in one region: it is read there only.
      aws::Arn arn;
      if (IsLogGroupArn(g) && aws::ParseArn(g, &arn) && arn.region != region) continue;
      apis.push_back(
          std::make_unique<CloudWatchLogsApi>(session, source, region, g, opts.page_limit));
    }
  }
  return apis;
}

}  // namespace vigil::cloudlogs
