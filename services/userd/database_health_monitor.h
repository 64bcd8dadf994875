#ifndef USERS_SERVICES_USERD_DATABASE_HEALTH_MONITOR_H_
#define USERS_SERVICES_USERD_DATABASE_HEALTH_MONITOR_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "storage/postgres_stores.h"

namespace users {

// Pings the database on a connection of its own every `interval` (every
// 200 ms at most while it is unreachable) and reports
// each change of reachability through `on_change` (first report right after
// Start). Reachability feeds gRPC health: NOT_SERVING while the database is
// down, so load balancers route around the replica without restarting it.
class DatabaseHealthMonitor final {
 public:
  DatabaseHealthMonitor(std::unique_ptr<PostgresStores> stores,
                        std::chrono::milliseconds interval,
                        std::function<void(bool reachable)> on_change);
  ~DatabaseHealthMonitor();  // stops and joins

  void Start();
  bool reachable() const { return reachable_.load(); }

 private:
  void Loop();

  std::unique_ptr<PostgresStores> stores_;
  std::chrono::milliseconds interval_;
  std::function<void(bool)> on_change_;
  std::atomic<bool> reachable_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace users

#endif  // USERS_SERVICES_USERD_DATABASE_HEALTH_MONITOR_H_
