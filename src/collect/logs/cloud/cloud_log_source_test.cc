// The cloud log poller against a fake API and a fake durable sink: windows,
// catching up, checkpoints recorded with the records, resuming a window in
// progress after a "crash" without a duplicate or a gap, a full sink, API
// errors, the state file.
#include "collect/logs/cloud/cloud_log_source.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <map>
#include <mutex>
#include <set>

#include <fmt/format.h>

#include "base/file.h"

namespace vigil::cloudlogs {
namespace {

constexpr int64_t kMin = 60'000;

// Events at fixed times (ms); Read returns those in [start, end) in pages.
class FakeApi : public CloudLogApi {
 public:
  FakeApi(std::string key, std::vector<int64_t> times, size_t page_size)
      : key_(std::move(key)), times_(std::move(times)), page_size_(page_size) {}
  std::string Key() const override { return key_; }
  Status Read(int64_t start, int64_t end,
              const std::function<Status(std::vector<model::LogRecord>&)>& page) override {
    reads.push_back({start, end});
    std::vector<model::LogRecord> cur;
    size_t pages = 0;
    for (int64_t t : times_) {
      if (t < start || t >= end) continue;
      model::LogRecord r;
      r.time_ns = t * 1'000'000;
      r.observed_time_ns = r.time_ns;
      r.body = fmt::format("event {}", t);
      r.stream = model::Labels::FromStrings({"cloud_provider", "fake", "job", "mapped"});
      cur.push_back(std::move(r));
      if (cur.size() == page_size_) {
        if (fail_after_pages >= 0 && static_cast<int>(pages) == fail_after_pages) {
          return Status::Unavailable("throttled");
        }
        VIGIL_RETURN_IF_ERROR(page(cur));
        ++pages;
        cur.clear();
      }
    }
    if (fail_after_pages >= 0 && static_cast<int>(pages) == fail_after_pages) {
      return Status::Unavailable("throttled");
    }
    return page(cur);
  }
  void Cancel() override {}

  std::vector<std::pair<int64_t, int64_t>> reads;
  int fail_after_pages = -1;  // fail before handing page n (0-based); -1 never

 private:
  std::string key_;
  std::vector<int64_t> times_;
  size_t page_size_;
};

// Keeps records and the last state per source, as the log store does; can
// be told to refuse the next n batches as full.
class FakeStore : public model::LogSink {
 public:
  model::ConsumeResult Consume(model::LogBatch& batch) override {
    std::lock_guard<std::mutex> l(mu);
    if (refuse > 0) {
      --refuse;
      return {Status::Unavailable("store full"), {}};
    }
    for (auto& r : batch.records) records.push_back(std::move(r));
    for (auto& o : batch.offsets) states[o.source] = o.state;
    ++batches;
    return {};
  }
  std::optional<std::string> State(const std::string& key) {
    std::lock_guard<std::mutex> l(mu);
    auto it = states.find(key);
    if (it == states.end()) return std::nullopt;
    return it->second;
  }
  std::mutex mu;
  std::vector<model::LogRecord> records;
  std::map<std::string, std::string> states;
  int refuse = 0;
  int batches = 0;
};

class CloudLogSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/vigil-cloudlog-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { (void)fs::RemoveAll(dir_); }

  CloudLogSourceOptions Options() {
    CloudLogSourceOptions o;
    o.name = "test";
    o.poll_interval_ms = kMin;
    o.delay_ms = kMin;
    o.lookback_ms = 10 * kMin;
    o.max_window_ms = 4 * kMin;
    o.now_ms = [this] { return now_; };
    o.sleep = [this](int64_t ms) {
      sleeps_.push_back(ms);
      return true;
    };
    o.initial_state = [this](const std::string& k) { return store_.State(k); };
    return o;
  }

  std::unique_ptr<CloudLogSource> Make(CloudLogSourceOptions o, FakeApi** api,
                                       std::vector<int64_t> times, size_t page = 3) {
    auto a = std::make_unique<FakeApi>("fake:target", std::move(times), page);
    *api = a.get();
    std::vector<std::unique_ptr<CloudLogApi>> apis;
    apis.push_back(std::move(a));
    auto s = CloudLogSource::Create(std::move(o), std::move(apis), &store_);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return std::move(s).value();
  }

