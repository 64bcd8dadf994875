#include "storage/postgres_user_store.h"

#include <poll.h>

#include <algorithm>
#include <cstdio>
#include <iterator>
#include <pqxx/pqxx>
#include <stdexcept>
#include <unordered_set>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/substitute.h"
#include "google/protobuf/util/json_util.h"
#include "nlohmann/json.hpp"
#include "services/common/api_error.h"
#include "services/common/log.h"
#include "storage/connection_string.h"
#include "storage/migrations.h"
#include "storage/postgres_errors.h"
#include "storage/user_fields.h"

namespace users {
namespace {

// After a failed connection attempt, the next one waits this long (Connect()
// fails at once meanwhile; the pool's workers wait for it instead, see
// PostgresStorePool). Short, so that a database that is back is found within
// it, yet it spares a starting server a fork per call.
constexpr std::chrono::milliseconds kReconnectBackoff{100};

// ---------------------------------------------------------------------------
// SQL. Every parameter is passed as text and cast here.

constexpr char kPingName[] = "ping";
constexpr char kPing[] = R"sql(
SELECT 1
)sql";

constexpr char kGetProjectName[] = "get_project";
constexpr char kGetProject[] = R"sql(
SELECT id, webhook_uri, webhook_secret, password_min_length,
       password_max_length
  FROM projects
 WHERE id = $1
)sql";

constexpr char kCreateProjectName[] = "create_project";
constexpr char kCreateProject[] = R"sql(
INSERT INTO projects (id, webhook_uri, webhook_secret, password_min_length,
                      password_max_length)
VALUES ($1, $2, $3, $4::integer, $5::integer)
)sql";

constexpr char kEnsureProjectName[] = "ensure_project";
constexpr char kEnsureProject[] = R"sql(
INSERT INTO projects (id) VALUES ($1) ON CONFLICT (id) DO NOTHING
)sql";

constexpr char kUpdateProjectName[] = "update_project";
constexpr char kUpdateProject[] = R"sql(
UPDATE projects
   SET webhook_uri = CASE WHEN $2::boolean THEN $3 ELSE webhook_uri END,
       webhook_secret = CASE WHEN $2::boolean THEN $4 ELSE webhook_secret END,
       password_min_length = CASE WHEN $5::boolean THEN $6::integer
                                  ELSE password_min_length END,
       password_max_length = CASE WHEN $5::boolean THEN $7::integer
                                  ELSE password_max_length END,
       update_time = now()
 WHERE id = $1
RETURNING id, webhook_uri, webhook_secret, password_min_length,
          password_max_length
)sql";

// Whether the user row `u` has a suspension in force (stored shape: see
// 0001_init.sql). An empty array, the usual case, costs no unnesting; a NULL
// (no user) is not suspended.
constexpr char kUserSuspended[] = R"sql(
(u.suspensions <> '[]' AND EXISTS (
   SELECT FROM jsonb_array_elements(u.suspensions) AS s
    WHERE s.value->>'expire_time' IS NULL
       OR (s.value->>'expire_time')::timestamptz > now()))
)sql";

// Live sessions and API keys by the SHA-256 of their token (hex), whether
// their user is suspended, how many milliseconds they have left (floor; NULL
// for no end), and the settings of their project (from column
// kFindTokenProjectColumn on). $0 is kUserSuspended.
constexpr char kFindTokenName[] = "find_token";
constexpr char kFindTokenPattern[] = R"sql(
SELECT t.*, p.webhook_uri, p.webhook_secret, p.password_min_length,
       p.password_max_length
  FROM (SELECT 'session' AS kind, s.project_id, s.id, s.user_id,
               u.role::integer, '[]' AS scopes, false AS is_operator,
               $0 AS suspended,
               floor(extract(epoch FROM s.expire_time - now()) * 1000)::bigint
          FROM sessions s
          JOIN users u ON u.project_id = s.project_id AND u.id = s.user_id
         WHERE s.token_hash = decode($$1, 'hex') AND s.expire_time > now()
        UNION ALL
        SELECT 'api_key', k.project_id, k.id, k.user_id,
               coalesce(u.role, 0)::integer, k.scopes::text, k.is_operator,
               coalesce($0, false),
               floor(extract(epoch FROM k.expire_time - now()) * 1000)::bigint
          FROM api_keys k
          LEFT JOIN users u ON u.project_id = k.project_id AND u.id = k.user_id
         WHERE k.token_hash = decode($$1, 'hex')
           AND (k.expire_time IS NULL OR k.expire_time > now())
         LIMIT 1) AS t
  JOIN projects p ON p.id = t.project_id
)sql";
constexpr int kFindTokenSuspendedColumn = 7;
constexpr int kFindTokenExpiresInColumn = 8;
constexpr int kFindTokenProjectColumn = 9;

// An API key's output columns, in ReadApiKey order.
constexpr char kApiKeyOutput[] = R"sql(
       project_id, id, scopes::text, user_id,
       floor(extract(epoch FROM create_time))::bigint,
       floor(extract(epoch FROM expire_time))::bigint, is_operator
)sql";

constexpr char kCreateApiKeyName[] = "create_api_key";
constexpr char kCreateApiKeyHead[] = R"sql(
INSERT INTO api_keys (project_id, token_hash, scopes, user_id, expire_time)
VALUES ($1, decode($2, 'hex'), $3::jsonb, NULLIF($4, '')::bigint,
        to_timestamp(NULLIF($5, '')::bigint))
RETURNING
)sql";

constexpr char kGetApiKeyName[] = "get_api_key";
constexpr char kSelectApiKeys[] = R"sql(
SELECT
)sql";
constexpr char kGetApiKeyTail[] = R"sql(
  FROM api_keys WHERE project_id = $1 AND id = $2::bigint
)sql";

constexpr char kListApiKeysName[] = "list_api_keys";
constexpr char kListApiKeysTail[] = R"sql(
  FROM api_keys WHERE project_id = $1 AND id > $2::bigint
 ORDER BY id LIMIT $3::bigint
)sql";

constexpr char kDeleteApiKeyName[] = "delete_api_key";
constexpr char kDeleteApiKey[] = R"sql(
DELETE FROM api_keys WHERE project_id = $1 AND id = $2::bigint
)sql";

// Serialises operator-key installs of replicas starting at once.
constexpr char kLockOperatorKeyName[] = "lock_operator_key";
constexpr char kLockOperatorKey[] = R"sql(
SELECT pg_advisory_xact_lock(7573657274)
)sql";

constexpr char kRevokeOtherOperatorKeysName[] = "revoke_other_operator_keys";
constexpr char kRevokeOtherOperatorKeys[] = R"sql(
DELETE FROM api_keys WHERE is_operator AND token_hash <> decode($1, 'hex')
)sql";

constexpr char kUpsertOperatorKeyName[] = "upsert_operator_key";
constexpr char kUpsertOperatorKey[] = R"sql(
INSERT INTO api_keys (project_id, token_hash, scopes, is_operator)
VALUES ('default', decode($1, 'hex'), '["admin", "read", "write"]', true)
ON CONFLICT (token_hash) DO UPDATE
   SET project_id = 'default', scopes = EXCLUDED.scopes, user_id = NULL,
       expire_time = NULL, is_operator = true
)sql";

