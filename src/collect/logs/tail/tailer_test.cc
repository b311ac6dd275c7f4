#include "collect/logs/tail/tailer.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/file.h"
#include "collect/logs/tail/positions.h"

namespace vigil::logs {
namespace {

using model::ConsumeResult;
using model::LogBatch;
using model::LogRecord;

// Records every accepted batch; can refuse the next N batches (moving their
// records out first, as a careless sink may) or refuse everything.
class FakeSink : public model::LogSink {
 public:
  ConsumeResult Consume(LogBatch& batch) override {
    std::lock_guard<std::mutex> lock(mu_);
    ++calls_;
    if (fail_next_ > 0 || fail_always_) {
      if (fail_next_ > 0) --fail_next_;
      LogBatch stolen = std::move(batch);  // nothing of it may be relied on afterwards
      batch.records.clear();
      return {Status::Unavailable("store down"), {}};
    }
    for (auto& r : batch.records) records_.push_back(std::move(r));
    for (auto& o : batch.offsets) offsets_[o.source] = o.state;
    batches_.push_back(batch.offsets);
    batch.records.clear();
    return {};
  }

  void FailNext(int n) {
    std::lock_guard<std::mutex> lock(mu_);
    fail_next_ = n;
  }
  void FailAlways(bool on) {
    std::lock_guard<std::mutex> lock(mu_);
    fail_always_ = on;
  }
  size_t Count() {
    std::lock_guard<std::mutex> lock(mu_);
    return records_.size();
  }
  int Calls() {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }
  std::vector<std::string> Bodies() {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::string> out;
    for (const auto& r : records_) out.push_back(r.body);
    return out;
  }
  std::vector<LogRecord> Records() {
    std::lock_guard<std::mutex> lock(mu_);
    return records_;
  }
  std::map<std::string, std::string> Offsets() {
    std::lock_guard<std::mutex> lock(mu_);
    return offsets_;
  }
  std::vector<std::vector<model::SourceOffset>> Batches() {
    std::lock_guard<std::mutex> lock(mu_);
    return batches_;
  }

 private:
  std::mutex mu_;
  std::vector<LogRecord> records_;
  std::map<std::string, std::string> offsets_;
  std::vector<std::vector<model::SourceOffset>> batches_;
  int fail_next_ = 0;
  bool fail_always_ = false;
  int calls_ = 0;
};

bool WaitFor(const std::function<bool()>& pred, int timeout_ms = 10000) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return pred();
}

void SleepMs(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

void Append(const std::string& path, std::string_view data) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0) << path;
  ASSERT_EQ(write(fd, data.data(), data.size()), static_cast<ssize_t>(data.size()));
  close(fd);
}

std::string Lines(int from, int to, std::string_view prefix = "line ") {
  std::string out;
  for (int i = from; i <= to; ++i) out += std::string(prefix) + std::to_string(i) + "\n";
  return out;
}

std::vector<std::string> Expected(int from, int to, std::string_view prefix = "line ") {
  std::vector<std::string> out;
  for (int i = from; i <= to; ++i) out.push_back(std::string(prefix) + std::to_string(i));
  return out;
}

class TailerTest : public ::testing::Test {
 protected:
  TailerOptions Options(const std::string& glob) {
    TailerOptions o;
    o.name = "test";
    o.include = {glob};
    o.labels = model::Labels::FromStrings({"job", "app"});
    o.poll_interval_ms = 10;
    o.idle_flush_ms = 60000;
    o.multiline_timeout_ms = 60000;
    o.registry = &registry_;
    return o;
  }
  std::unique_ptr<Tailer> StartTailer(TailerOptions o, model::LogSink* sink) {
    auto t = Tailer::Start(std::move(o), sink);
    EXPECT_TRUE(t.ok()) << t.status().ToString();
    return t.ok() ? std::move(*t) : nullptr;
  }
  double Metric(const std::string& name,
                std::vector<std::pair<std::string, std::string>> labels = {}) {
    labels.insert(labels.begin(), {"tailer", "test"});
    return registry_.Get(name, labels);
  }

  fs::TempDir dir_{"vigil-tail-test"};
  metrics::Registry registry_;
  FakeSink sink_;
};

