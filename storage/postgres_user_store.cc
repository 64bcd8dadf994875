#include "storage/postgres_user_store.h"

#include <algorithm>
#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "absl/strings/substitute.h"
#include "storage/postgres_rows.h"
#include "storage/postgres_session_store.h"
#include "storage/store_error.h"
#include "storage/user_fields.h"

namespace users {
namespace {

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
// kUserSuspendedSql goes between head and middle.
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

std::string UpdateStatementName(const UserColumnSet& columns) {
  return absl::StrCat(kUpdateUserNamePrefix, columns.to_ulong());
}

// After an UPDATE that matched no row: NotFound, or a stale version.
absl::Status UpdateMissed(pqxx::transaction_base& transaction,
                          const UserUpdate& update) {
  pqxx::result rows = transaction.exec_prepared(
      kUserVersionName, update.project_id, std::to_string(update.user_id));
  if (rows.empty()) return NotFound("users");
  return StoreError(absl::StatusCode::kAborted,
                    "the user changed since the etag was read",
                    {"users", "version"});
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

}  // namespace

std::vector<PreparedStatement> PostgresUserStore::Statements() {
  return {
      {kGetUserName, absl::StrCat(kGetUserHead, UserOutputSql(), kGetUserTail)},
      {kListUsersName,
       absl::StrCat(kGetUserHead, UserOutputSql(), kListUsersTail)},
      {kUserVersionName, kUserVersion},
      {kCreateUserName, CreateUserSql()},
      {kDeleteUserName, kDeleteUser},
      {kSuspendUserName,
       absl::StrCat(kSuspendUserHead, UserOutputSql(), kUpdateUserTail)},
      {kUnsuspendUserName,
       absl::StrCat(kUnsuspendUserHead, kUserSuspendedSql, kUnsuspendUserMiddle,
                    UserOutputSql(), kUpdateUserTail)},
      {kFindLoginByUsernameName, kFindLoginByUsername},
      {kFindLoginByEmailName, kFindLoginByEmail},
  };
}

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

absl::StatusOr<UserRecord> PostgresUserStore::CreateUser(
    const std::string& project_id, const UserChanges& values,
    const std::string& actor, const std::string& request_id,
    const std::optional<IdempotencyRecord>& idempotency) {
  return connection_.Run(
      "CreateUser",
      [&](pqxx::connection& connection) -> absl::StatusOr<UserRecord> {
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
        connection.prepare_now(kCreateUserName);
        const bool autocommit = !idempotency.has_value();
        std::unique_ptr<pqxx::transaction_base> transaction =
            OpenWrite(connection, !autocommit);
        UserRecord record = ToUserRecord(RunWrite(autocommit, [&] {
          return transaction->exec_prepared1(
              kCreateUserName, pqxx::prepare::make_dynamic_params(params));
        }));
        if (absl::Status committed = RecordAndCommit(
                *transaction, idempotency, &record.user, values.password_hash);
            !committed.ok()) {
          return committed;
        }
        return record;
      });
}

absl::StatusOr<UserRecord> PostgresUserStore::GetUser(
    const std::string& project_id, int64_t user_id) {
  return connection_.Run(
      "GetUser",
      [&](pqxx::connection& connection) -> absl::StatusOr<UserRecord> {
        pqxx::nontransaction transaction(connection);
        pqxx::result rows = transaction.exec_prepared(kGetUserName, project_id,
                                                      std::to_string(user_id));
        if (rows.empty()) return NotFound("users");
        return ToUserRecord(rows[0]);
      });
}

absl::StatusOr<UserUpdateResult> PostgresUserStore::UpdateUser(
    const UserUpdate& update) {
  return connection_.Run(
      "UpdateUser",
      [&](pqxx::connection& connection) -> absl::StatusOr<UserUpdateResult> {
        const std::string statement =
            UpdateStatementName(update.changes.columns);
        connection_.PrepareOnce(statement,
                                UpdateStatementSql(update.changes.columns));
        const std::vector<std::string> params = UpdateParams(update);
        const SessionEffects& effects = update.sessions;
        UserUpdateResult result;
        if (!effects.end_all_sessions && !effects.rotate_session_id &&
            !update.idempotency.has_value()) {
          // One statement: atomic on its own, one round trip.
          pqxx::nontransaction transaction(connection);
          // Prepared first: a connection lost while preparing wrote
          // nothing, so only the UPDATE itself is a commit point.
          connection.prepare_now(statement);
          pqxx::result rows = AtCommitPoint([&] {
            return transaction.exec_prepared(
                statement, pqxx::prepare::make_dynamic_params(params));
          });
          if (rows.empty()) return UpdateMissed(transaction, update);
          result.record = ToUserRecord(rows[0]);
          return result;
        }
        pqxx::work transaction(connection);
        pqxx::result rows = transaction.exec_prepared(
            statement, pqxx::prepare::make_dynamic_params(params));
        if (rows.empty()) return UpdateMissed(transaction, update);
        result.record = ToUserRecord(rows[0]);
        bool rotate = false;
        if (effects.rotate_session_id.has_value()) {
          rotate = EndUserSession(transaction, update.project_id,
                                  *effects.rotate_session_id, update.user_id);
        }
        if (effects.end_all_sessions) {
          EndUserSessions(transaction, update.project_id, update.user_id);
        }
        if (rotate) {
          result.new_session =
              InsertSession(transaction, update.project_id, update.user_id,
                            effects.replacement);
        }
        std::optional<int64_t> session_id;
        if (result.new_session.has_value()) {
          session_id = result.new_session->id;
        }
        if (absl::Status committed = RecordAndCommit(
                transaction, update.idempotency, &result.record.user,
                Has(update.changes.columns, UserColumn::kPasswordHash)
                    ? update.changes.password_hash
                    : std::string(),
                session_id);
            !committed.ok()) {
          return committed;
        }
        return result;
      });
}

absl::Status PostgresUserStore::DeleteUser(
    const std::string& project_id, int64_t user_id, const std::string& actor,
    const std::string& request_id,
    const std::optional<IdempotencyRecord>& idempotency) {
  return connection_.Run(
      "DeleteUser", [&](pqxx::connection& connection) -> absl::Status {
        connection.prepare_now(kDeleteUserName);
        const bool autocommit = !idempotency.has_value();
        std::unique_ptr<pqxx::transaction_base> transaction =
            OpenWrite(connection, !autocommit);
        pqxx::row row = RunWrite(autocommit, [&] {
          return transaction->exec_prepared1(kDeleteUserName, project_id,
                                             std::to_string(user_id), actor,
                                             request_id);
        });
        if (row[0].as<int64_t>() == 0) return NotFound("users");
        return RecordAndCommit(*transaction, idempotency, nullptr);
      });
}

absl::StatusOr<UserRecord> PostgresUserStore::SuspendUser(
    const UserSuspension& suspension) {
  return connection_.Run(
      "SuspendUser",
      [&](pqxx::connection& connection) -> absl::StatusOr<UserRecord> {
        const std::string user_id = std::to_string(suspension.user_id);
        pqxx::work transaction(connection);
        pqxx::result rows = transaction.exec_prepared(
            kSuspendUserName, suspension.project_id, user_id, suspension.reason,
            suspension.expire_time_micros.has_value()
                ? std::to_string(*suspension.expire_time_micros)
                : std::string(),
            suspension.actor, suspension.request_id);
        if (rows.empty()) return NotFound("users");
        UserRecord record = ToUserRecord(rows[0]);
        EndUserSessions(transaction, suspension.project_id, suspension.user_id);
        if (absl::Status committed = RecordAndCommit(
                transaction, suspension.idempotency, &record.user);
            !committed.ok()) {
          return committed;
        }
        return record;
      });
}

absl::StatusOr<UserRecord> PostgresUserStore::UnsuspendUser(
    const std::string& project_id, int64_t user_id, const std::string& actor,
    const std::string& request_id,
    const std::optional<IdempotencyRecord>& idempotency) {
  return connection_.Run(
      "UnsuspendUser",
      [&](pqxx::connection& connection) -> absl::StatusOr<UserRecord> {
        const bool autocommit = !idempotency.has_value();
        std::unique_ptr<pqxx::transaction_base> transaction =
            OpenWrite(connection, !autocommit);
        const std::string id = std::to_string(user_id);
        connection.prepare_now(kUnsuspendUserName);
        pqxx::result rows = RunWrite(autocommit, [&] {
          return transaction->exec_prepared(kUnsuspendUserName, project_id, id,
                                            actor, request_id);
        });
        // Nothing in force (or no such user): nothing to write but
        // the record.
        if (rows.empty()) {
          rows = transaction->exec_prepared(kGetUserName, project_id, id);
        }
        if (rows.empty()) return NotFound("users");
        UserRecord record = ToUserRecord(rows[0]);
        if (absl::Status committed =
                RecordAndCommit(*transaction, idempotency, &record.user);
            !committed.ok()) {
          return committed;
        }
        return record;
      });
}

absl::StatusOr<std::vector<UserRecord>> PostgresUserStore::ListUsers(
    const std::string& project_id, int64_t after_id, int limit) {
  return connection_.Run("ListUsers",
                         [&](pqxx::connection& connection)
                             -> absl::StatusOr<std::vector<UserRecord>> {
                           pqxx::nontransaction transaction(connection);
                           pqxx::result rows = transaction.exec_prepared(
                               kListUsersName, project_id,
                               std::to_string(after_id),
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
  return connection_.Run(
      "FindLogin",
      [&](pqxx::connection& connection) -> absl::StatusOr<UserLogin> {
        pqxx::nontransaction transaction(connection);
        pqxx::result rows = transaction.exec_prepared(
            identifier == LoginIdentifier::kEmail ? kFindLoginByEmailName
                                                  : kFindLoginByUsernameName,
            project_id, key);
        if (rows.empty()) return NotFound("users");
        UserLogin found;
        found.user_id = rows[0][0].as<int64_t>();
        found.password_hash = rows[0][1].as<std::string>();
        return found;
      });
}

}  // namespace users