// The output columns of a user row `u`: first these, in OutputColumn order,
// then the outputs of kUserFields in table order (see UserOutputSql). Never
// password_hash or secure_metadata. Suspensions: those still in force, in
// stored order, times in microseconds.
constexpr char kUserOutputHead[] = R"sql(
       u.project_id, u.id, u.version, u.email_verified,
       (SELECT coalesce(jsonb_agg(jsonb_build_object(
                 'reason', coalesce(s.value->>'reason', ''),
                 'create_us', (extract(epoch FROM
                     (s.value->>'create_time')::timestamptz) * 1000000)::bigint,
                 'expire_us', (extract(epoch FROM
                     (s.value->>'expire_time')::timestamptz) * 1000000)::bigint)
                 ORDER BY s.ordinality), '[]')
          FROM jsonb_array_elements(u.suspensions) WITH ORDINALITY AS s
         WHERE s.value->>'expire_time' IS NULL
            OR (s.value->>'expire_time')::timestamptz > now())::text,
       (extract(epoch FROM u.create_time) * 1000000)::bigint,
       (extract(epoch FROM u.update_time) * 1000000)::bigint)sql";

enum OutputColumn {
  kOutProjectId = 0,
  kOutId,
  kOutVersion,
  kOutEmailVerified,
  kOutSuspensions,
  kOutCreateMicros,
  kOutUpdateMicros,
  kOutFirstField,
};

// The select list of a user row: kUserOutputHead, then each field's output.
const std::string& UserOutputSql() {
  static const std::string* sql = [] {
    auto* text = new std::string(kUserOutputHead);
    for (const UserField& field : kUserFields) {
      if (field.output != nullptr) {
        absl::StrAppend(text, ",\n       ", field.output);
      }
    }
    absl::StrAppend(text, "\n");
    return text;
  }();
  return *sql;
}

constexpr char kGetUserName[] = "get_user";
constexpr char kGetUserHead[] = R"sql(
SELECT )sql";
constexpr char kGetUserTail[] = R"sql(
  FROM users u
 WHERE u.project_id = $1 AND u.id = $2::bigint
)sql";

constexpr char kListUsersName[] = "list_users";
constexpr char kListUsersTail[] = R"sql(
  FROM users u
 WHERE u.project_id = $1 AND u.id > $2::bigint
 ORDER BY u.id
 LIMIT $3::integer
)sql";

constexpr char kUserVersionName[] = "user_version";
constexpr char kUserVersion[] = R"sql(
SELECT version FROM users WHERE project_id = $1 AND id = $2::bigint
)sql";

// $1 project; then each field's parameters in kUserFields order; then
// actor and request id (see CreateUserSql).
constexpr char kCreateUserName[] = "create_user";
constexpr char kCreateUserHead[] = R"sql(
WITH inserted AS (
  INSERT INTO users (project_id)sql";
constexpr char kCreateUserEvent[] = R"sql(
  RETURNING *
), event AS (
  INSERT INTO user_events (project_id, user_id, actor, action, request_id)
  SELECT project_id, id, $$$0, 'create', $$$1 FROM inserted
)
SELECT )sql";
constexpr char kCreateUserTail[] = R"sql(
  FROM inserted u
)sql";
constexpr int kCreateUserFirstColumnParam = 2;

// `pattern` with $0 (and $1) replaced by the parameter numbers from `first`.
std::string FieldPattern(const char* pattern, int first, int parameters) {
  return parameters == 2 ? absl::Substitute(pattern, first, first + 1)
                         : absl::Substitute(pattern, first);
}

// The INSERT of a user: every field of kUserFields, in table order.
std::string CreateUserSql() {
  std::string columns;
  std::string values;
  int next = kCreateUserFirstColumnParam;
  for (const UserField& field : kUserFields) {
    absl::StrAppend(&columns, ", ", field.insert_columns);
    absl::StrAppend(&values, ", ",
                    FieldPattern(field.insert_values, next, field.parameters));
    next += field.parameters;
  }
  return absl::StrCat(kCreateUserHead, columns, ")\n  VALUES ($1", values, ")",
                      absl::Substitute(kCreateUserEvent, next, next + 1),
                      UserOutputSql(), kCreateUserTail);
}

// The UPDATE: the SET list is built from kUserFields only. $1 project, $2
// user id, $3 expected version ('' for any), $4 actor, $5 paths (a JSON
// array), $6 request id; the columns' parameters follow.
constexpr char kUpdateUserNamePrefix[] = "update_user_";
constexpr char kUpdateUserHead[] = R"sql(
WITH updated AS (
  UPDATE users
     SET )sql";
constexpr char kUpdateUserMiddle[] = R"sql(version = version + 1,
         update_time = now()
   WHERE project_id = $1 AND id = $2::bigint
     AND version = coalesce(NULLIF($3, '')::bigint, version)
  RETURNING *
), event AS (
  INSERT INTO user_events (project_id, user_id, actor, action, paths,
                           request_id)
  SELECT project_id, id, $4, 'update', $5::jsonb, $6 FROM updated
)
SELECT )sql";
constexpr char kUpdateUserTail[] = R"sql(
  FROM updated u
)sql";
constexpr int kUpdateUserFirstColumnParam = 7;

constexpr char kDeleteUserName[] = "delete_user";
constexpr char kDeleteUser[] = R"sql(
WITH deleted AS (
  DELETE FROM users WHERE project_id = $1 AND id = $2::bigint
  RETURNING project_id, id
), event AS (
  INSERT INTO user_events (project_id, user_id, actor, action, request_id)
  SELECT project_id, id, $3, 'delete', $4 FROM deleted
)
SELECT count(*) FROM deleted
)sql";

// Appends {"reason", "create_time", "expire_time"?} to the user's
// suspensions, times as RFC 3339 UTC text with microseconds
// ("2024-05-06T07:08:09.123456Z") whatever the session's TimeZone.
// $1 project, $2 user id, $3 reason, $4 expire time in Unix microseconds
// ('' for none), $5 actor, $6 request id. Sessions are ended by a separate
// statement (kEndUserSessions) after this one: a statement sees only the
// sessions committed before it started, and a login holding the user's row
// lock commits its session while this UPDATE waits for the lock.
constexpr char kSuspendUserName[] = "suspend_user";
constexpr char kSuspendUserHead[] = R"sql(
WITH updated AS (
  UPDATE users
     SET suspensions = suspensions || jsonb_build_array(jsonb_strip_nulls(
           jsonb_build_object(
             'reason', $3::text,
             'create_time', to_char(now() AT TIME ZONE 'UTC',
                                    'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
             'expire_time', to_char('epoch'::timestamp + NULLIF($4, '')::bigint
                                        * interval '1 microsecond',
                                    'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')))),
         version = version + 1,
         update_time = now()
   WHERE project_id = $1 AND id = $2::bigint
  RETURNING *
), event AS (
  INSERT INTO user_events (project_id, user_id, actor, action, request_id)
  SELECT project_id, id, $5, 'suspend', $6 FROM updated
)
SELECT )sql";

