#include "collect/cloud/aws/collector.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <re2/re2.h>

#include "base/logging.h"
#include "base/time.h"
#include "collect/cloud/aws/cloudwatch.h"
#include "collect/cloud/aws/json_protocol.h"
#include "collect/cloud/aws/naming.h"
#include "collect/cloud/aws/tagging.h"
#include "collect/httpclient/http_client.h"
#include "model/labels.h"

namespace vigil::aws {

namespace {

// Guards against a server that never stops paginating.
constexpr int kMaxPages = 1000;

// A CloudWatch call in JSON 1.0 with the query-compatibility header, as
// botocore 1.43 sends it.
JsonCall CloudWatchCall(std::string api, const std::string& region, std::string body) {
  JsonCall call;
  call.api = std::move(api);
  call.target_prefix = kCloudWatchTargetPrefix;
  call.json_version = "1.0";
  call.query_mode = true;
  call.service = kCloudWatchService;
  call.region = region;
  call.body = std::move(body);
  return call;
}

struct Target {
  MetricId metric;
  size_t metric_cfg = 0;  // index into the job's metrics
  int resource = -1;      // index into Discovery::resources, -1 = none
  model::Labels base;     // every label but __name__
};

struct Discovery {
  bool valid = false;
  int64_t at_ms = 0;
  std::vector<TaggedResource> resources;
  std::vector<Target> targets;
};

// A job's settings as they apply to one of its metrics.
struct MetricSettings {
  std::vector<std::string> statistics;
  int64_t period_ms, length_ms, delay_ms;
  bool nil_to_zero, add_cloudwatch_timestamp;
};

// One query to make: a statistic of a discovered metric.
struct Pending {
  const Target* target;
  std::string stat;
  std::string metric_name;  // the series name
  bool nil_to_zero, add_cloudwatch_timestamp;
};
// Queries of one window (period, length, delay) share calls, across the jobs
// of a region.
using QueriesByWindow = std::map<std::tuple<int64_t, int64_t, int64_t>, std::vector<Pending>>;

MetricSettings SettingsOf(const config::AWSDiscoveryJob& job, const config::AWSMetricConfig& m) {
  MetricSettings s;
  s.statistics = !m.statistics.empty() ? m.statistics : job.statistics;
  if (s.statistics.empty()) s.statistics = {"Average"};
  s.period_ms = m.period_ms.value_or(job.period_ms);
  s.length_ms = m.length_ms.value_or(job.length_ms);
  s.delay_ms = m.delay_ms.value_or(job.delay_ms);
  s.nil_to_zero = m.nil_to_zero.value_or(job.nil_to_zero);
  s.add_cloudwatch_timestamp = m.add_cloudwatch_timestamp.value_or(job.add_cloudwatch_timestamp);
  return s;
}

std::string JobNamespace(const config::AWSDiscoveryJob& job) {
  return job.namespace_.empty() ? NamespaceForType(job.type) : job.namespace_;
}

class AwsCollector : public cloud::Collector {
 public:
  AwsCollector(const config::AWSCloudConfig& cfg, metrics::Registry* registry,
               std::unique_ptr<CredentialsProvider> creds,
               std::unique_ptr<httpclient::Client> client,
               std::vector<std::vector<std::unique_ptr<RE2>>> search_res,
               const AwsCollectorOptions& opts)
      : cfg_(cfg),
        opts_(opts),
        creds_(std::move(creds)),
        client_(std::move(client)),
        search_res_(std::move(search_res)),
        stats_(registry, "aws", cfg.name),
        backoff_(opts.backoff_base_ms, opts.backoff_max_ms, opts.backoff_seed),
        caller_(
            client_.get(), [this](int64_t now_ms) { return creds_->Get(now_ms); }, &stats_,
            &backoff_, CallerOptions(cfg, opts)) {}

  std::string Provider() const override { return "aws"; }
  std::string Name() const override { return cfg_.name; }

  Status Poll(int64_t now_ms, cloud::Sink* sink) override;

  void Cancel() override { caller_.Cancel(); }

