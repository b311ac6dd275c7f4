#include "base/task_pool.h"

#include <gtest/gtest.h>

#include <mutex>

#include <atomic>
#include <set>
#include <thread>
#include <vector>

namespace vigil {
namespace {

TEST(TaskPoolTest, EveryIterationRunsExactlyOnce) {
  TaskPool pool(3);
  std::vector<std::atomic<int>> runs(1000);
  pool.ParallelFor(runs.size(), [&](int, size_t i) { runs[i].fetch_add(1); });
  for (size_t i = 0; i < runs.size(); ++i) ASSERT_EQ(runs[i].load(), 1) << i;
}

TEST(TaskPoolTest, SlotsAreDistinctPerThreadWithinOneLoop) {
  TaskPool pool(2);
  std::vector<std::thread::id> owner(3);
  std::atomic<bool> clash{false};
  std::mutex mu;
  pool.ParallelFor(300, [&](int slot, size_t) {
    ASSERT_GE(slot, 0);
    ASSERT_LE(slot, 2);
    std::lock_guard<std::mutex> lock(mu);
    if (owner[static_cast<size_t>(slot)] == std::thread::id()) {
      owner[static_cast<size_t>(slot)] = std::this_thread::get_id();
    } else if (owner[static_cast<size_t>(slot)] != std::this_thread::get_id()) {
      clash = true;
    }
  });
  EXPECT_FALSE(clash.load());
}

TEST(TaskPoolTest, WithoutThreadsRunsInlineInOrder) {
  TaskPool pool(0);
  std::vector<size_t> order;
  pool.ParallelFor(5, [&](int slot, size_t i) {
    EXPECT_EQ(slot, 0);
    order.push_back(i);
  });
  EXPECT_EQ(order, (std::vector<size_t>{0, 1, 2, 3, 4}));
}

// A caller never waits for a free pool thread: with the only helper stuck
// in another loop, a second loop still finishes on its caller's thread.
TEST(TaskPoolTest, LoopFinishesWhileEveryHelperIsBusyElsewhere) {
  TaskPool pool(1);
  std::atomic<bool> release{false};
  std::atomic<bool> helper_blocked{false};
  std::thread blocker([&] {
    // The caller's iteration waits for the helper to take the other one,
    // which then stays busy until released.
    pool.ParallelFor(2, [&](int slot, size_t) {
      if (slot == 0) {
        while (!helper_blocked.load()) std::this_thread::yield();
      } else {
        helper_blocked = true;
        while (!release.load()) std::this_thread::yield();
      }
    });
  });
  while (!helper_blocked.load()) std::this_thread::yield();
  std::atomic<int> sum{0};
  pool.ParallelFor(100, [&](int, size_t i) { sum += static_cast<int>(i); });
  EXPECT_EQ(sum.load(), 4950);
  release = true;
  blocker.join();
}

TEST(TaskPoolTest, ManyCallersAtOnce) {
  TaskPool pool(2);
  std::vector<std::thread> callers;
  std::atomic<int> total{0};
  for (int c = 0; c < 4; ++c) {
    callers.emplace_back([&] {
      for (int round = 0; round < 50; ++round) {
        pool.ParallelFor(20, [&](int, size_t) { total.fetch_add(1); });
      }
    });
  }
  for (auto& t : callers) t.join();
  EXPECT_EQ(total.load(), 4 * 50 * 20);
}

}  // namespace
}  // namespace vigil