// Ends the suspensions in force: their expire_time becomes now(), so they
// stay as history and the user's output no longer lists them. Matches no row
// when none is in force. $1 project, $2 user id, $3 actor, $4 request id;
// kUserSuspended goes between head and middle.
constexpr char kUnsuspendUserName[] = "unsuspend_user";
constexpr char kUnsuspendUserHead[] = R"sql(
WITH updated AS (
  UPDATE users u
     SET suspensions = (
           SELECT coalesce(jsonb_agg(
                    CASE WHEN s.value->>'expire_time' IS NULL
                           OR (s.value->>'expire_time')::timestamptz > now()
                         THEN s.value || jsonb_build_object(
                                'expire_time',
                                to_char(now() AT TIME ZONE 'UTC',
                                        'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))
                         ELSE s.value END
                    ORDER BY s.ordinality), '[]')
             FROM jsonb_array_elements(u.suspensions) WITH ORDINALITY AS s),
         version = version + 1,
         update_time = now()
   WHERE u.project_id = $1 AND u.id = $2::bigint AND )sql";
constexpr char kUnsuspendUserMiddle[] = R"sql(
  RETURNING *
), event AS (
  INSERT INTO user_events (project_id, user_id, actor, action, request_id)
  SELECT project_id, id, $3, 'unsuspend', $4 FROM updated
)
SELECT )sql";

// A login names a user by one identifier only: a username never matches an
// email address and the other way round.
constexpr char kFindLoginByUsernameName[] = "find_login_by_username";
constexpr char kFindLoginByUsername[] = R"sql(
SELECT id, password_hash
  FROM users
 WHERE project_id = $1 AND username_key = $2
)sql";

constexpr char kFindLoginByEmailName[] = "find_login_by_email";
constexpr char kFindLoginByEmail[] = R"sql(
SELECT id, password_hash
  FROM users
 WHERE project_id = $1 AND email_key = $2
)sql";

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
// user's and whether the user is suspended. $0 is kUserSuspended.
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

constexpr char kIdempotencyRecordOutput[] = R"sql(
SELECT project_id, actor, request_id, method, encode(request_hash, 'hex'),
       encode(caller_token_hash, 'hex'), ended_caller_token,
       coalesce(password_hash, ''), encode(response, 'hex'), session_id
  FROM idempotency_records
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

// ---------------------------------------------------------------------------

absl::Status ApiKeyNotFound() {
  return ApiError(absl::StatusCode::kNotFound, "API_KEY_NOT_FOUND",
                  "the project has no such API key");
}

absl::Status UserNotFound() {
  return ApiError(absl::StatusCode::kNotFound, "USER_NOT_FOUND",
                  "user not found");
}

absl::Status ProjectNotFound() {
  return ApiError(absl::StatusCode::kNotFound, "PROJECT_NOT_FOUND",
                  "project not found");
}

absl::Status EtagMismatch() {
  return ApiError(absl::StatusCode::kAborted, "ETAG_MISMATCH",
                  "the user changed since the etag was read");
}

absl::Status Unavailable() {
  return ApiError(absl::StatusCode::kUnavailable, "DATABASE_UNAVAILABLE",
                  "database unavailable");
}

std::string Hex(const std::string& bytes) {
  return absl::BytesToHexString(bytes);
}

std::string JsonStrings(const std::vector<std::string>& values) {
  return nlohmann::json(values).dump(-1, ' ', false,
                                     nlohmann::json::error_handler_t::replace);
}

std::string UpdateStatementName(const UserColumnSet& columns) {
  return absl::StrCat(kUpdateUserNamePrefix, columns.to_ulong());
}

void SetMicros(int64_t micros, google::protobuf::Timestamp* timestamp) {
  int64_t seconds = micros / 1000000;
  int64_t rest = micros % 1000000;
  if (rest < 0) {
    rest += 1000000;
    --seconds;
  }
  timestamp->set_seconds(seconds);
  timestamp->set_nanos(static_cast<int32_t>(rest * 1000));
}

nlohmann::json ParseJson(const pqxx::field& field, const char* what) {
  nlohmann::json json = nlohmann::json::parse(
      field.c_str(), field.c_str() + field.size(), nullptr, false);
  if (json.is_discarded()) {
    throw std::runtime_error(absl::StrCat("stored ", what, " is not JSON"));
  }
  return json;
}

constexpr int kMaxFieldOutputs = 3;
constexpr bool OutputsFit() {
  for (const UserField& field : kUserFields) {
    if (field.outputs > kMaxFieldOutputs) return false;
  }
  return true;
}
static_assert(OutputsFit(), "a field has more outputs than ToUserRecord reads");

// Maps a row of UserOutputSql(). Throws on malformed stored data.
UserRecord ToUserRecord(const pqxx::row& row) {
  UserRecord record;
  record.project_id = row[kOutProjectId].as<std::string>();
  record.id = row[kOutId].as<int64_t>();
  record.version = row[kOutVersion].as<int64_t>();
  v1::User& user = record.user;
  user.set_name(
      absl::StrCat("projects/", record.project_id, "/users/", record.id));
  user.set_etag(std::to_string(record.version));
  user.set_email_verified(row[kOutEmailVerified].as<bool>());
  int next = kOutFirstField;
  StoredCell cells[kMaxFieldOutputs];
  for (const UserField& field : kUserFields) {
    if (field.output == nullptr) continue;
    for (int i = 0; i < field.outputs; ++i) {
      const pqxx::field& cell = row[next + i];
      cells[i].null = cell.is_null();
      cells[i].text = absl::string_view(cell.c_str(), cell.size());
    }
    field.read(cells, user);
    next += field.outputs;
  }
  for (const nlohmann::json& stored :
       ParseJson(row[kOutSuspensions], "suspensions")) {
    v1::User::Suspension* suspension = user.add_suspensions();
    suspension->set_reason(stored.value("reason", ""));
    if (stored.contains("create_us") && stored["create_us"].is_number()) {
      SetMicros(stored["create_us"].get<int64_t>(),
                suspension->mutable_create_time());
    }
    if (stored.contains("expire_us") && stored["expire_us"].is_number()) {
      SetMicros(stored["expire_us"].get<int64_t>(),
                suspension->mutable_expire_time());
    }
  }
  SetMicros(row[kOutCreateMicros].as<int64_t>(), user.mutable_create_time());
  SetMicros(row[kOutUpdateMicros].as<int64_t>(), user.mutable_update_time());
  return record;
}

// Reads a project's settings (webhook_uri, webhook_secret,
// password_min_length, password_max_length) from the columns at `first`.
void ReadProjectSettings(const pqxx::row& row, int first,
                         ProjectRecord& project) {
  project.webhook_uri = row[first].as<std::string>();
  project.webhook_secret = row[first + 1].as<std::string>();
  project.password_min_length = row[first + 2].as<int>();
  project.password_max_length = row[first + 3].as<int>();
}

