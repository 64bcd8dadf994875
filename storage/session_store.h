#ifndef USERS_STORAGE_SESSION_STORE_H_
#define USERS_STORAGE_SESSION_STORE_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace users {

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

// How long an idempotency record is live: a retry within this time of the
// first call is answered from the record.
inline constexpr int64_t kIdempotencyRecordLifetimeSeconds = int64_t{24} * 3600;

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

// Sessions (logins), the failed logins that throttle them, and the
// idempotency records of writes: a record is found by its caller's key or
// by the token its write ended, and replaying it hands out a session.
// The writes of other areas (UserStore) commit their record in their own
// transaction. Errors as in storage/store_error.h.
class SessionStore {
 public:
  virtual ~SessionStore() = default;

  // FailedPrecondition (users.password_hash) when the user's password is no
  // longer `login.password_hash`, else FailedPrecondition
  // (users.suspensions) when a suspension of the user is in force; NotFound
  // (users) when the user is gone. Both checks hold the user's row lock
  // until the session commits.
  virtual absl::StatusOr<SessionRecord> CreateSession(
      const SessionLogin& login) = 0;
  // NotFound (sessions) when there is no such session. `idempotency`, when
  // set, is recorded with the deletion (response: empty).
  virtual absl::Status DeleteSession(
      const std::string& project_id, int64_t session_id,
      const std::optional<IdempotencyRecord>& idempotency) = 0;

  // The failures that decide whether `attempt` may be checked now: its
  // streak, and the `limit`-th most recent failure of its identifier within
  // the last `window_seconds`.
  virtual absl::StatusOr<LoginFailures> GetLoginFailures(
      const LoginAttempt& attempt, int limit, int64_t window_seconds) = 0;
  // Counts one failed password check: the streak and the identifier's log.
  virtual absl::Status RecordLoginFailure(const LoginAttempt& attempt) = 0;

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
};

}  // namespace users

#endif  // USERS_STORAGE_SESSION_STORE_H_
