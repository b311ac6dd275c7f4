#include "collect/cloud/gcp/collector.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <vector>

#include <fmt/format.h>

#include "base/logging.h"
#include "base/time.h"
#include "collect/cloud/gcp/api_call.h"
#include "collect/cloud/gcp/naming.h"
#include "collect/cloud/gcp/timeseries.h"
#include "collect/cloud/gcp/token.h"
#include "collect/httpclient/http_client.h"

namespace vigil::gcp {

namespace {

struct Descriptors {
  int64_t fetched_ms = 0;
  std::vector<MetricDescriptor> list;
};

class GcpCollector final : public cloud::Collector {
 public:
  GcpCollector(const config::GCPCloudConfig& cfg, metrics::Registry* registry,
               const GcpCollectorOptions& opts, std::unique_ptr<httpclient::Client> client,
               std::string credentials_file)
      : cfg_(cfg),
        opts_(opts),
        client_(std::move(client)),
        stats_(registry, "gcp", cfg.name),
        backoff_(opts.backoff_base_ms, opts.backoff_max_ms, opts.backoff_seed),
        tokens_(TokenSource::Options{credentials_file, cfg.token_uri, kMonitoringReadScope,
                                     5 * 60 * 1000, cfg.request_timeout_ms},
                &ctx_) {
    while (!cfg_.endpoint.empty() && cfg_.endpoint.back() == '/') cfg_.endpoint.pop_back();
    ctx_.client = client_.get();
    ctx_.stats = &stats_;
    ctx_.backoff = &backoff_;
    ctx_.cancelled = &cancelled_;
    ctx_.max_attempts = opts.max_attempts;
  }

  Status Init() { return tokens_.Init(); }

  std::string Provider() const override { return "gcp"; }
  std::string Name() const override { return cfg_.name; }

  void Cancel() override {
    cancelled_.store(true);
    client_->Cancel();
  }

  cloud::CollectorHealth Health() const override {
    std::lock_guard<std::mutex> l(mu_);
    cloud::CollectorHealth h = health_;
    h.api_calls = stats_.calls();
    h.metrics_requested = stats_.metrics_requested();
    h.estimated_cost_usd = stats_.cost_usd();
    return h;
  }

  Status Poll(int64_t now_ms, cloud::Sink* sink) override {
    int64_t started = NowMillis();
    uint64_t added = 0;
    Status st = PollAll(now_ms, sink, &added);
    std::lock_guard<std::mutex> l(mu_);
    health_.state =
        st.ok() ? cloud::CollectorHealth::State::kUp : cloud::CollectorHealth::State::kDown;
    health_.last_error = st.ok() ? "" : st.ToString();
    health_.last_poll_ms = now_ms;
    health_.last_duration_ms = NowMillis() - started;
    health_.series_last_poll = added;
    return st;
  }

 private:
  struct Target {
    std::string metric_type;
    std::string unit;  // the descriptor's, when expanded from a prefix
  };

  Status PollAll(int64_t now_ms, cloud::Sink* sink, uint64_t* added) {
    int failed = 0, requests = 0;
    Status first_error;
    auto note = [&](const Status& s) {
      ++requests;
      if (s.ok()) return;
      ++failed;
      if (first_error.ok()) first_error = s;
      log::Get("cloud")->warn("gcp {}: {}", cfg_.name, s.ToString());
    };
    const int64_t end = now_ms - cfg_.delay_ms;
    for (const std::string& project : cfg_.project_ids) {
      for (size_t qi = 0; qi < cfg_.metrics.size(); ++qi) {
        if (cancelled_.load()) return Status::Cancelled("gcp collector cancelled");
        const config::GCPMetricQuery& q = cfg_.metrics[qi];
        std::vector<Target> targets;
        if (!q.type.empty()) {
          targets.push_back({q.type, ""});
        } else {
          auto d = DescriptorsFor(project, q.type_prefix, now_ms);
          if (!d.ok()) {
            if (d.status().IsCancelled()) return d.status();
            note(d.status());
            continue;
          }
          for (const MetricDescriptor& md : (*d)->list) {
            // Series of these types are never exported: do not pay for them.
            if (md.value_type == "STRING" || md.value_type == "MONEY") continue;
            targets.push_back({md.type, md.unit});
          }
        }
        for (const Target& t : targets) {
          if (cancelled_.load()) return Status::Cancelled("gcp collector cancelled");
          std::string key = fmt::format("{}\x1f{}\x1f{}", project, qi, t.metric_type);
          int64_t start = end - cfg_.lookback_ms;
          if (auto it = last_end_.find(key); it != last_end_.end()) {
            // Continue from the last end, but never ask for more than a
            // lookback plus a poll interval (after a long outage).
            start = std::max(it->second, end - cfg_.lookback_ms - cfg_.poll_interval_ms);
          }
          if (start >= end) continue;
          Status s = FetchSeries(project, q, t, start, end, sink, added);
          if (s.IsCancelled()) return s;
          note(s);
          if (s.ok()) {
            last_end_[key] = end;
          } else {
            // The next poll asks for this window again (emplace: a later
            // failure keeps the earliest start).
            last_end_.emplace(key, start);
          }
        }
      }
    }
    if (failed > 0) {
      return Status::Unavailable(fmt::format("{} of {} requests failed; first: {}", failed,
                                             requests, first_error.ToString()));
    }
    return Status::OK();
  }

