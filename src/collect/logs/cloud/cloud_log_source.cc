#include "collect/logs/cloud/cloud_log_source.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "base/file.h"
#include "base/logging.h"
#include "base/time.h"

namespace vigil::cloudlogs {

std::string CloudLogCheckpoint::Encode() const {
  return fmt::format("v1 {} {} {}", start_ms, end_ms, done);
}

std::optional<CloudLogCheckpoint> CloudLogCheckpoint::Decode(std::string_view s) {
  if (!s.starts_with("v1 ")) return std::nullopt;
  s.remove_prefix(3);
  CloudLogCheckpoint c;
  auto next = [&s](auto* out) {
    size_t sp = s.find(' ');
    std::string_view tok = s.substr(0, sp);
    auto [p, ec] = std::from_chars(tok.data(), tok.data() + tok.size(), *out);
    if (ec != std::errc() || p != tok.data() + tok.size() || tok.empty()) return false;
    s = sp == std::string_view::npos ? std::string_view() : s.substr(sp + 1);
    return true;
  };
  if (!next(&c.start_ms) || !next(&c.end_ms) || !next(&c.done) || !s.empty()) return std::nullopt;
  if (c.start_ms > c.end_ms) return std::nullopt;
  return c;
}

namespace {

// A file name for a target key: keys hold '/' and ':'.
std::string StateFileName(const std::string& key) {
  std::string out;
  for (char c : key) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.';
    out += ok ? c : '_';
  }
  return fmt::format("{}-{:016x}.state", out.substr(0, 100), std::hash<std::string>{}(key));
}

class SourceImpl final : public CloudLogSource {
 public:
  SourceImpl(CloudLogSourceOptions o, std::vector<std::unique_ptr<CloudLogApi>> apis,
             model::LogSink* sink)
      : o_(std::move(o)), sink_(sink) {
    for (auto& a : apis) {
      auto t = std::make_unique<Target>();
      t->health.key = a->Key();
      t->api = std::move(a);
      targets_.push_back(std::move(t));
    }
    if (o_.registry != nullptr) {
      auto& records = o_.registry->CounterFamily("vigil_cloud_log_records_total",
                                                 "Records read from cloud log APIs and taken "
                                                 "by the pipeline.",
                                                 {"source", "target"});
      auto& polls = o_.registry->CounterFamily("vigil_cloud_log_polls_total",
                                               "Polls of cloud log APIs, by result.",
                                               {"source", "target", "result"});
      auto& lag = o_.registry->GaugeFamily(
          "vigil_cloud_log_lag_seconds",
          "How far behind now the last read of a cloud log target ends, seconds.",
          {"source", "target"});
      for (auto& t : targets_) {
        const std::string& k = t->health.key;
        t->records = records.With({o_.name, k});
        t->polls_ok = polls.With({o_.name, k, "success"});
        t->polls_err = polls.With({o_.name, k, "error"});
        t->lag = lag.With({o_.name, k});
      }
    }
  }

  ~SourceImpl() override { Stop(); }

  void Start() override {
    if (thread_.joinable() || stopping_) return;
    thread_ = std::thread([this] { Run(); });
  }

  Status PollOnce() override {
    Status first;
    for (auto& t : targets_) {
      if (stopping_) return Status::Cancelled("cloud log source stopped");
      Status s = PollTarget(*t);
      if (!s.ok() && first.ok()) first = s;
    }
    return first;
  }

  void Stop() override {
    {
      std::lock_guard<std::mutex> l(mu_);
      if (stopping_.exchange(true) && !thread_.joinable()) return;
      cv_.notify_all();
    }
    for (auto& t : targets_) t->api->Cancel();
    if (thread_.joinable()) thread_.join();
  }

  std::vector<CloudLogTargetHealth> Health() const override {
    std::lock_guard<std::mutex> l(health_mu_);
    std::vector<CloudLogTargetHealth> out;
    for (const auto& t : targets_) out.push_back(t->health);
    return out;
  }

