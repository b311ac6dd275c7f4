#include "api/targets/targets_api.h"

#include <fmt/format.h>

#include <algorithm>
#include <ctime>

#include "api/go_json.h"
#include "api/query/handlers.h"
#include "api/response_json.h"
#include "base/strconv.h"
#include "model/matcher.h"
#include "model/selector.h"

namespace vigil::api::targets {

namespace {

using query::WriteBadData;
using query::WriteData;

// Prometheus' globalUrl: a loopback host is replaced by the machine's name so
// that a link works from elsewhere.
std::string GlobalUrl(const std::string& url, const std::string& hostname) {
  if (hostname.empty()) return url;
  size_t start = url.find("://");
  if (start == std::string::npos) return url;
  start += 3;
  size_t end = url.find_first_of(":/?", start);
  if (end == std::string::npos) end = url.size();
  std::string_view host(url.data() + start, end - start);
  if (host != "localhost" && host != "127.0.0.1" && host != "[::1]") return url;
  return url.substr(0, start) + hostname + url.substr(end);
}

bool Matches(const std::vector<model::Matcher>& ms, const model::Labels& labels) {
  for (const auto& m : ms) {
    if (!m.Matches(labels.Get(m.name()))) return false;
  }
  return true;
}

std::string CloudPool(const CloudTarget& c) { return "cloud/" + c.provider + "/" + c.name; }

class Handlers {
 public:
  explicit Handlers(TargetsApiOptions o) : o_(std::move(o)) {}

  void Targets(const http::Request& req, http::Response* res) {
    std::string_view state = req.Param("state");
    const bool any = state.empty() || state == "any";
    const bool show_active = any || state == "active";
    const bool show_dropped = any || state == "dropped";
    std::vector<std::string> pools_filter = req.ParamValues("scrapePool");
    auto in_pool = [&](const std::string& p) {
      return pools_filter.empty() ||
             std::find(pools_filter.begin(), pools_filter.end(), p) != pools_filter.end();
    };
    std::vector<scrape::ActiveTarget> active;
    if (show_active) active = o_.manager->ActiveTargets();
    std::sort(active.begin(), active.end(), [](const auto& a, const auto& b) {
      return a.pool != b.pool ? a.pool < b.pool : a.labels < b.labels;
    });
    std::vector<CloudTarget> clouds;
    if (show_active && o_.cloud_targets) clouds = o_.cloud_targets();
    std::vector<scrape::DroppedTarget> dropped;
    if (show_dropped) dropped = o_.manager->DroppedTargets();
    WriteData(res, [&](GoJsonWriter& w) {
      w.StartObject();
      w.Key("activeTargets");
      w.StartArray();
      for (const auto& t : active) {
        if (!in_pool(t.pool)) continue;
        w.StartObject();
        w.Key("discoveredLabels");
        WriteLabels(w, t.discovered);
        w.Key("labels");
        WriteLabels(w, t.labels);
        w.KV("scrapePool", t.pool);
        w.KV("scrapeUrl", t.url);
        w.KV("globalUrl", GlobalUrl(t.url, o_.hostname));
        w.KV("lastError", t.status.last_error);
        w.KV("lastScrape", FormatGoTime(t.status.last_scrape_ms));
        w.Key("lastScrapeDuration");
        w.Float(t.status.last_duration_s);
        w.KV("health", scrape::HealthName(t.status.health));
        w.KV("scrapeInterval", FormatPromDuration(t.interval_ms));
        w.KV("scrapeTimeout", FormatPromDuration(t.timeout_ms));
        w.EndObject();
      }
      for (const auto& c : clouds) {
        std::string pool = CloudPool(c);
        if (!in_pool(pool)) continue;
        std::string instance = c.provider + "/" + c.name;
        w.StartObject();
        w.Key("discoveredLabels");
        WriteLabels(w, model::Labels::FromStrings({"__address__", instance, "job", c.name}));
        w.Key("labels");
        WriteLabels(w, model::Labels::FromStrings({"instance", instance, "job", c.name}));
        w.KV("scrapePool", pool);
        w.KV("scrapeUrl", c.url);
        w.KV("globalUrl", GlobalUrl(c.url, o_.hostname));
        w.KV("lastError", c.last_error);
        w.KV("lastScrape", FormatGoTime(c.last_poll_ms));
        w.Key("lastScrapeDuration");
        w.Float(c.last_duration_s);
        w.KV("health", c.health);
        w.KV("scrapeInterval", FormatPromDuration(c.interval_ms));
        w.KV("scrapeTimeout", FormatPromDuration(c.interval_ms));
        w.Key("cloud");
        w.StartObject();
        w.KV("provider", c.provider);
        w.Key("apiCalls");
        w.Uint(c.api_calls);
        w.Key("metricsRequested");
        w.Uint(c.metrics_requested);
        w.Key("estimatedCostUSD");
        w.Float(c.estimated_cost_usd);
        w.Key("samplesLastPoll");
        w.Uint(c.samples_last_poll);
        w.EndObject();
        w.EndObject();
      }
      w.EndArray();
      w.Key("droppedTargets");
      w.StartArray();
      for (const auto& t : dropped) {
        if (!in_pool(t.pool)) continue;
        w.StartObject();
        w.Key("discoveredLabels");
        WriteLabels(w, t.discovered);
        w.KV("scrapePool", t.pool);
        w.EndObject();
      }
      w.EndArray();
      w.Key("droppedTargetCounts");
      if (show_dropped) {
        w.StartObject();
        for (const auto& [pool, n] : o_.manager->DroppedTargetCounts()) {
          if (!in_pool(pool)) continue;
          w.Key(pool);
          w.Uint(n);
        }
        w.EndObject();
      } else {
        w.Null();
      }
      w.EndObject();
    });
  }

