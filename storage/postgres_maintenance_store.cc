#include "storage/postgres_maintenance_store.h"

#include <cstdint>
#include <pqxx/pqxx>

#include "storage/migrations.h"
#include "storage/postgres_session_store.h"

namespace users {
namespace {

constexpr char kPingName[] = "ping";
constexpr char kPing[] = R"sql(
SELECT 1
)sql";

constexpr char kDeleteExpiredSessionsName[] = "delete_expired_sessions";
constexpr char kDeleteExpiredSessions[] = R"sql(
DELETE FROM sessions
 WHERE (project_id, id) IN (SELECT project_id, id FROM sessions
                             WHERE expire_time < now()
                             ORDER BY expire_time
                             LIMIT $1::bigint)
)sql";

constexpr char kDeleteOldLoginFailuresName[] = "delete_old_login_failures";
constexpr char kDeleteOldLoginFailures[] = R"sql(
DELETE FROM login_failures
 WHERE (project_id, identifier_key, failure_time, id) IN (
       SELECT project_id, identifier_key, failure_time, id
         FROM login_failures
        WHERE failure_time < now() - $2::bigint * interval '1 second'
        ORDER BY failure_time
        LIMIT $1::bigint)
)sql";

constexpr char kDeleteOldStreaksName[] = "delete_old_failure_streaks";
constexpr char kDeleteOldStreaks[] = R"sql(
DELETE FROM login_failure_streaks
 WHERE (project_id, identifier_key, client_address) IN (
       SELECT project_id, identifier_key, client_address
         FROM login_failure_streaks
        WHERE last_failure_time < now() - $2::bigint * interval '1 second'
        ORDER BY last_failure_time
        LIMIT $1::bigint)
)sql";

constexpr char kDeleteOldIdempotencyRecordsName[] =
    "delete_old_idempotency_records";
constexpr char kDeleteOldIdempotencyRecords[] = R"sql(
DELETE FROM idempotency_records
 WHERE (project_id, actor, request_id) IN (
       SELECT project_id, actor, request_id
         FROM idempotency_records
        WHERE create_time <= now() - $2::bigint * interval '1 second'
        ORDER BY create_time
        LIMIT $1::bigint)
)sql";

// The rows a statement deleted (pqxx counts in size_type; a count of rows
// fits an int64_t).
int64_t DeletedRows(const pqxx::result& result) {
  return static_cast<int64_t>(result.affected_rows());
}

}  // namespace

std::vector<PreparedStatement> PostgresMaintenanceStore::Statements() {
  return {
      {kPingName, kPing},
      {kDeleteExpiredSessionsName, kDeleteExpiredSessions},
      {kDeleteOldLoginFailuresName, kDeleteOldLoginFailures},
      {kDeleteOldStreaksName, kDeleteOldStreaks},
      {kDeleteOldIdempotencyRecordsName, kDeleteOldIdempotencyRecords},
  };
}

absl::Status PostgresMaintenanceStore::Migrate() {
  return connection_.Run("Migrate",
                         [](pqxx::connection& connection) -> absl::Status {
                           ApplyMigrations(connection, EmbeddedMigrations());
                           return absl::OkStatus();
                         });
}

absl::Status PostgresMaintenanceStore::Ping() {
  return connection_.Run("Ping",
                         [](pqxx::connection& connection) -> absl::Status {
                           pqxx::nontransaction transaction(connection);
                           transaction.exec_prepared1(kPingName);
                           return absl::OkStatus();
                         });
}

absl::StatusOr<Housekeeping> PostgresMaintenanceStore::DeleteStaleRows(
    int batch, int64_t failure_window_seconds,
    int64_t streak_retention_seconds) {
  return connection_.Run(
      "DeleteStaleRows",
      [&](pqxx::connection& connection) -> absl::StatusOr<Housekeeping> {
        pqxx::nontransaction transaction(connection);
        const std::string limit = std::to_string(batch);
        Housekeeping deleted;
        deleted.expired_sessions = DeletedRows(
            transaction.exec_prepared(kDeleteExpiredSessionsName, limit));
        deleted.login_failures = DeletedRows(
            transaction.exec_prepared(kDeleteOldLoginFailuresName, limit,
                                      std::to_string(failure_window_seconds)));
        deleted.failure_streaks = DeletedRows(transaction.exec_prepared(
            kDeleteOldStreaksName, limit,
            std::to_string(streak_retention_seconds)));
        deleted.idempotency_records = DeletedRows(
            transaction.exec_prepared(kDeleteOldIdempotencyRecordsName, limit,
                                      IdempotencyLifetimeSeconds()));
        return deleted;
      });
}

}  // namespace users
