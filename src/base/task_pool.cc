#include "base/task_pool.h"

#include <algorithm>
#include <atomic>

namespace vigil {

struct TaskPool::Loop {
  size_t n = 0;
  const std::function<void(int, size_t)>* fn = nullptr;
  std::atomic<size_t> next{0};
  // Guarded by the pool's mutex.
  int helpers_joined = 0;
  int helpers_running = 0;
  int max_helpers = 0;
  std::condition_variable helpers_done;
};

TaskPool::TaskPool(int threads) {
  threads_.reserve(static_cast<size_t>(threads > 0 ? threads : 0));
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { ThreadMain(); });
}

TaskPool::~TaskPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (std::thread& t : threads_) t.join();
}

void TaskPool::RunIterations(Loop* loop, int slot) {
  for (;;) {
    size_t i = loop->next.fetch_add(1, std::memory_order_relaxed);
    if (i >= loop->n) return;
    (*loop->fn)(slot, i);
  }
}

void TaskPool::ParallelFor(size_t n, const std::function<void(int slot, size_t i)>& fn) {
  if (n == 0) return;
  const int helpers = static_cast<int>(std::min<size_t>(threads_.size(), n - 1));
  if (helpers == 0) {
    for (size_t i = 0; i < n; ++i) fn(0, i);
    return;
  }
  auto loop = std::make_shared<Loop>();
  loop->n = n;
  loop->fn = &fn;
  loop->max_helpers = helpers;
  {
    std::lock_guard<std::mutex> lock(mu_);
    waiting_.push_back(loop);
  }
  if (helpers == 1) {
    wake_.notify_one();
  } else {
    wake_.notify_all();
  }
  RunIterations(loop.get(), 0);
  // Every iteration is handed out: no new helper may join; wait for those
  // still running theirs (fn and the loop live on this stack frame).
  std::unique_lock<std::mutex> lock(mu_);
  for (auto it = waiting_.begin(); it != waiting_.end(); ++it) {
    if (*it == loop) {
      waiting_.erase(it);
      break;
    }
  }
  loop->helpers_done.wait(lock, [&] { return loop->helpers_running == 0; });
}

void TaskPool::ThreadMain() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    wake_.wait(lock, [&] { return stopping_ || !waiting_.empty(); });
    if (stopping_) return;
    std::shared_ptr<Loop> loop = waiting_.front();
    int slot = ++loop->helpers_joined;
    ++loop->helpers_running;
    if (loop->helpers_joined >= loop->max_helpers) waiting_.pop_front();
    lock.unlock();
    RunIterations(loop.get(), slot);
    lock.lock();
    if (--loop->helpers_running == 0) loop->helpers_done.notify_all();
  }
}

}  // namespace vigil
