#include "collect/cloud/manager/cloud_manager.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <thread>
#include <utility>

#include "base/logging.h"
#include "base/time.h"
#include "model/sample.h"

namespace vigil::cloud {

std::vector<CloudEntry> CloudEntries(const config::CloudConfigs& cfg) {
  std::vector<CloudEntry> out;
  for (const auto& a : cfg.aws) out.push_back({"aws", a.name, a.poll_interval_ms, a});
  for (const auto& a : cfg.azure) out.push_back({"azure", a.name, a.poll_interval_ms, a});
  for (const auto& g : cfg.gcp) out.push_back({"gcp", g.name, g.poll_interval_ms, g});
  return out;
}

std::string PolledEndpoint(const CloudEntry& entry) {
  if (const auto* aws = std::get_if<config::AWSCloudConfig>(&entry.config)) {
    if (!aws->endpoint.empty()) return aws->endpoint;
    return fmt::format("https://monitoring.{}.amazonaws.com",
                       aws->regions.empty() ? "us-east-1" : aws->regions[0]);
  }
  if (const auto* azure = std::get_if<config::AzureCloudConfig>(&entry.config)) {
    return azure->metrics_endpoint;
  }
  if (const auto* gcp = std::get_if<config::GCPCloudConfig>(&entry.config)) return gcp->endpoint;
  return "";
}

namespace {

// The Sink of one poll: every sample goes into the poll's Appender, with
// job=<name> added when the collector did not set one.
class PollSink : public Sink {
 public:
  PollSink(storage::Appender* app, const std::string& job) : app_(app), job_(job) {}

  void Add(const model::Labels& labels, int64_t t_ms, double v) override {
    ++added_;
    storage::AppendResult r;
    if (labels.Has("job")) {
      r = app_->Append(0, labels.View(), t_ms, v);
    } else {
      model::Labels with_job = labels.With("job", job_);
      r = app_->Append(0, with_job.View(), t_ms, v);
    }
    if (!r.ok()) {
      ++rejected_;
      if (first_reject_.empty()) {
        first_reject_ =
            fmt::format("{}: {}{}{}", labels.ToString(), storage::RejectReasonName(r.reject),
                        r.detail.empty() ? "" : ": ", r.detail);
      }
    }
  }

  uint64_t added() const { return added_; }
  uint64_t rejected() const { return rejected_; }
  const std::string& first_reject() const { return first_reject_; }

