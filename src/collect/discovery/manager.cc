// The discovery Manager: one thread that wakes up for due work (file checks,
// starting http_sd refreshes, sending coalesced updates). Each http_sd
// refresh runs on a short-lived thread of its own so that a slow server holds
// up nothing else; an idle manager has exactly one thread.

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include "base/logging.h"
#include "base/strconv.h"
#include "collect/discovery/discovery.h"
#include "collect/discovery/file_sd.h"
#include "collect/httpclient/http_client.h"

namespace vigil::discovery {
namespace {

using config::TargetGroup;
using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;

std::chrono::milliseconds Ms(int64_t ms) {
  return std::chrono::milliseconds(std::max<int64_t>(ms, 1));
}

// Prometheus' matchContentType: application/json, optionally with a UTF-8 charset.
bool IsJSONContentType(std::string_view ct) {
  auto lower = [](std::string_view s) {
    std::string o(s);
    for (char& c : o) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return o;
  };
  while (!ct.empty() && (ct.front() == ' ' || ct.front() == '\t')) ct.remove_prefix(1);
  while (!ct.empty() && (ct.back() == ' ' || ct.back() == '\t')) ct.remove_suffix(1);
  std::string s = lower(ct);
  constexpr std::string_view kJSON = "application/json";
  if (s.rfind(kJSON, 0) != 0) return false;
  std::string_view rest = std::string_view(s).substr(kJSON.size());
  if (rest.empty()) return true;
  if (rest.front() != ';') return false;
  rest.remove_prefix(1);
  while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t' || rest.front() == '\n' ||
                           rest.front() == '\r' || rest.front() == '\f' || rest.front() == '\v')) {
    rest.remove_prefix(1);
  }
  return rest == "charset=utf-8" || rest == "charset=\"utf-8\"";
}

// One http_sd_configs entry. The manager thread owns everything but the
// result slot, which the refresh thread fills under Manager's mutex.
struct HttpProvider {
  config::HTTPSDConfig cfg;
  std::unique_ptr<httpclient::Client> client;
  std::vector<TargetGroup> groups;
  bool initialized = false;  // the first refresh finished (well or not)
  bool in_flight = false;
  TimePoint next_refresh;
  std::thread worker;
  // Guarded by Manager::mu_.
  bool result_ready = false;
  std::optional<Result<std::vector<TargetGroup>>> result;
};

Result<std::vector<TargetGroup>> FetchHTTPSD(HttpProvider* p) {
  httpclient::Request req;
  req.url = p->cfg.url;
  // Prometheus' http_sd client times out after one refresh interval.
  req.timeout_ms = p->cfg.refresh_interval_ms;
  req.headers = {{"Accept", "application/json"},
                 {"X-Prometheus-Refresh-Interval-Seconds",
                  FormatGoFloat(static_cast<double>(p->cfg.refresh_interval_ms) / 1000, 'f')}};
  VIGIL_ASSIGN_OR_RETURN(auto resp, p->client->Get(req));
  if (resp.status_code != 200) {
    return Status::Unavailable(
        fmt::format("server returned HTTP status {}", httpclient::StatusText(resp.status_code)));
  }
  if (!IsJSONContentType(resp.content_type)) {
    return Status::InvalidArgument(
        fmt::format("unsupported content type {}", GoQuote(resp.content_type)));
  }
  return ParseHTTPSD(resp.body, p->cfg.url);
}

struct Job {
  JobSD sd;
  std::vector<TargetGroup> static_groups;
  std::vector<std::unique_ptr<FileProvider>> files;
  std::vector<std::shared_ptr<HttpProvider>> https;
  std::shared_ptr<std::atomic<double>> target_count = std::make_shared<std::atomic<double>>(0);
  metrics::FuncHandle target_count_handle;

  void AppendGroups(std::vector<TargetGroup>* out) const {
    out->insert(out->end(), static_groups.begin(), static_groups.end());
    for (const auto& f : files) f->AppendGroups(out);
    for (const auto& h : https) out->insert(out->end(), h->groups.begin(), h->groups.end());
  }
};

