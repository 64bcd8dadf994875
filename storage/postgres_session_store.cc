#include "storage/postgres_session_store.h"

#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "absl/strings/substitute.h"
#include "storage/postgres_rows.h"
#include "storage/store_error.h"

namespace users {
namespace {

constexpr char kCreateSessionName[] = "create_session";
constexpr char kCreateSession[] = R"sql(
INSERT INTO sessions (project_id, user_id, token_hash, expire_time)
VALUES ($1, $2::bigint, decode($3, 'hex'),
        now() + $4::bigint * interval '1 second')
RETURNING id, floor(extract(epoch FROM expire_time))::bigint
)sql";

// Locks the user's row against a concurrent password change or suspension
// until the new session is committed (which that change then ends), and
// checks that the password the login was verified against is still the
// user's and whether the user is suspended. $0 is kUserSuspendedSql.
constexpr char kLockLoginUserName[] = "lock_login_user";
constexpr char kLockLoginUserPattern[] = R"sql(
SELECT u.password_hash = $$3, $0
  FROM users u
 WHERE u.project_id = $$1 AND u.id = $$2::bigint
   FOR NO KEY UPDATE
)sql";

// Ends the user's sessions beyond the newest $3.
constexpr char kTrimSessionsName[] = "trim_sessions";
constexpr char kTrimSessions[] = R"sql(
DELETE FROM sessions
 WHERE project_id = $1
   AND id IN (SELECT id FROM sessions
               WHERE project_id = $1 AND user_id = $2::bigint
               ORDER BY id DESC
              OFFSET $3::bigint)
)sql";

constexpr char kEndFailureStreakName[] = "end_failure_streak";
constexpr char kEndFailureStreak[] = R"sql(
DELETE FROM login_failure_streaks
 WHERE project_id = $1 AND identifier_key = $2 AND client_address = $3
)sql";

constexpr char kGetLoginFailuresName[] = "get_login_failures";
constexpr char kGetLoginFailures[] = R"sql(
SELECT extract(epoch FROM now())::float8,
       coalesce(s.consecutive_failures, 0),
       coalesce(extract(epoch FROM s.last_failure_time)::float8, 0),
       (SELECT extract(epoch FROM f.failure_time)::float8
          FROM login_failures f
         WHERE f.project_id = $1 AND f.identifier_key = $2
           AND f.failure_time > now() - $5::bigint * interval '1 second'
         ORDER BY f.failure_time DESC
        OFFSET $4::bigint - 1 LIMIT 1)
  FROM (SELECT) AS one
  LEFT JOIN login_failure_streaks s
    ON s.project_id = $1 AND s.identifier_key = $2 AND s.client_address = $3
)sql";

constexpr char kRecordLoginFailureName[] = "record_login_failure";
constexpr char kRecordLoginFailure[] = R"sql(
WITH streak AS (
  INSERT INTO login_failure_streaks AS s
         (project_id, identifier_key, client_address, consecutive_failures,
          last_failure_time)
  VALUES ($1, $2, $3, 1, now())
  ON CONFLICT (project_id, identifier_key, client_address) DO UPDATE
     SET consecutive_failures = s.consecutive_failures + 1,
         last_failure_time = now()
)
INSERT INTO login_failures (project_id, identifier_key) VALUES ($1, $2)
)sql";

constexpr char kDeleteSessionName[] = "delete_session";
constexpr char kDeleteSession[] = R"sql(
DELETE FROM sessions WHERE project_id = $1 AND id = $2::bigint
)sql";

constexpr char kDeleteUserSessionName[] = "delete_user_session";
constexpr char kDeleteUserSession[] = R"sql(
DELETE FROM sessions
 WHERE project_id = $1 AND id = $2::bigint AND user_id = $3::bigint
)sql";

constexpr char kEndUserSessionsName[] = "end_user_sessions";
constexpr char kEndUserSessions[] = R"sql(
DELETE FROM sessions WHERE project_id = $1 AND user_id = $2::bigint
)sql";

// Idempotency records (AIP-155). A record is live for a day; an expired
// one still stored is overwritten by a new write with its key. $1 project,
// $2 actor, $3 request id, $4 method, $5 request hash, $6 caller token hash
// (both hex), $7 whether the call ended that token, $8 password hash ('' for
// none), $9 response (hex), $10 session id ('' for none). Inserts no row
// when a live record of the key exists; waits for one a concurrent
// transaction has not committed yet.
constexpr char kRecordIdempotencyName[] = "record_idempotency";
constexpr char kRecordIdempotency[] = R"sql(
INSERT INTO idempotency_records AS r
       (project_id, actor, request_id, method, request_hash,
        caller_token_hash, ended_caller_token, password_hash, response,
        session_id)