TEST_F(TailerTest, LinesSplitAcrossWritesArriveWholeWithStreamAndPath) {
  std::string path = dir_.Join("app.log");
  Append(path, "");
  auto t = StartTailer(Options(dir_.Join("*.log")), &sink_);
  Append(path, "one\ntw");
  SleepMs(30);
  Append(path, "o\r\nthree\n");
  ASSERT_TRUE(WaitFor([&] { return sink_.Count() == 3; }));
  t->Stop();
  EXPECT_EQ(sink_.Bodies(), (std::vector<std::string>{"one", "two", "three"}));
  LogRecord r = sink_.Records()[1];
  EXPECT_EQ(r.stream, model::Labels::FromStrings({"filename", path, "job", "app"}));
  ASSERT_EQ(r.attributes.size(), 1u);
  EXPECT_EQ(r.attributes[0], (model::LogAttribute{"log.file.path", path}));
  EXPECT_EQ(r.time_ns, 0);
  EXPECT_GT(r.observed_time_ns, 1600000000LL * 1000000000LL);
  EXPECT_EQ(Metric("vigil_tail_lines_total"), 3);
  EXPECT_EQ(Metric("vigil_tail_bytes_read_total"), 15);
  EXPECT_EQ(Metric("vigil_tail_files"), 1);
}

TEST_F(TailerTest, UnterminatedLineWaitsForItsNewline) {
  std::string path = dir_.Join("app.log");
  Append(path, "abc");
  auto t = StartTailer(Options(path), &sink_);
  SleepMs(60);
  EXPECT_EQ(sink_.Count(), 0u);
  Append(path, "def\n");
  ASSERT_TRUE(WaitFor([&] { return sink_.Count() == 1; }));
  t->Stop();  // a partial line is not handed over at Stop either
  EXPECT_EQ(sink_.Bodies(), (std::vector<std::string>{"abcdef"}));
}

TEST_F(TailerTest, UnterminatedLineFlushedAfterIdleTimeout) {
  std::string path = dir_.Join("app.log");
  Append(path, "first\nno newline");
  auto o = Options(path);
  o.idle_flush_ms = 30;
  auto t = StartTailer(std::move(o), &sink_);
  ASSERT_TRUE(WaitFor([&] { return sink_.Count() == 2; }));
  Append(path, "\nnext\n");
  ASSERT_TRUE(WaitFor([&] { return sink_.Count() == 3; }));
  t->Stop();
  // The newline that finally ends the flushed line is not an empty line.
  EXPECT_EQ(sink_.Bodies(), (std::vector<std::string>{"first", "no newline", "next"}));
}

TEST_F(TailerTest, RenameRotationDrainsLinesWrittenToTheOldFile) {
  std::string path = dir_.Join("app.log");
  auto o = Options(path);
  o.idle_flush_ms = 1000;  // keeps the rotated file open at least that long
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  ASSERT_GE(fd, 0);
  auto put = [&](int from, int to) {
    std::string s = Lines(from, to);
    ASSERT_EQ(write(fd, s.data(), s.size()), static_cast<ssize_t>(s.size()));
  };
  put(1, 3);
  auto t = StartTailer(std::move(o), &sink_);
  ASSERT_TRUE(WaitFor([&] { return sink_.Count() == 3; }));
  ASSERT_TRUE(fs::Rename(path, path + ".1").ok());
  put(4, 5);  // the writer still holds the old file
  Append(path, Lines(6, 7));
  ASSERT_TRUE(WaitFor([&] { return sink_.Count() == 7; }));
  put(8, 8);  // still within the drain window of the old file
  ASSERT_TRUE(WaitFor([&] { return sink_.Count() == 8; }));
  close(fd);
  EXPECT_EQ(Metric("vigil_tail_rotations_total", {{"kind", "rename"}}), 1);
  ASSERT_TRUE(WaitFor([&] { return Metric("vigil_tail_files") == 1; }));
  Append(path, Lines(9, 9));
  ASSERT_TRUE(WaitFor([&] { return sink_.Count() == 9; }));
  t->Stop();
  auto bodies = sink_.Bodies();
  std::vector<std::string> want = {"line 1", "line 2", "line 3", "line 4", "line 5",
                                   "line 6", "line 7", "line 8", "line 9"};
  EXPECT_EQ(bodies, want);
}