// Maps a row of kGetProject.
ProjectRecord ToProjectRecord(const pqxx::row& row) {
  ProjectRecord project;
  project.id = row[0].as<std::string>();
  ReadProjectSettings(row, 1, project);
  return project;
}

// After an UPDATE that matched no row: NotFound, or a stale version.
absl::Status UpdateMissed(pqxx::transaction_base& transaction,
                          const UserUpdate& update) {
  pqxx::result rows = transaction.exec_prepared(
      kUserVersionName, update.project_id, std::to_string(update.user_id));
  if (rows.empty()) return UserNotFound();
  return EtagMismatch();
}

std::vector<std::string> UpdateParams(const UserUpdate& update) {
  std::vector<std::string> params = {
      update.project_id,
      std::to_string(update.user_id),
      update.expected_version.has_value()
          ? std::to_string(*update.expected_version)
          : std::string(),
      update.actor,
      JsonStrings(update.paths),
      update.request_id,
  };
  for (const UserField& field : kUserFields) {
    if (Has(update.changes.columns, field.column)) {
      field.bind(update.changes, params);
    }
  }
  return params;
}

// "" for none: the statements turn it into NULL.
std::string OptionalNumber(std::optional<int64_t> value) {
  return value.has_value() ? std::to_string(*value) : std::string();
}

ApiKeyRecord ReadApiKey(const pqxx::row& row) {
  ApiKeyRecord key;
  key.project_id = row[0].as<std::string>();
  key.id = row[1].as<int64_t>();
  for (const nlohmann::json& scope : ParseJson(row[2], "scopes")) {
    if (scope.is_string()) key.scopes.push_back(scope.get<std::string>());
  }
  if (!row[3].is_null()) key.user_id = row[3].as<int64_t>();
  key.create_time_unix = row[4].as<int64_t>();
  if (!row[5].is_null()) key.expire_time_unix = row[5].as<int64_t>();
  key.is_operator = row[6].as<bool>();
  return key;
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

// A transaction for a write that is one statement unless it is recorded for
// idempotency: autocommit when `atomic` is false (one round trip less).
std::unique_ptr<pqxx::transaction_base> OpenWrite(
    pqxx::connection_base& connection, bool atomic) {
  if (atomic) return std::make_unique<pqxx::work>(connection);
  return std::make_unique<pqxx::nontransaction>(connection);
}

// Runs a write's statement; in autocommit it is the write's commit point
// (see AtCommitPoint).
template <typename Statement>
auto RunWrite(bool autocommit, Statement statement) -> decltype(statement()) {
  if (autocommit) return AtCommitPoint(statement);
  return statement();
}

std::string LifetimeSeconds() {
  return std::to_string(kIdempotencyRecordLifetimeSeconds);
}

absl::Status RequestIdRecorded() {
  return ApiError(absl::StatusCode::kAlreadyExists, "REQUEST_ID_RECORDED",
                  "a call with this request_id has been recorded");
}

// Records `record` in `transaction` with what the write produced. Fails
// (RequestIdRecorded) when a live record of the same key exists.
absl::Status RecordIdempotency(pqxx::transaction_base& transaction,
                               IdempotencyRecord record,
                               std::string response,
                               std::string password_hash = {},
                               std::optional<int64_t> session_id = {}) {
  const IdempotencyKey& key = record.key;
  pqxx::result rows = transaction.exec_prepared(
      kRecordIdempotencyName, key.project_id, key.actor, key.request_id,
      record.method, Hex(record.request_hash), Hex(record.caller_token_hash),
      record.ended_caller_token ? "true" : "false", password_hash,
      Hex(response), OptionalNumber(session_id), LifetimeSeconds());
  if (rows.affected_rows() == 0) return RequestIdRecorded();
  return absl::OkStatus();
}

IdempotencyRecord ReadIdempotencyRecord(const pqxx::row& row) {
  IdempotencyRecord record;
  record.key.project_id = row[0].as<std::string>();
  record.key.actor = row[1].as<std::string>();
  record.key.request_id = row[2].as<std::string>();
  record.method = row[3].as<std::string>();
  record.request_hash = absl::HexStringToBytes(row[4].as<std::string>());
  record.caller_token_hash = absl::HexStringToBytes(row[5].as<std::string>());
  record.ended_caller_token = row[6].as<bool>();
  record.password_hash = row[7].as<std::string>();
  record.response = absl::HexStringToBytes(row[8].as<std::string>());
  if (!row[9].is_null()) record.session_id = row[9].as<int64_t>();
  return record;
}

absl::Status IdempotencyRecordNotFound() {
  return absl::NotFoundError("no idempotency record");
}

// Whether an idle connection is still usable, without a round trip: between
// calls the server sends nothing, so anything to read (its goodbye message,
// end of file) or a hang-up means it has closed the connection.
bool IdleConnectionAlive(const pqxx::connection_base& connection) {
  if (!connection.is_open()) return false;
  pollfd idle{connection.sock(), POLLIN | POLLRDHUP, 0};
  if (idle.fd < 0) return false;
  return ::poll(&idle, 1, 0) == 0;
}

void PrepareStatements(pqxx::connection_base& connection) {
  const std::pair<const char*, std::string> statements[] = {
      {kPingName, kPing},
      {kGetProjectName, kGetProject},
      {kCreateProjectName, kCreateProject},
      {kEnsureProjectName, kEnsureProject},
      {kUpdateProjectName, kUpdateProject},
      {kFindTokenName, absl::Substitute(kFindTokenPattern, kUserSuspended)},
      {kCreateApiKeyName, absl::StrCat(kCreateApiKeyHead, kApiKeyOutput)},
      {kGetApiKeyName,
       absl::StrCat(kSelectApiKeys, kApiKeyOutput, kGetApiKeyTail)},
      {kListApiKeysName,
       absl::StrCat(kSelectApiKeys, kApiKeyOutput, kListApiKeysTail)},
      {kDeleteApiKeyName, kDeleteApiKey},
      {kLockOperatorKeyName, kLockOperatorKey},
      {kRevokeOtherOperatorKeysName, kRevokeOtherOperatorKeys},
      {kUpsertOperatorKeyName, kUpsertOperatorKey},
      {kGetUserName, absl::StrCat(kGetUserHead, UserOutputSql(), kGetUserTail)},
      {kListUsersName,
       absl::StrCat(kGetUserHead, UserOutputSql(), kListUsersTail)},
      {kUserVersionName, kUserVersion},
      {kCreateUserName, CreateUserSql()},
      {kDeleteUserName, kDeleteUser},
      {kSuspendUserName,
       absl::StrCat(kSuspendUserHead, UserOutputSql(), kUpdateUserTail)},
      {kUnsuspendUserName,
       absl::StrCat(kUnsuspendUserHead, kUserSuspended, kUnsuspendUserMiddle,
                    UserOutputSql(), kUpdateUserTail)},
      {kFindLoginByUsernameName, kFindLoginByUsername},
      {kFindLoginByEmailName, kFindLoginByEmail},
      {kCreateSessionName, kCreateSession},
      {kDeleteSessionName, kDeleteSession},
      {kLockLoginUserName,
       absl::Substitute(kLockLoginUserPattern, kUserSuspended)},
      {kTrimSessionsName, kTrimSessions},
      {kEndFailureStreakName, kEndFailureStreak},
      {kGetLoginFailuresName, kGetLoginFailures},
      {kRecordLoginFailureName, kRecordLoginFailure},
      {kDeleteExpiredSessionsName, kDeleteExpiredSessions},
      {kDeleteOldLoginFailuresName, kDeleteOldLoginFailures},
      {kDeleteOldStreaksName, kDeleteOldStreaks},
      {kDeleteUserSessionName, kDeleteUserSession},
      {kEndUserSessionsName, kEndUserSessions},
      {kRecordIdempotencyName, kRecordIdempotency},
      {kFindIdempotencyRecordName,
       absl::StrCat(kIdempotencyRecordOutput, kFindIdempotencyRecordTail)},
      {kFindIdempotencyRecordOfEndedTokenName,
       absl::StrCat(kIdempotencyRecordOutput,
                    kFindIdempotencyRecordOfEndedTokenTail)},
      {kLockIdempotencyRecordName, kLockIdempotencyRecord},
      {kEndLiveSessionName, kEndLiveSession},
      {kSetRecordedSessionName, kSetRecordedSession},
      {kDeleteOldIdempotencyRecordsName, kDeleteOldIdempotencyRecords},
  };
  // libpqxx registers each with the server on first use.
  for (const auto& [name, sql] : statements) connection.prepare(name, sql);
}

}  // namespace