  // GET with the bearer token; one new token and retry on 401.
  Result<httpclient::Response> AuthorizedGet(const std::string& url, std::string_view api) {
    for (int attempt = 0;; ++attempt) {
      // Token lifetimes are the token server's wall clock, whatever time
      // the poll is for (the JWT's iat must be close to Google's clock).
      VIGIL_ASSIGN_OR_RETURN(std::string token, tokens_.Token(NowMillis()));
      httpclient::Request req;
      req.url = url;
      req.timeout_ms = cfg_.request_timeout_ms;
      req.max_body_bytes = 256u << 20;
      req.headers = {{"Authorization", "Bearer " + token}, {"Accept", "application/json"}};
      VIGIL_ASSIGN_OR_RETURN(httpclient::Response resp, CallWithRetries(ctx_, req, api));
      if (resp.status_code == 401 && attempt == 0) {
        tokens_.Invalidate();
        continue;
      }
      if (resp.status_code < 200 || resp.status_code >= 300) return HttpError(api, resp);
      return resp;
    }
  }

  Result<const Descriptors*> DescriptorsFor(const std::string& project, const std::string& prefix,
                                            int64_t now_ms) {
    std::string key = project + "\x1f" + prefix;
    auto it = descriptors_.find(key);
    if (it != descriptors_.end() && now_ms - it->second.fetched_ms < opts_.descriptor_ttl_ms) {
      return &it->second;
    }
    auto fresh = ListDescriptors(project, prefix, now_ms);
    if (!fresh.ok()) {
      if (it == descriptors_.end() || fresh.status().IsCancelled()) return fresh.status();
      // A failed refresh keeps the poll going on the descriptors we had.
      log::Get("cloud")->warn("gcp {}: {}; using the metric descriptors listed before", cfg_.name,
                              fresh.status().ToString());
      return &it->second;
    }
    auto& slot = descriptors_[key];
    slot = std::move(fresh).value();
    return &slot;
  }

  Result<Descriptors> ListDescriptors(const std::string& project, const std::string& prefix,
                                      int64_t now_ms) {
    Descriptors fresh;
    fresh.fetched_ms = now_ms;
    std::string page_token;
    std::map<std::string, bool> seen;
    for (int page = 0; page < 1000; ++page) {
      std::string url = MetricDescriptorsListUrl(cfg_.endpoint, project, prefix, page_token);
      VIGIL_ASSIGN_OR_RETURN(httpclient::Response resp,
                             AuthorizedGet(url, "metricDescriptors.list"));
      VIGIL_ASSIGN_OR_RETURN(ListMetricDescriptorsResponse parsed,
                             ParseListMetricDescriptorsResponse(resp.body));
      // The same type can come from several (delegated) projects: once each.
      for (auto& d : parsed.metric_descriptors) {
        if (seen.emplace(d.type, true).second) fresh.list.push_back(std::move(d));
      }
      if (parsed.next_page_token.empty()) break;
      page_token = parsed.next_page_token;
    }
    return fresh;
  }