VALUES ($1, $2, $3, $4, decode($5, 'hex'), decode($6, 'hex'), $7::boolean,
        NULLIF($8, ''), decode($9, 'hex'), NULLIF($10, '')::bigint)
ON CONFLICT (project_id, actor, request_id) DO UPDATE
   SET method = EXCLUDED.method,
       request_hash = EXCLUDED.request_hash,
       caller_token_hash = EXCLUDED.caller_token_hash,
       ended_caller_token = EXCLUDED.ended_caller_token,
       password_hash = EXCLUDED.password_hash,
       response = EXCLUDED.response,
       session_id = EXCLUDED.session_id,
       create_time = now()
 WHERE r.create_time <= now() - interval '1 second' * $11::bigint
)sql";

// $1 project, $2 actor, $3 request id, $4 lifetime in seconds.
constexpr char kFindIdempotencyRecordName[] = "find_idempotency_record";
constexpr char kFindIdempotencyRecordTail[] = R"sql(
 WHERE project_id = $1 AND actor = $2 AND request_id = $3
   AND create_time > now() - interval '1 second' * $4::bigint
)sql";

// $1 token hash (hex), $2 request id, $3 lifetime in seconds.
constexpr char kFindIdempotencyRecordOfEndedTokenName[] =
    "find_idempotency_record_of_ended_token";
constexpr char kFindIdempotencyRecordOfEndedTokenTail[] = R"sql(
 WHERE caller_token_hash = decode($1, 'hex') AND ended_caller_token
   AND request_id = $2
   AND create_time > now() - interval '1 second' * $3::bigint
)sql";

// Locks a live record for RenewRecordedSession; returns its session.
constexpr char kLockIdempotencyRecordName[] = "lock_idempotency_record";
constexpr char kLockIdempotencyRecord[] = R"sql(
SELECT session_id
  FROM idempotency_records
 WHERE project_id = $1 AND actor = $2 AND request_id = $3
   AND create_time > now() - interval '1 second' * $4::bigint
   FOR UPDATE
)sql";

// Ends a live session, returning its user.
constexpr char kEndLiveSessionName[] = "end_live_session";
constexpr char kEndLiveSession[] = R"sql(
DELETE FROM sessions
 WHERE project_id = $1 AND id = $2::bigint AND expire_time > now()
RETURNING user_id
)sql";

constexpr char kSetRecordedSessionName[] = "set_recorded_session";
constexpr char kSetRecordedSession[] = R"sql(
UPDATE idempotency_records SET session_id = $4::bigint
 WHERE project_id = $1 AND actor = $2 AND request_id = $3
)sql";

// Records `record` in `transaction` with what the write produced.
// AlreadyExists (idempotency_records.request_id) when a live record of the
// same key exists.
absl::Status RecordIdempotency(pqxx::transaction_base& transaction,
                               const IdempotencyRecord& record,
                               const std::string& response,
                               const std::string& password_hash,
                               std::optional<int64_t> session_id) {
  const IdempotencyKey& key = record.key;
  pqxx::result rows = transaction.exec_prepared(
      kRecordIdempotencyName, key.project_id, key.actor, key.request_id,
      record.method, Hex(record.request_hash), Hex(record.caller_token_hash),
      record.ended_caller_token ? "true" : "false", password_hash,
      Hex(response), OptionalNumber(session_id), IdempotencyLifetimeSeconds());
  if (rows.affected_rows() == 0) {
    return StoreError(absl::StatusCode::kAlreadyExists,
                      "a call with this request_id has been recorded",
                      {"idempotency_records", "request_id"});
  }
  return absl::OkStatus();
}

}  // namespace