  cloud::CollectorHealth Health() const override {
    std::lock_guard<std::mutex> l(mu_);
    cloud::CollectorHealth h = health_;
    h.api_calls = stats_.calls();
    h.metrics_requested = stats_.metrics_requested();
    h.estimated_cost_usd = stats_.cost_usd();
    return h;
  }

 private:
  static JsonCallerOptions CallerOptions(const config::AWSCloudConfig& cfg,
                                         const AwsCollectorOptions& opts) {
    JsonCallerOptions o;
    o.endpoint = cfg.endpoint;
    o.max_attempts = opts.max_attempts;
    o.request_timeout_ms = cfg.request_timeout_ms > 0 ? cfg.request_timeout_ms : 30'000;
    o.sleep = opts.sleep;
    return o;
  }

  Result<Discovery> Discover(size_t job_index, const std::string& region, int64_t now_ms);
  Status ListResources(size_t job_index, const std::string& region,
                       std::vector<TaggedResource>* out);
  void LearnAccount(const Discovery& d, const std::string& region, bool need);
  void CollectQueries(size_t job_index, const Discovery& d, QueriesByWindow* by_window);
  void FetchQueries(const std::string& region, const QueriesByWindow& by_window, int64_t now_ms,
                    cloud::Sink* sink, std::vector<Status>* errors, uint64_t* series);
  void EmitInfo(size_t job_index, const Discovery& d, int64_t now_ms, cloud::Sink* sink,
                uint64_t* series);

  config::AWSCloudConfig cfg_;
  AwsCollectorOptions opts_;
  std::unique_ptr<CredentialsProvider> creds_;
  std::unique_ptr<httpclient::Client> client_;
  std::vector<std::vector<std::unique_ptr<RE2>>> search_res_;  // [job][search tag]
  cloud::ApiStats stats_;
  cloud::Backoff backoff_;
  JsonCaller caller_;

  std::map<std::pair<size_t, std::string>, Discovery> discovery_;  // (job, region)
  std::string account_id_;
  int64_t sts_failed_at_ms_ = -1;

