#ifndef USERS_STORAGE_STORE_POOL_H_
#define USERS_STORAGE_STORE_POOL_H_

#include <chrono>
#include <functional>

#include "absl/status/status.h"
#include "storage/stores.h"

namespace users {

// A fixed set of workers, each owning the Stores of one connection. Work
// runs on a worker thread, so callers never block on the database.
class StorePool {
 public:
  // Called on a worker with its stores, or with nullptr and the reason when
  // the work could not run (queue full: ResourceExhausted; no connection:
  // Unavailable; deadline passed while queued: DeadlineExceeded).
  using Work = std::function<void(Stores* stores, absl::Status status)>;

  virtual ~StorePool() = default;

  // Queues `work`. Never blocks. `deadline` bounds time spent queued.
  virtual void Run(Work work,
                   std::chrono::steady_clock::time_point deadline) = 0;

  // Workers currently running work, and work waiting for a worker.
  virtual int InUse() const = 0;
  virtual int Waiting() const = 0;
};

}  // namespace users

#endif  // USERS_STORAGE_STORE_POOL_H_
