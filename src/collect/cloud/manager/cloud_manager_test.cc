#include "collect/cloud/manager/cloud_manager.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "model/sample.h"

namespace vigil::cloud {
namespace {

using ::testing::HasSubstr;
using Ms = std::chrono::milliseconds;

// ---- an in-memory Appendable ----------------------------------------------

struct Recorded {
  model::Labels labels;
  int64_t t;
  double v;
};

class RecordingStorage : public storage::Appendable {
 public:
  class App : public storage::Appender {
   public:
    explicit App(RecordingStorage* s) : s_(s) {}
    storage::AppendResult Append(storage::SeriesRef, model::LabelsView labels, int64_t t,
                                 double v) override {
      staged_.push_back({model::Labels::FromView(labels), t, v});
      return {};
    }
    void UpdateMetadata(std::string_view, const storage::MetricMetadata&) override {}
    Status Commit() override {
      std::lock_guard<std::mutex> lock(s_->mu_);
      for (auto& r : staged_) s_->samples_.push_back(std::move(r));
      staged_.clear();
      ++s_->commits_;
      return Status::OK();
    }
    void Rollback() override { staged_.clear(); }

   private:
    RecordingStorage* s_;
    std::vector<Recorded> staged_;
  };

  std::unique_ptr<storage::Appender> NewAppender() override { return std::make_unique<App>(this); }

  std::vector<Recorded> Samples() const {
    std::lock_guard<std::mutex> lock(mu_);
    return samples_;
  }
  // The committed samples of the series printed as `labels`.
  std::vector<Recorded> Of(const std::string& labels) const {
    std::vector<Recorded> out;
    for (const auto& r : Samples()) {
      if (r.labels.ToString() == labels) out.push_back(r);
    }
    return out;
  }
  int commits() const {
    std::lock_guard<std::mutex> lock(mu_);
    return commits_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<Recorded> samples_;
  int commits_ = 0;
};

// ---- a scriptable collector --------------------------------------------------

struct FakeState {
  std::mutex mu;
  std::condition_variable cv;
  int polls = 0;
  int built = 0;
  int destroyed = 0;
  bool cancelled = false;
  bool block = false;  // Poll waits for Cancel
  Status result;       // what Poll returns
  model::Labels sample = model::Labels::FromStrings({"__name__", "cloud_metric", "region", "r1"});
  std::vector<std::chrono::steady_clock::time_point> poll_times;

