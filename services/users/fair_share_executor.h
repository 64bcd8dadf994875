#ifndef USERS_SERVICES_USERS_FAIR_SHARE_EXECUTOR_H_
#define USERS_SERVICES_USERS_FAIR_SHARE_EXECUTOR_H_

#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "services/users/bounded_executor.h"

namespace users {

// A fixed number of threads shared by many keys (projects), none of which
// may hold more than its share of them: at most `per_key_running` jobs of a
// key run at once, and a key holds at most `per_key_running` +
// `per_key_waiting` jobs, running or waiting. A key at its share waits for
// its own jobs to finish; the other keys' jobs go ahead. Keys with waiting
// jobs are served round-robin.
//
// A job taken after its `deadline` runs its `expired` instead of `run` (its
// caller stopped waiting), so a queue behind a slow key never sends stale
// work. `secondary` is ignored.
class FairShareExecutor final {
 public:
  FairShareExecutor(int threads, int capacity, int per_key_running,
                    int per_key_waiting);
  ~FairShareExecutor();  // runs (or expires) what is queued, then joins

  FairShareExecutor(const FairShareExecutor&) = delete;
  FairShareExecutor& operator=(const FairShareExecutor&) = delete;

  // Queues `job` under `key`; false (and `job` dropped) when `capacity` jobs
  // wait in all, or `key` already holds per_key_running + per_key_waiting
  // jobs.
  bool TrySubmit(const std::string& key, BoundedJob job);

  // Jobs waiting (not yet running), in all and of one key.
  int QueueDepth() const;
  int QueueDepth(const std::string& key) const;
  // Jobs running now, in all and of one key.
  int Running() const;
  int Running(const std::string& key) const;

 private:
  struct KeyState {
    std::deque<BoundedJob> waiting;
    int running = 0;
    bool scheduled = false;  // in ready_keys_
  };

  // Puts `key` in line when it has work and room to run it. Locked.
  void ScheduleIfRunnable(const std::string& key, KeyState& state);
  void WorkerLoop();

  const size_t capacity_;
  const int per_key_running_;
  const size_t per_key_waiting_;  // beyond per_key_running_
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::map<std::string, KeyState> keys_;
  // Keys with a waiting job and fewer than per_key_running_ running, in the
  // order they will be served.
  std::deque<std::string> ready_keys_;
  size_t queued_ = 0;
  int running_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace users

#endif  // USERS_SERVICES_USERS_FAIR_SHARE_EXECUTOR_H_
