#include "services/users/bounded_executor.h"

#include <algorithm>
#include <utility>

namespace users {

BoundedExecutor::BoundedExecutor(int threads, int capacity, WorkerHooks hooks)
    : capacity_(capacity > 0 ? capacity : 1), hooks_(std::move(hooks)) {
  if (threads < 1) threads = 1;
  for (int i = 0; i < threads; ++i) {
    threads_.emplace_back([this] {
      if (hooks_.on_thread_start) hooks_.on_thread_start();
      WorkerLoop();
    });
  }
}

BoundedExecutor::~BoundedExecutor() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  ready_.notify_all();
  for (std::thread& thread : threads_) thread.join();
}

bool BoundedExecutor::TrySubmit(BoundedJob job) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_ || queue_.size() >= capacity_) return false;
    if (job.secondary) {
      if (queued_secondary_ >= std::max<size_t>(1, capacity_ / 2)) {
        return false;
      }
      ++queued_secondary_;
    }
    queue_.push_back(std::move(job));
  }
  ready_.notify_one();
  return true;
}

int BoundedExecutor::QueueDepth() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return static_cast<int>(queue_.size());
}

int BoundedExecutor::Running() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return running_;
}

void BoundedExecutor::WorkerLoop() {
  const auto has_work = [this] { return stopping_ || !queue_.empty(); };
  bool idle_hook_due = false;  // a job ran since on_idle last did
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    if (idle_hook_due && hooks_.on_idle) {
      if (!ready_.wait_for(lock, hooks_.idle_after, has_work)) {
        lock.unlock();
        hooks_.on_idle();
        lock.lock();
        idle_hook_due = false;
        continue;
      }
    } else {
      ready_.wait(lock, has_work);
    }
    if (queue_.empty()) return;  // stopping and drained
    BoundedJob job = std::move(queue_.front());
    queue_.pop_front();
    if (job.secondary) --queued_secondary_;
    ++running_;
    lock.unlock();
    if (std::chrono::steady_clock::now() <= job.deadline) {
      job.run();
    } else if (job.expired) {
      job.expired();
    }
    lock.lock();
    --running_;
    idle_hook_due = true;
  }
}

}  // namespace users
