#ifndef USERS_STORAGE_POSTGRES_STORE_POOL_H_
#define USERS_STORAGE_POSTGRES_STORE_POOL_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "storage/store_pool.h"

namespace users {

// A StorePool of `size` threads, each with its own PostgresStores (one
// connection, opened when first needed and replaced when it breaks), fed by
// one bounded FIFO queue of `queue_capacity` items.
//
// Run() never blocks: when the queue is full (or the pool is shut down) the
// work is called at once, on the caller's thread, with nullptr and
// ResourceExhausted (or Unavailable). A worker calls work whose deadline
// passed while queued with nullptr and DeadlineExceeded, and work it has no
// connection for with nullptr and Unavailable (bounded by the connect
// timeout), so nothing waits on a dead database. A worker whose last
// connection attempt failed waits out the store's short reconnect back-off
// (when the work's deadline allows) and tries again, rather than failing
// work that arrives just after the database came back.
class PostgresStorePool final : public StorePool {
 public:
  PostgresStorePool(std::string connection_string, int size,
                    std::chrono::milliseconds statement_timeout,
                    int queue_capacity);
  // Shutdown().
  ~PostgresStorePool() override;

  PostgresStorePool(const PostgresStorePool&) = delete;
  PostgresStorePool& operator=(const PostgresStorePool&) = delete;

  void Run(Work work, std::chrono::steady_clock::time_point deadline) override;
  int InUse() const override;
  int Waiting() const override;

  // Stops accepting work, runs what is queued, and joins the workers.
  // Idempotent.
  void Shutdown();

 private:
  struct Item {
    Work work;
    std::chrono::steady_clock::time_point deadline;
  };

  void Serve(const std::string& connection_string,
             std::chrono::milliseconds statement_timeout);

  const size_t queue_capacity_;
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<Item> queue_;  // guarded by mutex_
  bool stopping_ = false;   // guarded by mutex_
  std::atomic<int> in_use_{0};
  std::vector<std::thread> workers_;
};

}  // namespace users

#endif  // USERS_STORAGE_POSTGRES_STORE_POOL_H_