  mutable std::mutex mu_;
  cloud::CollectorHealth health_;
};

Status AwsCollector::ListResources(size_t job_index, const std::string& region,
                                   std::vector<TaggedResource>* out) {
  const config::AWSDiscoveryJob& job = cfg_.discovery[job_index];
  std::string ns = JobNamespace(job);
  std::vector<std::string> filters = ResourceTypeFilters(ns);
  if (filters.empty() && job.search_tags.empty()) return Status::OK();  // nothing to ask for
  std::vector<std::string> keys;
  for (const auto& t : job.search_tags) {
    if (std::find(keys.begin(), keys.end(), t.key) == keys.end()) keys.push_back(t.key);
  }
  std::string token;
  std::set<std::string> seen_tokens;
  for (int page_no = 0; page_no < kMaxPages; ++page_no) {
    JsonCall call;
    call.api = "GetResources";
    call.target_prefix = kTaggingTargetPrefix;
    call.json_version = "1.1";
    call.service = kTaggingService;
    call.region = region;
    call.body = GetResourcesRequest(filters, keys, token);
    VIGIL_ASSIGN_OR_RETURN(std::string body, caller_.Call(call));
    VIGIL_ASSIGN_OR_RETURN(GetResourcesPage page, ParseGetResourcesResponse(body));
    for (TaggedResource& r : page.resources) {
      bool match = true;
      for (size_t i = 0; i < job.search_tags.size() && match; ++i) {
        const std::string* v = r.Tag(job.search_tags[i].key);
        match = v != nullptr && RE2::FullMatch(*v, *search_res_[job_index][i]);
      }
      if (match) out->push_back(std::move(r));
    }
    if (page.pagination_token.empty() || !seen_tokens.insert(page.pagination_token).second) {
      break;
    }
    token = std::move(page.pagination_token);
  }
  return Status::OK();
}

void AwsCollector::LearnAccount(const Discovery& d, const std::string& region, bool need) {
  if (!account_id_.empty()) return;
  for (const auto& r : d.resources) {
    Arn arn;
    if (ParseArn(r.arn, &arn) && !arn.account.empty()) {
      account_id_ = arn.account;
      return;
    }
  }
  if (!need || caller_.cancelled()) return;
  // No ARN told us: ask STS, at most once per discovery interval.
  int64_t now = NowMillis();
  if (sts_failed_at_ms_ >= 0 && now - sts_failed_at_ms_ < opts_.discovery_interval_ms) return;
  Result<std::string> account = caller_.GetCallerIdentityAccount(region);
  if (account.ok()) {
    account_id_ = *account;
  } else {
    sts_failed_at_ms_ = now;
    log::Get("cloud")->warn("aws collector {}: account id unknown: GetCallerIdentity {}: {}",
                            cfg_.name, region, account.status().message());
  }
}

Result<Discovery> AwsCollector::Discover(size_t job_index, const std::string& region,
                                         int64_t now_ms) {
  const config::AWSDiscoveryJob& job = cfg_.discovery[job_index];
  std::string ns = JobNamespace(job);
  Discovery d;
  d.at_ms = now_ms;
  VIGIL_RETURN_IF_ERROR(
      ListResources(job_index, region, &d.resources).WithContext("GetResources " + region));

  // (dimension, value) -> resource, by the namespace's rules.
  const std::vector<DimensionRule>& rules = DimensionRules(ns);
  std::map<std::pair<std::string, std::string>, int> by_dimension;
  for (size_t i = 0; i < d.resources.size(); ++i) {
    Arn arn;
    if (!ParseArn(d.resources[i].arn, &arn)) continue;
    for (const DimensionRule& rule : rules) {
      std::string value;
      if (DimensionOfArn(rule, arn, &value)) {
        by_dimension.emplace(std::make_pair(std::string(rule.dimension), value),
                             static_cast<int>(i));
      }
    }
  }
  LearnAccount(d, region, job.search_tags.empty() && !rules.empty());
  std::string partition = PartitionOfRegion(region);

  std::set<std::string> listed_names;
  for (size_t mi = 0; mi < job.metrics.size(); ++mi) {
    const config::AWSMetricConfig& mc = job.metrics[mi];
    if (!listed_names.insert(mc.name).second) continue;  // listed already
    std::string token;
    std::set<std::string> seen_tokens;
    for (int page_no = 0; page_no < kMaxPages; ++page_no) {
      JsonCall call = CloudWatchCall(
          "ListMetrics", region, ListMetricsRequest(ns, mc.name, job.recently_active_only, token));
      Result<std::string> body = caller_.Call(call);
      if (!body.ok()) return body.status().WithContext("ListMetrics " + region);
      Result<ListMetricsPage> page = ParseListMetricsResponse(*body);
      if (!page.ok()) return page.status().WithContext("ListMetrics " + region);
      for (MetricId& m : page->metrics) {
        if (m.name != mc.name || (!m.ns.empty() && m.ns != ns)) continue;
        if (m.ns.empty()) m.ns = ns;
        if (!job.dimension_name_requirements.empty()) {
          std::set<std::string> want(job.dimension_name_requirements.begin(),
                                     job.dimension_name_requirements.end());
          std::set<std::string> have;
          for (const auto& dim : m.dimensions) have.insert(dim.name);
          if (want != have) continue;
        }
        // Tie the metric to a resource by the first rule whose dimension it
        // has.
        int resource = -1;
        const DimensionRule* unmatched = nullptr;
        std::string unmatched_value;
        for (const DimensionRule& rule : rules) {
          auto dim = std::find_if(m.dimensions.begin(), m.dimensions.end(),
                                  [&](const Dimension& x) { return x.name == rule.dimension; });
          if (dim == m.dimensions.end()) continue;
          auto it = by_dimension.find({dim->name, dim->value});
          if (it != by_dimension.end()) {
            resource = it->second;
            break;
          }
          if (unmatched == nullptr) {
            unmatched = &rule;
            unmatched_value = dim->value;
          }
        }
        std::string name_label = "global";
        if (resource >= 0) {
          name_label = d.resources[resource].arn;
        } else if (unmatched != nullptr) {
          if (!job.search_tags.empty()) continue;  // a resource without the wanted tags
          name_label = ArnOfDimension(*unmatched, partition, region, account_id_, unmatched_value);
        }
        model::LabelsBuilder b;
        b.Set("name", name_label);
        b.Set("region", region);
        b.Set("account_id", account_id_);
        for (const auto& dim : m.dimensions) b.Set(DimensionLabel(dim.name), dim.value);
        if (resource >= 0) {
          for (const auto& key : job.exported_tags) {
            if (const std::string* v = d.resources[resource].Tag(key)) b.Set(TagLabel(key), *v);
          }
        }
        Target t;
        t.metric = std::move(m);
        t.metric_cfg = mi;
        t.resource = resource;
        t.base = b.Build();
        d.targets.push_back(std::move(t));
      }
      if (page->next_token.empty() || !seen_tokens.insert(page->next_token).second) break;
      token = std::move(page->next_token);
    }
  }
  d.valid = true;
  return d;
}

void AwsCollector::EmitInfo(size_t job_index, const Discovery& d, int64_t now_ms, cloud::Sink* sink,
                            uint64_t* series) {
  const config::AWSDiscoveryJob& job = cfg_.discovery[job_index];
  std::string name = InfoMetricName(JobNamespace(job));
  for (const TaggedResource& r : d.resources) {
    model::LabelsBuilder b;
    b.Set(model::kMetricName, name);
    b.Set("name", r.arn);
    for (const auto& key : job.exported_tags) {
      if (const std::string* v = r.Tag(key)) b.Set(TagLabel(key), *v);
    }
    sink->Add(b.Build(), now_ms, 0);
    ++*series;
  }
}

void AwsCollector::CollectQueries(size_t job_index, const Discovery& d,
                                  QueriesByWindow* by_window) {
  const config::AWSDiscoveryJob& job = cfg_.discovery[job_index];
  std::vector<MetricSettings> settings;
  settings.reserve(job.metrics.size());
  for (const auto& mc : job.metrics) settings.push_back(SettingsOf(job, mc));
  std::string ns = JobNamespace(job);
  for (const Target& t : d.targets) {
    // Every config entry of that metric name (a name may be listed twice
    // with different statistics or periods).
    for (size_t mi = 0; mi < job.metrics.size(); ++mi) {
      if (job.metrics[mi].name != t.metric.name) continue;
      const MetricSettings& s = settings[mi];
      auto& list = (*by_window)[{s.period_ms, s.length_ms, s.delay_ms}];
      for (const auto& stat : s.statistics) {
        list.push_back(Pending{&t, stat, MetricName(ns, t.metric.name, stat), s.nil_to_zero,
                               s.add_cloudwatch_timestamp});
      }
    }
  }
}

void AwsCollector::FetchQueries(const std::string& region, const QueriesByWindow& by_window,
                                int64_t now_ms, cloud::Sink* sink, std::vector<Status>* errors,
                                uint64_t* series) {
  size_t per_call = static_cast<size_t>(std::clamp(cfg_.metrics_per_query, 1, kMaxQueriesPerCall));
  for (const auto& [key, pending] : by_window) {
    auto [period_ms, length_ms, delay_ms] = key;
    MetricWindow w = ComputeWindow(now_ms, period_ms, length_ms, delay_ms);
    for (size_t begin = 0; begin < pending.size(); begin += per_call) {
      if (caller_.cancelled()) return;
      size_t end = std::min(pending.size(), begin + per_call);
      std::vector<MetricDataQuery> queries;
      queries.reserve(end - begin);
      for (size_t i = begin; i < end; ++i) {
        MetricDataQuery q;
        q.id = fmt::format("id_{}", i - begin);
        q.metric = pending[i].target->metric;
        q.period_s = period_ms / 1000;
        q.stat = pending[i].stat;
        queries.push_back(std::move(q));
      }
      struct Latest {
        bool found = false;
        int64_t t_ms = 0;
        double v = 0;
      };
      std::vector<Latest> latest(queries.size());
      bool complete = true;
      std::string token;
      std::set<std::string> seen_tokens;
      for (int page_no = 0; page_no < kMaxPages; ++page_no) {
        JsonCall call = CloudWatchCall("GetMetricData", region,
                                       GetMetricDataRequest(queries, w.start_ms, w.end_ms, token));
        Result<std::string> body = caller_.Call(call);
        if (!body.ok()) {
          if (!body.status().IsCancelled()) {
            errors->push_back(body.status().WithContext("GetMetricData " + region));
          }
          complete = false;
          break;
        }
        if (page_no == 0) {
          stats_.MetricsRequested(
              region, queries.size(),
              static_cast<double>(queries.size()) * cfg_.cost_per_1000_metrics / 1000.0);
        }
        Result<GetMetricDataPage> page = ParseGetMetricDataResponse(*body);
        if (!page.ok()) {
          errors->push_back(page.status().WithContext("GetMetricData " + region));
          complete = false;
          break;
        }
        for (const MetricDataResult& r : page->results) {
          if (r.id.rfind("id_", 0) != 0 || r.id.size() > 12) continue;
          size_t idx = 0;
          bool digits = r.id.size() > 3;
          for (size_t i = 3; i < r.id.size() && digits; ++i) {
            digits = r.id[i] >= '0' && r.id[i] <= '9';
            if (digits) idx = idx * 10 + static_cast<size_t>(r.id[i] - '0');
          }
          if (!digits || idx >= latest.size()) continue;
          for (size_t i = 0; i < r.values.size(); ++i) {
            Latest& l = latest[idx];
            if (!l.found || r.timestamps_ms[i] > l.t_ms) {
              l.found = true;
              l.t_ms = r.timestamps_ms[i];
              l.v = r.values[i];
            }
          }
        }
        if (page->next_token.empty() || !seen_tokens.insert(page->next_token).second) break;
        token = std::move(page->next_token);
      }
      for (size_t i = 0; i < queries.size(); ++i) {
        const Pending& p = pending[begin + i];
        const Latest& l = latest[i];
        if (!l.found && (!p.nil_to_zero || !complete)) continue;
        int64_t t = l.found && p.add_cloudwatch_timestamp ? l.t_ms : now_ms;
        sink->Add(p.target->base.With(model::kMetricName, p.metric_name), t, l.found ? l.v : 0);
        ++*series;
      }
    }
  }
}

Status AwsCollector::Poll(int64_t now_ms, cloud::Sink* sink) {
  auto started = std::chrono::steady_clock::now();
  std::vector<Status> errors;
  uint64_t series = 0;
  bool cancelled = false;
  for (const std::string& region : cfg_.regions) {
    QueriesByWindow queries;
    for (size_t j = 0; j < cfg_.discovery.size() && !cancelled; ++j) {
      if (caller_.cancelled()) {
        cancelled = true;
        break;
      }
      Discovery& d = discovery_[{j, region}];
      if (!d.valid || now_ms - d.at_ms >= opts_.discovery_interval_ms || now_ms < d.at_ms) {
        Result<Discovery> fresh = Discover(j, region, now_ms);
        if (fresh.ok()) {
          d = std::move(fresh).value();
        } else if (fresh.status().IsCancelled() || caller_.cancelled()) {
          cancelled = true;
          break;
        } else {
          // Keep polling what was discovered before, if anything.
          errors.push_back(fresh.status());
          if (!d.valid) continue;
        }
      }
      EmitInfo(j, d, now_ms, sink, &series);
      CollectQueries(j, d, &queries);
    }
    if (!cancelled) FetchQueries(region, queries, now_ms, sink, &errors, &series);
    if (cancelled) break;
  }
  if (caller_.cancelled()) cancelled = true;
  Status result;
  if (cancelled) {
    result = Status::Cancelled("poll cancelled");
  } else if (!errors.empty()) {
    std::string msg = errors.front().message();
    if (errors.size() > 1) msg += fmt::format(" (and {} more errors)", errors.size() - 1);
    // Transient (throttling, 5xx, transport) or not (credentials, bad data).
    result =
        errors.front().IsUnavailable() ? Status::Unavailable(msg) : Status::FailedPrecondition(msg);
  }
  int64_t duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::steady_clock::now() - started)
                            .count();
  {
    std::lock_guard<std::mutex> l(mu_);
    health_.state =
        result.ok() ? cloud::CollectorHealth::State::kUp : cloud::CollectorHealth::State::kDown;
    health_.last_error = result.ok() ? "" : result.message();
    health_.last_poll_ms = now_ms;
    health_.last_duration_ms = duration_ms;
    health_.series_last_poll = series;
  }
  return result;
}

Status ValidateConfig(const config::AWSCloudConfig& cfg) {
  if (cfg.regions.empty()) return Status::InvalidArgument("aws " + cfg.name + ": no regions");
  if (cfg.discovery.empty()) {
    return Status::InvalidArgument("aws " + cfg.name + ": no discovery jobs");
  }
  for (const auto& job : cfg.discovery) {
    std::string where = fmt::format("aws {}: job {}", cfg.name, job.type);
    if (JobNamespace(job).empty()) return Status::InvalidArgument(where + ": no type/namespace");
    if (job.metrics.empty()) return Status::InvalidArgument(where + ": no metrics");
    for (const auto& m : job.metrics) {
      if (m.name.empty()) return Status::InvalidArgument(where + ": a metric without a name");
      MetricSettings s = SettingsOf(job, m);
      for (const auto& stat : s.statistics) {
        if (!IsValidStatistic(stat)) {
          return Status::InvalidArgument(
              fmt::format("{}: metric {}: unknown statistic \"{}\"", where, m.name, stat));
        }
      }
      if (s.period_ms <= 0 || s.period_ms % 1000 != 0) {
        return Status::InvalidArgument(fmt::format(
            "{}: metric {}: period must be a positive number of seconds", where, m.name));
      }
      if (s.length_ms < 0 || s.delay_ms < 0) {
        return Status::InvalidArgument(
            fmt::format("{}: metric {}: negative length or delay", where, m.name));
      }
    }
  }
  return Status::OK();
}

}  // namespace

