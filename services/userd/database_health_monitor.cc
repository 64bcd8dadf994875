#include "services/userd/database_health_monitor.h"

#include <algorithm>

#include "services/common/log.h"

namespace users {
namespace {

constexpr std::chrono::milliseconds kDownInterval{200};

}  // namespace

DatabaseHealthMonitor::DatabaseHealthMonitor(
    std::unique_ptr<PostgresStores> stores, std::chrono::milliseconds interval,
    std::function<void(bool)> on_change)
    : stores_(std::move(stores)),
      interval_(interval),
      on_change_(std::move(on_change)) {}

DatabaseHealthMonitor::~DatabaseHealthMonitor() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void DatabaseHealthMonitor::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void DatabaseHealthMonitor::Loop() {
  bool first = true;
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    bool reachable = stores_->maintenance.Ping().ok();
    if (first || reachable != reachable_.load()) {
      reachable_.store(reachable);
      Log(reachable ? LogLevel::kInfo : LogLevel::kError,
          reachable ? "database_reachable" : "database_unreachable");
      on_change_(reachable);
      first = false;
    }
    lock.lock();
    // While the database is down, look again sooner: SERVING should follow
    // its return within a fraction of a second, not a whole interval.
    const auto wait =
        reachable ? interval_ : std::min(interval_, kDownInterval);
    wake_.wait_for(lock, wait, [this] { return stopping_; });
  }
}

}  // namespace users
