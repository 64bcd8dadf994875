#ifndef USERS_SERVICES_USERS_BOUNDED_EXECUTOR_H_
#define USERS_SERVICES_USERS_BOUNDED_EXECUTOR_H_

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace users {

// What a BoundedExecutor's worker threads run besides jobs.
struct WorkerHooks {
  // Runs first on each worker thread (e.g. to lower its priority).
  std::function<void()> on_thread_start;
  // Runs on a worker that ran a job and then had none for `idle_after`
  // (once per idle spell; e.g. to free per-thread memory).
  std::function<void()> on_idle;
  std::chrono::milliseconds idle_after{30000};
};

// One unit of work for a BoundedExecutor.
struct BoundedJob {
  std::function<void()> run;
  // A worker that takes the job after `deadline` runs `expired` instead of
  // `run` (nobody waits for the result any more). `expired` may be empty.
  std::chrono::steady_clock::time_point deadline =
      std::chrono::steady_clock::time_point::max();
  std::function<void()> expired;
  // Secondary jobs (anonymous logins) may fill at most half of the queue, so
  // that a flood of them cannot refuse the others (password changes).
  bool secondary = false;
};

// A fixed number of threads draining a bounded FIFO queue. Used for CPU-heavy
// work (password hashing) so that at most `threads` such jobs run at once and
// the backlog cannot grow without bound.
class BoundedExecutor final {
 public:
  BoundedExecutor(int threads, int capacity, WorkerHooks hooks = {});
  ~BoundedExecutor();  // runs what is queued, then joins

  BoundedExecutor(const BoundedExecutor&) = delete;
  BoundedExecutor& operator=(const BoundedExecutor&) = delete;

  // Queues `job`; false (and `job` dropped) when `capacity` jobs wait, or
  // when it is secondary and capacity / 2 (at least 1) secondary jobs wait.
  bool TrySubmit(BoundedJob job);
  bool TrySubmit(std::function<void()> job) {
    BoundedJob bounded;
    bounded.run = std::move(job);
    return TrySubmit(std::move(bounded));
  }

  // Jobs waiting (not yet running).
  int QueueDepth() const;
  // Jobs running now.
  int Running() const;

 private:
  void WorkerLoop();

  const size_t capacity_;
  const WorkerHooks hooks_;
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<BoundedJob> queue_;
  size_t queued_secondary_ = 0;
  int running_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace users

#endif  // USERS_SERVICES_USERS_BOUNDED_EXECUTOR_H_