struct PostgresUserStore::Session {
  explicit Session(const std::string& connection_string)
      : connection(connection_string) {}

  // The name of the UPDATE for `columns`, defined on first use.
  std::string UpdateStatement(const UserColumnSet& columns) {
    std::string name = UpdateStatementName(columns);
    if (prepared_updates.insert(columns.to_ulong()).second) {
      connection.prepare(name, UpdateStatementSql(columns));
    }
    return name;
  }

  pqxx::connection connection;
  std::unordered_set<uint64_t> prepared_updates;
};

PostgresUserStore::PostgresUserStore(
    const std::string& connection_string,
    std::chrono::milliseconds statement_timeout,
    std::chrono::seconds connect_timeout)
    : connection_string_(RewriteConnectionString(
          connection_string, {},
          {
              {"connect_timeout", std::to_string(connect_timeout.count())},
              {"keepalives", "1"},
              {"keepalives_idle", "5"},
              {"keepalives_interval", "2"},
              {"keepalives_count", "3"},
              {"tcp_user_timeout", "10000"},
              {"application_name", "userd"},
              // Never settle for a read-only server (a standby, or a primary
              // demoted after a failover): with several hosts libpq goes on
              // to the next one, with one the attempt fails (Unavailable).
              {"target_session_attrs", "read-write"},
          },
          absl::StrCat("-c statement_timeout=", statement_timeout.count()))) {}

PostgresUserStore::~PostgresUserStore() = default;

std::string PostgresUserStore::UpdateStatementSql(
    const UserColumnSet& columns) {
  std::string assignments;
  int next = kUpdateUserFirstColumnParam;
  for (const UserField& field : kUserFields) {
    if (!Has(columns, field.column)) continue;
    absl::StrAppend(&assignments,
                    FieldPattern(field.assignments, next, field.parameters),
                    ",\n         ");
    next += field.parameters;
  }
  return absl::StrCat(kUpdateUserHead, assignments, kUpdateUserMiddle,
                      UserOutputSql(), kUpdateUserTail);
}

bool PostgresUserStore::Healthy() const {
  return session_ != nullptr && IdleConnectionAlive(session_->connection);
}

std::chrono::steady_clock::time_point PostgresUserStore::NextConnectAttempt()
    const {
  return session_ != nullptr ? std::chrono::steady_clock::time_point()
                             : next_connect_attempt_;
}

void PostgresUserStore::Disconnect() { session_.reset(); }

absl::Status PostgresUserStore::Connect() {
  if (session_ != nullptr) {
    if (IdleConnectionAlive(session_->connection)) return absl::OkStatus();
    // The server went away between calls (a restart, a failover, a
    // terminated backend): connect again now rather than fail this call.
    Log(LogLevel::kInfo, "storage_reconnecting", {{"reason", "idle_closed"}});
    Disconnect();
  }
  if (!connection_string_.ok()) return connection_string_.status();
  if (std::chrono::steady_clock::now() < next_connect_attempt_) {
    return Unavailable();
  }
  try {
    auto session = std::make_unique<Session>(*connection_string_);
    PrepareStatements(session->connection);
    session_ = std::move(session);
    return absl::OkStatus();
  } catch (...) {
    next_connect_attempt_ =
        std::chrono::steady_clock::now() + kReconnectBackoff;
    bool connection_lost = false;
    return StatusFromException(std::current_exception(), "Connect",
                               &connection_lost);
  }
}

template <typename Body>
auto PostgresUserStore::Run(absl::string_view operation, Body body) {
  using Result = decltype(body(std::declval<Session&>()));
  if (absl::Status status = Connect(); !status.ok()) return Result(status);
  try {
    return body(*session_);
  } catch (...) {
    bool connection_lost = false;
    absl::Status status = StatusFromException(std::current_exception(),
                                              operation, &connection_lost);
    if (connection_lost || !session_->connection.is_open()) Disconnect();
    return Result(status);
  }
}

absl::Status PostgresUserStore::Migrate() {
  return Run("Migrate", [](Session& session) -> absl::Status {
    ApplyMigrations(session.connection, EmbeddedMigrations());
    return absl::OkStatus();
  });
}

absl::Status PostgresUserStore::Ping() {
  return Run("Ping", [](Session& session) -> absl::Status {
    pqxx::nontransaction transaction(session.connection);
    transaction.exec_prepared1(kPingName);
    return absl::OkStatus();
  });
}

absl::StatusOr<ProjectRecord> PostgresUserStore::GetProject(
    const std::string& project_id) {
  return Run("GetProject",
             [&](Session& session) -> absl::StatusOr<ProjectRecord> {
               pqxx::nontransaction transaction(session.connection);
               pqxx::result rows =
                   transaction.exec_prepared(kGetProjectName, project_id);
               if (rows.empty()) return ProjectNotFound();
               return ToProjectRecord(rows[0]);
             });
}

absl::Status PostgresUserStore::CreateProject(const ProjectRecord& project) {
  return Run("CreateProject", [&](Session& session) -> absl::Status {
    pqxx::nontransaction transaction(session.connection);
    transaction.exec_prepared0(kCreateProjectName, project.id,
                               project.webhook_uri, project.webhook_secret,
                               std::to_string(project.password_min_length),
                               std::to_string(project.password_max_length));
    return absl::OkStatus();
  });
}

absl::Status PostgresUserStore::EnsureProject(const std::string& project_id) {
  return Run("EnsureProject", [&](Session& session) -> absl::Status {
    pqxx::nontransaction transaction(session.connection);
    transaction.exec_prepared0(kEnsureProjectName, project_id);
    return absl::OkStatus();
  });
}