 private:
  storage::Appender* app_;
  const std::string& job_;
  uint64_t added_ = 0;
  uint64_t rejected_ = 0;
  std::string first_reject_;
};

uint64_t PhaseHash(std::string_view key, uint64_t seed) {
  // FNV-1a: stable across runs and builds, so a collector keeps its phase
  // over restarts.
  uint64_t h = 1469598103934665603ull ^ seed;
  for (unsigned char c : key) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace

// One collector and the thread that polls it. A collector that cannot be
// built (a key file not there yet, a bad environment) is retried at every
// poll slot; until then each slot writes up=0 with the construction error.
class CloudManager::Runner {
 public:
  Runner(CloudEntry entry, Result<std::unique_ptr<Collector>> collector, CollectorFactory factory,
         metrics::Registry* registry, storage::Appendable* storage,
         metrics::Family<metrics::Counter>* polls, const CloudManagerOptions& opts)
      : entry_(std::move(entry)),
        factory_(std::move(factory)),
        registry_(registry),
        storage_(storage),
        polls_(polls),
        instance_(fmt::format("{}/{}", entry_.provider, entry_.name)) {
    if (collector.ok()) {
      collector_ = std::shared_ptr<Collector>(std::move(collector).value());
    } else {
      health_.state = CollectorHealth::State::kDown;
      health_.last_error =
          fmt::format("cannot start the collector: {}", collector.status().message());
      log::Get("cloud")->error("{} collector {}: {}", entry_.provider, entry_.name,
                               health_.last_error);
    }
    int64_t spread =
        std::max<int64_t>(1, std::min(entry_.poll_interval_ms, opts.first_poll_spread_ms));
    first_delay_ms_ = static_cast<int64_t>(PhaseHash(instance_, opts.offset_seed) %
                                           static_cast<uint64_t>(spread));
    thread_ = std::thread([this] { Loop(); });
  }

  ~Runner() { Join(); }

  const CloudEntry& entry() const { return entry_; }
  // Whether the collector was built.
  bool started() const { return Current() != nullptr; }

  // Asks the thread to stop (and a Poll in progress to return).
  void Cancel() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    if (auto c = Current()) c->Cancel();
  }

  void Join() {
    Cancel();
    if (thread_.joinable()) thread_.join();
  }

  // Staleness markers for the synthetic series, once the runner is gone
  // from the config (not at shutdown: the series resume after a restart).
  void MarkStale() {
    if (!polled_) return;
    auto app = storage_->NewAppender();
    int64_t t = std::max(NowMillis(), last_poll_ms_ + 1);
    for (const char* name :
         {"up", "vigil_cloud_poll_duration_seconds", "vigil_cloud_poll_samples"}) {
      app->Append(0, SyntheticLabels(name).View(), t, model::StaleNaN());
    }
    Status st = app->Commit();
    if (!st.ok()) log::Get("cloud")->warn("{}: staleness markers: {}", instance_, st.ToString());
  }

  CollectorStatus GetStatus() const {
    CollectorStatus s;
    s.provider = entry_.provider;
    s.name = entry_.name;
    s.poll_interval_ms = entry_.poll_interval_ms;
    s.endpoint = PolledEndpoint(entry_);
    s.labels = model::Labels::FromStrings({"instance", instance_, "job", entry_.name});
    std::shared_ptr<Collector> c = Current();
    if (c) s.health = c->Health();
    std::lock_guard<std::mutex> lock(mu_);
    if (!c || polled_) {
      // The manager saw the poll's outcome itself; the collector's own
      // counters (API calls, cost) stay as it reported them.
      s.health.state = health_.state;
      s.health.last_error = health_.last_error;
      s.health.last_poll_ms = health_.last_poll_ms;
      s.health.last_duration_ms = health_.last_duration_ms;
      s.health.series_last_poll = health_.series_last_poll;
    }
    return s;
  }

 private:
  model::Labels SyntheticLabels(const char* name) const {
    return model::Labels::FromStrings(
        {"__name__", name, "instance", instance_, "job", entry_.name});
  }

  void Loop() {
    using Steady = std::chrono::steady_clock;
    const auto interval = std::chrono::milliseconds(std::max<int64_t>(1, entry_.poll_interval_ms));
    auto next = Steady::now() + std::chrono::milliseconds(first_delay_ms_);
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait_until(lock, next, [this] { return stopping_; });
        if (stopping_) return;
      }
      PollOnce();
      next += interval;
      auto now = Steady::now();
      if (next <= now) {
        // Overran: skip to the next slot of the same phase.
        auto behind = (now - next) / interval + 1;
        next += behind * interval;
      }
    }
  }

  std::shared_ptr<Collector> Current() const {
    std::lock_guard<std::mutex> lock(mu_);
    return collector_;
  }

  // Builds the collector if an earlier attempt failed; false (with the
  // error in *st) while it still cannot be built.
  bool EnsureCollector(Status* st) {
    if (Current()) return true;
    Result<std::unique_ptr<Collector>> c =
        factory_ ? factory_(entry_, registry_)
                 : Result<std::unique_ptr<Collector>>(Status::Internal("no collector factory"));
    if (c.ok() && !*c) c = Status::Internal("the factory returned null");
    if (!c.ok()) {
      *st =
          Status::Unavailable(fmt::format("cannot start the collector: {}", c.status().message()));
      return false;
    }
    log::Get("cloud")->info("{} collector {} started", entry_.provider, entry_.name);
    std::lock_guard<std::mutex> lock(mu_);
    collector_ = std::shared_ptr<Collector>(std::move(c).value());
    if (stopping_) collector_->Cancel();
    return true;
  }

  void PollOnce() {
    const int64_t start_ms = NowMillis();
    const auto start = std::chrono::steady_clock::now();
    auto app = storage_->NewAppender();
    PollSink sink(app.get(), entry_.name);
    Status st;
    if (EnsureCollector(&st)) st = Current()->Poll(start_ms, &sink);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    bool cancelled = st.IsCancelled() && Stopping();
    if (!cancelled) {
      double up = st.ok() ? 1 : 0;
      app->Append(0, SyntheticLabels("up").View(), start_ms, up);
      app->Append(0, SyntheticLabels("vigil_cloud_poll_duration_seconds").View(), start_ms,
                  seconds);
      app->Append(0, SyntheticLabels("vigil_cloud_poll_samples").View(), start_ms,
                  static_cast<double>(sink.added()));
    }
    Status commit = app->Commit();
    if (cancelled) return;  // shutdown or reload: the poll's outcome is not news

    std::string error;
    if (!st.ok()) error = st.message();
    if (!commit.ok()) {
      error = error.empty() ? "" : error + "; ";
      error += "storage commit: " + commit.message();
    }
    if (sink.rejected() > 0) {
      log::Get("cloud")->warn("{}: storage refused {} of {} samples (first: {})", instance_,
                              sink.rejected(), sink.added(), sink.first_reject());
    }
    if (!error.empty()) {
      log::Get("cloud")->warn("{} poll failed after {:.3f}s: {}", instance_, seconds, error);
    }
    polls_->With({entry_.provider, entry_.name, error.empty() ? "success" : "error"})->Inc();
    std::lock_guard<std::mutex> lock(mu_);
    polled_ = true;
    last_poll_ms_ = start_ms;
    health_.state = error.empty() ? CollectorHealth::State::kUp : CollectorHealth::State::kDown;
    health_.last_error = error;
    health_.last_poll_ms = start_ms;
    health_.last_duration_ms = static_cast<int64_t>(seconds * 1000);
    health_.series_last_poll = sink.added();
  }

