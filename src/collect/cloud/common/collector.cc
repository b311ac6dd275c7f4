#include "collect/cloud/common/collector.h"

#include <algorithm>

namespace vigil::cloud {

Backoff::Backoff(int64_t base_ms, int64_t max_ms, uint64_t seed)
    : base_ms_(base_ms), max_ms_(max_ms), rng_(seed != 0 ? seed : std::random_device{}()) {}

int64_t Backoff::DelayMs(int attempt, int64_t retry_after_ms) {
  if (retry_after_ms >= 0) return std::min(retry_after_ms, max_ms_);
  int64_t cap = base_ms_;
  for (int i = 0; i < attempt && cap < max_ms_; ++i) cap *= 2;
  cap = std::min(cap, max_ms_);
  std::lock_guard<std::mutex> l(mu_);
  return std::uniform_int_distribution<int64_t>(0, cap)(rng_);
}

ApiStats::ApiStats(metrics::Registry* registry, std::string provider, std::string collector)
    : calls_family_(&registry->CounterFamily(
          "vigil_cloud_api_calls_total",
          "Cloud API calls made by the collectors, by API, region and result "
          "(success, throttled, error).",
          {"provider", "collector", "api", "region", "result"})),
      retries_family_(&registry->CounterFamily("vigil_cloud_api_retries_total",
                                               "Cloud API calls retried after a throttling or "
                                               "server error.",
                                               {"provider", "collector", "api"})),
      requested_family_(&registry->CounterFamily(
          "vigil_cloud_metrics_requested_total",
          "Metrics requested from cloud APIs (what GetMetricData, getBatch and "
          "timeSeries.list are billed by).",
          {"provider", "collector", "region"})),
      cost_(registry
                ->CounterFamily("vigil_cloud_estimated_cost_dollars_total",
                                "Estimated cost of the cloud API calls made, in US dollars, "
                                "at list prices (see docs/cloud.md).",
                                {"provider", "collector"})
                .With({provider, collector})),
      provider_(std::move(provider)),
      collector_(std::move(collector)) {}

void ApiStats::Call(const std::string& api, const std::string& region, const std::string& result) {
  calls_family_->With({provider_, collector_, api, region, result})->Inc();
  calls_.fetch_add(1);
}

void ApiStats::Retry(const std::string& api) {
  retries_family_->With({provider_, collector_, api})->Inc();
}

void ApiStats::MetricsRequested(const std::string& region, uint64_t n, double cost_usd) {
  requested_family_->With({provider_, collector_, region})->Inc(static_cast<double>(n));
  metrics_requested_.fetch_add(n);
  cost_->Inc(cost_usd);
  std::lock_guard<std::mutex> l(mu_);
  cost_usd_ += cost_usd;
}

double ApiStats::cost_usd() const {
  std::lock_guard<std::mutex> l(mu_);
  return cost_usd_;
}

namespace {

bool MetricChar(char c, bool first, bool colon_ok) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_') return true;
  if (c == ':') return colon_ok;
  return !first && c >= '0' && c <= '9';
}

std::string Sanitize(std::string_view s, bool colon_ok) {
  std::string out;
  out.reserve(s.size());
  bool last_replaced = false;
  for (char c : s) {
    if (MetricChar(c, out.empty(), colon_ok)) {
      out += c;
      last_replaced = false;
    } else if (out.empty() && c >= '0' && c <= '9') {
      out += '_';
      out += c;
      last_replaced = false;
    } else if (!last_replaced) {
      out += '_';
      last_replaced = true;
    }
  }
  return out;
}

}  // namespace

std::string SanitizeMetricName(std::string_view s) { return Sanitize(s, true); }
std::string SanitizeLabelName(std::string_view s) { return Sanitize(s, false); }

}  // namespace vigil::cloud