absl::StatusOr<ProjectRecord> PostgresUserStore::UpdateProject(
    const ProjectRecord& project, bool webhook, bool policy) {
  return Run("UpdateProject",
             [&](Session& session) -> absl::StatusOr<ProjectRecord> {
               pqxx::nontransaction transaction(session.connection);
               pqxx::result rows = transaction.exec_prepared(
                   kUpdateProjectName, project.id, webhook ? "true" : "false",
                   project.webhook_uri, project.webhook_secret,
                   policy ? "true" : "false",
                   std::to_string(project.password_min_length),
                   std::to_string(project.password_max_length));
               if (rows.affected_rows() == 0) return ProjectNotFound();
               return ToProjectRecord(rows[0]);
             });
}

absl::StatusOr<TokenRecord> PostgresUserStore::FindToken(
    const std::string& token_hash) {
  return Run("FindToken", [&](Session& session) -> absl::StatusOr<TokenRecord> {
    pqxx::nontransaction transaction(session.connection);
    pqxx::result rows =
        transaction.exec_prepared(kFindTokenName, Hex(token_hash));
    if (rows.empty()) {
      return ApiError(absl::StatusCode::kNotFound, "TOKEN_NOT_FOUND",
                      "token not found");
    }
    const pqxx::row& row = rows[0];
    TokenRecord token;
    token.kind = row[0].as<std::string>() == "session"
                     ? TokenRecord::Kind::kSession
                     : TokenRecord::Kind::kApiKey;
    token.project_id = row[1].as<std::string>();
    token.id = row[2].as<int64_t>();
    if (!row[3].is_null()) token.user_id = row[3].as<int64_t>();
    token.user_role = row[4].as<int>();
    token.user_suspended = row[kFindTokenSuspendedColumn].as<bool>();
    if (!row[kFindTokenExpiresInColumn].is_null()) {
      token.expires_in_ms = row[kFindTokenExpiresInColumn].as<int64_t>();
    }
    for (const nlohmann::json& scope : ParseJson(row[5], "scopes")) {
      if (scope.is_string()) token.scopes.push_back(scope.get<std::string>());
    }
    token.is_operator = row[6].as<bool>();
    token.project.id = token.project_id;
    ReadProjectSettings(row, kFindTokenProjectColumn, token.project);
    return token;
  });
}

absl::StatusOr<ApiKeyRecord> PostgresUserStore::CreateApiKey(
    const NewApiKey& key) {
  return Run("CreateApiKey",
             [&](Session& session) -> absl::StatusOr<ApiKeyRecord> {
               pqxx::nontransaction transaction(session.connection);
               return ReadApiKey(transaction.exec_prepared1(
                   kCreateApiKeyName, key.project_id, Hex(key.token_hash),
                   JsonStrings(key.scopes), OptionalNumber(key.user_id),
                   OptionalNumber(key.expire_time_unix)));
             });
}

absl::StatusOr<ApiKeyRecord> PostgresUserStore::GetApiKey(
    const std::string& project_id, int64_t key_id) {
  return Run("GetApiKey",
             [&](Session& session) -> absl::StatusOr<ApiKeyRecord> {
               pqxx::nontransaction transaction(session.connection);
               pqxx::result rows = transaction.exec_prepared(
                   kGetApiKeyName, project_id, std::to_string(key_id));
               if (rows.empty()) return ApiKeyNotFound();
               return ReadApiKey(rows[0]);
             });
}

absl::StatusOr<std::vector<ApiKeyRecord>> PostgresUserStore::ListApiKeys(
    const std::string& project_id, int64_t after_id, int limit) {
  return Run("ListApiKeys",
             [&](Session& session)
                 -> absl::StatusOr<std::vector<ApiKeyRecord>> {
               pqxx::nontransaction transaction(session.connection);
               std::vector<ApiKeyRecord> keys;
               for (const pqxx::row& row : transaction.exec_prepared(
                        kListApiKeysName, project_id, std::to_string(after_id),
                        std::to_string(limit))) {
                 keys.push_back(ReadApiKey(row));
               }
               return keys;
             });
}

absl::Status PostgresUserStore::DeleteApiKey(const std::string& project_id,
                                             int64_t key_id) {
  return Run("DeleteApiKey", [&](Session& session) -> absl::Status {
    pqxx::nontransaction transaction(session.connection);
    pqxx::result rows = transaction.exec_prepared(
        kDeleteApiKeyName, project_id, std::to_string(key_id));
    if (rows.affected_rows() == 0) return ApiKeyNotFound();
    return absl::OkStatus();
  });
}

absl::Status PostgresUserStore::InstallOperatorKey(
    const std::string& token_hash) {
  return Run("InstallOperatorKey", [&](Session& session) -> absl::Status {
    pqxx::work transaction(session.connection);
    const std::string hash = Hex(token_hash);
    transaction.exec_prepared(kLockOperatorKeyName);
    transaction.exec_prepared0(kRevokeOtherOperatorKeysName, hash);
    transaction.exec_prepared0(kUpsertOperatorKeyName, hash);
    AtCommitPoint([&] { transaction.commit(); });
    return absl::OkStatus();
  });
}

absl::StatusOr<UserRecord> PostgresUserStore::CreateUser(
    const std::string& project_id, const UserChanges& values,
    const std::string& actor, const std::string& request_id,
    const std::optional<IdempotencyRecord>& idempotency) {
  return Run("CreateUser", [&](Session& session) -> absl::StatusOr<UserRecord> {
    // Columns outside values.columns get the defaults of UserChanges, which
    // are the schema's.
    const UserChanges defaults;
    std::vector<std::string> params = {project_id};
    for (const UserField& field : kUserFields) {
      field.bind(Has(values.columns, field.column) ? values : defaults,
                 params);
    }
    params.push_back(actor);
    params.push_back(request_id);
    // Prepared first: a connection lost while preparing wrote nothing.
    session.connection.prepare_now(kCreateUserName);
    const bool autocommit = !idempotency.has_value();
    std::unique_ptr<pqxx::transaction_base> transaction =
        OpenWrite(session.connection, !autocommit);
    UserRecord record = ToUserRecord(RunWrite(autocommit, [&] {
      return transaction->exec_prepared1(
          kCreateUserName, pqxx::prepare::make_dynamic_params(params));
    }));
    if (idempotency.has_value()) {
      if (absl::Status recorded =
              RecordIdempotency(*transaction, *idempotency,
                                record.user.SerializeAsString(),
                                values.password_hash);
          !recorded.ok()) {
        return recorded;
      }
    }
    AtCommitPoint([&] { transaction->commit(); });
    return record;
  });
}

absl::StatusOr<UserRecord> PostgresUserStore::GetUser(
    const std::string& project_id, int64_t user_id) {
  return Run("GetUser", [&](Session& session) -> absl::StatusOr<UserRecord> {
    pqxx::nontransaction transaction(session.connection);
    pqxx::result rows = transaction.exec_prepared(kGetUserName, project_id,
                                                  std::to_string(user_id));
    if (rows.empty()) return UserNotFound();
    return ToUserRecord(rows[0]);
  });
}

