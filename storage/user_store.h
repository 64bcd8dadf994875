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
  // The settings of project_id, read with the token: an update needs them,
  // and this saves it a round trip.
  ProjectRecord project;
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

  // Resolves a token hash to a live session or an API key; NotFound if none.
  virtual absl::StatusOr<TokenRecord> FindToken(
      const std::string& token_hash) = 0;
  // Creates an API key; returns its id. Existing hash: no-op, returns the id.
  virtual absl::StatusOr<int64_t> CreateApiKey(
      const std::string& project_id, const std::string& token_hash,
      const std::vector<std::string>& scopes,
      std::optional<int64_t> user_id) = 0;

  virtual absl::StatusOr<UserRecord> CreateUser(
      const std::string& project_id, const UserChanges& values,
      const std::string& actor, const std::string& request_id) = 0;
  virtual absl::StatusOr<UserRecord> GetUser(const std::string& project_id,
                                             int64_t user_id) = 0;
  // One UPDATE of only the changed columns (plus version and update_time),
  // the audit row, and the session effects, in one transaction. NotFound
  // when the user does not exist; Aborted (reason ETAG_MISMATCH) when
  // expected_version is set and stale.
  virtual absl::StatusOr<UserUpdateResult> UpdateUser(
      const UserUpdate& update) = 0;
  virtual absl::Status DeleteUser(const std::string& project_id,
                                  int64_t user_id, const std::string& actor,
                                  const std::string& request_id) = 0;
  // Users with id > after_id in id order, at most `limit`.
  virtual absl::StatusOr<std::vector<UserRecord>> ListUsers(
      const std::string& project_id, int64_t after_id, int limit) = 0;

  // Finds the user whose username key (or email key) is `key`, an
  // IdentifierKey computed by the caller; NotFound if none. Usernames and
  // email addresses are never matched against each other.
  virtual absl::StatusOr<UserLogin> FindLogin(const std::string& project_id,
                                              LoginIdentifier identifier,
                                              const std::string& key) = 0;
  virtual absl::StatusOr<SessionRecord> CreateSession(
      const std::string& project_id, int64_t user_id,
      const NewSession& session) = 0;
  virtual absl::Status DeleteSession(const std::string& project_id,
                                     int64_t session_id) = 0;
};

}  // namespace users

#endif  // USERS_STORAGE_USER_STORE_H_