class ManagerImpl final : public Manager {
 public:
  ManagerImpl(std::function<void(const TargetSets&)> on_update, metrics::Registry* registry,
              const ManagerOptions& opts)
      : on_update_(std::move(on_update)),
        opts_(opts),
        own_registry_(registry == nullptr ? std::make_unique<metrics::Registry>() : nullptr),
        registry_(registry != nullptr ? registry : own_registry_.get()),
        file_read_errors_(registry_->NewCounter("vigil_sd_file_read_errors_total",
                                                "File SD read errors (the file keeps its last good "
                                                "groups).")),
        http_failures_(registry_->NewCounter("vigil_sd_http_failures_total",
                                             "Failed http_sd refreshes (the last good groups are "
                                             "kept).")),
        updates_(registry_->NewCounter("vigil_sd_updates_total",
                                       "Target set updates sent to the scrape layer.")) {
    thread_ = std::thread([this] { Run(); });
  }

  ~ManagerImpl() override { Stop(); }

  Status ApplyConfig(const std::map<std::string, JobSD>& jobs) override {
    // Refuse a config whose HTTP clients cannot be built before changing anything.
    for (const auto& [name, sd] : jobs) {
      for (const auto& h : sd.http_sd_configs) {
        auto c = httpclient::Client::New(h.http_client);
        if (!c.ok()) {
          return c.status().WithContext(fmt::format("job {}: http_sd_configs {}", name, h.url));
        }
      }
    }
    std::lock_guard<std::mutex> l(mu_);
    if (stop_) return Status::FailedPrecondition("discovery manager is stopped");
    pending_ = jobs;
    cv_.notify_all();
    return Status::OK();
  }

  void Stop() override {
    {
      std::lock_guard<std::mutex> l(mu_);
      stop_ = true;
      cv_.notify_all();
    }
    // From the callback (on our own thread) the thread ends once it returns.
    if (std::this_thread::get_id() == thread_.get_id()) return;
    std::lock_guard<std::mutex> l(join_mu_);  // Stop may race with Stop or the destructor
    if (thread_.joinable()) thread_.join();
  }

 private:
  void Run();
  void Apply(std::map<std::string, JobSD> jobs, TimePoint now);
  std::unique_ptr<Job> NewJob(const std::string& name, const JobSD& sd, TimePoint now);
  void Retire(std::unique_ptr<Job> job);
  void StartFetch(const std::shared_ptr<HttpProvider>& p);
  // Takes finished refreshes; true if groups changed.
  bool CollectResults(TimePoint now);
  void JoinRetired(bool all);
  TargetSets Build();
  bool AllInitialized() const;
  TimePoint NextWake(TimePoint now) const;

  const std::function<void(const TargetSets&)> on_update_;
  const ManagerOptions opts_;
  std::unique_ptr<metrics::Registry> own_registry_;
  metrics::Registry* registry_;
  metrics::Counter* file_read_errors_;
  metrics::Counter* http_failures_;
  metrics::Counter* updates_;

  std::mutex join_mu_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;                                    // guarded by mu_
  std::optional<std::map<std::string, JobSD>> pending_;  // guarded by mu_
  bool wake_ = false;                                    // guarded by mu_

  // Owned by the manager thread.
  std::map<std::string, std::unique_ptr<Job>> jobs_;
  std::vector<std::shared_ptr<HttpProvider>> retired_;  // refreshes still running
  struct FileSchedule {
    TimePoint next_check, next_refresh;
  };
  std::map<const FileProvider*, FileSchedule> file_schedule_;
  bool force_send_ = false;  // an update is owed since ApplyConfig
  TimePoint force_deadline_;
  bool dirty_ = false;
  TimePoint last_send_;
  std::optional<TargetSets> last_sent_;
  std::thread thread_;  // last: started once everything above exists
};

