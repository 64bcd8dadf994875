#ifndef USERS_STORAGE_USER_STORE_H_
#define USERS_STORAGE_USER_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "storage/user_columns.h"
#include "users/v1/project_service.pb.h"
#include "users/v1/user.pb.h"

namespace users {

// What a bearer token resolves to.
struct ProjectRecord {
  std::string id;
  std::string webhook_uri;
  std::string webhook_secret;
  int password_min_length = 8;
  int password_max_length = 128;
};

struct TokenRecord {
  enum class Kind { kSession, kApiKey };
  Kind kind = Kind::kSession;
  std::string project_id;
  int64_t id = 0;                  // session or key id
  std::optional<int64_t> user_id;  // always set for sessions
  int user_role = 0;               // users.v1.User.Role of user_id, if any
  std::vector<std::string> scopes;  // API keys only
  bool is_operator = false;         // the operator's key (API keys only)
  // user_id has a suspension in force (see UserStore::SuspendUser).
  bool user_suspended = false;
  // How long the token stays valid after it was read, by the database's
  // clock, rounded down; nullopt when it has no end.
  std::optional<int64_t> expires_in_ms;
  // The settings of project_id, read with the token: an update needs them,
  // and this saves it a round trip.
  ProjectRecord project;
};

struct NewApiKey {
  std::string project_id;
  std::string token_hash;  // raw SHA-256 bytes
  std::vector<std::string> scopes;
  std::optional<int64_t> user_id;
  std::optional<int64_t> expire_time_unix;
};

// A stored API key (never its token or hash).
struct ApiKeyRecord {
  std::string project_id;
  int64_t id = 0;
  std::vector<std::string> scopes;
  std::optional<int64_t> user_id;
  int64_t create_time_unix = 0;
  std::optional<int64_t> expire_time_unix;
  bool is_operator = false;
};

// A stored user: the resource (never with password or secure_metadata) and
// what the service needs besides it.
struct UserRecord {
  std::string project_id;
  int64_t id = 0;
  int64_t version = 0;
  v1::User user;  // name, etag and every output field filled in
};


struct NewSession {
  std::string token_hash;  // raw SHA-256 bytes
  int64_t ttl_seconds = 0;
};

struct SessionRecord {
  std::string project_id;
  int64_t id = 0;
  int64_t user_id = 0;
  int64_t expire_time_unix = 0;
};

// How long an idempotency record is live: a retry within this time of the
// first call is answered from the record.
inline constexpr int64_t kIdempotencyRecordLifetimeSeconds = 24 * 3600;

// Who made an idempotent write (AIP-155) and with which request_id.
struct IdempotencyKey {
  std::string project_id;
  std::string actor;  // as Principal::Actor(): "users/7", "apiKeys/3"
  std::string request_id;
};

// The record of a write made with a request_id, committed with the write.
struct IdempotencyRecord {
  IdempotencyKey key;
  std::string method;             // "UpdateUser", "DeleteSession", ...
  std::string request_hash;       // raw SHA-256, see RequestFingerprint
  std::string caller_token_hash;  // raw SHA-256 of the caller's token
  // The write ended the caller's token (a rotation, a logout).
  bool ended_caller_token = false;
  // Filled by the store as it writes: the password hash the write stored
  // (if any), the serialized response, and the session handed out in place
  // of the caller's (if any).
  std::string password_hash;
  std::string response;
  std::optional<int64_t> session_id;
};

// What happens to sessions in the same transaction as a user update.
struct SessionEffects {
  // End every session of the updated user (a password change).
  bool end_all_sessions = false;
  // Rotate this session of the caller: delete it, create `replacement`.
  std::optional<int64_t> rotate_session_id;
  NewSession replacement;
};

struct UserUpdate {
  std::string project_id;
  int64_t user_id = 0;
  std::optional<int64_t> expected_version;  // from the request's etag
  UserChanges changes;
  // Audit: who ("users/7", "apiKeys/3"), which mask paths, request id.
  std::string actor;
  std::vector<std::string> paths;
  std::string request_id;
  SessionEffects sessions;
  // Set for a call with a request_id: recorded with the write.
  std::optional<IdempotencyRecord> idempotency;
};

// A suspension to add, with its audit fields.
struct UserSuspension {
  std::string project_id;
  int64_t user_id = 0;
  std::string reason;
  // Unix microseconds; nullopt for a suspension without an end.
  std::optional<int64_t> expire_time_micros;
  std::string actor;  // as in UserUpdate
  std::string request_id;
  std::optional<IdempotencyRecord> idempotency;  // as in UserUpdate
};

struct UserUpdateResult {
  UserRecord record;
  std::optional<SessionRecord> new_session;
};

struct UserLogin {
  int64_t user_id = 0;
  std::string password_hash;
};

// Who tries to log in, as login throttling counts it.
struct LoginAttempt {
  std::string project_id;
  std::string identifier_key;  // IdentifierKey of the login
  std::string client_address;
};

// The recent failures behind a LoginAttempt. Times are Unix seconds on the
// database's clock, so every replica judges alike.
struct LoginFailures {
  double now = 0;
  // Failed checks from this address since its last success, and the last one.
  int consecutive_failures = 0;
  double last_failure_time = 0;
  // The time of the `limit`-th most recent failure inside the window, from
  // any address, when there are at least `limit` of them.
  std::optional<double> limit_reached_time;
};

// A successful login's session: created only while `password_hash` is still
// the user's password; the attempt's failure streak ends with it; the user's
// oldest sessions end so that it holds at most `max_sessions`.
struct SessionLogin {
  LoginAttempt attempt;
  int64_t user_id = 0;
  std::string password_hash;
  NewSession session;
  int max_sessions = 100;
};

// What one housekeeping pass deleted.
struct Housekeeping {
  int64_t expired_sessions = 0;
  int64_t idempotency_records = 0;
  int64_t login_failures = 0;
  int64_t failure_streaks = 0;
};
// Which identifier a login names a user by.
enum class LoginIdentifier { kUsername, kEmail };

// Persistent state of projects, users, sessions and API keys. One instance
// per database connection; not thread-safe (a StorePool hands each worker
// its own). Every method is one transaction.
//
// Errors: NotFound, AlreadyExists (a unique index, with the field named in
// the message and ErrorInfo), Aborted (serialization failure or stale
// version), Unavailable (connection lost or statement timeout), Internal.
class UserStore {
 public:
  virtual ~UserStore() = default;

