#ifndef USERS_STORAGE_POSTGRES_MAINTENANCE_STORE_H_
#define USERS_STORAGE_POSTGRES_MAINTENANCE_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "storage/maintenance_store.h"
#include "storage/postgres_connection.h"

namespace users {

// The MaintenanceStore over a PostgresConnection: migrations, the liveness
// probe, and the deletion of stale sessions, login failures and
// idempotency records.
class PostgresMaintenanceStore final : public MaintenanceStore {
 public:
  explicit PostgresMaintenanceStore(PostgresConnection& connection)
      : connection_(connection) {}

  // The statements this store runs, prepared on each new connection.
  static std::vector<PreparedStatement> Statements();

  absl::Status Migrate() override;
  absl::Status Ping() override;
  absl::StatusOr<Housekeeping> DeleteStaleRows(
      int batch, int64_t failure_window_seconds,
      int64_t streak_retention_seconds) override;

 private:
  PostgresConnection& connection_;
};

}  // namespace users

#endif  // USERS_STORAGE_POSTGRES_MAINTENANCE_STORE_H_