std::unique_ptr<Job> ManagerImpl::NewJob(const std::string& name, const JobSD& sd, TimePoint now) {
  auto job = std::make_unique<Job>();
  job->sd = sd;
  for (size_t i = 0; i < sd.static_configs.size(); ++i) {
    TargetGroup tg = sd.static_configs[i];
    tg.source = std::to_string(i);
    job->static_groups.push_back(std::move(tg));
  }
  for (const auto& f : sd.file_sd_configs) {
    auto fp = std::make_unique<FileProvider>(f, file_read_errors_);
    fp->Check(/*reread_all=*/true);  // local files: in the first update already
    file_schedule_[fp.get()] = {now + Ms(opts_.file_check_interval_ms),
                                now + Ms(f.refresh_interval_ms)};
    job->files.push_back(std::move(fp));
  }
  for (const auto& h : sd.http_sd_configs) {
    auto hp = std::make_shared<HttpProvider>();
    hp->cfg = h;
    auto c = httpclient::Client::New(h.http_client);
    if (!c.ok()) {
      log::Get("discovery")
          ->error("job {}: http_sd {}: cannot create HTTP client: {}", name, h.url,
                  c.status().message());
      hp->initialized = true;
      hp->next_refresh = TimePoint::max();
    } else {
      hp->client = std::move(c).value();
      hp->next_refresh = now;
    }
    job->https.push_back(std::move(hp));
  }
  auto count = job->target_count;
  job->target_count_handle =
      registry_->NewFunc(metrics::Type::kGauge, "vigil_sd_discovered_targets",
                         "Targets discovered per job, before relabeling.", {{"job", name}},
                         [count] { return count->load(); });
  return job;
}

void ManagerImpl::Retire(std::unique_ptr<Job> job) {
  for (const auto& f : job->files) file_schedule_.erase(f.get());
  for (auto& h : job->https) {
    if (h->in_flight) {
      h->client->Cancel();
      retired_.push_back(h);
    }
  }
}

void ManagerImpl::Apply(std::map<std::string, JobSD> jobs, TimePoint now) {
  std::map<std::string, std::unique_ptr<Job>> next;
  for (auto& [name, sd] : jobs) {
    auto it = jobs_.find(name);
    if (it != jobs_.end() && it->second->sd == sd) {
      next[name] = std::move(it->second);
      jobs_.erase(it);
    } else {
      next[name] = NewJob(name, sd, now);
    }
  }
  for (auto& [name, job] : jobs_) Retire(std::move(job));
  jobs_ = std::move(next);
  force_send_ = true;
  force_deadline_ = now + Ms(opts_.update_interval_ms);
  dirty_ = true;
}

void ManagerImpl::StartFetch(const std::shared_ptr<HttpProvider>& p) {
  p->in_flight = true;
  p->worker = std::thread([this, p] {
    auto res = FetchHTTPSD(p.get());
    std::lock_guard<std::mutex> l(mu_);
    p->result = std::move(res);
    p->result_ready = true;
    wake_ = true;
    cv_.notify_all();
  });
}

bool ManagerImpl::CollectResults(TimePoint now) {
  bool changed = false;
  for (auto& [name, job] : jobs_) {
    for (auto& h : job->https) {
      if (!h->in_flight) continue;
      std::optional<Result<std::vector<TargetGroup>>> res;
      {
        std::lock_guard<std::mutex> l(mu_);
        if (!h->result_ready) continue;
        res = std::move(h->result);
        h->result.reset();
        h->result_ready = false;
      }
      h->worker.join();
      h->in_flight = false;
      h->initialized = true;
      h->next_refresh = now + Ms(h->cfg.refresh_interval_ms);
      if (!res->ok()) {
        http_failures_->Inc();
        log::Get("discovery")
            ->error("job {}: http_sd {}: refresh failed (keeping the last good targets): {}", name,
                    h->cfg.url, res->status().message());
        continue;
      }
      if (res->value() != h->groups) {
        h->groups = std::move(*res).value();
        changed = true;
      }
    }
  }
  return changed;
}

void ManagerImpl::JoinRetired(bool all) {
  for (auto it = retired_.begin(); it != retired_.end();) {
    bool done;
    {
      std::lock_guard<std::mutex> l(mu_);
      done = (*it)->result_ready;
    }
    if (done || all) {
      (*it)->worker.join();
      it = retired_.erase(it);
    } else {
      ++it;
    }
  }
}

