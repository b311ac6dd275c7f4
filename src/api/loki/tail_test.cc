#include "api/loki/tail.h"

#include <gtest/gtest.h>

#include "api/loki/fake_log_reader_test_util.h"

namespace vigil::api::loki {
namespace {

using model::Labels;
using testing::FakeLogStore;

const Labels kA = Labels::FromStrings({"job", "a"});
const Labels kB = Labels::FromStrings({"job", "b"});

TailerOptions Opts(int64_t start, uint32_t limit = 100) {
  TailerOptions o;
  o.matchers = {model::Matcher::Equal("job", "a")};
  o.start_ns = start;
  o.limit = limit;
  return o;
}

std::vector<std::string> Lines(const std::vector<logql::Stream>& streams) {
  std::vector<std::string> out;
  for (const auto& s : streams) {
    for (const auto& e : s.entries) out.push_back(e.line);
  }
  return out;
}

using V = std::vector<std::string>;

TEST(Tailer, HistoryIsTheNewestLimitEntriesOldestFirst) {
  FakeLogStore store;
  for (int i = 1; i <= 5; ++i) store.Add(kA, i * 10, "l" + std::to_string(i));
  store.Add(kB, 45, "other stream");
  Tailer t(&store, Opts(0, 3));
  auto r = t.Poll(100);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Lines(r.value()), (V{"l3", "l4", "l5"}));
  EXPECT_EQ(r.value()[0].labels, kA);
  EXPECT_TRUE(t.Poll(100).value().empty());
}

TEST(Tailer, LateEntryAtTheLastTimestampIsDeliveredOnceAndRepeatsAreKept) {
  FakeLogStore store;
  store.Add(kA, 10, "x");
  Tailer t(&store, Opts(0));
  EXPECT_EQ(Lines(t.Poll(100).value()), (V{"x"}));
  // Same timestamp, same line: a repeated log line, must be delivered.
  store.Add(kA, 10, "x");
  store.Add(kA, 10, "y");
  store.Add(kA, 20, "z");
  EXPECT_EQ(Lines(t.Poll(200).value()), (V{"x", "y", "z"}));
  EXPECT_TRUE(t.Poll(300).value().empty());
  store.Add(kA, 300, "w");
  EXPECT_EQ(Lines(t.Poll(400).value()), (V{"w"}));
}

TEST(Tailer, DelayForHoldsBackRecentEntries) {
  FakeLogStore store;
  TailerOptions o = Opts(0);
  o.delay_ns = 50;
  Tailer t(&store, std::move(o));
  store.Add(kA, 60, "recent");
  EXPECT_TRUE(t.Poll(100).value().empty());  // window [0, 50)
  EXPECT_EQ(Lines(t.Poll(111).value()), (V{"recent"}));
}

TEST(Tailer, PollCapNeverSplitsATimestampAndLosesNothing) {
  FakeLogStore store;
  TailerOptions o = Opts(0);
  o.max_entries_per_poll = 2;
  Tailer t(&store, std::move(o));
  EXPECT_TRUE(t.Poll(5).value().empty());  // history: nothing yet
  store.Add(kA, 10, "a1");
  store.Add(kA, 10, "a2");
  store.Add(kA, 10, "a3");
  store.Add(kA, 20, "b");
  store.Add(kA, 30, "c");
  std::vector<std::string> all;
  for (int i = 0; i < 10; ++i) {
    auto r = t.Poll(100);
    ASSERT_TRUE(r.ok());
    for (auto& l : Lines(r.value())) all.push_back(l);
    if (t.caught_up()) break;
  }
  EXPECT_EQ(all, (V{"a1", "a2", "a3", "b", "c"}));
}

class DropAndRelabel : public logql::EntryPipeline {
 public:
  bool Process(const Labels& stream, int64_t, std::string* line, Labels* labels) override {
    if (line->find("debug") != std::string::npos) return false;
    *labels = stream.With("level", line->substr(0, line->find(' ')));
    return true;
  }
};

TEST(Tailer, PipelineFiltersAndGroupsByOutputLabels) {
  FakeLogStore store;
  store.Add(kA, 1, "info one");
  store.Add(kA, 2, "debug two");
  store.Add(kA, 3, "warn three");
  store.Add(kA, 4, "info four");
  TailerOptions o = Opts(0);
  o.pipeline = std::make_unique<DropAndRelabel>();
  Tailer t(&store, std::move(o));
  auto r = t.Poll(10).value();
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].labels, kA.With("level", "info"));
  EXPECT_EQ(Lines({r[0]}), (V{"info one", "info four"}));
  EXPECT_EQ(r[1].labels, kA.With("level", "warn"));
}

TEST(TailManager, RefusesBeyondItsLimitAndJoinsOnDestruction) {
  struct FakeWs : http::WebSocket {
    bool Send(std::string) override { return !closed_; }
    void Close(int, std::string_view) override {
      std::lock_guard<std::mutex> l(mu);
      closed_ = true;
      cv.notify_all();
    }
    bool closed() const override { return closed_; }
    bool WaitClosed(int64_t ms) override {
      std::unique_lock<std::mutex> l(mu);
      cv.wait_for(l, std::chrono::milliseconds(ms), [&] { return closed_.load(); });
      return closed_;
    }
    const std::string& remote_addr() const override { return addr; }
    std::mutex mu;
    std::condition_variable cv;
    std::atomic<bool> closed_{false};
    std::string addr = "test";
  };
  auto ws1 = std::make_shared<FakeWs>();
  auto ws2 = std::make_shared<FakeWs>();
  std::atomic<int> finished{0};
  {
    TailManager m(1);
    ASSERT_TRUE(m.Start(ws1, [&] {
      while (!ws1->WaitClosed(10000)) {
      }
      ++finished;
    }));
    EXPECT_FALSE(m.Start(ws2, [] {}));
    EXPECT_EQ(m.active(), 1u);
  }
  EXPECT_EQ(finished.load(), 1);
  EXPECT_TRUE(ws1->closed());
}

}  // namespace
}  // namespace vigil::api::loki
