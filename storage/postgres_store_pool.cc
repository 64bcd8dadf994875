#include "storage/postgres_store_pool.h"

#include <algorithm>
#include <exception>
#include <utility>

#include "services/common/log.h"
#include "storage/postgres_stores.h"
#include "storage/store_error.h"

namespace users {
namespace {

// Calls `work`; an exception escaping it is logged rather than ending the
// worker (and the process).
void Call(const StorePool::Work& work, Stores* stores, absl::Status status) {
  try {
    work(stores, std::move(status));
  } catch (const std::exception& e) {
    Log(LogLevel::kError, "store_pool_work_threw", {{"detail", e.what()}});
  } catch (...) {
    Log(LogLevel::kError, "store_pool_work_threw");
  }
}

// Opens the worker's connection for work due by `deadline`. An attempt held
// back by the connection's reconnect back-off is waited for when the deadline
// allows: so a call that arrives just after the database came back finds it,
// rather than failing for the rest of the back-off, while a database that is
// down still sees at most one attempt per back-off from each worker.
absl::Status ConnectFor(PostgresConnection& connection,
                        std::chrono::steady_clock::time_point deadline) {
  const auto next_attempt = connection.NextConnectAttempt();
  if (next_attempt > std::chrono::steady_clock::now() &&
      next_attempt < deadline) {
    std::this_thread::sleep_until(next_attempt);
  }
  return connection.Connect();
}

}  // namespace

PostgresStorePool::PostgresStorePool(
    std::string connection_string, int size,
    std::chrono::milliseconds statement_timeout, int queue_capacity)
    : queue_capacity_(static_cast<size_t>(std::max(queue_capacity, 0))) {
  workers_.reserve(std::max(size, 1));
  for (int i = 0; i < std::max(size, 1); ++i) {
    workers_.emplace_back(&PostgresStorePool::Serve, this, connection_string,
                          statement_timeout);
  }
}

PostgresStorePool::~PostgresStorePool() { Shutdown(); }

void PostgresStorePool::Run(Work work,
                            std::chrono::steady_clock::time_point deadline) {
  Work rejected_work;
  absl::Status rejected;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) {
      rejected = StoreError(absl::StatusCode::kUnavailable, "shutting down");
    } else if (queue_.size() >= queue_capacity_) {
      rejected = StoreError(absl::StatusCode::kResourceExhausted,
                            "too many database requests");
    }
    if (rejected.ok()) {
      queue_.push_back(Item{std::move(work), deadline});
    } else {
      rejected_work = std::move(work);
    }
  }
  if (rejected.ok()) {
    ready_.notify_one();
    return;
  }
  Call(rejected_work, nullptr, std::move(rejected));
}

int PostgresStorePool::InUse() const {
  return in_use_.load(std::memory_order_relaxed);
}

int PostgresStorePool::Waiting() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return static_cast<int>(queue_.size());
}

void PostgresStorePool::Shutdown() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  ready_.notify_all();
  for (std::thread& worker : workers_) {
    if (worker.joinable()) worker.join();
  }
}

void PostgresStorePool::Serve(const std::string& connection_string,
                              std::chrono::milliseconds statement_timeout) {
  PostgresStores owned(connection_string, statement_timeout);
  Stores stores = owned.view();
  while (true) {
    Item item;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and nothing left to run
      item = std::move(queue_.front());
      queue_.pop_front();
      in_use_.fetch_add(1, std::memory_order_relaxed);
    }
    if (std::chrono::steady_clock::now() > item.deadline) {
      Call(item.work, nullptr,
           StoreError(absl::StatusCode::kDeadlineExceeded,
                      "deadline passed while waiting for the database"));
    } else if (absl::Status connected =
                   ConnectFor(owned.connection, item.deadline);
               !connected.ok()) {
      Call(item.work, nullptr, std::move(connected));
    } else {
      Call(item.work, &stores, absl::OkStatus());
    }
    in_use_.fetch_sub(1, std::memory_order_relaxed);
  }
}

}  // namespace users
