// TaskPool: a few long-lived threads that help callers run the iterations of
// a loop in parallel (a query spreading its series over the machine's cores).
//
// The caller of ParallelFor always works on its own loop too, so a loop
// finishes even when every pool thread is busy with other callers' loops:
// the pool only ever adds help, never a wait for a free thread.
//
// Thread-safety: safe to use from any thread; many threads may run
// ParallelFor at once (the pool's threads share out between their loops).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace vigil {

class TaskPool {
 public:
  // threads: helper threads (0: ParallelFor runs every iteration inline).
  explicit TaskPool(int threads);
  ~TaskPool();  // waits for the threads to finish their current iterations
  TaskPool(const TaskPool&) = delete;
  TaskPool& operator=(const TaskPool&) = delete;

  int threads() const { return static_cast<int>(threads_.size()); }

  // Runs fn(slot, i) once for every i in [0, n) and returns when all calls
  // have returned. Calls run on the calling thread and on pool threads that
  // are free; slot (0 for the caller, 1..threads() for helpers) tells them
  // apart within this loop so that each can keep scratch state of its own.
  // Iterations are handed out in increasing order of i, one at a time.
  void ParallelFor(size_t n, const std::function<void(int slot, size_t i)>& fn);

 private:
  struct Loop;
  void ThreadMain();
  static void RunIterations(Loop* loop, int slot);

  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<std::shared_ptr<Loop>> waiting_;  // loops that would take more helpers
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace vigil