TEST_F(TailerTest, CopyTruncateRestartsAtZero) {
  std::string path = dir_.Join("app.log");
  Append(path, Lines(1, 3, "a long enough line "));
  auto t = StartTailer(Options(path), &sink_);
  ASSERT_TRUE(WaitFor([&] { return sink_.Count() == 3; }));
  ASSERT_TRUE(fs::Truncate(path, 0).ok());
  Append(path, "new 1\n");
  ASSERT_TRUE(WaitFor([&] { return sink_.Count() == 4; }));
  Append(path, "new 2\n");
  ASSERT_TRUE(WaitFor([&] { return sink_.Count() == 5; }));
  t->Stop();
  auto bodies = sink_.Bodies();
  EXPECT_EQ(bodies[3], "new 1");
  EXPECT_EQ(bodies[4], "new 2");
  EXPECT_EQ(Metric("vigil_tail_rotations_total", {{"kind", "truncate"}}), 1);
  auto state = DecodeFileState(sink_.Offsets().begin()->second);
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->offset, 12u);
}

TEST_F(TailerTest, MultilineJavaStackTraceIsOneRecord) {
  std::string path = dir_.Join("app.log");
  auto o = Options(path);
  o.multiline_start = R"(^\d{4}-\d{2}-\d{2} )";
  o.multiline_timeout_ms = 40;
  Append(path,
         "2024-01-01 ERROR boom\n"
         "java.lang.IllegalStateException: bad\n"
         "\tat com.example.A.run(A.java:10)\n"
         "\tat com.example.B.main(B.java:3)\n"
         "2024-01-01 INFO next\n");
  auto t = StartTailer(std::move(o), &sink_);
  ASSERT_TRUE(WaitFor([&] { return sink_.Count() == 1; }));
  auto b = sink_.Batches();
  // The pending record is not covered by the offset yet.
  auto first = DecodeFileState(b[0][0].state);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->offset, 125u);
  ASSERT_TRUE(WaitFor([&] { return sink_.Count() == 2; }));  // timeout flush
  t->Stop();
  EXPECT_EQ(sink_.Bodies(), (std::vector<std::string>{"2024-01-01 ERROR boom\n"
                                                      "java.lang.IllegalStateException: bad\n"
                                                      "\tat com.example.A.run(A.java:10)\n"
                                                      "\tat com.example.B.main(B.java:3)",
                                                      "2024-01-01 INFO next"}));
}

TEST_F(TailerTest, MultilineMaxLinesCutsLongRecords) {
  std::string path = dir_.Join("app.log");
  auto o = Options(path);
  o.multiline_start = "^START";
  o.multiline_max_lines = 3;
  Append(path, "START\nc1\nc2\nc3\nc4\nc5\nSTART again\n");
  auto t = StartTailer(std::move(o), &sink_);
  ASSERT_TRUE(WaitFor([&] { return sink_.Count() == 2; }));
  t->Stop();  // hands over the pending record
  EXPECT_EQ(sink_.Bodies(),
            (std::vector<std::string>{"START\nc1\nc2", "c3\nc4\nc5", "START again"}));
}

TEST_F(TailerTest, LineTooLongIsCutTaggedAndTheRestSkipped) {
  std::string path = dir_.Join("app.log");
  auto o = Options(path);
  o.max_line_bytes = 10;
  Append(path, "short\n" + std::string(25, 'x') + "\nafter\n" + std::string(15, 'y'));
  auto t = StartTailer(std::move(o), &sink_);
  ASSERT_TRUE(WaitFor([&] { return sink_.Count() == 3; }));
  SleepMs(30);
  Append(path, std::string(15, 'y') + "\n0123456789\r\n");
  ASSERT_TRUE(WaitFor([&] { return sink_.Count() == 5; }));
  t->Stop();
  auto recs = sink_.Records();
  std::vector<std::string> want = {"short", "xxxxxxxxxx", "after", "yyyyyyyyyy", "0123456789"};
  EXPECT_EQ(sink_.Bodies(), want);
  auto truncated = [](const LogRecord& r) {
    for (const auto& a : r.attributes) {
      if (a.key == "log.file.truncated" && a.value == "true") return true;
    }
    return false;
  };
  EXPECT_FALSE(truncated(recs[0]));
  EXPECT_TRUE(truncated(recs[1]));
  EXPECT_TRUE(truncated(recs[3]));
  EXPECT_FALSE(truncated(recs[4]));  // exactly the limit once '\r' is gone
  EXPECT_EQ(Metric("vigil_tail_errors_total", {{"reason", "line_too_long"}}), 2);
}