  // Applies the embedded migrations under an advisory lock.
  virtual absl::Status Migrate() = 0;
  // A trivial round trip; Unavailable when the database cannot be reached.
  virtual absl::Status Ping() = 0;

  virtual absl::StatusOr<ProjectRecord> GetProject(
      const std::string& project_id) = 0;
  // AlreadyExists when the id is taken.
  virtual absl::Status CreateProject(const ProjectRecord& project) = 0;
  // Creates the project unless it exists.
  virtual absl::Status EnsureProject(const std::string& project_id) = 0;
  virtual absl::StatusOr<ProjectRecord> UpdateProject(
      const ProjectRecord& project, bool webhook, bool policy) = 0;

  // Resolves a token hash to a live session or an unexpired API key;
  // NotFound if none. A read only: it changes nothing (no last-use time, no
  // sliding expiry), so its answer may be cached until a change to the
  // token, its user or its project is announced (0008_principal_changes).
  virtual absl::StatusOr<TokenRecord> FindToken(
      const std::string& token_hash) = 0;
  // AlreadyExists when the hash is taken; NotFound when the project or user
  // does not exist.
  virtual absl::StatusOr<ApiKeyRecord> CreateApiKey(const NewApiKey& key) = 0;
  // NotFound (API_KEY_NOT_FOUND) when the project has no such key.
  virtual absl::StatusOr<ApiKeyRecord> GetApiKey(const std::string& project_id,
                                                 int64_t key_id) = 0;
  // Keys with id > after_id in id order, at most `limit`.
  virtual absl::StatusOr<std::vector<ApiKeyRecord>> ListApiKeys(
      const std::string& project_id, int64_t after_id, int limit) = 0;
  // NotFound (API_KEY_NOT_FOUND) when the project has no such key.
  virtual absl::Status DeleteApiKey(const std::string& project_id,
                                    int64_t key_id) = 0;
  // Makes the key with `token_hash` the operator's key of project "default"
  // (admin, read and write; created when missing) and deletes any other
  // operator key, in one transaction.
  virtual absl::Status InstallOperatorKey(const std::string& token_hash) = 0;