Result<std::unique_ptr<cloud::Collector>> NewAwsCollector(
    const config::AWSCloudConfig& cfg, metrics::Registry* registry,
    std::unique_ptr<CredentialsProvider> creds) {
  return NewAwsCollector(cfg, registry, std::move(creds), AwsCollectorOptions{});
}

Result<std::unique_ptr<cloud::Collector>> NewAwsCollector(
    const config::AWSCloudConfig& cfg, metrics::Registry* registry,
    std::unique_ptr<CredentialsProvider> creds, const AwsCollectorOptions& opts) {
  VIGIL_RETURN_IF_ERROR(ValidateConfig(cfg));
  std::vector<std::vector<std::unique_ptr<RE2>>> search_res;
  for (const auto& job : cfg.discovery) {
    auto& res = search_res.emplace_back();
    for (const auto& tag : job.search_tags) {
      RE2::Options re_opts;
      re_opts.set_log_errors(false);
      auto re = std::make_unique<RE2>(tag.value, re_opts);
      if (!re->ok()) {
        return Status::InvalidArgument(fmt::format("aws {}: job {}: search tag {}: bad regex: {}",
                                                   cfg.name, job.type, tag.key, re->error()));
      }
      res.push_back(std::move(re));
    }
  }
  if (creds == nullptr) {
    ChainEnv env = ChainEnv::FromProcess();
    if (!cfg.ca_file.empty()) env.ca_file = cfg.ca_file;
    VIGIL_ASSIGN_OR_RETURN(
        creds, NewDefaultChain(cfg.credentials, cfg.regions.front(), cfg.endpoint, env));
  }
  config::HTTPClientConfig http;
  http.tls_config.ca_file = cfg.ca_file;
  VIGIL_ASSIGN_OR_RETURN(std::unique_ptr<httpclient::Client> client, httpclient::Client::New(http));
  return std::unique_ptr<cloud::Collector>(new AwsCollector(
      cfg, registry, std::move(creds), std::move(client), std::move(search_res), opts));
}

}  // namespace vigil::aws
