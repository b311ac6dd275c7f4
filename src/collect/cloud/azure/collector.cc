#include "collect/cloud/azure/collector.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <map>
#include <mutex>
#include <set>
#include <utility>

#include "base/logging.h"
#include "collect/cloud/azure/arm.h"
#include "collect/cloud/azure/batch.h"
#include "collect/cloud/azure/naming.h"
#include "collect/cloud/azure/token.h"
#include "collect/cloud/azure/transport.h"
#include "collect/httpclient/http_client.h"

namespace vigil::cloud {
namespace azure {
namespace {

// One cloud_configs.azure[].resources entry, with its defaults resolved.
struct QueryPlan {
  config::AzureResourceQuery query;
  std::string metric_namespace;
  std::vector<std::string> aggregations;  // as sent
  int64_t interval_ms = 0;
  int64_t timespan_ms = 0;
  std::string timespan_iso;
};

struct Listing {
  int64_t fetched_ms = -1;
  std::vector<Resource> resources;
};

struct Definitions {
  bool fetched = false;
  std::map<std::string, MetricDefinition> by_lower_name;
};

Status SameCode(const Status& like, const std::string& msg) {
  using C = Status::Code;
  switch (like.code()) {
    case C::kCancelled:
      return Status::Cancelled(msg);
    case C::kFailedPrecondition:
      return Status::FailedPrecondition(msg);
    case C::kResourceExhausted:
      return Status::ResourceExhausted(msg);
    case C::kCorruption:
      return Status::Corruption(msg);
    case C::kInvalidArgument:
      return Status::InvalidArgument(msg);
    case C::kDeadlineExceeded:
      return Status::DeadlineExceeded(msg);
    default:
      return Status::Unavailable(msg);
  }
}

// The poll's errors as one Status with the code of the first.
Status Combine(const std::vector<Status>& errors) {
  if (errors.empty()) return Status::OK();
  if (errors.size() == 1) return errors[0];
  std::string msg;
  const size_t shown = std::min<size_t>(errors.size(), 5);
  for (size_t i = 0; i < shown; ++i) {
    if (i > 0) msg += "; ";
    msg += errors[i].message();
  }
  if (errors.size() > shown) msg += fmt::format("; and {} more", errors.size() - shown);
  return SameCode(errors[0], fmt::format("{} errors: {}", errors.size(), msg));
}

class AzureCollector final : public Collector {
 public:
  AzureCollector(config::AzureCloudConfig cfg, metrics::Registry* registry,
                 std::vector<QueryPlan> plans, CollectorOptions opts)
      : cfg_(std::move(cfg)),
        plans_(std::move(plans)),
        opts_(std::move(opts)),
        stats_(registry, "azure", cfg_.name),
        arm_scope_(ArmScopeFor(cfg_.resource_manager_endpoint)),
        metrics_scope_(MetricsScopeFor(cfg_.metrics_endpoint)) {
    ratelimit_ = &registry->GaugeFamily(
        "vigil_cloud_azure_ratelimit_remaining",
        "Requests left in the Azure Resource Manager rate-limit window, from the "
        "x-ms-ratelimit-remaining-* headers of the last response.",
        {"collector", "type"});
  }

  Status Init(std::unique_ptr<httpclient::Client> client, TokenCredentials creds) {
    TransportOptions topts;
    topts.max_attempts = opts_.max_attempts;
    topts.backoff_seed = opts_.backoff_seed;
    topts.sleep = opts_.sleep;
    transport_ = std::make_unique<Transport>(std::move(client), &stats_, std::move(topts));
    tokens_ = std::make_unique<TokenSource>(
        std::move(creds),
        [this](httpclient::Request req) {
          return transport_->Send("token", "", std::move(req), "");
        },
        opts_.clock, cfg_.request_timeout_ms);
    transport_->SetTokenSource(tokens_.get());
    transport_->SetResponseObserver(
        [this](std::string_view, const httpclient::Response& resp) { ObserveRateLimit(resp); });
    return Status::OK();
  }

  std::string Provider() const override { return "azure"; }
  std::string Name() const override { return cfg_.name; }
  void Cancel() override {
    cancelled_.store(true);
    if (transport_) transport_->Cancel();
  }
  CollectorHealth Health() const override {
    std::lock_guard<std::mutex> l(mu_);
    CollectorHealth h = health_;
    h.api_calls = stats_.calls();
    h.metrics_requested = stats_.metrics_requested();
    h.estimated_cost_usd = stats_.cost_usd();
    return h;
  }

