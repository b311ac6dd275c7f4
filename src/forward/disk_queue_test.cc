#include "forward/disk_queue.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

#include <fmt/format.h>

#include "base/file.h"

namespace vigil::forward {
namespace {

std::unique_ptr<DiskQueue> OpenQueue(const std::string& dir, DiskQueueOptions opts = {}) {
  auto q = DiskQueue::Open(dir, opts);
  EXPECT_TRUE(q.ok()) << q.status().ToString();
  return q.ok() ? std::move(q).value() : nullptr;
}

void AppendRange(DiskQueue* q, int from, int to, size_t pad = 0) {
  FramedBatch b;
  for (int i = from; i < to; ++i) b.Add(fmt::format("rec-{}{}", i, std::string(pad, 'x')));
  ASSERT_TRUE(q->Append(b).ok());
}

// Reads everything readable now, acking each read when `ack`.
std::vector<std::string> Drain(DiskQueue* q, bool ack, uint64_t max_bytes = 1 << 20) {
  std::vector<std::string> out;
  QueueRead r;
  for (;;) {
    EXPECT_TRUE(q->Read(max_bytes, &r).ok());
    if (r.records.empty()) break;
    for (auto p : r.records) out.emplace_back(p);
    if (ack) {
      EXPECT_TRUE(q->Ack(r).ok());
    }
  }
  return out;
}

std::vector<std::string> Expected(int from, int to, size_t pad = 0) {
  std::vector<std::string> out;
  for (int i = from; i < to; ++i) out.push_back(fmt::format("rec-{}{}", i, std::string(pad, 'x')));
  return out;
}

std::string OnlyOldSegment(const std::string& dir) {
  auto names = fs::ListDir(dir);
  for (const auto& n : names.value()) {
    if (n.size() == 12 && n.ends_with(".seg")) return fs::Join(dir, n);
  }
  return "";
}

TEST(DiskQueue, RecordsComeOutInAppendOrder) {
  fs::TempDir tmp("fwdq");
  auto q = OpenQueue(tmp.path());
  AppendRange(q.get(), 0, 10);
  AppendRange(q.get(), 10, 25);
  EXPECT_EQ(q->queued_records(), 25u);
  EXPECT_EQ(Drain(q.get(), true), Expected(0, 25));
  EXPECT_EQ(q->queued_records(), 0u);
  EXPECT_EQ(q->unread_bytes(), 0u);
}

TEST(DiskQueue, AckedCursorSurvivesReopenAndUnackedIsReadAgain) {
  fs::TempDir tmp("fwdq");
  {
    auto q = OpenQueue(tmp.path());
    AppendRange(q.get(), 0, 100);
    QueueRead r;
    ASSERT_TRUE(q->Read(200, &r).ok());  // a few records
    ASSERT_FALSE(r.records.empty());
    ASSERT_LT(r.records.size(), 100u);
    size_t acked = r.records.size();
    ASSERT_TRUE(q->Ack(r).ok());
    ASSERT_TRUE(q->Read(200, &r).ok());  // read, never acknowledged
    ASSERT_FALSE(r.records.empty());
    EXPECT_EQ(q->queued_records(), 100u - acked);
  }
  auto q = OpenQueue(tmp.path());
  uint64_t left = q->queued_records();
  auto got = Drain(q.get(), true);
  EXPECT_EQ(got.size(), left);
  ASSERT_FALSE(got.empty());
  int first = std::stoi(got.front().substr(4));
  EXPECT_EQ(got, Expected(first, 100));
  EXPECT_EQ(first + got.size(), 100u);
}

TEST(DiskQueue, FullQueueRefusesAppendUntilAcknowledged) {
  fs::TempDir tmp("fwdq");
  DiskQueueOptions opts;
  opts.max_bytes = 4096;
  auto q = OpenQueue(tmp.path(), opts);
  FramedBatch b;
  b.Add(std::string(1000, 'a'));
  int taken = 0;
  Status s;
  while ((s = q->Append(b)).ok()) ++taken;
  EXPECT_TRUE(s.IsResourceExhausted()) << s.ToString();
  EXPECT_EQ(taken, 4);  // 8 header bytes + 4 * 1008 <= 4096
  EXPECT_LE(q->queued_bytes(), opts.max_bytes);
  EXPECT_EQ(q->queued_records(), 4u);
  QueueRead r;
  ASSERT_TRUE(q->Read(1, &r).ok());
  ASSERT_TRUE(q->Ack(r).ok());
  EXPECT_TRUE(q->Append(b).ok());
}

TEST(DiskQueue, TornTailFromACrashIsIgnoredOnReopen) {
  fs::TempDir tmp("fwdq");
  {
    auto q = OpenQueue(tmp.path());
    AppendRange(q.get(), 0, 5);
  }
  std::string seg = OnlyOldSegment(tmp.path());
  {
    auto f = fs::WritableFile::OpenAppend(seg);
    ASSERT_TRUE(f.ok());
    FramedBatch torn;
    torn.Add("rec-never-finished");
    ASSERT_TRUE((*f)->Append(torn.data().substr(0, torn.bytes() - 3)).ok());
    ASSERT_TRUE((*f)->Close().ok());
  }
  auto q = OpenQueue(tmp.path());
  EXPECT_EQ(q->queued_records(), 5u);
  AppendRange(q.get(), 5, 8);
  EXPECT_EQ(Drain(q.get(), true), Expected(0, 8));
  EXPECT_EQ(q->corrupt_segments(), 1u);
}

TEST(DiskQueue, FlippedByteEndsItsSegmentButLaterSegmentsAreRead) {
  fs::TempDir tmp("fwdq");
  {
    auto q = OpenQueue(tmp.path());
    AppendRange(q.get(), 0, 10);
  }
  std::string seg = OnlyOldSegment(tmp.path());
  std::string data = fs::ReadFile(seg).value();
  size_t pos = data.find("rec-5");
  ASSERT_NE(pos, std::string::npos);
  data[pos + 4] = 'X';
  ASSERT_TRUE(fs::WriteFileAtomic(seg, data).ok());
  auto q = OpenQueue(tmp.path());
  AppendRange(q.get(), 10, 12);
  auto got = Drain(q.get(), true);
  auto want = Expected(0, 5);
  auto later = Expected(10, 12);
  want.insert(want.end(), later.begin(), later.end());
  EXPECT_EQ(got, want);
  EXPECT_EQ(q->corrupt_segments(), 1u);
}

TEST(DiskQueue, AcknowledgedSegmentsAreDeleted) {
  fs::TempDir tmp("fwdq");
  DiskQueueOptions opts;
  opts.segment_bytes = 4096;
  auto q = OpenQueue(tmp.path(), opts);
  for (int i = 0; i < 50; ++i) AppendRange(q.get(), i * 10, i * 10 + 10, 50);
  EXPECT_GT(q->segment_count(), 5u);
  EXPECT_EQ(Drain(q.get(), true, 1000), Expected(0, 500, 50));
  EXPECT_EQ(q->segment_count(), 1u);
  EXPECT_EQ(q->queued_bytes(), 0u);
}

TEST(DiskQueue, RestartsWithoutDataLeaveNoSegmentsBehind) {
  fs::TempDir tmp("fwdq");
  for (int i = 0; i < 5; ++i) {
    auto q = OpenQueue(tmp.path());
    AppendRange(q.get(), i, i + 1);
    EXPECT_EQ(Drain(q.get(), true), Expected(i, i + 1));
  }
  auto q = OpenQueue(tmp.path());
  QueueRead r;
  ASSERT_TRUE(q->Read(100, &r).ok());
  EXPECT_TRUE(r.records.empty());
  ASSERT_TRUE(q->Ack(r).ok());
  EXPECT_EQ(q->segment_count(), 1u);
}

TEST(DiskQueue, RecordLargerThanReadSizeComesOutWhole) {
  fs::TempDir tmp("fwdq");
  auto q = OpenQueue(tmp.path());
  FramedBatch b;
  b.Add("small");
  b.Add(std::string(300 << 10, 'z'));
  b.Add("after");
  ASSERT_TRUE(q->Append(b).ok());
  QueueRead r;
  ASSERT_TRUE(q->Read(16, &r).ok());
  ASSERT_EQ(r.records.size(), 1u);
  EXPECT_EQ(r.records[0], "small");
  ASSERT_TRUE(q->Read(16, &r).ok());
  ASSERT_EQ(r.records.size(), 1u);
  EXPECT_EQ(r.records[0].size(), 300u << 10);
  ASSERT_TRUE(q->Read(16, &r).ok());
  ASSERT_EQ(r.records.size(), 1u);
  EXPECT_EQ(r.records[0], "after");
}

TEST(DiskQueue, QueuedRecordsAreNotHeldInMemory) {
  fs::TempDir tmp("fwdq");
  auto q = OpenQueue(tmp.path());
  for (int i = 0; i < 200; ++i) AppendRange(q.get(), i * 10, i * 10 + 10, 1000);  // ~2 MB
  EXPECT_EQ(q->memory_bytes(), 0u);
  QueueRead r;
  ASSERT_TRUE(q->Read(64 << 10, &r).ok());
  EXPECT_LE(q->memory_bytes(), 128u << 10);
  EXPECT_GT(q->queued_bytes(), 2000000u);
}

TEST(DiskQueue, SecondOpenOfTheSameDirectoryFails) {
  fs::TempDir tmp("fwdq");
  auto q = OpenQueue(tmp.path());
  auto again = DiskQueue::Open(tmp.path(), {});
  EXPECT_FALSE(again.ok());
}

TEST(DiskQueue, WaitUnreadWakesOnAppendAndOnInterrupt) {
  fs::TempDir tmp("fwdq");
  auto q = OpenQueue(tmp.path());
  EXPECT_FALSE(q->WaitUnread(1, 10));
  std::thread t([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    AppendRange(q.get(), 0, 1);
  });
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(q->WaitUnread(1, 5000));
  t.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  q->Interrupt();
  start = std::chrono::steady_clock::now();
  EXPECT_FALSE(q->WaitUnread(1 << 20, 5000));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

TEST(DiskQueue, ConcurrentAppendsKeepEveryRecord) {
  fs::TempDir tmp("fwdq");
  DiskQueueOptions opts;
  opts.segment_bytes = 8192;
  auto q = OpenQueue(tmp.path(), opts);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) AppendRange(q.get(), t * 1000 + i * 2, t * 1000 + i * 2 + 2);
    });
  }
  for (auto& t : threads) t.join();
  auto got = Drain(q.get(), true, 500);
  EXPECT_EQ(got.size(), 400u);
  std::sort(got.begin(), got.end());
  EXPECT_EQ(std::unique(got.begin(), got.end()), got.end());
}