std::vector<PreparedStatement> PostgresSessionStore::Statements() {
  return {
      {kCreateSessionName, kCreateSession},
      {kDeleteSessionName, kDeleteSession},
      {kLockLoginUserName,
       absl::Substitute(kLockLoginUserPattern, kUserSuspendedSql)},
      {kTrimSessionsName, kTrimSessions},
      {kEndFailureStreakName, kEndFailureStreak},
      {kGetLoginFailuresName, kGetLoginFailures},
      {kRecordLoginFailureName, kRecordLoginFailure},
      {kDeleteUserSessionName, kDeleteUserSession},
      {kEndUserSessionsName, kEndUserSessions},
      {kRecordIdempotencyName, kRecordIdempotency},
      {kFindIdempotencyRecordName,
       absl::StrCat(kIdempotencyRecordOutputSql, kFindIdempotencyRecordTail)},
      {kFindIdempotencyRecordOfEndedTokenName,
       absl::StrCat(kIdempotencyRecordOutputSql,
                    kFindIdempotencyRecordOfEndedTokenTail)},
      {kLockIdempotencyRecordName, kLockIdempotencyRecord},
      {kEndLiveSessionName, kEndLiveSession},
      {kSetRecordedSessionName, kSetRecordedSession},
  };
}

SessionRecord InsertSession(pqxx::transaction_base& transaction,
                            const std::string& project_id, int64_t user_id,
                            const NewSession& session) {
  pqxx::row row = transaction.exec_prepared1(
      kCreateSessionName, project_id, std::to_string(user_id),
      Hex(session.token_hash), std::to_string(session.ttl_seconds));
  SessionRecord record;
  record.project_id = project_id;
  record.id = row[0].as<int64_t>();
  record.user_id = user_id;
  record.expire_time_unix = row[1].as<int64_t>();
  return record;
}

absl::Status RecordAndCommit(
    pqxx::transaction_base& transaction,
    const std::optional<IdempotencyRecord>& idempotency,
    const google::protobuf::MessageLite* response,
    const std::string& password_hash, std::optional<int64_t> session_id) {
  if (idempotency.has_value()) {
    if (absl::Status recorded = RecordIdempotency(
            transaction, *idempotency,
            response != nullptr ? response->SerializeAsString() : std::string(),
            password_hash, session_id);
        !recorded.ok()) {
      return recorded;
    }
  }
  AtCommitPoint([&] { transaction.commit(); });
  return absl::OkStatus();
}

std::string IdempotencyLifetimeSeconds() {
  return std::to_string(kIdempotencyRecordLifetimeSeconds);
}

bool EndUserSession(pqxx::transaction_base& transaction,
                    const std::string& project_id, int64_t session_id,
                    int64_t user_id) {
  pqxx::result deleted = transaction.exec_prepared(
      kDeleteUserSessionName, project_id, std::to_string(session_id),
      std::to_string(user_id));
  return deleted.affected_rows() == 1;
}

void EndUserSessions(pqxx::transaction_base& transaction,
                     const std::string& project_id, int64_t user_id) {
  // Any number of sessions, none included, is right here.
  transaction.exec_prepared0(kEndUserSessionsName, project_id,
                             std::to_string(user_id));
}

absl::StatusOr<SessionRecord> PostgresSessionStore::CreateSession(
    const SessionLogin& login) {
  return connection_.Run(
      "CreateSession",
      [&](pqxx::connection& connection) -> absl::StatusOr<SessionRecord> {
        const std::string& project_id = login.attempt.project_id;
        const std::string user_id = std::to_string(login.user_id);
        pqxx::work transaction(connection);
        pqxx::result user = transaction.exec_prepared(
            kLockLoginUserName, project_id, user_id, login.password_hash);
        if (user.empty()) return NotFound("users");
        if (!user[0][0].as<bool>()) {
          return StoreError(absl::StatusCode::kFailedPrecondition,
                            "the password changed during the login",
                            {"users", "password_hash"});
        }
        if (user[0][1].as<bool>()) {
          return StoreError(absl::StatusCode::kFailedPrecondition,
                            "the user is suspended", {"users", "suspensions"});
        }
        transaction.exec_prepared0(kTrimSessionsName, project_id, user_id,
                                   std::to_string(login.max_sessions - 1));
        SessionRecord record = InsertSession(transaction, project_id,
                                             login.user_id, login.session);
        transaction.exec_prepared0(kEndFailureStreakName, project_id,
                                   login.attempt.identifier_key,
                                   login.attempt.client_address);
        AtCommitPoint([&] { transaction.commit(); });
        return record;
      });
}

absl::Status PostgresSessionStore::DeleteSession(
    const std::string& project_id, int64_t session_id,
    const std::optional<IdempotencyRecord>& idempotency) {
  return connection_.Run(
      "DeleteSession", [&](pqxx::connection& connection) -> absl::Status {
        connection.prepare_now(kDeleteSessionName);
        const bool autocommit = !idempotency.has_value();
        std::unique_ptr<pqxx::transaction_base> transaction =
            OpenWrite(connection, !autocommit);
        pqxx::result rows = RunWrite(autocommit, [&] {
          return transaction->exec_prepared(kDeleteSessionName, project_id,
                                            std::to_string(session_id));
        });
        if (rows.affected_rows() == 0) {
          return NotFound("sessions");
        }
        return RecordAndCommit(*transaction, idempotency, nullptr);
      });
}