TargetSets ManagerImpl::Build() {
  TargetSets sets;
  for (const auto& [name, job] : jobs_) {
    auto& groups = sets[name];
    job->AppendGroups(&groups);
    size_t n = 0;
    for (const auto& g : groups) n += g.targets.size();
    job->target_count->store(static_cast<double>(n));
  }
  return sets;
}

bool ManagerImpl::AllInitialized() const {
  for (const auto& [name, job] : jobs_) {
    for (const auto& h : job->https) {
      if (!h->initialized) return false;
    }
  }
  return true;
}

TimePoint ManagerImpl::NextWake(TimePoint now) const {
  TimePoint next = now + std::chrono::hours(1);
  for (const auto& [fp, sched] : file_schedule_) {
    next = std::min({next, sched.next_check, sched.next_refresh});
  }
  for (const auto& [name, job] : jobs_) {
    for (const auto& h : job->https) {
      if (!h->in_flight) next = std::min(next, h->next_refresh);
    }
  }
  // While the update owed since ApplyConfig waits for first refreshes, their
  // completion wakes us; the coalescing deadline must not (it would spin).
  if (force_send_) {
    next = std::min(next, force_deadline_);
  } else if (dirty_) {
    next = std::min(next, last_send_ + Ms(opts_.update_interval_ms));
  }
  return next;
}

void ManagerImpl::Run() {
  TimePoint wake_at = Clock::now();
  for (;;) {
    std::optional<std::map<std::string, JobSD>> pending;
    {
      std::unique_lock<std::mutex> l(mu_);
      cv_.wait_until(l, wake_at, [&] { return stop_ || pending_.has_value() || wake_; });
      if (stop_) break;
      pending.swap(pending_);
      wake_ = false;
    }
    TimePoint now = Clock::now();
    if (pending) Apply(std::move(*pending), now);
    if (CollectResults(now)) dirty_ = true;
    JoinRetired(false);
    for (auto& [name, job] : jobs_) {
      for (auto& f : job->files) {
        FileSchedule& s = file_schedule_[f.get()];
        bool refresh = now >= s.next_refresh;
        if (!refresh && now < s.next_check) continue;
        if (f->Check(refresh)) dirty_ = true;
        s.next_check = now + Ms(opts_.file_check_interval_ms);
        if (refresh) s.next_refresh = now + Ms(f->cfg().refresh_interval_ms);
      }
      for (auto& h : job->https) {
        if (!h->in_flight && h->client != nullptr && now >= h->next_refresh) StartFetch(h);
      }
    }

    bool send = false;
    if (force_send_) {
      send = AllInitialized() || now >= force_deadline_;
    } else if (dirty_ && now >= last_send_ + Ms(opts_.update_interval_ms)) {
      send = true;
    }
    if (send) {
      TargetSets sets = Build();
      bool must = force_send_;
      force_send_ = false;
      dirty_ = false;
      if (must || !last_sent_ || *last_sent_ != sets) {
        {
          std::lock_guard<std::mutex> l(mu_);
          if (stop_) break;
        }
        last_send_ = now;
        updates_->Inc();
        on_update_(sets);
        last_sent_ = std::move(sets);
      }
    }
    wake_at = NextWake(Clock::now());
  }
  // Shutting down: abort refreshes in flight and wait for their threads.
  for (auto& [name, job] : jobs_) {
    for (auto& h : job->https) {
      if (h->in_flight) {
        h->client->Cancel();
        retired_.push_back(h);
      }
    }
  }
  for (auto& h : retired_) h->client->Cancel();
  JoinRetired(true);
  jobs_.clear();
}

}  // namespace

std::unique_ptr<Manager> Manager::New(std::function<void(const TargetSets&)> on_update,
                                      metrics::Registry* registry, const ManagerOptions& opts) {
  return std::make_unique<ManagerImpl>(std::move(on_update), registry, opts);
}

}  // namespace vigil::discovery