absl::StatusOr<UserUpdateResult> PostgresUserStore::UpdateUser(
    const UserUpdate& update) {
  return Run("UpdateUser",
             [&](Session& session) -> absl::StatusOr<UserUpdateResult> {
               const std::string statement =
                   session.UpdateStatement(update.changes.columns);
               const std::vector<std::string> params = UpdateParams(update);
               const SessionEffects& effects = update.sessions;
               UserUpdateResult result;
               if (!effects.end_all_sessions && !effects.rotate_session_id &&
                   !update.idempotency.has_value()) {
                 // One statement: atomic on its own, one round trip.
                 pqxx::nontransaction transaction(session.connection);
                 // Prepared first: a connection lost while preparing wrote
                 // nothing, so only the UPDATE itself is a commit point.
                 session.connection.prepare_now(statement);
                 pqxx::result rows = AtCommitPoint([&] {
                   return transaction.exec_prepared(
                       statement, pqxx::prepare::make_dynamic_params(params));
                 });
                 if (rows.empty()) return UpdateMissed(transaction, update);
                 result.record = ToUserRecord(rows[0]);
                 return result;
               }
               pqxx::work transaction(session.connection);
               pqxx::result rows = transaction.exec_prepared(
                   statement, pqxx::prepare::make_dynamic_params(params));
               if (rows.empty()) return UpdateMissed(transaction, update);
               result.record = ToUserRecord(rows[0]);
               const std::string user_id = std::to_string(update.user_id);
               bool rotate = false;
               if (effects.rotate_session_id.has_value()) {
                 pqxx::result deleted = transaction.exec_prepared(
                     kDeleteUserSessionName, update.project_id,
                     std::to_string(*effects.rotate_session_id), user_id);
                 rotate = deleted.affected_rows() == 1;
               }
               if (effects.end_all_sessions) {
                 // Any number of sessions, none included, is right here.
                 transaction.exec_prepared0(kEndUserSessionsName,
                                            update.project_id, user_id);
               }
               if (rotate) {
                 result.new_session =
                     InsertSession(transaction, update.project_id,
                                   update.user_id, effects.replacement);
               }
               if (update.idempotency.has_value()) {
                 std::optional<int64_t> session_id;
                 if (result.new_session.has_value()) {
                   session_id = result.new_session->id;
                 }
                 if (absl::Status recorded = RecordIdempotency(
                         transaction, *update.idempotency,
                         result.record.user.SerializeAsString(),
                         Has(update.changes.columns, UserColumn::kPasswordHash)
                             ? update.changes.password_hash
                             : std::string(),
                         session_id);
                     !recorded.ok()) {
                   return recorded;
                 }
               }
               AtCommitPoint([&] { transaction.commit(); });
               return result;
             });
}

absl::Status PostgresUserStore::DeleteUser(
    const std::string& project_id, int64_t user_id, const std::string& actor,
    const std::string& request_id,
    const std::optional<IdempotencyRecord>& idempotency) {
  return Run("DeleteUser", [&](Session& session) -> absl::Status {
    session.connection.prepare_now(kDeleteUserName);
    const bool autocommit = !idempotency.has_value();
    std::unique_ptr<pqxx::transaction_base> transaction =
        OpenWrite(session.connection, !autocommit);
    pqxx::row row = RunWrite(autocommit, [&] {
      return transaction->exec_prepared1(kDeleteUserName, project_id,
                                         std::to_string(user_id), actor,
                                         request_id);
    });
    if (row[0].as<int64_t>() == 0) return UserNotFound();
    if (idempotency.has_value()) {
      if (absl::Status recorded =
              RecordIdempotency(*transaction, *idempotency, std::string());
          !recorded.ok()) {
        return recorded;
      }
    }
    AtCommitPoint([&] { transaction->commit(); });
    return absl::OkStatus();
  });
}

absl::StatusOr<UserRecord> PostgresUserStore::SuspendUser(
    const UserSuspension& suspension) {
  return Run(
      "SuspendUser", [&](Session& session) -> absl::StatusOr<UserRecord> {
        const std::string user_id = std::to_string(suspension.user_id);
        pqxx::work transaction(session.connection);
        pqxx::result rows = transaction.exec_prepared(
            kSuspendUserName, suspension.project_id, user_id, suspension.reason,
            suspension.expire_time_micros.has_value()
                ? std::to_string(*suspension.expire_time_micros)
                : std::string(),
            suspension.actor, suspension.request_id);
        if (rows.empty()) return UserNotFound();
        UserRecord record = ToUserRecord(rows[0]);
        // Any number of sessions, none included, is right here.
        transaction.exec_prepared0(kEndUserSessionsName, suspension.project_id,
                                   user_id);
        if (suspension.idempotency.has_value()) {
          if (absl::Status recorded =
                  RecordIdempotency(transaction, *suspension.idempotency,
                                    record.user.SerializeAsString());
              !recorded.ok()) {
            return recorded;
          }
        }
        AtCommitPoint([&] { transaction.commit(); });
        return record;
      });
}

absl::StatusOr<UserRecord> PostgresUserStore::UnsuspendUser(
    const std::string& project_id, int64_t user_id, const std::string& actor,
    const std::string& request_id,
    const std::optional<IdempotencyRecord>& idempotency) {
  return Run("UnsuspendUser",
             [&](Session& session) -> absl::StatusOr<UserRecord> {
               const bool autocommit = !idempotency.has_value();
               std::unique_ptr<pqxx::transaction_base> transaction =
                   OpenWrite(session.connection, !autocommit);
               const std::string id = std::to_string(user_id);
               session.connection.prepare_now(kUnsuspendUserName);
               pqxx::result rows = RunWrite(autocommit, [&] {
                 return transaction->exec_prepared(
                     kUnsuspendUserName, project_id, id, actor, request_id);
               });
               // Nothing in force (or no such user): nothing to write but
               // the record.
               if (rows.empty()) {
                 rows =
                     transaction->exec_prepared(kGetUserName, project_id, id);
               }
               if (rows.empty()) return UserNotFound();
               UserRecord record = ToUserRecord(rows[0]);
               if (idempotency.has_value()) {
                 if (absl::Status recorded =
                         RecordIdempotency(*transaction, *idempotency,
                                           record.user.SerializeAsString());
                     !recorded.ok()) {
                   return recorded;
                 }
               }
               AtCommitPoint([&] { transaction->commit(); });
               return record;
             });
}

absl::StatusOr<std::vector<UserRecord>> PostgresUserStore::ListUsers(
    const std::string& project_id, int64_t after_id, int limit) {
  return Run("ListUsers",
             [&](Session& session) -> absl::StatusOr<std::vector<UserRecord>> {
               pqxx::nontransaction transaction(session.connection);
               pqxx::result rows = transaction.exec_prepared(
                   kListUsersName, project_id, std::to_string(after_id),
                   std::to_string(std::max(limit, 0)));
               std::vector<UserRecord> records;
               records.reserve(rows.size());
               for (const pqxx::row& row : rows) {
                 records.push_back(ToUserRecord(row));
               }
               return records;
             });
}