  Status Poll(int64_t now_ms, Sink* sink) override {
    const int64_t started = NowMillis();
    std::vector<Status> errors;
    uint64_t samples = 0;
    for (const std::string& sub : cfg_.subscriptions) {
      for (const QueryPlan& plan : plans_) {
        if (cancelled_.load()) break;
        std::vector<const Resource*> resources = Discover(sub, plan, now_ms, &errors);
        if (resources.empty()) continue;
        std::vector<std::string> metrics = CheckedMetrics(plan, *resources[0], &errors);
        if (metrics.empty()) continue;
        PollQuery(sub, plan, resources, metrics, now_ms, sink, &errors, &samples);
      }
    }
    if (cancelled_.load())
      errors.insert(errors.begin(), Status::Cancelled("azure: poll cancelled"));
    Status result = Combine(errors);
    {
      std::lock_guard<std::mutex> l(mu_);
      health_.state = result.ok() ? CollectorHealth::State::kUp : CollectorHealth::State::kDown;
      health_.last_error = result.ok() ? "" : result.message();
      health_.last_poll_ms = now_ms;
      health_.last_duration_ms = NowMillis() - started;
      health_.series_last_poll = samples;
    }
    return result;
  }

 private:
  // The resources of plan in sub, from the ARM listing (cached per
  // subscription and type for discovery_interval_ms; a failed refresh keeps
  // the last listing).
  std::vector<const Resource*> Discover(const std::string& sub, const QueryPlan& plan,
                                        int64_t now_ms, std::vector<Status>* errors) {
    Listing& listing = listings_[{sub, ToLower(plan.query.resource_type)}];
    if (listing.fetched_ms < 0 || now_ms - listing.fetched_ms >= cfg_.discovery_interval_ms ||
        now_ms < listing.fetched_ms) {
      auto list = ListResources(transport_.get(), cfg_.resource_manager_endpoint, sub,
                                plan.query.resource_type, arm_scope_, cfg_.request_timeout_ms);
      if (list.ok()) {
        if (listing.fetched_ms < 0 || list->size() != listing.resources.size()) {
          log::Get("cloud")->info("azure collector {}: {} resources of type {} in subscription {}",
                                  cfg_.name, list->size(), plan.query.resource_type, sub);
        }
        listing.resources = std::move(list).value();
        listing.fetched_ms = now_ms;
      } else if (!list.status().IsCancelled()) {
        errors->push_back(list.status().WithContext(
            fmt::format("discovering {} in subscription {}", plan.query.resource_type, sub)));
      }
    }
    std::vector<const Resource*> out;
    for (const Resource& r : listing.resources) {
      if (!MatchesQuery(r, plan.query)) continue;
      if (!cfg_.regions.empty()) {
        bool in_region = false;
        for (const auto& region : cfg_.regions)
          in_region = in_region || EqualFold(region, r.location);
        if (!in_region) continue;
      }
      out.push_back(&r);
    }
    return out;
  }

  // The metric names of plan that the resource type defines (all of them
  // while the definitions cannot be read); unknown names are an error.
  std::vector<std::string> CheckedMetrics(const QueryPlan& plan, const Resource& sample,
                                          std::vector<Status>* errors) {
    const std::string key =
        ToLower(plan.query.resource_type) + "|" + ToLower(plan.metric_namespace);
    Definitions& defs = definitions_[key];
    if (!defs.fetched) {
      std::string ns = EqualFold(plan.metric_namespace, plan.query.resource_type)
                           ? std::string()
                           : plan.metric_namespace;
      auto list = GetMetricDefinitions(transport_.get(), cfg_.resource_manager_endpoint, sample.id,
                                       ns, arm_scope_, cfg_.request_timeout_ms);
      if (list.ok()) {
        defs.fetched = true;
        for (auto& d : *list) defs.by_lower_name[ToLower(d.name)] = std::move(d);
      } else if (!list.status().IsCancelled()) {
        // Not fatal: poll every configured name and try again next poll.
        errors->push_back(list.status().WithContext(
            fmt::format("metric definitions of {}", plan.query.resource_type)));
      }
    }
    if (!defs.fetched || defs.by_lower_name.empty()) return plan.query.metrics;
    std::vector<std::string> known, unknown;
    for (const auto& m : plan.query.metrics) {
      (defs.by_lower_name.count(ToLower(m)) ? known : unknown).push_back(m);
    }
    if (!unknown.empty()) {
      std::string names;
      for (const auto& u : unknown) names += (names.empty() ? "" : ", ") + fmt::format("{:?}", u);
      std::string some;
      int n = 0;
      for (const auto& [lower, d] : defs.by_lower_name) {
        if (n++ == 10) {
          some += ", ...";
          break;
        }
        some += (some.empty() ? "" : ", ") + fmt::format("{:?}", d.name);
      }
      errors->push_back(Status::InvalidArgument(
          fmt::format("{} (namespace {}) has no metric {} (it has {})", plan.query.resource_type,
                      plan.metric_namespace, names, some)));
    }
    return known;
  }