TEST_F(TailerTest, GlobPicksUpNewFilesAndHonoursExclude) {
  ASSERT_TRUE(fs::CreateDirs(dir_.Join("sub/deep")).ok());
  Append(dir_.Join("a.log"), "a1\n");
  auto o = Options(dir_.Join("**/*.log"));
  o.exclude = {dir_.Join("**/*.debug.log")};
  auto t = StartTailer(std::move(o), &sink_);
  ASSERT_TRUE(WaitFor([&] { return sink_.Count() == 1; }));
  Append(dir_.Join("sub/deep/b.log"), "b1\n");
  Append(dir_.Join("sub/c.debug.log"), "excluded\n");
  Append(dir_.Join("sub/d.txt"), "not matched\n");
  ASSERT_TRUE(WaitFor([&] { return sink_.Count() == 2; }));
  Append(dir_.Join("a.log"), "a2\n");
  ASSERT_TRUE(WaitFor([&] { return sink_.Count() == 3; }));
  SleepMs(40);
  t->Stop();
  EXPECT_EQ(sink_.Bodies(), (std::vector<std::string>{"a1", "b1", "a2"}));
  EXPECT_EQ(sink_.Records()[1].stream.Get("filename"), dir_.Join("sub/deep/b.log"));
}

TEST_F(TailerTest, StartAtEndSkipsOnlyWhatExistedAtStart) {
  Append(dir_.Join("old.log"), Lines(1, 5));
  auto o = Options(dir_.Join("*.log"));
  o.start_at_end = true;
  auto t = StartTailer(std::move(o), &sink_);
  SleepMs(40);
  Append(dir_.Join("old.log"), "old new\n");
  Append(dir_.Join("later.log"), "later 1\n");
  ASSERT_TRUE(WaitFor([&] { return sink_.Count() == 2; }));
  t->Stop();
  auto bodies = sink_.Bodies();
  std::sort(bodies.begin(), bodies.end());
  EXPECT_EQ(bodies, (std::vector<std::string>{"later 1", "old new"}));
}

TEST_F(TailerTest, ReadRateLimitBoundsBytesPerInterval) {
  std::string path = dir_.Join("app.log");
  std::string line(99, 'r');
  line.push_back('\n');
  std::string data;
  for (int i = 0; i < 500; ++i) data += line;  // 50000 bytes
  Append(path, data);
  auto o = Options(path);
  const double rate = 100000;
  o.read_rate_bytes_per_sec = static_cast<uint64_t>(rate);
  auto t = StartTailer(std::move(o), &sink_);
  ASSERT_TRUE(WaitFor([&] { return sink_.Count() == 500; }));
  t->Stop();
  auto recs = sink_.Records();
  // The bucket holds at most 10000 bytes (rate / 10): what was read between
  // two reads is bounded by it plus the rate times their distance, which the
  // read times stamped on the records show without asserting on wall time.
  const double burst = 10000;
  for (size_t i = 0; i < recs.size(); i += 50) {
    for (size_t j = i + 1; j < recs.size(); j += 37) {
      double span_s =
          static_cast<double>(recs[j].observed_time_ns - recs[i].observed_time_ns) / 1e9;
      double bytes = static_cast<double>((j - i) * line.size());
      ASSERT_LE(bytes, burst + rate * span_s + 2 * static_cast<double>(line.size()) + 500)
          << "records " << i << ".." << j << " over " << span_s << " s";
    }
  }
}

