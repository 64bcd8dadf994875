#ifndef USERS_STORAGE_MAINTENANCE_STORE_H_
#define USERS_STORAGE_MAINTENANCE_STORE_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace users {

// What one housekeeping pass deleted.
struct Housekeeping {
  int64_t expired_sessions = 0;
  int64_t idempotency_records = 0;
  int64_t login_failures = 0;
  int64_t failure_streaks = 0;
};

// The database as a whole rather than one area of it: its schema, whether it
// answers, and the housekeeping that deletes stale rows of several areas.
// Errors as in storage/store_error.h.
class MaintenanceStore {
 public:
  virtual ~MaintenanceStore() = default;

  // Applies the embedded migrations under an advisory lock.
  virtual absl::Status Migrate() = 0;
  // A trivial round trip; Unavailable when the database cannot be reached.
  virtual absl::Status Ping() = 0;
  // Deletes at most `batch` rows of each: expired sessions, login failures
  // older than `failure_window_seconds`, streaks without a failure for
  // `streak_retention_seconds`, and idempotency records no longer live.
  virtual absl::StatusOr<Housekeeping> DeleteStaleRows(
      int batch, int64_t failure_window_seconds,
      int64_t streak_retention_seconds) = 0;
};

}  // namespace users

#endif  // USERS_STORAGE_MAINTENANCE_STORE_H_