  std::string UnitOf(const QueryPlan& plan, const std::string& metric) const {
    auto it =
        definitions_.find(ToLower(plan.query.resource_type) + "|" + ToLower(plan.metric_namespace));
    if (it == definitions_.end()) return "";
    auto d = it->second.by_lower_name.find(ToLower(metric));
    return d == it->second.by_lower_name.end() ? "" : d->second.unit;
  }

  void PollQuery(const std::string& sub, const QueryPlan& plan,
                 const std::vector<const Resource*>& resources,
                 const std::vector<std::string>& metrics, int64_t now_ms, Sink* sink,
                 std::vector<Status>* errors, uint64_t* samples) {
    // getBatch takes resources of one region only.
    std::map<std::string, std::vector<const Resource*>> by_region;
    for (const Resource* r : resources) by_region[ToLower(r->location)].push_back(r);
    const size_t width = static_cast<size_t>(std::clamp(cfg_.batch_size, 1, kMaxBatchResources));
    const QueryWindow window =
        ComputeWindow(now_ms, cfg_.delay_ms, plan.interval_ms, plan.timespan_ms);
    for (const auto& [region, group] : by_region) {
      for (size_t i = 0; i < group.size(); i += width) {
        const size_t n = std::min(width, group.size() - i);
        for (size_t m = 0; m < metrics.size(); m += kMaxBatchMetrics) {
          if (cancelled_.load()) return;
          BatchQuery q;
          q.subscription = sub;
          q.region = region;
          q.metric_namespace = plan.metric_namespace;
          q.metric_names.assign(metrics.begin() + m,
                                metrics.begin() + std::min(metrics.size(), m + kMaxBatchMetrics));
          q.aggregations = plan.aggregations;
          q.interval = plan.query.interval;
          q.window = window;
          q.filter = plan.query.filter;
          q.top = plan.query.top;
          for (size_t k = 0; k < n; ++k) q.resource_ids.push_back(group[i + k]->id);
          Status s = RunBatch(
              plan, q, std::vector<const Resource*>(group.begin() + i, group.begin() + i + n),
              now_ms, sink, samples);
          if (!s.ok() && !s.IsCancelled()) errors->push_back(s);
        }
      }
    }
  }

  Status RunBatch(const QueryPlan& plan, const BatchQuery& q,
                  const std::vector<const Resource*>& resources, int64_t now_ms, Sink* sink,
                  uint64_t* samples) {
    httpclient::Request req;
    req.method = "POST";
    req.url = BatchUrl(cfg_.metrics_endpoint, q);
    req.body = BatchBody(q);
    req.timeout_ms = cfg_.request_timeout_ms;
    req.max_body_bytes = 256 << 20;
    req.headers.emplace_back("Accept", "application/json");
    req.headers.emplace_back("Content-Type", "application/json");
    // Billed per metric time series: one per resource and metric name (more
    // with a dimension filter, which this estimate does not know of).
    const uint64_t requested = q.resource_ids.size() * q.metric_names.size();
    stats_.MetricsRequested(q.region, requested,
                            static_cast<double>(requested) / 1000.0 * opts_.cost_per_1000_series);
    auto resp = transport_->Send("getBatch", q.region, std::move(req), metrics_scope_);
    if (!resp.ok()) {
      return resp.status().WithContext(
          fmt::format("{} resources in {} ({})", q.resource_ids.size(), q.region, q.subscription));
    }
    auto parsed = ParseBatchResponse(resp->body);
    if (!parsed.ok()) return parsed.status().WithContext(fmt::format("getBatch in {}", q.region));

    std::map<std::string, const Resource*> by_id;
    for (const Resource* r : resources) by_id[ToLower(r->id)] = r;
    NamingContext naming{cfg_.name_template, cfg_.name, plan.metric_namespace};
    for (const BatchSeries& s : parsed->series) {
      SeriesIdentity id;
      auto it = by_id.find(ToLower(s.resource_id));
      if (it != by_id.end()) {
        const Resource& r = *it->second;
        id.resource_id = r.id;
        id.subscription = r.subscription;
        id.resource_group = r.resource_group;
        id.resource_name = r.name;
        id.resource_type = r.type.empty() ? plan.query.resource_type : r.type;
      } else {
        ResourceId parsed_id = ParseResourceId(s.resource_id);
        id.resource_id = s.resource_id;
        id.subscription = parsed_id.subscription;
        id.resource_group = parsed_id.resource_group;
        id.resource_name = parsed_id.name;
        id.resource_type = plan.query.resource_type;
      }
      id.metric = s.metric;
      id.unit = s.unit.empty() ? UnitOf(plan, s.metric) : s.unit;
      id.interval = plan.query.interval;
      id.timespan = plan.timespan_iso;
      id.dimensions = s.dimensions;
      for (const std::string& agg : plan.aggregations) {
        std::string lower = ToLower(agg);
        auto point = s.latest.find(lower);
        if (point == s.latest.end()) continue;
        id.aggregation = lower;
        sink->Add(SeriesLabels(naming, id), now_ms, point->second.value);
        ++*samples;
      }
    }
    if (!parsed->errors.empty()) {
      std::string msg = parsed->errors[0];
      if (parsed->errors.size() > 1)
        msg += fmt::format(" (and {} more)", parsed->errors.size() - 1);
      return Status::Unavailable(fmt::format("getBatch in {}: {}", q.region, msg));
    }
    return Status::OK();
  }

