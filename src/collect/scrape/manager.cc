#include "collect/scrape/manager.h"

#include <fmt/format.h>
#include <unistd.h>

#include <set>

#include "base/logging.h"

namespace vigil::scrape {

struct Manager::Pool {
  config::ScrapeConfig cfg;
  std::shared_ptr<const relabel::Relabeler> relabeler;
  std::shared_ptr<const LoopConfig> loop_cfg;
  std::map<uint64_t, std::unique_ptr<ScrapeLoop>> loops;  // by target hash
  std::vector<DroppedTarget> dropped;
  size_t dropped_count = 0;
  std::vector<config::TargetGroup> groups;  // the last synced
};

namespace {

std::optional<textparse::Format> FormatOf(const std::optional<config::ScrapeProtocol>& p) {
  if (!p.has_value()) return std::nullopt;
  switch (*p) {
    case config::ScrapeProtocol::kOpenMetricsText1_0_0:
    case config::ScrapeProtocol::kOpenMetricsText0_0_1:
      return textparse::Format::kOpenMetrics;
    case config::ScrapeProtocol::kPrometheusText1_0_0:
    case config::ScrapeProtocol::kPrometheusText0_0_4:
      return textparse::Format::kPrometheusText;
    default:
      return std::nullopt;
  }
}

}  // namespace

Manager::Manager(storage::Appendable* storage, metrics::Registry* registry,
                 const ManagerOptions& opts)
    : storage_(storage), registry_(registry), opts_(opts) {
  char host[256] = {0};
  if (gethostname(host, sizeof(host) - 1) == 0) {
    offset_seed_ = model::Labels::FromStrings({"host", host}).Hash();
  }
  discovery_ = discovery::Manager::New([this](const discovery::TargetSets& sets) { Sync(sets); },
                                       registry, opts.discovery);
  targets_gauge_ = registry->NewFunc(metrics::Type::kGauge, "vigil_scrape_targets",
                                     "Targets being scraped, over all jobs.", {}, [this] {
                                       std::lock_guard<std::mutex> lock(mu_);
                                       size_t n = 0;
                                       for (const auto& [name, p] : pools_) n += p->loops.size();
                                       return static_cast<double>(n);
                                     });
}

Manager::~Manager() { Stop(); }

Status Manager::ApplyConfig(const config::Config& cfg) {
  // Compile everything first so that a bad rule changes nothing.
  struct Prepared {
    const config::ScrapeConfig* cfg;
    std::shared_ptr<const relabel::Relabeler> relabeler;
    std::shared_ptr<const LoopConfig> loop_cfg;
  };
  std::vector<Prepared> prepared;
  const bool utf8 = cfg.global.metric_name_validation_scheme != "legacy";
  for (const auto& sc : cfg.scrape_configs) {
    Prepared p{&sc, nullptr, nullptr};
    auto rl = relabel::Relabeler::Compile(sc.relabel_configs, utf8);
    if (!rl.ok())
      return Status::InvalidArgument(fmt::format("job {}: {}", sc.job_name, rl.status().message()));
    auto mrl = relabel::Relabeler::Compile(sc.metric_relabel_configs, utf8);
    if (!mrl.ok())
      return Status::InvalidArgument(
          fmt::format("job {}: {}", sc.job_name, mrl.status().message()));
    p.relabeler = std::move(*rl);
    auto lc = std::make_shared<LoopConfig>();
    lc->append = AppendOptions::FromConfig(sc, std::move(*mrl));
    lc->accept = AcceptHeader(sc.scrape_protocols.empty() ? cfg.global.scrape_protocols
                                                          : sc.scrape_protocols);
    lc->fallback_format = FormatOf(sc.scrape_fallback_protocol);
    lc->body_size_limit = sc.body_size_limit;
    lc->enable_compression = sc.enable_compression;
    lc->http_client = sc.http_client;
    lc->user_agent = opts_.user_agent;
    p.loop_cfg = std::move(lc);
    prepared.push_back(std::move(p));
  }

  std::vector<std::unique_ptr<ScrapeLoop>> removed, replaced;
  std::map<std::string, discovery::JobSD> jobs;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped_) return Status::FailedPrecondition("the scrape manager is stopped");
    std::set<std::string> keep;
    for (auto& p : prepared) {
      const std::string& name = p.cfg->job_name;
      keep.insert(name);
      jobs[name] =
          discovery::JobSD{p.cfg->static_configs, p.cfg->file_sd_configs, p.cfg->http_sd_configs};
      auto it = pools_.find(name);
      if (it != pools_.end() && it->second->cfg == *p.cfg) continue;  // unchanged
      if (it == pools_.end()) it = pools_.emplace(name, std::make_unique<Pool>()).first;
      Pool* pool = it->second.get();
      pool->cfg = *p.cfg;
      pool->relabeler = p.relabeler;
      pool->loop_cfg = p.loop_cfg;
      // Re-derive the targets from the last groups under the new rules;
      // discovery sends fresh groups soon after.
      SyncPoolLocked(pool, pool->groups, &replaced);
    }
    for (auto it = pools_.begin(); it != pools_.end();) {
      if (keep.count(it->first)) {
        ++it;
        continue;
      }
      for (auto& [hash, loop] : it->second->loops) removed.push_back(std::move(loop));
      it = pools_.erase(it);
    }
  }
  StopLoops(std::move(removed), /*mark_stale=*/true);
  StopLoops(std::move(replaced), /*mark_stale=*/true);
  return discovery_->ApplyConfig(jobs);
}