  Status FetchSeries(const std::string& project, const config::GCPMetricQuery& q, const Target& t,
                     int64_t start, int64_t end, cloud::Sink* sink, uint64_t* added) {
    TimeSeriesQuery tq;
    tq.project_id = project;
    tq.metric_type = t.metric_type;
    tq.filter = q.filter;
    tq.start_ms = start;
    tq.end_ms = end;
    tq.aligner = q.aligner;
    tq.reducer = q.reducer;
    tq.group_by_fields = q.group_by_fields;
    tq.alignment_period_ms =
        q.alignment_period_ms > 0 ? q.alignment_period_ms : cfg_.poll_interval_ms;
    tq.page_size = opts_.page_size;
    std::vector<ConvertedSample> samples;
    // Pages are converted as they come, but added only when the last page
    // is in: a failed query adds nothing and is asked again next poll.
    for (int page = 0; page < 10'000; ++page) {
      VIGIL_ASSIGN_OR_RETURN(
          httpclient::Response resp,
          AuthorizedGet(TimeSeriesListUrl(cfg_.endpoint, tq), "timeSeries.list"));
      auto parsed = ParseListTimeSeriesResponse(resp.body);
      if (!parsed.ok()) return parsed.status();
      for (const std::string& e : parsed->execution_errors) {
        log::Get("cloud")->warn("gcp {}: timeSeries.list {}: execution error: {}", cfg_.name,
                                t.metric_type, e);
      }
      uint64_t n = parsed->time_series.size();
      stats_.MetricsRequested(ctx_.region, n,
                              static_cast<double>(n) * opts_.cost_per_million_series / 1e6);
      for (const TimeSeries& ts : parsed->time_series) {
        TimeSeries copy;
        const TimeSeries* use = &ts;
        if (ts.unit.empty() && !parsed->unit.empty()) {
          copy = ts;
          copy.unit = parsed->unit;
          use = &copy;
        }
        ConvertTimeSeries(*use, t.unit, project, &samples);
      }
      if (parsed->next_page_token.empty()) break;
      tq.page_token = parsed->next_page_token;
    }
    for (const ConvertedSample& s : samples) sink->Add(s.labels, s.t_ms, s.v);
    *added += samples.size();
    return Status::OK();
  }

  config::GCPCloudConfig cfg_;
  GcpCollectorOptions opts_;
  std::unique_ptr<httpclient::Client> client_;
  cloud::ApiStats stats_;
  cloud::Backoff backoff_;
  std::atomic<bool> cancelled_{false};
  CallContext ctx_;
  TokenSource tokens_;
  // Poll-thread state.
  std::map<std::string, int64_t> last_end_;  // project, query, type -> end of the last window
  std::map<std::string, Descriptors> descriptors_;
  // Health.
  mutable std::mutex mu_;
  cloud::CollectorHealth health_;
};

Status Validate(const config::GCPCloudConfig& cfg) {
  if (cfg.name.empty()) return Status::InvalidArgument("gcp: name is required");
  auto bad = [&cfg](std::string_view msg) {
    return Status::InvalidArgument(fmt::format("gcp {}: {}", cfg.name, msg));
  };
  if (cfg.project_ids.empty()) return bad("project_ids is required");
  if (cfg.metrics.empty()) return bad("metrics is required");
  for (const auto& m : cfg.metrics) {
    if (m.type.empty() == m.type_prefix.empty())
      return bad("each metric needs exactly one of type, type_prefix");
  }
  if (cfg.endpoint.empty()) return bad("endpoint is empty");
  if (cfg.poll_interval_ms <= 0) return bad("poll_interval must be positive");
  if (cfg.lookback_ms <= 0) return bad("lookback must be positive");
  if (cfg.delay_ms < 0) return bad("delay must not be negative");
  return Status::OK();
}

}  // namespace

Result<std::unique_ptr<cloud::Collector>> NewGcpCollector(const config::GCPCloudConfig& cfg,
                                                          metrics::Registry* registry) {
  return NewGcpCollector(cfg, registry, GcpCollectorOptions{});
}

Result<std::unique_ptr<cloud::Collector>> NewGcpCollector(const config::GCPCloudConfig& cfg,
                                                          metrics::Registry* registry,
                                                          const GcpCollectorOptions& opts) {
  VIGIL_RETURN_IF_ERROR(Validate(cfg));
  auto file = ResolveCredentialsFile(cfg.credentials_file);
  if (!file.ok()) return file.status().WithContext("gcp " + cfg.name);
  config::HTTPClientConfig http;
  http.tls_config.ca_file = cfg.ca_file;
  VIGIL_ASSIGN_OR_RETURN(std::unique_ptr<httpclient::Client> client, httpclient::Client::New(http));
  auto c = std::make_unique<GcpCollector>(cfg, registry, opts, std::move(client), *file);
  Status st = c->Init();
  if (!st.ok()) return st.WithContext("gcp " + cfg.name);
  return std::unique_ptr<cloud::Collector>(std::move(c));
}

}  // namespace vigil::gcp