  bool Stopping() const {
    std::lock_guard<std::mutex> lock(mu_);
    return stopping_;
  }

  const CloudEntry entry_;
  const CollectorFactory factory_;
  metrics::Registry* const registry_;
  storage::Appendable* const storage_;
  metrics::Family<metrics::Counter>* const polls_;
  const std::string instance_;
  std::shared_ptr<Collector> collector_;  // guarded by mu_; null until built
  int64_t first_delay_ms_ = 0;
  std::thread thread_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool polled_ = false;
  int64_t last_poll_ms_ = 0;
  CollectorHealth health_;
};

CloudManager::CloudManager(storage::Appendable* storage, metrics::Registry* registry,
                           CollectorFactory factory, CloudManagerOptions opts)
    : storage_(storage),
      registry_(registry),
      factory_(std::move(factory)),
      opts_(opts),
      polls_(&registry->CounterFamily("vigil_cloud_polls_total",
                                      "Polls of cloud collectors, by result (success, error).",
                                      {"provider", "collector", "result"})) {}

CloudManager::~CloudManager() { Stop(); }

Status CloudManager::ApplyConfig(const config::Config& cfg) {
  std::lock_guard<std::mutex> apply_lock(apply_mu_);
  std::vector<CloudEntry> entries = CloudEntries(cfg.cloud_configs);
  std::vector<CloudEntry> to_start;
  std::vector<std::unique_ptr<Runner>> to_stop;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped_) return Status::FailedPrecondition("cloud manager is stopped");
    std::map<std::string, std::unique_ptr<Runner>> kept;
    for (auto& e : entries) {
      std::string key = fmt::format("{}/{}", e.provider, e.name);
      if (kept.count(key)) continue;  // the loader refuses duplicates; be safe anyway
      auto it = runners_.find(key);
      // A collector that failed to build is retried: what failed may have
      // been outside the config (a credentials file, the environment).
      if (it != runners_.end() && it->second->started() && it->second->entry() == e) {
        kept[key] = std::move(it->second);
        runners_.erase(it);
      } else {
        to_start.push_back(std::move(e));
      }
    }
    for (auto& [key, runner] : runners_) to_stop.push_back(std::move(runner));
    runners_ = std::move(kept);
  }
  // Removed and changed collectors stop before their successors start, so
  // two never poll (and write the same series) at once. Cancel all first,
  // so their polls wind down together.
  for (auto& r : to_stop) r->Cancel();
  for (auto& r : to_stop) {
    r->Join();
    r->MarkStale();
  }
  to_stop.clear();
  for (auto& e : to_start) {
    std::string key = fmt::format("{}/{}", e.provider, e.name);
    Result<std::unique_ptr<Collector>> collector =
        factory_ ? factory_(e, registry_)
                 : Result<std::unique_ptr<Collector>>(Status::Internal("no collector factory"));
    if (collector.ok() && !*collector) collector = Status::Internal("the factory returned null");
    auto runner = std::make_unique<Runner>(std::move(e), std::move(collector), factory_, registry_,
                                           storage_, polls_, opts_);
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped_) {
      to_stop.push_back(std::move(runner));
      continue;
    }
    runners_[key] = std::move(runner);
  }
  for (auto& r : to_stop) r->Join();  // Stop() came in meanwhile
  return Status::OK();
}

void CloudManager::Stop() {
  std::map<std::string, std::unique_ptr<Runner>> runners;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopped_ = true;
    runners.swap(runners_);
  }
  for (auto& [key, r] : runners) r->Cancel();
  for (auto& [key, r] : runners) r->Join();
}

std::vector<CollectorStatus> CloudManager::Collectors() const {
  std::vector<CollectorStatus> out;
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [key, r] : runners_) out.push_back(r->GetStatus());
  std::sort(out.begin(), out.end(), [](const CollectorStatus& a, const CollectorStatus& b) {
    return std::tie(a.provider, a.name) < std::tie(b.provider, b.name);
  });
  return out;
}

}  // namespace vigil::cloud
