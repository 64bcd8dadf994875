#ifndef USERS_SERVICES_USERD_HOUSEKEEPER_H_
#define USERS_SERVICES_USERD_HOUSEKEEPER_H_

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "services/users/login_throttle.h"
#include "storage/postgres_stores.h"

namespace users {

// Deletes what nobody needs any more, on a connection of its own: expired
// sessions, login failures older than the throttling window, and idle failure
// streaks. Every `interval` it deletes in batches of `batch` rows (each batch
// its own short statement, so it never holds locks for long) until a batch
// comes back short. Several replicas may run it at once.
class Housekeeper final {
 public:
  Housekeeper(std::unique_ptr<PostgresStores> stores,
              std::chrono::milliseconds interval, int batch,
              LoginThrottlePolicy policy);
  ~Housekeeper();  // stops and joins

  void Start();

 private:
  void Loop();
  // Deletes batches until one comes back short or the database fails.
  void Sweep();

  std::unique_ptr<PostgresStores> stores_;
  std::chrono::milliseconds interval_;
  int batch_;
  LoginThrottlePolicy policy_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace users

#endif  // USERS_SERVICES_USERD_HOUSEKEEPER_H_