 private:
  struct Target {
    std::unique_ptr<CloudLogApi> api;
    std::optional<CloudLogCheckpoint> checkpoint;
    bool loaded = false;
    CloudLogTargetHealth health;
    metrics::Counter* records = nullptr;
    metrics::Counter* polls_ok = nullptr;
    metrics::Counter* polls_err = nullptr;
    metrics::Gauge* lag = nullptr;
  };

  int64_t Now() const { return o_.now_ms ? o_.now_ms() : NowMillis(); }

  // Waits ms; false when Stop was called.
  bool Sleep(int64_t ms) {
    if (o_.sleep) return o_.sleep(ms) && !stopping_;
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait_for(l, std::chrono::milliseconds(ms), [this] { return stopping_.load(); });
    return !stopping_;
  }

  void Run() {
    while (!stopping_) {
      int64_t started = Now();
      (void)PollOnce();
      int64_t wait = o_.poll_interval_ms - (Now() - started);
      if (!Sleep(std::max<int64_t>(wait, 0))) break;
    }
  }

  void Load(Target& t) {
    if (t.loaded) return;
    t.loaded = true;
    const std::string& key = t.health.key;
    std::optional<std::string> state;
    if (o_.initial_state) state = o_.initial_state(key);
    if (!state && !o_.state_dir.empty()) {
      auto text = fs::ReadFile(fs::Join(o_.state_dir, StateFileName(key)));
      if (text.ok()) state = *text;
    }
    if (!state) return;
    t.checkpoint = CloudLogCheckpoint::Decode(*state);
    if (!t.checkpoint) {
      log::Get("logs")->warn(
          "cloud log source {}: unreadable checkpoint \"{}\" for {}; starting "
          "from the lookback window",
          o_.name, *state, key);
    }
  }

  // Hands one batch to the sink, retrying while the sink is full.
  Status Deliver(Target& t, std::vector<model::LogRecord>& records, const CloudLogCheckpoint& cp) {
    for (auto& r : records) {
      if (!o_.labels.empty()) {
        model::LabelsBuilder b(r.stream);
        for (const auto& l : o_.labels) b.Set(l.name, l.value);
        r.stream = b.Build();
      }
    }
    const size_t n = records.size();
    int64_t backoff = o_.sink_retry_min_ms;
    for (;;) {
      model::LogBatch batch;
      batch.records = records;  // kept for a retry: Consume may move out of the batch
      batch.offsets.push_back({t.health.key, cp.Encode()});
      model::ConsumeResult r = sink_->Consume(batch);
      if (r.status.ok()) {
        if (!r.rejected.empty()) {
          log::Get("logs")->warn("cloud log source {}: {} of {} records from {} refused, e.g. {}",
                                 o_.name, r.rejected.size(), n, t.health.key,
                                 r.rejected[0].message);
        }
        break;
      }
      if (!r.status.IsUnavailable()) return r.status;
      if (!Sleep(backoff)) return Status::Cancelled("cloud log source stopped");
      backoff = std::min(backoff * 2, o_.sink_retry_max_ms);
    }
    if (t.records != nullptr) t.records->Inc(static_cast<double>(n));
    t.checkpoint = cp;
    if (!o_.state_dir.empty()) {
      Status s =
          fs::WriteFileAtomic(fs::Join(o_.state_dir, StateFileName(t.health.key)), cp.Encode());
      if (!s.ok()) log::Get("logs")->warn("cloud log source {}: {}", o_.name, s.ToString());
    }
    std::lock_guard<std::mutex> l(health_mu_);
    t.health.records += n;
    t.health.checkpoint = cp.Encode();
    return Status::OK();
  }