  void ObserveRateLimit(const httpclient::Response& resp) {
    static constexpr const char* kHeaders[][2] = {
        {"x-ms-ratelimit-remaining-subscription-reads", "subscription-reads"},
        {"x-ms-ratelimit-remaining-tenant-reads", "tenant-reads"},
    };
    for (const auto& [header, type] : kHeaders) {
      std::string v = resp.Header(header);
      if (v.empty()) continue;
      char* end = nullptr;
      double d = std::strtod(v.c_str(), &end);
      if (end != v.c_str()) ratelimit_->With({cfg_.name, type})->Set(d);
    }
  }

  const config::AzureCloudConfig cfg_;
  const std::vector<QueryPlan> plans_;
  const CollectorOptions opts_;
  ApiStats stats_;
  const std::string arm_scope_;
  const std::string metrics_scope_;
  metrics::Family<metrics::Gauge>* ratelimit_;
  std::unique_ptr<Transport> transport_;
  std::unique_ptr<TokenSource> tokens_;
  std::atomic<bool> cancelled_{false};
  // Poll thread only.
  std::map<std::pair<std::string, std::string>, Listing> listings_;
  std::map<std::string, Definitions> definitions_;
  mutable std::mutex mu_;
  CollectorHealth health_;  // guarded by mu_
};

}  // namespace

Result<std::unique_ptr<cloud::Collector>> NewCollector(const config::AzureCloudConfig& cfg,
                                                       metrics::Registry* registry,
                                                       CollectorOptions opts) {
  const std::string where = fmt::format("azure collector {:?}", cfg.name);
  if (cfg.subscriptions.empty()) return Status::InvalidArgument(where + ": no subscriptions");
  if (cfg.resources.empty()) return Status::InvalidArgument(where + ": no resources");
  std::vector<QueryPlan> plans;
  for (const auto& q : cfg.resources) {
    QueryPlan p;
    p.query = q;
    if (q.resource_type.empty())
      return Status::InvalidArgument(where + ": a resources entry has no resource_type");
    if (q.metrics.empty())
      return Status::InvalidArgument(fmt::format("{}: {} has no metrics", where, q.resource_type));
    p.metric_namespace = q.metric_namespace.empty() ? q.resource_type : q.metric_namespace;
    p.aggregations = q.aggregations.empty() ? std::vector<std::string>{"average"} : q.aggregations;
    if (p.query.interval.empty()) p.query.interval = "PT1M";
    auto interval = ParseIsoDuration(p.query.interval);
    if (!interval.ok()) return interval.status().WithContext(where + ": interval");
    p.interval_ms = *interval;
    p.timespan_ms = q.timespan_ms > 0 ? q.timespan_ms : 5 * p.interval_ms;
    p.timespan_iso = FormatIsoDuration(p.timespan_ms);
    plans.push_back(std::move(p));
  }
  GetEnvFn getenv_fn =
      opts.getenv ? opts.getenv : GetEnvFn([](const char* n) { return std::getenv(n); });
  auto creds = ResolveCredentials(cfg, getenv_fn);
  if (!creds.ok()) return creds.status().WithContext(where);

  config::HTTPClientConfig http;
  http.tls_config.ca_file = cfg.ca_file;
  auto client = httpclient::Client::New(http);
  if (!client.ok()) return client.status().WithContext(where);

  auto c = std::make_unique<AzureCollector>(cfg, registry, std::move(plans), std::move(opts));
  VIGIL_RETURN_IF_ERROR(c->Init(std::move(client).value(), std::move(creds).value()));
  return std::unique_ptr<cloud::Collector>(std::move(c));
}

}  // namespace azure

Result<std::unique_ptr<cloud::Collector>> NewAzureCollector(const config::AzureCloudConfig& cfg,
                                                            metrics::Registry* registry) {
  return azure::NewCollector(cfg, registry, azure::CollectorOptions{});
}

}  // namespace vigil::cloud