absl::StatusOr<UserLogin> PostgresUserStore::FindLogin(
    const std::string& project_id, LoginIdentifier identifier,
    const std::string& key) {
  return Run("FindLogin", [&](Session& session) -> absl::StatusOr<UserLogin> {
    pqxx::nontransaction transaction(session.connection);
    pqxx::result rows = transaction.exec_prepared(
        identifier == LoginIdentifier::kEmail ? kFindLoginByEmailName
                                              : kFindLoginByUsernameName,
        project_id, key);
    if (rows.empty()) return UserNotFound();
    UserLogin found;
    found.user_id = rows[0][0].as<int64_t>();
    found.password_hash = rows[0][1].as<std::string>();
    return found;
  });
}

absl::StatusOr<SessionRecord> PostgresUserStore::CreateSession(
    const SessionLogin& login) {
  return Run("CreateSession", [&](Session& open)
                                  -> absl::StatusOr<SessionRecord> {
    const std::string& project_id = login.attempt.project_id;
    const std::string user_id = std::to_string(login.user_id);
    pqxx::work transaction(open.connection);
    pqxx::result user = transaction.exec_prepared(
        kLockLoginUserName, project_id, user_id, login.password_hash);
    if (user.empty()) return UserNotFound();
    if (!user[0][0].as<bool>()) {
      return ApiError(absl::StatusCode::kFailedPrecondition, "PASSWORD_CHANGED",
                      "the password changed during the login");
    }
    if (user[0][1].as<bool>()) {
      return ApiError(absl::StatusCode::kFailedPrecondition, "USER_SUSPENDED",
                      "the user is suspended");
    }
    transaction.exec_prepared0(kTrimSessionsName, project_id, user_id,
                               std::to_string(login.max_sessions - 1));
    SessionRecord record =
        InsertSession(transaction, project_id, login.user_id, login.session);
    transaction.exec_prepared0(kEndFailureStreakName, project_id,
                               login.attempt.identifier_key,
                               login.attempt.client_address);
    AtCommitPoint([&] { transaction.commit(); });
    return record;
  });
}

absl::StatusOr<LoginFailures> PostgresUserStore::GetLoginFailures(
    const LoginAttempt& attempt, int limit, int64_t window_seconds) {
  return Run("GetLoginFailures",
             [&](Session& session) -> absl::StatusOr<LoginFailures> {
               pqxx::nontransaction transaction(session.connection);
               pqxx::row row = transaction.exec_prepared1(
                   kGetLoginFailuresName, attempt.project_id,
                   attempt.identifier_key, attempt.client_address,
                   std::to_string(limit), std::to_string(window_seconds));
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

absl::Status PostgresUserStore::RecordLoginFailure(
    const LoginAttempt& attempt) {
  return Run("RecordLoginFailure", [&](Session& session) -> absl::Status {
    pqxx::nontransaction transaction(session.connection);
    transaction.exec_prepared0(kRecordLoginFailureName, attempt.project_id,
                               attempt.identifier_key, attempt.client_address);
    return absl::OkStatus();
  });
}

absl::StatusOr<Housekeeping> PostgresUserStore::DeleteStaleRows(
    int batch, int64_t failure_window_seconds,
    int64_t streak_retention_seconds) {
  return Run("DeleteStaleRows",
             [&](Session& session) -> absl::StatusOr<Housekeeping> {
               pqxx::nontransaction transaction(session.connection);
               const std::string limit = std::to_string(batch);
               Housekeeping deleted;
               deleted.expired_sessions =
                   transaction.exec_prepared(kDeleteExpiredSessionsName, limit)
                       .affected_rows();
               deleted.login_failures =
                   transaction
                       .exec_prepared(kDeleteOldLoginFailuresName, limit,
                                      std::to_string(failure_window_seconds))
                       .affected_rows();
               deleted.failure_streaks =
                   transaction
                       .exec_prepared(kDeleteOldStreaksName, limit,
                                      std::to_string(streak_retention_seconds))
                       .affected_rows();
               deleted.idempotency_records =
                   transaction
                       .exec_prepared(kDeleteOldIdempotencyRecordsName, limit,
                                      LifetimeSeconds())
                       .affected_rows();
               return deleted;
             });
}

absl::Status PostgresUserStore::DeleteSession(
    const std::string& project_id, int64_t session_id,
    const std::optional<IdempotencyRecord>& idempotency) {
  return Run("DeleteSession", [&](Session& session) -> absl::Status {
    session.connection.prepare_now(kDeleteSessionName);
    const bool autocommit = !idempotency.has_value();
    std::unique_ptr<pqxx::transaction_base> transaction =
        OpenWrite(session.connection, !autocommit);
    pqxx::result rows = RunWrite(autocommit, [&] {
      return transaction->exec_prepared(kDeleteSessionName, project_id,
                                        std::to_string(session_id));
    });
    if (rows.affected_rows() == 0) {
      return ApiError(absl::StatusCode::kNotFound, "SESSION_NOT_FOUND",
                      "session not found");
    }
    if (idempotency.has_value()) {
      if (absl::Status recorded =
              RecordIdempotency(*transaction, *idempotency, std::string());
          !recorded.ok()) {
        return recorded;
      }
    }
    AtCommitPoint([&] { transaction->commit(); });
    return absl::OkStatus();
  });
}

absl::StatusOr<IdempotencyRecord> PostgresUserStore::FindIdempotencyRecord(
    const IdempotencyKey& key) {
  return Run("FindIdempotencyRecord",
             [&](Session& session) -> absl::StatusOr<IdempotencyRecord> {
               pqxx::nontransaction transaction(session.connection);
               pqxx::result rows = transaction.exec_prepared(
                   kFindIdempotencyRecordName, key.project_id, key.actor,
                   key.request_id, LifetimeSeconds());
               if (rows.empty()) return IdempotencyRecordNotFound();
               return ReadIdempotencyRecord(rows[0]);
             });
}

absl::StatusOr<IdempotencyRecord>
PostgresUserStore::FindIdempotencyRecordOfEndedToken(
    const std::string& token_hash, const std::string& request_id) {
  return Run("FindIdempotencyRecordOfEndedToken",
             [&](Session& session) -> absl::StatusOr<IdempotencyRecord> {
               pqxx::nontransaction transaction(session.connection);
               pqxx::result rows = transaction.exec_prepared(
                   kFindIdempotencyRecordOfEndedTokenName, Hex(token_hash),
                   request_id, LifetimeSeconds());
               if (rows.empty()) return IdempotencyRecordNotFound();
               return ReadIdempotencyRecord(rows[0]);
             });
}

absl::StatusOr<std::optional<SessionRecord>>
PostgresUserStore::RenewRecordedSession(const IdempotencyKey& key,
                                        const NewSession& session) {
  using Result = absl::StatusOr<std::optional<SessionRecord>>;
  return Run("RenewRecordedSession", [&](Session& connection) -> Result {
    pqxx::work transaction(connection.connection);
    pqxx::result locked = transaction.exec_prepared(
        kLockIdempotencyRecordName, key.project_id, key.actor, key.request_id,
        LifetimeSeconds());
    if (locked.empty()) return IdempotencyRecordNotFound();
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