  // Reads one window of a target (resuming one in progress). Sets *more when
  // the target has not reached the horizon (now - delay) yet.
  Status ReadWindow(Target& t, int64_t now, bool* more) {
    *more = false;
    const int64_t horizon = now - o_.delay_ms;
    CloudLogCheckpoint cp;
    if (t.checkpoint && t.checkpoint->start_ms < t.checkpoint->end_ms) {
      cp = *t.checkpoint;  // a window in progress: read it again, skip what is stored
    } else {
      int64_t start = t.checkpoint ? t.checkpoint->end_ms : horizon - o_.lookback_ms;
      int64_t end = std::min(horizon, start + o_.max_window_ms);
      if (end <= start) return Status::OK();
      cp = {start, end, 0};
    }
    uint64_t seen = 0;
    const uint64_t skip = cp.done;
    CloudLogCheckpoint progress = cp;
    Status s = t.api->Read(cp.start_ms, cp.end_ms, [&](std::vector<model::LogRecord>& page) {
      if (stopping_) return Status::Cancelled("cloud log source stopped");
      // Drop what a durable sink already holds (a window read again).
      size_t drop = 0;
      if (seen < skip) drop = static_cast<size_t>(std::min<uint64_t>(skip - seen, page.size()));
      seen += page.size();
      if (drop == page.size()) return Status::OK();
      std::vector<model::LogRecord> fresh(std::make_move_iterator(page.begin() + drop),
                                          std::make_move_iterator(page.end()));
      progress.done = seen;
      return Deliver(t, fresh, progress);
    });
    if (!s.ok()) return s;
    // The window is done: record its end, even with no records in it.
    std::vector<model::LogRecord> none;
    const CloudLogCheckpoint done{cp.end_ms, cp.end_ms, 0};
    VIGIL_RETURN_IF_ERROR(Deliver(t, none, done));
    if (t.lag != nullptr) t.lag->Set(static_cast<double>(now - cp.end_ms) / 1000.0);
    *more = cp.end_ms < horizon;
    return Status::OK();
  }

  Status PollTarget(Target& t) {
    Load(t);
    const int64_t now = Now();
    {
      std::lock_guard<std::mutex> l(health_mu_);
      t.health.last_poll_ms = now;
    }
    Status s;
    bool more = true;
    while (more && !stopping_) {
      s = ReadWindow(t, now, &more);
      if (!s.ok()) break;
    }
    if (stopping_ && s.ok()) s = Status::Cancelled("cloud log source stopped");
    std::string err = s.ok() ? "" : s.ToString();
    if (!s.ok() && !s.IsCancelled()) {
      log::Get("logs")->warn("cloud log source {}: {}: {}", o_.name, t.health.key, err);
    }
    if (s.ok() && t.polls_ok != nullptr) t.polls_ok->Inc();
    if (!s.ok() && !s.IsCancelled() && t.polls_err != nullptr) t.polls_err->Inc();
    std::lock_guard<std::mutex> l(health_mu_);
    t.health.last_error = err;
    return s.ok() ? s : s.WithContext(t.health.key);
  }

  const CloudLogSourceOptions o_;
  model::LogSink* const sink_;
  std::vector<std::unique_ptr<Target>> targets_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
  mutable std::mutex health_mu_;
};

}  // namespace

Result<std::unique_ptr<CloudLogSource>> CloudLogSource::Create(
    CloudLogSourceOptions options, std::vector<std::unique_ptr<CloudLogApi>> apis,
    model::LogSink* sink) {
  if (sink == nullptr) return Status::InvalidArgument("cloud log source needs a sink");
  if (apis.empty()) {
    return Status::InvalidArgument(
        fmt::format("cloud log source {} has nothing to read", options.name));
  }
  if (options.poll_interval_ms <= 0 || options.max_window_ms <= 0 || options.lookback_ms < 0 ||
      options.delay_ms < 0) {
    return Status::InvalidArgument(fmt::format(
        "cloud log source {}: poll_interval and max_window must be positive, lookback and delay "
        "not negative",
        options.name));
  }
  if (!options.state_dir.empty()) VIGIL_RETURN_IF_ERROR(fs::CreateDirs(options.state_dir));
  return std::unique_ptr<CloudLogSource>(new SourceImpl(std::move(options), std::move(apis), sink));
}

}  // namespace vigil::cloudlogs
