#include "services/users/fair_share_executor.h"

#include <algorithm>
#include <chrono>
#include <utility>

namespace users {

FairShareExecutor::FairShareExecutor(int threads, int capacity,
                                     int per_key_running, int per_key_waiting)
    : capacity_(std::max(1, capacity)),
      per_key_running_(std::max(1, per_key_running)),
      per_key_waiting_(std::max(0, per_key_waiting)) {
  for (int i = 0; i < std::max(1, threads); ++i) {
    threads_.emplace_back([this] { WorkerLoop(); });
  }
}

FairShareExecutor::~FairShareExecutor() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  ready_.notify_all();
  for (std::thread& thread : threads_) thread.join();
}

bool FairShareExecutor::TrySubmit(const std::string& key, BoundedJob job) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_ || queued_ >= capacity_) return false;
    KeyState& state = keys_[key];
    if (state.waiting.size() + state.running >=
        per_key_waiting_ + per_key_running_) {
      return false;
    }
    state.waiting.push_back(std::move(job));
    ++queued_;
    ScheduleIfRunnable(key, state);
  }
  ready_.notify_one();
  return true;
}

void FairShareExecutor::ScheduleIfRunnable(const std::string& key,
                                           KeyState& state) {
  if (!state.scheduled && !state.waiting.empty() &&
      state.running < per_key_running_) {
    state.scheduled = true;
    ready_keys_.push_back(key);
  }
}

int FairShareExecutor::QueueDepth() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return static_cast<int>(queued_);
}

int FairShareExecutor::QueueDepth(const std::string& key) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = keys_.find(key);
  return it == keys_.end() ? 0 : static_cast<int>(it->second.waiting.size());
}

int FairShareExecutor::Running() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return running_;
}

int FairShareExecutor::Running(const std::string& key) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = keys_.find(key);
  return it == keys_.end() ? 0 : it->second.running;
}

void FairShareExecutor::WorkerLoop() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    // Stopping, a worker keeps draining until nothing waits; a key at its
    // share is rescheduled when one of its jobs ends.
    ready_.wait(lock, [this] {
      return !ready_keys_.empty() || (stopping_ && queued_ == 0);
    });
    if (ready_keys_.empty()) return;
    std::string key = std::move(ready_keys_.front());
    ready_keys_.pop_front();
    KeyState& state = keys_[key];
    state.scheduled = false;
    BoundedJob job = std::move(state.waiting.front());
    state.waiting.pop_front();
    --queued_;
    ++state.running;
    ++running_;
    ScheduleIfRunnable(key, state);
    if (state.scheduled) ready_.notify_one();
    lock.unlock();
    if (std::chrono::steady_clock::now() <= job.deadline) {
      job.run();
    } else if (job.expired) {
      job.expired();
    }
    job = BoundedJob();  // its captures go before the lock is taken
    lock.lock();
    --running_;
    KeyState& after = keys_[key];
    --after.running;
    ScheduleIfRunnable(key, after);
    if (after.scheduled) {
      ready_.notify_one();
    } else if (after.running == 0 && after.waiting.empty()) {
      keys_.erase(key);
    }
    if (stopping_ && queued_ == 0) ready_.notify_all();
  }
}

}  // namespace users