  // `idempotency`, when set, is recorded with the user (see UserUpdate).
  virtual absl::StatusOr<UserRecord> CreateUser(
      const std::string& project_id, const UserChanges& values,
      const std::string& actor, const std::string& request_id,
      const std::optional<IdempotencyRecord>& idempotency) = 0;
  virtual absl::StatusOr<UserRecord> GetUser(const std::string& project_id,
                                             int64_t user_id) = 0;
  // One UPDATE of only the changed columns (plus version and update_time),
  // the audit row, and the session effects, in one transaction. NotFound
  // when the user does not exist; Aborted (reason ETAG_MISMATCH) when
  // expected_version is set and stale. With `update.idempotency` set, the
  // record (response: the serialized User) commits in the same
  // transaction; AlreadyExists (REQUEST_ID_RECORDED) and nothing written
  // when a live record of the key exists (a concurrent duplicate committed
  // first: replay it).
  virtual absl::StatusOr<UserUpdateResult> UpdateUser(
      const UserUpdate& update) = 0;
  // `idempotency` as for CreateUser (response: empty).
  virtual absl::Status DeleteUser(
      const std::string& project_id, int64_t user_id, const std::string& actor,
      const std::string& request_id,
      const std::optional<IdempotencyRecord>& idempotency) = 0;
  // Appends a suspension (created now) to the user's suspensions, ends every
  // session of the user and writes the "suspend" audit row, in one
  // transaction; a login that locked the user first either committed its
  // session before (which this then ends) or sees the suspension. Returns
  // the user (suspensions: those in force). NotFound when the user does not
  // exist.
  virtual absl::StatusOr<UserRecord> SuspendUser(
      const UserSuspension& suspension) = 0;
  // Ends every suspension of the user that is in force by setting its
  // expire_time to now (ended ones stay stored as history) and writes the
  // "unsuspend" audit row, in one statement; with none in force, writes
  // nothing. Returns the user. NotFound when the user does not exist.
  virtual absl::StatusOr<UserRecord> UnsuspendUser(
      const std::string& project_id, int64_t user_id, const std::string& actor,
      const std::string& request_id,
      const std::optional<IdempotencyRecord>& idempotency) = 0;
  // Users with id > after_id in id order, at most `limit`.
  virtual absl::StatusOr<std::vector<UserRecord>> ListUsers(
      const std::string& project_id, int64_t after_id, int limit) = 0;

  // Finds the user whose username key (or email key) is `key`, an
  // IdentifierKey computed by the caller; NotFound if none. Usernames and
  // email addresses are never matched against each other.
  virtual absl::StatusOr<UserLogin> FindLogin(const std::string& project_id,
                                              LoginIdentifier identifier,
                                              const std::string& key) = 0;
  // FailedPrecondition (PASSWORD_CHANGED) when the user's password is no
  // longer `login.password_hash`, else FailedPrecondition (USER_SUSPENDED)
  // when a suspension of the user is in force; NotFound when the user is
  // gone. Both checks hold the user's row lock until the session commits.
  virtual absl::StatusOr<SessionRecord> CreateSession(
      const SessionLogin& login) = 0;
  // `idempotency` as for CreateUser (response: empty).
  virtual absl::Status DeleteSession(
      const std::string& project_id, int64_t session_id,
      const std::optional<IdempotencyRecord>& idempotency) = 0;

  // The live record of `key`; NotFound if none.
  virtual absl::StatusOr<IdempotencyRecord> FindIdempotencyRecord(
      const IdempotencyKey& key) = 0;
  // The live record of a write with `request_id` that ended the token whose
  // hash is `token_hash`; NotFound if none. How a retry presenting the token
  // its first attempt rotated away (or logged out) is recognised.
  virtual absl::StatusOr<IdempotencyRecord> FindIdempotencyRecordOfEndedToken(
      const std::string& token_hash, const std::string& request_id) = 0;
  // For the replay of a write that handed out a session: ends that session
  // and creates `session` in its place for the same user, recording the new
  // one in the record, in one transaction. nullopt (and nothing written)
  // when the session handed out has ended since (a logout, a password
  // change, a suspension): the replay then hands out none.
  virtual absl::StatusOr<std::optional<SessionRecord>> RenewRecordedSession(
      const IdempotencyKey& key, const NewSession& session) = 0;

  // The failures that decide whether `attempt` may be checked now: its
  // streak, and the `limit`-th most recent failure of its identifier within
  // the last `window_seconds`.
  virtual absl::StatusOr<LoginFailures> GetLoginFailures(
      const LoginAttempt& attempt, int limit, int64_t window_seconds) = 0;
  // Counts one failed password check: the streak and the identifier's log.
  virtual absl::Status RecordLoginFailure(const LoginAttempt& attempt) = 0;

  // Deletes at most `batch` rows of each: expired sessions, login failures
  // older than `failure_window_seconds`, streaks without a failure for
  // `streak_retention_seconds`, and idempotency records no longer live.
  virtual absl::StatusOr<Housekeeping> DeleteStaleRows(
      int batch, int64_t failure_window_seconds,
      int64_t streak_retention_seconds) = 0;
};

}  // namespace users

#endif  // USERS_STORAGE_USER_STORE_H_