  int Polls() {
    std::lock_guard<std::mutex> lock(mu);
    return polls;
  }
  // Waits until at least n polls happened (or 5 s passed).
  bool WaitPolls(int n) {
    std::unique_lock<std::mutex> lock(mu);
    return cv.wait_for(lock, std::chrono::seconds(5), [&] { return polls >= n; });
  }
};

class FakeCollector : public Collector {
 public:
  FakeCollector(std::string provider, std::string name, std::shared_ptr<FakeState> s)
      : provider_(std::move(provider)), name_(std::move(name)), s_(std::move(s)) {}
  ~FakeCollector() override {
    std::lock_guard<std::mutex> lock(s_->mu);
    ++s_->destroyed;
  }
  std::string Provider() const override { return provider_; }
  std::string Name() const override { return name_; }
  Status Poll(int64_t now_ms, Sink* sink) override {
    std::unique_lock<std::mutex> lock(s_->mu);
    ++s_->polls;
    s_->poll_times.push_back(std::chrono::steady_clock::now());
    sink->Add(s_->sample, now_ms - 60'000, 42);
    sink->Add(s_->sample.With("region", "r2"), now_ms - 60'000, 43);
    s_->cv.notify_all();
    if (s_->block) {
      s_->cv.wait(lock, [&] { return s_->cancelled; });
      return Status::Cancelled("poll cancelled");
    }
    return s_->result;
  }
  void Cancel() override {
    std::lock_guard<std::mutex> lock(s_->mu);
    s_->cancelled = true;
    s_->cv.notify_all();
  }
  CollectorHealth Health() const override {
    CollectorHealth h;
    h.api_calls = 7;
    h.estimated_cost_usd = 0.5;
    return h;
  }

 private:
  std::string provider_, name_;
  std::shared_ptr<FakeState> s_;
};

// Builds FakeCollectors whose state the test reaches by name; names in
// `failing` fail to build.
class FakeFactory {
 public:
  std::shared_ptr<FakeState> State(const std::string& name) {
    std::lock_guard<std::mutex> lock(mu_);
    auto& s = states_[name];
    if (!s) s = std::make_shared<FakeState>();
    return s;
  }
  void Fail(const std::string& name, Status st) {
    std::lock_guard<std::mutex> lock(mu_);
    failing_[name] = std::move(st);
  }
  void Heal(const std::string& name) {
    std::lock_guard<std::mutex> lock(mu_);
    failing_.erase(name);
  }
  CollectorFactory Get() {
    return [this](const CloudEntry& e, metrics::Registry*) -> Result<std::unique_ptr<Collector>> {
      {
        std::lock_guard<std::mutex> lock(mu_);
        auto it = failing_.find(e.name);
        if (it != failing_.end()) return it->second;
      }
      auto s = State(e.name);
      {
        std::lock_guard<std::mutex> lock(s->mu);
        ++s->built;
        s->cancelled = false;
      }
      return std::unique_ptr<Collector>(new FakeCollector(e.provider, e.name, s));
    };
  }

 private:
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<FakeState>> states_;
  std::map<std::string, Status> failing_;
};

config::AWSCloudConfig Aws(const std::string& name, int64_t interval_ms) {
  config::AWSCloudConfig c;
  c.name = name;
  c.regions = {"us-east-1"};
  c.poll_interval_ms = interval_ms;
  return c;
}
config::GCPCloudConfig Gcp(const std::string& name, int64_t interval_ms) {
  config::GCPCloudConfig c;
  c.name = name;
  c.project_ids = {"example-project"};
  c.poll_interval_ms = interval_ms;
  return c;
}
config::AzureCloudConfig Azure(const std::string& name, int64_t interval_ms) {
  config::AzureCloudConfig c;
  c.name = name;
  c.subscriptions = {"s"};
  c.poll_interval_ms = interval_ms;
  return c;
}

CloudManagerOptions FastStart() {
  CloudManagerOptions o;
  o.first_poll_spread_ms = 5;
  return o;
}

const CollectorStatus* Find(const std::vector<CollectorStatus>& all, const std::string& name) {
  for (const auto& s : all) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

// Polls until pred holds (or 5 s passed).
template <typename Pred>
bool Eventually(Pred pred) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(Ms(2));
  }
  return pred();
}

// ---- tests -------------------------------------------------------------------

TEST(CloudManagerTest, PollsEveryIntervalAndCommitsEachPoll) {
  RecordingStorage storage;
  metrics::Registry registry;
  FakeFactory factory;
  CloudManager m(&storage, &registry, factory.Get(), FastStart());
  config::Config cfg;
  cfg.cloud_configs.aws.push_back(Aws("prod", 40));
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(m.ApplyConfig(cfg).ok());
  auto s = factory.State("prod");
  ASSERT_TRUE(s->WaitPolls(5));
  m.Stop();
  int polls = s->Polls();
  {
    std::lock_guard<std::mutex> lock(s->mu);
    // Poll k is never earlier than k intervals after the start, however
    // late the scheduler ran the ones before it (no catching up).
    for (size_t k = 0; k < s->poll_times.size(); ++k) {
      EXPECT_GE(s->poll_times[k] - t0, Ms(40 * static_cast<int64_t>(k))) << "poll " << k;
    }
  }
  EXPECT_EQ(storage.commits(), polls);
  // Each poll's samples got job=<name>; the collector's labels are kept.
  auto r1 = storage.Of(R"({__name__="cloud_metric", job="prod", region="r1"})");
  EXPECT_EQ(static_cast<int>(r1.size()), polls);
  EXPECT_EQ(r1[0].v, 42);
  auto up = storage.Of(R"({__name__="up", instance="aws/prod", job="prod"})");
  ASSERT_EQ(static_cast<int>(up.size()), polls);
  EXPECT_EQ(up[0].v, 1);
  // The synthetic series are stamped with the poll's start; the samples keep
  // the collector's timestamps.
  EXPECT_EQ(r1[0].t, up[0].t - 60'000);
  auto samples =
      storage.Of(R"({__name__="vigil_cloud_poll_samples", instance="aws/prod", job="prod"})");
  ASSERT_FALSE(samples.empty());
  EXPECT_EQ(samples[0].v, 2);
  auto dur = storage.Of(
      R"({__name__="vigil_cloud_poll_duration_seconds", instance="aws/prod", job="prod"})");
  ASSERT_FALSE(dur.empty());
  EXPECT_GE(dur[0].v, 0);
  EXPECT_LT(dur[0].v, 1);
  EXPECT_EQ(registry.Get("vigil_cloud_polls_total",
                         {{"provider", "aws"}, {"collector", "prod"}, {"result", "success"}}),
            polls);
}

TEST(CloudManagerTest, FirstPollComesSoonEvenWithALongInterval) {
  RecordingStorage storage;
  metrics::Registry registry;
  FakeFactory factory;
  CloudManagerOptions opts;
  opts.first_poll_spread_ms = 30;
  CloudManager m(&storage, &registry, factory.Get(), opts);
  config::Config cfg;
  cfg.cloud_configs.gcp.push_back(Gcp("g", 3'600'000));
  auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(m.ApplyConfig(cfg).ok());
  ASSERT_TRUE(factory.State("g")->WaitPolls(1));
  EXPECT_LT(std::chrono::steady_clock::now() - start, Ms(1000));
  std::this_thread::sleep_for(Ms(50));
  EXPECT_EQ(factory.State("g")->Polls(), 1);  // the next one is an hour away
}

TEST(CloudManagerTest, CollectorsStartedTogetherGetDifferentPhases) {
  RecordingStorage storage;
  metrics::Registry registry;
  FakeFactory factory;
  CloudManagerOptions opts;
  opts.first_poll_spread_ms = 400;
  CloudManager m(&storage, &registry, factory.Get(), opts);
  config::Config cfg;
  for (int i = 0; i < 6; ++i)
    cfg.cloud_configs.aws.push_back(Aws("c" + std::to_string(i), 3'600'000));
  ASSERT_TRUE(m.ApplyConfig(cfg).ok());
  std::vector<std::chrono::steady_clock::time_point> firsts;
  for (int i = 0; i < 6; ++i) {
    auto s = factory.State("c" + std::to_string(i));
    ASSERT_TRUE(s->WaitPolls(1));
    std::lock_guard<std::mutex> lock(s->mu);
    firsts.push_back(s->poll_times[0]);
  }
  auto [lo, hi] = std::minmax_element(firsts.begin(), firsts.end());
  EXPECT_GT(*hi - *lo, Ms(20)) << "six collectors polled at the same moment";
}

TEST(CloudManagerTest, FailedPollWritesUpZeroKeepsItsSamplesAndShowsTheError) {
  RecordingStorage storage;
  metrics::Registry registry;
  FakeFactory factory;
  auto s = factory.State("az");
  s->result = Status::Unavailable("getBatch westeurope: 429 Too Many Requests (after 5 attempts)");
  CloudManager m(&storage, &registry, factory.Get(), FastStart());
  config::Config cfg;
  cfg.cloud_configs.azure.push_back(Azure("az", 3'600'000));
  ASSERT_TRUE(m.ApplyConfig(cfg).ok());
  ASSERT_TRUE(s->WaitPolls(1));
  ASSERT_TRUE(Eventually([&] { return storage.commits() == 1; }));
  auto up = storage.Of(R"({__name__="up", instance="azure/az", job="az"})");
  ASSERT_EQ(up.size(), 1u);
  EXPECT_EQ(up[0].v, 0);
  EXPECT_EQ(storage.Of(R"({__name__="cloud_metric", job="az", region="r1"})").size(), 1u);
  ASSERT_TRUE(Eventually([&] {
    auto all = m.Collectors();
    return all.size() == 1 && all[0].health.state == CollectorHealth::State::kDown;
  }));
  auto all = m.Collectors();
  const CollectorStatus& st = all[0];
  EXPECT_EQ(st.provider, "azure");
  EXPECT_EQ(st.name, "az");
  EXPECT_EQ(st.poll_interval_ms, 3'600'000);
  EXPECT_EQ(st.labels.ToString(), R"({instance="azure/az", job="az"})");
  EXPECT_EQ(st.endpoint, "https://{region}.metrics.monitor.azure.com");
  EXPECT_THAT(st.health.last_error, HasSubstr("429 Too Many Requests"));
  EXPECT_GT(st.health.last_poll_ms, 0);
  EXPECT_EQ(st.health.series_last_poll, 2u);
  // The collector's own accounting comes through.
  EXPECT_EQ(st.health.api_calls, 7u);
  EXPECT_DOUBLE_EQ(st.health.estimated_cost_usd, 0.5);
  EXPECT_EQ(registry.Get("vigil_cloud_polls_total",
                         {{"provider", "azure"}, {"collector", "az"}, {"result", "error"}}),
            1);
}

TEST(CloudManagerTest, CollectorThatCannotBeBuiltIsDownWithItsErrorAndRetriedOnReload) {
  RecordingStorage storage;
  metrics::Registry registry;
  FakeFactory factory;
  factory.Fail("bad", Status::InvalidArgument("no credentials found"));
  CloudManager m(&storage, &registry, factory.Get(), FastStart());
  config::Config cfg;
  cfg.cloud_configs.aws.push_back(Aws("bad", 40));
  cfg.cloud_configs.gcp.push_back(Gcp("good", 40));
  ASSERT_TRUE(m.ApplyConfig(cfg).ok());
  auto all = m.Collectors();
  ASSERT_EQ(all.size(), 2u);
  const CollectorStatus* bad = Find(all, "bad");
  ASSERT_NE(bad, nullptr);
  EXPECT_EQ(bad->health.state, CollectorHealth::State::kDown);
  EXPECT_THAT(bad->health.last_error, HasSubstr("no credentials found"));
  // The other collector runs regardless.
  ASSERT_TRUE(factory.State("good")->WaitPolls(1));

  factory.Heal("bad");
  ASSERT_TRUE(m.ApplyConfig(cfg).ok());  // same config: the failed one is built again
  ASSERT_TRUE(factory.State("bad")->WaitPolls(1));
  EXPECT_EQ(factory.State("good")->built, 1);
}

TEST(CloudManagerTest, CollectorThatCannotBeBuiltYetIsRetriedAtEveryPollSlot) {
  // A key file that appears after start (the simulator writes it) must not
  // need a reload.
  RecordingStorage storage;
  metrics::Registry registry;
  FakeFactory factory;
  factory.Fail("late", Status::NotFound("reading credentials file k.json: No such file"));
  CloudManager m(&storage, &registry, factory.Get(), FastStart());
  config::Config cfg;
  cfg.cloud_configs.gcp.push_back(Gcp("late", 30));
  ASSERT_TRUE(m.ApplyConfig(cfg).ok());
  // Failed slots are polls too: down, with the error and a poll time.
  for (int i = 0; i < 200; ++i) {
    if (m.Collectors()[0].health.last_poll_ms != 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CollectorStatus st = m.Collectors()[0];
  EXPECT_EQ(st.health.state, CollectorHealth::State::kDown);
  EXPECT_THAT(st.health.last_error, HasSubstr("cannot start the collector"));
  EXPECT_NE(st.health.last_poll_ms, 0);
  factory.Heal("late");
  ASSERT_TRUE(factory.State("late")->WaitPolls(1));
  EXPECT_EQ(factory.State("late")->built, 1);
}

TEST(CloudManagerTest, ReloadKeepsUnchangedRestartsChangedStopsRemovedStartsNew) {
  RecordingStorage storage;
  metrics::Registry registry;
  FakeFactory factory;
  CloudManager m(&storage, &registry, factory.Get(), FastStart());
  config::Config cfg;
  cfg.cloud_configs.aws.push_back(Aws("keep", 3'600'000));
  cfg.cloud_configs.aws.push_back(Aws("change", 3'600'000));
  cfg.cloud_configs.gcp.push_back(Gcp("remove", 3'600'000));
  ASSERT_TRUE(m.ApplyConfig(cfg).ok());
  for (const char* n : {"keep", "change", "remove"}) ASSERT_TRUE(factory.State(n)->WaitPolls(1));

  config::Config next;
  next.cloud_configs.aws.push_back(Aws("keep", 3'600'000));
  next.cloud_configs.aws.push_back(Aws("change", 3'600'000));
  next.cloud_configs.aws.back().regions.push_back("eu-west-1");
  next.cloud_configs.azure.push_back(Azure("new", 3'600'000));
  ASSERT_TRUE(m.ApplyConfig(next).ok());

  EXPECT_EQ(factory.State("keep")->built, 1);
  EXPECT_EQ(factory.State("keep")->destroyed, 0);
  EXPECT_EQ(factory.State("keep")->Polls(), 1);  // not restarted, so no new first poll
  EXPECT_EQ(factory.State("change")->built, 2);
  EXPECT_EQ(factory.State("change")->destroyed, 1);
  EXPECT_EQ(factory.State("remove")->destroyed, 1);
  EXPECT_TRUE(factory.State("remove")->cancelled);
  ASSERT_TRUE(factory.State("new")->WaitPolls(1));
  ASSERT_TRUE(factory.State("change")->WaitPolls(2));

  auto all = m.Collectors();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].name, "change");  // sorted by provider, then name
  EXPECT_EQ(all[1].name, "keep");
  EXPECT_EQ(all[2].name, "new");
  // The removed collector's synthetic series end with a staleness marker.
  auto up = storage.Of(R"({__name__="up", instance="gcp/remove", job="remove"})");
  ASSERT_EQ(up.size(), 2u);
  EXPECT_EQ(up[0].v, 1);
  EXPECT_TRUE(model::IsStaleNaN(up[1].v));
  EXPECT_GT(up[1].t, up[0].t);
  auto kept_up = storage.Of(R"({__name__="up", instance="aws/keep", job="keep"})");
  ASSERT_EQ(kept_up.size(), 1u);
}

TEST(CloudManagerTest, StopJoinsQuicklyEvenMidPoll) {
  RecordingStorage storage;
  metrics::Registry registry;
  FakeFactory factory;
  auto s = factory.State("slow");
  s->block = true;
  CloudManager m(&storage, &registry, factory.Get(), FastStart());
  config::Config cfg;
  cfg.cloud_configs.aws.push_back(Aws("slow", 40));
  cfg.cloud_configs.gcp.push_back(Gcp("idle", 3'600'000));  // waiting between polls
  ASSERT_TRUE(m.ApplyConfig(cfg).ok());
  ASSERT_TRUE(s->WaitPolls(1));  // now blocked inside Poll
  ASSERT_TRUE(factory.State("idle")->WaitPolls(1));
  auto start = std::chrono::steady_clock::now();
  m.Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, Ms(500));
  EXPECT_TRUE(s->cancelled);
  EXPECT_EQ(s->destroyed, 1);
  // A poll cut short by shutdown is not reported as a failure.
  EXPECT_TRUE(storage.Of(R"({__name__="up", instance="aws/slow", job="slow"})").empty());
  EXPECT_TRUE(m.Collectors().empty());
  EXPECT_FALSE(m.ApplyConfig(cfg).ok());
  m.Stop();  // idempotent
}

TEST(CloudManagerTest, ReloadRemovingACollectorMidPollJoinsIt) {
  RecordingStorage storage;
  metrics::Registry registry;
  FakeFactory factory;
  auto s = factory.State("slow");
  s->block = true;
  CloudManager m(&storage, &registry, factory.Get(), FastStart());
  config::Config cfg;
  cfg.cloud_configs.aws.push_back(Aws("slow", 40));
  ASSERT_TRUE(m.ApplyConfig(cfg).ok());
  ASSERT_TRUE(s->WaitPolls(1));
  auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(m.ApplyConfig(config::Config{}).ok());
  EXPECT_LT(std::chrono::steady_clock::now() - start, Ms(500));
  EXPECT_EQ(s->destroyed, 1);
  EXPECT_TRUE(m.Collectors().empty());
}

TEST(CloudManagerTest, JobLabelSetByTheCollectorIsKept) {
  RecordingStorage storage;
  metrics::Registry registry;
  FakeFactory factory;
  auto s = factory.State("j");
  s->sample = model::Labels::FromStrings({"__name__", "m", "job", "custom"});
  CloudManager m(&storage, &registry, factory.Get(), FastStart());
  config::Config cfg;
  cfg.cloud_configs.aws.push_back(Aws("j", 3'600'000));
  ASSERT_TRUE(m.ApplyConfig(cfg).ok());
  ASSERT_TRUE(s->WaitPolls(1));
  ASSERT_TRUE(Eventually([&] { return storage.commits() == 1; }));
  EXPECT_EQ(storage.Of(R"({__name__="m", job="custom"})").size(), 1u);
}

TEST(CloudManagerTest, EntriesListEveryProviderInOrder) {
  config::CloudConfigs c;
  c.gcp.push_back(Gcp("g", 1));
  c.aws.push_back(Aws("a", 2));
  c.azure.push_back(Azure("z", 3));
  auto entries = CloudEntries(c);
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].provider, "aws");
  EXPECT_EQ(entries[0].poll_interval_ms, 2);
  EXPECT_EQ(entries[1].provider, "azure");
  EXPECT_EQ(entries[2].provider, "gcp");
  EXPECT_EQ(entries[2].name, "g");
  EXPECT_EQ(PolledEndpoint(entries[0]), "https://monitoring.us-east-1.amazonaws.com");
  EXPECT_EQ(PolledEndpoint(entries[2]), "https://monitoring.googleapis.com");
  auto again = CloudEntries(c);
  EXPECT_TRUE(entries[0] == again[0]);
  c.aws[0].credentials.secret_access_key.value = "changed";
  EXPECT_FALSE(CloudEntries(c)[0] == entries[0]);
}

}  // namespace
}  // namespace vigil::cloud
