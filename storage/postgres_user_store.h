#ifndef USERS_STORAGE_POSTGRES_USER_STORE_H_
#define USERS_STORAGE_POSTGRES_USER_STORE_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "storage/user_store.h"

namespace users {

// A UserStore over one PostgreSQL connection (libpqxx). Not thread-safe.
//
// The connection opens on first use, not in the constructor. Every statement
// runs under `statement_timeout`; opening a connection is bounded by
// `connect_timeout` and TCP keepalives detect a silent peer, so a dead
// database gives Unavailable rather than a hang. When a call finds the
// connection broken it returns Unavailable and drops the connection; the
// next call opens a new one (after a failed attempt, calls within a short
// back-off return Unavailable without trying). A connection only goes to a
// server that accepts writes (target_session_attrs=read-write unless the
// connection string says otherwise), so with several hosts it follows a
// promotion. When the connection breaks while a COMMIT or an autocommit
// write is on its way, the call fails with Unavailable/COMMIT_UNKNOWN.
//
// Statements are prepared once per connection under fixed names; each
// distinct column set of UpdateUser gets its own statement, prepared the
// first time it is used on the connection.
class PostgresUserStore final : public UserStore {
 public:
  static constexpr std::chrono::seconds kDefaultConnectTimeout{5};

  // `connection_string`: a libpq URI or key=value string.
  PostgresUserStore(
      const std::string& connection_string,
      std::chrono::milliseconds statement_timeout,
      std::chrono::seconds connect_timeout = kDefaultConnectTimeout);
  ~PostgresUserStore() override;

  // The statement UpdateUser prepares and runs for `columns` (without
  // session effects), with its parameters as $1..$n: $1 project, $2 user id,
  // $3 expected version ('' for any), $4 actor, $5 paths (a JSON array), $6
  // request id, then each column's values in kUserFields order. The
  // benchmark hands exactly this text to pgbench.
  static std::string UpdateStatementSql(const UserColumnSet& columns);

  PostgresUserStore(const PostgresUserStore&) = delete;
  PostgresUserStore& operator=(const PostgresUserStore&) = delete;

  // Whether a connection is open, as far as is known without a round trip.
  bool Healthy() const;
  // Opens the connection unless one is open. Unavailable when the database
  // cannot be reached; InvalidArgument for a malformed connection string.
  // An open connection the server has closed meanwhile (its goodbye message
  // or end of file is waiting on the socket) is replaced first.
  absl::Status Connect();
  // When Connect() will next try to open a connection: after a failed
  // attempt it returns Unavailable at once until then (a short back-off).
  // In the past whenever a connection is open.
  std::chrono::steady_clock::time_point NextConnectAttempt() const;

  absl::Status Migrate() override;
  absl::Status Ping() override;

  absl::StatusOr<ProjectRecord> GetProject(
      const std::string& project_id) override;
  absl::Status CreateProject(const ProjectRecord& project) override;
  absl::Status EnsureProject(const std::string& project_id) override;
  absl::StatusOr<ProjectRecord> UpdateProject(const ProjectRecord& project,
                                              bool webhook,
                                              bool policy) override;

  absl::StatusOr<TokenRecord> FindToken(const std::string& token_hash) override;
  absl::StatusOr<ApiKeyRecord> CreateApiKey(const NewApiKey& key) override;
  absl::StatusOr<ApiKeyRecord> GetApiKey(const std::string& project_id,
                                         int64_t key_id) override;
  absl::StatusOr<std::vector<ApiKeyRecord>> ListApiKeys(
      const std::string& project_id, int64_t after_id, int limit) override;
  absl::Status DeleteApiKey(const std::string& project_id,
                            int64_t key_id) override;
  absl::Status InstallOperatorKey(const std::string& token_hash) override;

  absl::StatusOr<UserRecord> CreateUser(const std::string& project_id,
                                        const UserChanges& values,
                                        const std::string& actor,
                                        const std::string& request_id,
                                        const std::optional<IdempotencyRecord>&
                                            idempotency) override;
  absl::StatusOr<UserRecord> GetUser(const std::string& project_id,
                                     int64_t user_id) override;
  // Without session effects or idempotency record: one statement (update,
  // audit row) in one round trip. With them: one transaction. A rotated session that no longer
  // exists is not replaced (new_session stays empty); the update still
  // commits.
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
  absl::StatusOr<SessionRecord> CreateSession(
      const SessionLogin& login) override;
  // NotFound (SESSION_NOT_FOUND) when there is no such session.
  absl::Status DeleteSession(
      const std::string& project_id, int64_t session_id,
      const std::optional<IdempotencyRecord>& idempotency) override;

  absl::StatusOr<IdempotencyRecord> FindIdempotencyRecord(
      const IdempotencyKey& key) override;
  absl::StatusOr<IdempotencyRecord> FindIdempotencyRecordOfEndedToken(
      const std::string& token_hash, const std::string& request_id) override;
  absl::StatusOr<std::optional<SessionRecord>> RenewRecordedSession(
      const IdempotencyKey& key, const NewSession& session) override;

  absl::StatusOr<LoginFailures> GetLoginFailures(
      const LoginAttempt& attempt, int limit, int64_t window_seconds) override;
  absl::Status RecordLoginFailure(const LoginAttempt& attempt) override;
  absl::StatusOr<Housekeeping> DeleteStaleRows(
      int batch, int64_t failure_window_seconds,
      int64_t streak_retention_seconds) override;

 private:
  struct Session;  // an open connection and what is prepared on it

  // Runs `body` on the open connection (opening it first if needed) and
  // translates whatever it throws; drops the connection when it broke.
  template <typename Body>
  auto Run(absl::string_view operation, Body body);
  void Disconnect();

  absl::StatusOr<std::string> connection_string_;  // may hold a password
  std::unique_ptr<Session> session_;
  std::chrono::steady_clock::time_point next_connect_attempt_;
};

}  // namespace users

#endif  // USERS_STORAGE_POSTGRES_USER_STORE_H_
