#include "services/users/bounded_executor.h"

namespace users {

BoundedExecutor::BoundedExecutor(int threads, int capacity,
                                 std::function<void()> on_thread_start)
    : capacity_(capacity > 0 ? capacity : 1) {
  if (threads < 1) threads = 1;
  for (int i = 0; i < threads; ++i) {
    threads_.emplace_back([this, on_thread_start] {
      if (on_thread_start) on_thread_start();
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

bool BoundedExecutor::TrySubmit(std::function<void()> job) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_ || queue_.size() >= capacity_) return false;
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
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping and drained
    std::function<void()> job = std::move(queue_.front());
    queue_.pop_front();
    ++running_;
    lock.unlock();
    job();
    lock.lock();
    --running_;
  }
}

}  // namespace users