TEST(DiskQueue, AppendedBatchesSurviveKillOfTheProcess) {
  fs::TempDir tmp("fwdq");
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(fds[0]);
    auto q = DiskQueue::Open(tmp.path(), {});
    if (!q.ok()) ::_exit(1);
    for (int32_t i = 0;; ++i) {
      FramedBatch b;
      for (int j = 0; j < 10; ++j) b.Add(fmt::format("rec-{}", i * 10 + j));
      if (!(*q)->Append(b).ok()) ::_exit(2);
      if (::write(fds[1], &i, sizeof i) != sizeof i) ::_exit(3);  // "acknowledged"
    }
  }
  ::close(fds[1]);
  int32_t last = -1, v;
  while (last < 200 && ::read(fds[0], &v, sizeof v) == sizeof v) last = v;
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  while (::read(fds[0], &v, sizeof v) == sizeof v) last = v;
  ::close(fds[0]);
  ASSERT_TRUE(WIFSIGNALED(status));

  auto q = OpenQueue(tmp.path());
  auto got = Drain(q.get(), true);
  // Every batch the child saw Append return for is there, in order, and
  // nothing else but possibly the batch it was writing when killed.
  ASSERT_GE(got.size(), static_cast<size_t>(last + 1) * 10);
  EXPECT_LE(got.size(), static_cast<size_t>(last + 2) * 10);
  EXPECT_EQ(got, Expected(0, static_cast<int>(got.size())));
}

TEST(DiskQueueFrame, ParseFrameRejectsBadChecksumAndLength) {
  FramedBatch b;
  b.Add("hello");
  std::string_view payload;
  size_t n = 0;
  EXPECT_EQ(ParseFrame(b.data(), &payload, &n), FrameResult::kOk);
  EXPECT_EQ(payload, "hello");
  EXPECT_EQ(n, b.bytes());
  EXPECT_EQ(ParseFrame(std::string_view(b.data()).substr(0, 7), &payload, &n),
            FrameResult::kTruncated);
  std::string bad = b.data();
  bad.back() ^= 1;
  EXPECT_EQ(ParseFrame(bad, &payload, &n), FrameResult::kCorrupt);
  bad = b.data();
  bad[4] = '\x7f';  // length far beyond kMaxQueueRecordBytes
  EXPECT_EQ(ParseFrame(bad, &payload, &n), FrameResult::kCorrupt);
}

}  // namespace
}  // namespace vigil::forward