  // Every 10 s from 0 to `until`.
  static std::vector<int64_t> Every10s(int64_t until) {
    std::vector<int64_t> t;
    for (int64_t x = 0; x < until; x += 10'000) t.push_back(x);
    return t;
  }

  std::multiset<std::string> Bodies() {
    std::multiset<std::string> out;
    for (const auto& r : store_.records) out.insert(r.body);
    return out;
  }

  std::string dir_;
  int64_t now_ = 0;
  std::vector<int64_t> sleeps_;
  FakeStore store_;
};

TEST(CloudLogCheckpointTest, EncodesAndDecodes) {
  CloudLogCheckpoint c{1000, 61000, 42};
  EXPECT_EQ(c.Encode(), "v1 1000 61000 42");
  auto d = CloudLogCheckpoint::Decode("v1 1000 61000 42");
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->start_ms, 1000);
  EXPECT_EQ(d->end_ms, 61000);
  EXPECT_EQ(d->done, 42u);
  for (const char* bad : {"", "v1", "v1 1 2", "v1 1 2 3 4", "v2 1 2 3", "v1 5 2 0", "v1 a 2 0",
                          "v1 1 2 -1", "v1  1 2 3"}) {
    EXPECT_FALSE(CloudLogCheckpoint::Decode(bad).has_value()) << bad;
  }
}

TEST_F(CloudLogSourceTest, FirstPollReadsTheLookbackInWindowsAndRecordsTheEnd) {
  now_ = 60 * kMin;
  FakeApi* api;
  auto src = Make(Options(), &api, Every10s(2 * now_));
  ASSERT_TRUE(src->PollOnce().ok());
  // [now - delay - lookback, now - delay) = [49m, 59m) in windows of at most 4m.
  std::vector<std::pair<int64_t, int64_t>> want = {
      {49 * kMin, 53 * kMin}, {53 * kMin, 57 * kMin}, {57 * kMin, 59 * kMin}};
  EXPECT_EQ(api->reads, want);
  EXPECT_EQ(store_.records.size(), 60u);  // 10 minutes, one event per 10 s
  EXPECT_EQ(store_.State("fake:target"), fmt::format("v1 {0} {0} 0", 59 * kMin));
  EXPECT_EQ(store_.records.front().body, fmt::format("event {}", 49 * kMin));

  // The next poll continues from the end, with no overlap.
  now_ += 2 * kMin;
  ASSERT_TRUE(src->PollOnce().ok());
  EXPECT_EQ(api->reads.back(), std::make_pair(59 * kMin, 61 * kMin));
  EXPECT_EQ(store_.records.size(), 72u);
  auto bodies = Bodies();
  EXPECT_EQ(std::set<std::string>(bodies.begin(), bodies.end()).size(), bodies.size());
  auto h = src->Health();
  ASSERT_EQ(h.size(), 1u);
  EXPECT_EQ(h[0].records, 72u);
  EXPECT_EQ(h[0].last_error, "");
}

TEST_F(CloudLogSourceTest, NothingToReadBeforeTheDelayHasPassed) {
  now_ = 60 * kMin;
  FakeApi* api;
  auto src = Make(Options(), &api, Every10s(now_));
  ASSERT_TRUE(src->PollOnce().ok());
  size_t reads = api->reads.size();
  now_ += 1;  // the horizon moved by 1 ms: a 1 ms window
  ASSERT_TRUE(src->PollOnce().ok());
  EXPECT_EQ(api->reads.size(), reads + 1);
  ASSERT_TRUE(src->PollOnce().ok());  // the same now: nothing
  EXPECT_EQ(api->reads.size(), reads + 1);
}

TEST_F(CloudLogSourceTest, LabelsOfTheSourceAreAddedAndWin) {
  now_ = 60 * kMin;
  auto o = Options();
  o.labels = model::Labels::FromStrings({"env", "prod", "job", "cloud"});
  FakeApi* api;
  auto src = Make(std::move(o), &api, Every10s(now_));
  ASSERT_TRUE(src->PollOnce().ok());
  ASSERT_FALSE(store_.records.empty());
  EXPECT_EQ(store_.records[0].stream,
            model::Labels::FromStrings({"cloud_provider", "fake", "env", "prod", "job", "cloud"}));
}

TEST_F(CloudLogSourceTest, AWindowInProgressIsResumedWithoutDuplicatesOrGaps) {
  now_ = 60 * kMin;
  const auto times = Every10s(now_);
  {
    FakeApi* api;
    auto src = Make(Options(), &api, times);
    api->fail_after_pages = 2;  // two pages of the first window stored, then an error
    EXPECT_FALSE(src->PollOnce().ok());
    EXPECT_EQ(store_.records.size(), 6u);
    EXPECT_EQ(store_.State("fake:target"), fmt::format("v1 {} {} 6", 49 * kMin, 53 * kMin));
    EXPECT_NE(src->Health()[0].last_error, "");
  }
  // A new source (a restart) starts from the store's state.
  FakeApi* api;
  auto src = Make(Options(), &api, times);
  ASSERT_TRUE(src->PollOnce().ok());
  EXPECT_EQ(api->reads.front(), std::make_pair(49 * kMin, 53 * kMin));
  EXPECT_EQ(store_.records.size(), 60u);
  auto bodies = Bodies();
  EXPECT_EQ(std::set<std::string>(bodies.begin(), bodies.end()).size(), 60u);
  EXPECT_EQ(store_.State("fake:target"), fmt::format("v1 {0} {0} 0", 59 * kMin));
}

TEST_F(CloudLogSourceTest, AFullSinkIsRetriedWithBackoffAndNothingIsLost) {
  now_ = 60 * kMin;
  store_.refuse = 3;
  FakeApi* api;
  auto src = Make(Options(), &api, Every10s(now_));
  ASSERT_TRUE(src->PollOnce().ok());
  EXPECT_EQ(store_.records.size(), 60u);
  ASSERT_EQ(sleeps_.size(), 3u);
  EXPECT_EQ(sleeps_[0], 100);
  EXPECT_EQ(sleeps_[1], 200);
  EXPECT_EQ(sleeps_[2], 400);
}

TEST_F(CloudLogSourceTest, TheStateFileServesSinksThatKeepNoOffsets) {
  now_ = 60 * kMin;
  auto o = Options();
  o.initial_state = nullptr;
  o.state_dir = dir_ + "/state";
  {
    FakeApi* api;
    auto src = Make(o, &api, Every10s(now_));
    ASSERT_TRUE(src->PollOnce().ok());
  }
  store_.records.clear();
  now_ += kMin;
  FakeApi* api;
  auto src = Make(o, &api, Every10s(now_));
  ASSERT_TRUE(src->PollOnce().ok());
  ASSERT_EQ(api->reads.size(), 1u);
  EXPECT_EQ(api->reads[0], std::make_pair(59 * kMin, 60 * kMin));
  EXPECT_EQ(store_.records.size(), 6u);
}

TEST_F(CloudLogSourceTest, AnUnreadableCheckpointStartsFromTheLookback) {
  now_ = 60 * kMin;
  store_.states["fake:target"] = "garbage";
  FakeApi* api;
  auto src = Make(Options(), &api, Every10s(now_));
  ASSERT_TRUE(src->PollOnce().ok());
  EXPECT_EQ(api->reads.front().first, 49 * kMin);
}

TEST_F(CloudLogSourceTest, StartAndStopRunThePollThread) {
  now_ = 60 * kMin;
  auto o = Options();
  std::mutex mu;
  std::condition_variable cv;
  int polls = 0;
  // The thread's wait between polls: count it, and let Stop end it.
  o.sleep = [&](int64_t) {
    std::unique_lock<std::mutex> l(mu);
    ++polls;
    cv.notify_all();
    return false;
  };
  FakeApi* api;
  auto src = Make(std::move(o), &api, Every10s(now_));
  src->Start();
  {
    std::unique_lock<std::mutex> l(mu);
    cv.wait(l, [&] { return polls >= 1; });
  }
  src->Stop();
  src->Stop();
  EXPECT_EQ(store_.records.size(), 60u);
}

TEST_F(CloudLogSourceTest, CreateRefusesBadOptions) {
  std::vector<std::unique_ptr<CloudLogApi>> none;
  EXPECT_FALSE(CloudLogSource::Create(Options(), std::move(none), &store_).ok());
  std::vector<std::unique_ptr<CloudLogApi>> one;
  one.push_back(std::make_unique<FakeApi>("k", std::vector<int64_t>{}, 1));
  auto o = Options();
  o.max_window_ms = 0;
  EXPECT_FALSE(CloudLogSource::Create(o, std::move(one), &store_).ok());
}

}  // namespace
}  // namespace vigil::cloudlogs