TEST_F(TailerTest, RestartFromPositionsFileNeitherLosesNorRepeats) {
  std::string path = dir_.Join("app.log");
  auto o = Options(path);
  o.positions_file = dir_.Join("state/positions");
  o.batch_lines = 7;
  Append(path, Lines(1, 100));
  auto t = StartTailer(o, &sink_);
  ASSERT_TRUE(WaitFor([&] { return sink_.Count() == 100; }));
  Append(path, Lines(101, 120));
  t->Stop();
  Append(path, Lines(121, 150));  // while stopped
  auto saved = LoadPositions(o.positions_file);
  ASSERT_TRUE(saved.ok()) << saved.status().ToString();
  ASSERT_EQ(saved->size(), 1u);
  auto pos = DecodeFileState(saved->begin()->second);
  ASSERT_TRUE(pos.ok());
  EXPECT_EQ(pos->offset, static_cast<uint64_t>(Lines(1, 120).size()));
  EXPECT_EQ(pos->path, path);

  FakeSink second;
  auto t2 = StartTailer(o, &second);
  Append(path, Lines(151, 160));
  ASSERT_TRUE(WaitFor([&] { return second.Count() == 40; }));
  SleepMs(30);
  t2->Stop();
  auto all = sink_.Bodies();
  auto more = second.Bodies();
  all.insert(all.end(), more.begin(), more.end());
  EXPECT_EQ(all, Expected(1, 160));
}

TEST_F(TailerTest, RestartReadsAFileRefilledWhileDownFromItsStart) {
  // Same inode, new content longer than the saved offset: only the
  // fingerprint in the state can tell.
  std::string path = dir_.Join("app.log");
  auto o = Options(path);
  o.positions_file = dir_.Join("positions");
  Append(path, Lines(1, 5));
  auto t = StartTailer(o, &sink_);
  ASSERT_TRUE(WaitFor([&] { return sink_.Count() == 5; }));
  t->Stop();
  ASSERT_TRUE(fs::Truncate(path, 0).ok());
  Append(path, Lines(1, 20, "other "));
  FakeSink second;
  auto t2 = StartTailer(o, &second);
  ASSERT_TRUE(WaitFor([&] { return second.Count() == 20; }));
  SleepMs(20);
  t2->Stop();
  EXPECT_EQ(second.Bodies(), Expected(1, 20, "other "));
  EXPECT_EQ(Metric("vigil_tail_rotations_total", {{"kind", "replaced"}}), 1);
}

TEST_F(TailerTest, StoreCrashRestartFromInitialStateIsExactlyOnce) {
  // The sink is a store that keeps records and offsets atomically and dies
  // after a while; the restarted tailer resumes from what it kept, even though
  // its own positions file lags behind.
  std::string path = dir_.Join("app.log");
  auto o = Options(path);
  o.batch_lines = 9;
  o.positions_file = dir_.Join("positions");
  o.positions_min_interval_ms = 60000;
  Append(path, Lines(1, 200));
  auto t = StartTailer(o, &sink_);
  ASSERT_TRUE(WaitFor([&] { return sink_.Count() == 200; }));
  Append(path, Lines(201, 230));
  ASSERT_TRUE(WaitFor([&] { return sink_.Count() == 230; }));
  sink_.FailAlways(true);
  int calls = sink_.Calls();
  Append(path, Lines(231, 260));
  ASSERT_TRUE(WaitFor([&] { return sink_.Calls() >= calls + 3; }));
  t->Stop();

  auto stored = sink_.Offsets();
  ASSERT_EQ(stored.size(), 1u);
  // A positions file far behind the store must not win.
  ASSERT_TRUE(SavePositions(o.positions_file, {{stored.begin()->first, "0 0 " + path}}).ok());
  FakeSink after;
  o.initial_state = [&](const std::string& source) -> std::optional<std::string> {
    auto it = stored.find(source);
    if (it == stored.end()) return std::nullopt;
    return it->second;
  };
  auto t2 = StartTailer(o, &after);
  ASSERT_TRUE(WaitFor([&] { return after.Count() == 30; }));
  SleepMs(30);
  t2->Stop();
  auto all = sink_.Bodies();
  auto more = after.Bodies();
  all.insert(all.end(), more.begin(), more.end());
  EXPECT_EQ(all, Expected(1, 260));
  // seq continues from the stored state.
  auto before_state = DecodeFileState(stored.begin()->second);
  auto after_state = DecodeFileState(after.Offsets().begin()->second);
  ASSERT_TRUE(before_state.ok() && after_state.ok());
  EXPECT_GT(after_state->seq, before_state->seq);
}