  void TargetsMetadata(const http::Request& req, http::Response* res) {
    int64_t limit = -1;
    if (std::string_view l = req.Param("limit"); !l.empty()) {
      auto v = ParseGoInt(l);
      if (!v.ok()) return WriteBadData(res, "limit must be a number");
      limit = *v;
    }
    std::vector<model::Matcher> match;
    if (std::string_view mt = req.Param("match_target"); !mt.empty()) {
      auto parsed = model::ParseSelector(mt);
      if (!parsed.ok()) return WriteBadData(res, parsed.status().message());
      match = std::move(*parsed);
    }
    const std::string metric(req.Param("metric"));
    auto targets = o_.manager->ActiveTargets(/*with_metadata=*/true);
    std::sort(targets.begin(), targets.end(), [](const auto& a, const auto& b) {
      return a.pool != b.pool ? a.pool < b.pool : a.labels < b.labels;
    });
    WriteData(res, [&](GoJsonWriter& w) {
      w.StartArray();
      int64_t n = 0;
      for (const auto& t : targets) {
        if (!Matches(match, t.labels)) continue;
        for (const auto& [family, md] : t.metadata) {
          if (limit >= 0 && n >= limit) break;
          if (!metric.empty() && family != metric) continue;
          w.StartObject();
          w.Key("target");
          WriteLabels(w, t.labels);
          if (metric.empty()) w.KV("metric", family);
          w.KV("type", storage::MetricTypeName(md.type));
          w.KV("help", md.help);
          w.KV("unit", md.unit);
          w.EndObject();
          ++n;
        }
      }
      w.EndArray();
    });
  }

  void ScrapePools(const http::Request&, http::Response* res) {
    auto pools = o_.manager->Pools();
    if (o_.cloud_targets) {
      for (const auto& c : o_.cloud_targets()) pools.push_back(CloudPool(c));
    }
    WriteData(res, [&](GoJsonWriter& w) {
      w.StartObject();
      w.Key("scrapePools");
      w.StartArray();
      for (const auto& p : pools) w.String(p);
      w.EndArray();
      w.EndObject();
    });
  }

 private:
  TargetsApiOptions o_;
};

}  // namespace

std::string FormatGoTime(int64_t ms) {
  if (ms == 0) return "0001-01-01T00:00:00Z";
  time_t secs = static_cast<time_t>(ms / 1000);
  int frac = static_cast<int>(ms % 1000);
  if (frac < 0) {
    frac += 1000;
    --secs;
  }
  struct tm tm;
  gmtime_r(&secs, &tm);
  std::string out = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", tm.tm_year + 1900,
                                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  if (frac != 0) {
    std::string f = fmt::format(".{:03}", frac);
    while (f.back() == '0') f.pop_back();
    out += f;
  }
  out += 'Z';
  return out;
}

void RegisterTargetsApi(http::Router* router, const TargetsApiOptions& options) {
  auto h = std::make_shared<Handlers>(options);
  const std::atomic<bool>* ready = options.ready;
  auto bind = [h, ready](void (Handlers::*fn)(const http::Request&, http::Response*)) {
    return query::WhenReady(
        ready, [h, fn](const http::Request& req, http::Response* res) { ((*h).*fn)(req, res); });
  };
  router->Handle({"GET"}, "/api/v1/targets", bind(&Handlers::Targets));
  router->Handle({"GET"}, "/api/v1/targets/metadata", bind(&Handlers::TargetsMetadata));
  router->Handle({"GET"}, "/api/v1/scrape_pools", bind(&Handlers::ScrapePools));
}

}  // namespace vigil::api::targets
