#include "services/userd/housekeeper.h"

#include <string>

#include "services/common/log.h"

namespace users {

Housekeeper::Housekeeper(std::unique_ptr<PostgresStores> stores,
                         std::chrono::milliseconds interval, int batch,
                         LoginThrottlePolicy policy)
    : stores_(std::move(stores)),
      interval_(interval),
      batch_(batch),
      policy_(policy) {}

Housekeeper::~Housekeeper() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Housekeeper::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void Housekeeper::Loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    Sweep();
    lock.lock();
    wake_.wait_for(lock, interval_, [this] { return stopping_; });
  }
}

void Housekeeper::Sweep() {
  Housekeeping total;
  while (true) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (stopping_) break;
    }
    absl::StatusOr<Housekeeping> deleted = stores_->maintenance.DeleteStaleRows(
        batch_, policy_.window_seconds, policy_.streak_retention_seconds);
    if (!deleted.ok()) {
      Log(LogLevel::kWarning, "housekeeping_failed",
          {{"error", std::string(deleted.status().message())}});
      return;
    }
    total.expired_sessions += deleted->expired_sessions;
    total.login_failures += deleted->login_failures;
    total.failure_streaks += deleted->failure_streaks;
    total.idempotency_records += deleted->idempotency_records;
    if (deleted->expired_sessions < batch_ &&
        deleted->login_failures < batch_ && deleted->failure_streaks < batch_ &&
        deleted->idempotency_records < batch_) {
      break;
    }
  }
  if (total.expired_sessions + total.login_failures + total.failure_streaks +
          total.idempotency_records >
      0) {
    Log(LogLevel::kInfo, "housekeeping_done",
        {{"expired_sessions", total.expired_sessions},
         {"login_failures", total.login_failures},
         {"failure_streaks", total.failure_streaks},
         {"idempotency_records", total.idempotency_records}});
  }
}

}  // namespace users
