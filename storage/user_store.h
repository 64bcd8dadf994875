#ifndef USERS_STORAGE_USER_STORE_H_
#define USERS_STORAGE_USER_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "storage/session_store.h"
#include "storage/user_columns.h"
#include "users/v1/user.pb.h"

namespace users {

// A stored user: the resource (never with password or secure_metadata) and
// what the service needs besides it.
struct UserRecord {
  std::string project_id;
  int64_t id = 0;
  int64_t version = 0;
  v1::User user;  // name, etag and every output field filled in
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

// Which identifier a login names a user by.
enum class LoginIdentifier { kUsername, kEmail };

// Users: their rows, audit events, and the effects an update has on their
// sessions. A write given an IdempotencyRecord commits it in the same
// transaction (see SessionStore for reading records back). Errors as in
// storage/store_error.h.
class UserStore {
 public:
  virtual ~UserStore() = default;

  // `idempotency`, when set, is recorded with the user (see UserUpdate).
  // AlreadyExists (users.username, users.email) when a key is taken;
  // NotFound (projects) when the project does not exist.
  virtual absl::StatusOr<UserRecord> CreateUser(
      const std::string& project_id, const UserChanges& values,
      const std::string& actor, const std::string& request_id,
      const std::optional<IdempotencyRecord>& idempotency) = 0;
  // NotFound (users) when the user does not exist.
  virtual absl::StatusOr<UserRecord> GetUser(const std::string& project_id,
                                             int64_t user_id) = 0;
  // One UPDATE of only the changed columns (plus version and update_time),
  // the audit row, and the session effects, in one transaction. NotFound
  // (users) when the user does not exist; Aborted (users.version) when
  // expected_version is set and stale. With `update.idempotency` set, the
  // record (response: the serialized User) commits in the same
  // transaction; AlreadyExists (idempotency_records.request_id) and nothing
  // written when a live record of the key exists (a concurrent duplicate
  // committed first: replay it).
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
  // IdentifierKey computed by the caller; NotFound (users) if none.
  // Usernames and email addresses are never matched against each other.
  virtual absl::StatusOr<UserLogin> FindLogin(const std::string& project_id,
                                              LoginIdentifier identifier,
                                              const std::string& key) = 0;
};

}  // namespace users

#endif  // USERS_STORAGE_USER_STORE_H_