void Manager::SyncPoolLocked(Pool* pool, const std::vector<config::TargetGroup>& groups,
                             std::vector<std::unique_ptr<ScrapeLoop>>* to_stop) {
  pool->groups = groups;
  std::map<uint64_t, TargetSpec> active;
  std::vector<DroppedTarget> dropped;
  size_t dropped_count = 0;
  const uint64_t keep_dropped = pool->cfg.keep_dropped_targets;
  for (const auto& g : groups) {
    for (const auto& t : g.targets) {
      PopulateResult r = PopulateTarget(t, g.labels, pool->cfg, pool->relabeler.get());
      if (r.dropped || !r.error.ok()) {
        if (!r.error.ok()) {
          log::Get("scrape")->warn("job {}: dropping target {}: {}", pool->cfg.job_name,
                                   r.spec.discovered.ToString(), r.error.message());
        }
        ++dropped_count;
        if (keep_dropped == 0 || dropped.size() < keep_dropped) {
          dropped.push_back({pool->cfg.job_name, std::move(r.spec.discovered)});
        }
        continue;
      }
      active.emplace(r.spec.hash, std::move(r.spec));  // duplicates collapse, as in Prometheus
    }
  }
  pool->dropped = std::move(dropped);
  pool->dropped_count = dropped_count;

  Status forced;
  if (pool->cfg.target_limit > 0 && active.size() > pool->cfg.target_limit) {
    forced = Status::ResourceExhausted(
        fmt::format("target_limit exceeded (number of targets: {}, limit: {})", active.size(),
                    pool->cfg.target_limit));
  }
  for (auto it = pool->loops.begin(); it != pool->loops.end();) {
    if (active.count(it->first)) {
      ++it;
      continue;
    }
    it->second->RequestStop();
    to_stop->push_back(std::move(it->second));
    it = pool->loops.erase(it);
  }
  for (auto& [hash, spec] : active) {
    auto it = pool->loops.find(hash);
    if (it != pool->loops.end()) {
      it->second->Update(std::move(spec), pool->loop_cfg);
      it->second->SetForcedError(forced);
      continue;
    }
    auto loop = std::make_unique<ScrapeLoop>(storage_, std::move(spec), pool->loop_cfg,
                                             offset_seed_, registry_);
    loop->SetForcedError(forced);
    loop->Start();
    pool->loops.emplace(hash, std::move(loop));
  }
}

void Manager::Sync(const discovery::TargetSets& sets) {
  std::vector<std::unique_ptr<ScrapeLoop>> to_stop;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped_) return;
    for (const auto& [job, groups] : sets) {
      auto it = pools_.find(job);
      if (it == pools_.end()) continue;
      SyncPoolLocked(it->second.get(), groups, &to_stop);
    }
  }
  StopLoops(std::move(to_stop), /*mark_stale=*/true);
}

void Manager::StopLoops(std::vector<std::unique_ptr<ScrapeLoop>> loops, bool mark_stale) {
  for (auto& l : loops) l->RequestStop();
  for (auto& l : loops) l->Join(mark_stale);
}

void Manager::Stop() {
  if (discovery_) discovery_->Stop();
  std::vector<std::unique_ptr<ScrapeLoop>> all;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopped_ = true;
    for (auto& [name, pool] : pools_) {
      for (auto& [hash, loop] : pool->loops) all.push_back(std::move(loop));
      pool->loops.clear();
    }
  }
  StopLoops(std::move(all), /*mark_stale=*/false);
}

std::vector<std::string> Manager::Pools() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> out;
  for (const auto& [name, p] : pools_) out.push_back(name);
  return out;
}

std::vector<ActiveTarget> Manager::ActiveTargets(bool with_metadata) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<ActiveTarget> out;
  for (const auto& [name, pool] : pools_) {
    for (const auto& [hash, loop] : pool->loops) {
      TargetSpec spec = loop->Target();
      ActiveTarget t;
      t.pool = name;
      t.labels = spec.PublicLabels();
      t.discovered = std::move(spec.discovered);
      t.url = std::move(spec.url);
      t.interval_ms = spec.interval_ms;
      t.timeout_ms = spec.timeout_ms;
      t.status = loop->Status();
      if (with_metadata) t.metadata = loop->Metadata();
      out.push_back(std::move(t));
    }
  }
  return out;
}

std::vector<DroppedTarget> Manager::DroppedTargets() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<DroppedTarget> out;
  for (const auto& [name, pool] : pools_) {
    out.insert(out.end(), pool->dropped.begin(), pool->dropped.end());
  }
  return out;
}

std::map<std::string, size_t> Manager::DroppedTargetCounts() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::map<std::string, size_t> out;
  for (const auto& [name, pool] : pools_) out[name] = pool->dropped_count;
  return out;
}

}  // namespace vigil::scrape
