#ifndef USERS_STORAGE_POSTGRES_SESSION_STORE_H_
#define USERS_STORAGE_POSTGRES_SESSION_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "google/protobuf/message_lite.h"
#include "storage/postgres_connection.h"
#include "storage/session_store.h"

namespace users {

// The SessionStore over a PostgresConnection (tables sessions,
// login_failures, login_failure_streaks, idempotency_records).
class PostgresSessionStore final : public SessionStore {
 public:
  explicit PostgresSessionStore(PostgresConnection& connection)
      : connection_(connection) {}

  // The statements this store runs, prepared on each new connection.
  static std::vector<PreparedStatement> Statements();

  absl::StatusOr<SessionRecord> CreateSession(
      const SessionLogin& login) override;
  // NotFound (SESSION_NOT_FOUND) when there is no such session.
  absl::Status DeleteSession(
      const std::string& project_id, int64_t session_id,
      const std::optional<IdempotencyRecord>& idempotency) override;
  absl::StatusOr<LoginFailures> GetLoginFailures(
      const LoginAttempt& attempt, int limit, int64_t window_seconds) override;
  absl::Status RecordLoginFailure(const LoginAttempt& attempt) override;
  absl::StatusOr<IdempotencyRecord> FindIdempotencyRecord(
      const IdempotencyKey& key) override;
  absl::StatusOr<IdempotencyRecord> FindIdempotencyRecordOfEndedToken(
      const std::string& token_hash, const std::string& request_id) override;
  absl::StatusOr<std::optional<SessionRecord>> RenewRecordedSession(
      const IdempotencyKey& key, const NewSession& session) override;

 private:
  PostgresConnection& connection_;
};

// For the writes of other areas (storage/postgres_user_store.cc), inside
// their own transaction, on a connection with Statements() prepared:

// Creates `session` for the user; returns it.
SessionRecord InsertSession(pqxx::transaction_base& transaction,
                            const std::string& project_id, int64_t user_id,
                            const NewSession& session);
// Ends the user's session `session_id`; whether there was one.
bool EndUserSession(pqxx::transaction_base& transaction,
                    const std::string& project_id, int64_t session_id,
                    int64_t user_id);
// Ends every session of the user.
void EndUserSessions(pqxx::transaction_base& transaction,
                     const std::string& project_id, int64_t user_id);
// Records `idempotency`, when set, with what the write produced (`response`
// serialized, or empty for nullptr; the password hash it stored; the session
// it handed out), then commits `transaction` (AtCommitPoint). AlreadyExists
// (idempotency_records.request_id), and nothing committed, when a live
// record of the same key exists.
absl::Status RecordAndCommit(
    pqxx::transaction_base& transaction,
    const std::optional<IdempotencyRecord>& idempotency,
    const google::protobuf::MessageLite* response,
    const std::string& password_hash = {},
    std::optional<int64_t> session_id = {});
// kIdempotencyRecordLifetimeSeconds as a statement parameter.
std::string IdempotencyLifetimeSeconds();

}  // namespace users

#endif  // USERS_STORAGE_POSTGRES_SESSION_STORE_H_