TEST_F(TailerTest, SinkFailingThenRecoveringLosesAndRepeatsNothing) {
  std::string path = dir_.Join("app.log");
  auto o = Options(path);
  o.batch_lines = 10;
  o.multiline_start = "^line";  // the rewind must reset multiline state too
  o.multiline_timeout_ms = 20;
  sink_.FailNext(3);
  Append(path, Lines(1, 95));
  auto t = StartTailer(o, &sink_);
  ASSERT_TRUE(WaitFor([&] { return sink_.Count() == 95; }));
  EXPECT_EQ(Metric("vigil_tail_errors_total", {{"reason", "consume"}}), 3);
  sink_.FailNext(2);
  Append(path, Lines(96, 120));
  ASSERT_TRUE(WaitFor([&] { return sink_.Count() == 120; }));
  t->Stop();
  EXPECT_EQ(sink_.Bodies(), Expected(1, 120));
}

TEST_F(TailerTest, StopDuringRetriesGivesUpWithoutAdvancing) {
  std::string path = dir_.Join("app.log");
  auto o = Options(path);
  o.positions_file = dir_.Join("positions");
  sink_.FailAlways(true);
  Append(path, Lines(1, 10));
  auto t = StartTailer(o, &sink_);
  ASSERT_TRUE(WaitFor([&] { return sink_.Calls() >= 2; }));
  t->Stop();
  t->Stop();  // idempotent
  auto saved = LoadPositions(o.positions_file);
  ASSERT_TRUE(saved.ok());
  ASSERT_EQ(saved->size(), 1u);
  EXPECT_EQ(DecodeFileState(saved->begin()->second)->offset, 0u);

  FakeSink working;
  auto t2 = StartTailer(o, &working);
  ASSERT_TRUE(WaitFor([&] { return working.Count() == 10; }));
  t2->Stop();
  EXPECT_EQ(working.Bodies(), Expected(1, 10));
}

TEST_F(TailerTest, BatchOffsetsNameEveryFileInTheBatch) {
  Append(dir_.Join("a.log"), Lines(1, 3, "a"));
  Append(dir_.Join("b.log"), Lines(1, 2, "b"));
  auto t = StartTailer(Options(dir_.Join("*.log")), &sink_);
  ASSERT_TRUE(WaitFor([&] { return sink_.Count() == 5; }));
  t->Stop();
  auto offsets = sink_.Offsets();
  ASSERT_EQ(offsets.size(), 2u);
  std::map<std::string, uint64_t> by_path;
  for (const auto& [source, state] : offsets) {
    EXPECT_EQ(source.rfind("file:", 0), 0u) << source;
    auto pos = DecodeFileState(state);
    ASSERT_TRUE(pos.ok());
    by_path[pos->path] = pos->offset;
  }
  EXPECT_EQ(by_path[dir_.Join("a.log")], 9u);
  EXPECT_EQ(by_path[dir_.Join("b.log")], 6u);
}

TEST_F(TailerTest, InvalidOptionsAreRefused) {
  FakeSink sink;
  auto bad = [&](TailerOptions o) { return Tailer::Start(std::move(o), &sink).status(); };
  EXPECT_TRUE(bad(Options(dir_.Join("[abc"))).IsInvalidArgument());
  auto o = Options(dir_.Join("*.log"));
  o.multiline_start = "(unclosed";
  EXPECT_TRUE(bad(o).IsInvalidArgument());
  o = Options(dir_.Join("*.log"));
  o.include.clear();
  EXPECT_TRUE(bad(o).IsInvalidArgument());
  o = Options(dir_.Join("*.log"));
  o.exclude = {"{a,b"};
  EXPECT_TRUE(bad(o).IsInvalidArgument());
  o = Options(dir_.Join("*.log"));
  o.batch_lines = 0;
  EXPECT_TRUE(bad(o).IsInvalidArgument());
  EXPECT_TRUE(Tailer::Start(Options(dir_.Join("*.log")), nullptr).status().IsInvalidArgument());
  o = Options(dir_.Join("*.log"));
  o.positions_file = dir_.Join("positions");
  ASSERT_TRUE(fs::WriteFileAtomic(o.positions_file, "garbage\n").ok());
  EXPECT_TRUE(bad(o).IsCorruption());
}

}  // namespace
}  // namespace vigil::logs