absl::StatusOr<LoginFailures> PostgresSessionStore::GetLoginFailures(
    const LoginAttempt& attempt, int limit, int64_t window_seconds) {
  return connection_.Run(
      "GetLoginFailures",
      [&](pqxx::connection& connection) -> absl::StatusOr<LoginFailures> {
        pqxx::nontransaction transaction(connection);
        pqxx::row row = transaction.exec_prepared1(
            kGetLoginFailuresName, attempt.project_id, attempt.identifier_key,
            attempt.client_address, std::to_string(limit),
            std::to_string(window_seconds));
        LoginFailures failures;
        failures.now = row[0].as<double>();
        failures.consecutive_failures = row[1].as<int>();
        failures.last_failure_time = row[2].as<double>();
        if (!row[3].is_null()) {
          failures.limit_reached_time = row[3].as<double>();
        }
        return failures;
      });
}

absl::Status PostgresSessionStore::RecordLoginFailure(
    const LoginAttempt& attempt) {
  return connection_.Run(
      "RecordLoginFailure", [&](pqxx::connection& connection) -> absl::Status {
        pqxx::nontransaction transaction(connection);
        transaction.exec_prepared0(kRecordLoginFailureName, attempt.project_id,
                                   attempt.identifier_key,
                                   attempt.client_address);
        return absl::OkStatus();
      });
}

absl::StatusOr<IdempotencyRecord> PostgresSessionStore::FindIdempotencyRecord(
    const IdempotencyKey& key) {
  return connection_.Run(
      "FindIdempotencyRecord",
      [&](pqxx::connection& connection) -> absl::StatusOr<IdempotencyRecord> {
        pqxx::nontransaction transaction(connection);
        pqxx::result rows = transaction.exec_prepared(
            kFindIdempotencyRecordName, key.project_id, key.actor,
            key.request_id, IdempotencyLifetimeSeconds());
        if (rows.empty()) return NotFound("idempotency_records");
        return ToIdempotencyRecord(rows[0]);
      });
}

absl::StatusOr<IdempotencyRecord>
PostgresSessionStore::FindIdempotencyRecordOfEndedToken(
    const std::string& token_hash, const std::string& request_id) {
  return connection_.Run(
      "FindIdempotencyRecordOfEndedToken",
      [&](pqxx::connection& connection) -> absl::StatusOr<IdempotencyRecord> {
        pqxx::nontransaction transaction(connection);
        pqxx::result rows = transaction.exec_prepared(
            kFindIdempotencyRecordOfEndedTokenName, Hex(token_hash), request_id,
            IdempotencyLifetimeSeconds());
        if (rows.empty()) return NotFound("idempotency_records");
        return ToIdempotencyRecord(rows[0]);
      });
}

absl::StatusOr<std::optional<SessionRecord>>
PostgresSessionStore::RenewRecordedSession(const IdempotencyKey& key,
                                           const NewSession& session) {
  using Result = absl::StatusOr<std::optional<SessionRecord>>;
  return connection_.Run(
      "RenewRecordedSession", [&](pqxx::connection& connection) -> Result {
        pqxx::work transaction(connection);
        pqxx::result locked = transaction.exec_prepared(
            kLockIdempotencyRecordName, key.project_id, key.actor,
            key.request_id, IdempotencyLifetimeSeconds());
        if (locked.empty()) return NotFound("idempotency_records");
        if (locked[0][0].is_null()) return std::optional<SessionRecord>();
        pqxx::result ended = transaction.exec_prepared(
            kEndLiveSessionName, key.project_id,
            std::to_string(locked[0][0].as<int64_t>()));
        if (ended.empty()) return std::optional<SessionRecord>();
        SessionRecord renewed = InsertSession(
            transaction, key.project_id, ended[0][0].as<int64_t>(), session);
        transaction.exec_prepared0(kSetRecordedSessionName, key.project_id,
                                   key.actor, key.request_id,
                                   std::to_string(renewed.id));
        AtCommitPoint([&] { transaction.commit(); });
        return std::optional<SessionRecord>(renewed);
      });
}

}  // namespace users
