#ifndef USERS_STORAGE_POSTGRES_USER_STORE_H_
#define USERS_STORAGE_POSTGRES_USER_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "storage/postgres_connection.h"
#include "storage/user_store.h"

namespace users {

// The UserStore over a PostgresConnection (tables users, user_events).
// Each distinct column set of UpdateUser gets its own statement, prepared
// the first time it is used on the connection.
class PostgresUserStore final : public UserStore {
 public:
  explicit PostgresUserStore(PostgresConnection& connection)
      : connection_(connection) {}

  // The statements this store runs, prepared on each new connection.
  static std::vector<PreparedStatement> Statements();

  // The statement UpdateUser prepares and runs for `columns` (without
  // session effects), with its parameters as $1..$n: $1 project, $2 user id,
  // $3 expected version ('' for any), $4 actor, $5 paths (a JSON array), $6
  // request id, then each column's values in kUserFields order. The
  // benchmark hands exactly this text to pgbench.
  static std::string UpdateStatementSql(const UserColumnSet& columns);

  absl::StatusOr<UserRecord> CreateUser(
      const std::string& project_id, const UserChanges& values,
      const std::string& actor, const std::string& request_id,
      const std::optional<IdempotencyRecord>& idempotency) override;
  absl::StatusOr<UserRecord> GetUser(const std::string& project_id,
                                     int64_t user_id) override;
  // Without session effects or idempotency record: one statement (update,
  // audit row) in one round trip. With them: one transaction. A rotated session
  // that no longer exists is not replaced (new_session stays empty); the update
  // still commits.
  absl::StatusOr<UserUpdateResult> UpdateUser(
      const UserUpdate& update) override;
  absl::Status DeleteUser(
      const std::string& project_id, int64_t user_id, const std::string& actor,
      const std::string& request_id,
      const std::optional<IdempotencyRecord>& idempotency) override;
  absl::StatusOr<UserRecord> SuspendUser(
      const UserSuspension& suspension) override;
  absl::StatusOr<UserRecord> UnsuspendUser(
      const std::string& project_id, int64_t user_id, const std::string& actor,
      const std::string& request_id,
      const std::optional<IdempotencyRecord>& idempotency) override;
  absl::StatusOr<std::vector<UserRecord>> ListUsers(
      const std::string& project_id, int64_t after_id, int limit) override;
  absl::StatusOr<UserLogin> FindLogin(const std::string& project_id,
                                      LoginIdentifier identifier,
                                      const std::string& key) override;

 private:
  PostgresConnection& connection_;
};

}  // namespace users

#endif  // USERS_STORAGE_POSTGRES_USER_STORE_H_
