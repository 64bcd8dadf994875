#include "services/users/session_service_logic.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"
#include "services/users/api_error.h"
#include "services/users/authenticator.h"
#include "services/users/hashing_jobs.h"
#include "services/users/idempotency.h"
#include "services/users/identifier_keys.h"
#include "services/users/login_throttle.h"
#include "services/users/resource_names.h"
#include "services/users/text_checks.h"
#include "services/users/tokens.h"
#include "storage/store_error.h"

namespace users {
namespace {

absl::Status BadCredentials() {
  return ApiError(absl::StatusCode::kUnauthenticated, "BAD_CREDENTIALS",
                  "wrong login or password");
}

absl::Status UserSuspended() {
  return ApiError(absl::StatusCode::kPermissionDenied, "USER_SUSPENDED",
                  "the account is suspended");
}

// The store's answer for a login whose user is suspended.
bool IsUserSuspended(const absl::Status& status) {
  std::optional<StoreErrorDetail> detail = GetStoreErrorDetail(status);
  return absl::IsFailedPrecondition(status) && detail.has_value() &&
         detail->column == "suspensions";
}

}  // namespace

void SessionServiceLogic::CreateSession(const CallContext& call,
                                        const v1::CreateSessionRequest& request,
                                        const Callback<v1::Session>& done) {
  FieldViolations violations;
  absl::StatusOr<std::string> project_id =
      ParseLiteralProjectName(request.parent(), "parent");
  if (!project_id.ok()) return done(project_id.status());
  for (auto [value, field] : {std::pair{&request.login(), "login"},
                              std::pair{&request.password(), "password"}}) {
    std::optional<size_t> length = CountCodePoints(*value);
    if (value->empty()) {
      violations.Add(field, "REQUIRED", "is required");
    } else if (!length.has_value() || HasControlCharacters(*value, false)) {
      violations.Add(field, "INVALID_CHARACTERS",
                     "contains invalid UTF-8 or control characters");
    } else if (*length > 1024) {
      violations.Add(field, "TOO_LONG", "is longer than 1024 characters");
    }
  }
  if (!violations.empty()) return done(violations.ToStatus());

  LoginAttempt attempt;
  attempt.project_id = *std::move(project_id);
  attempt.identifier_key = IdentifierKey(request.login());
  attempt.client_address =
      ThrottledAddress(deps_.trusted_proxies == nullptr
                           ? call.peer_address
                           : deps_.trusted_proxies->ClientAddress(
                                 call.peer_address, call.forwarded_for));
  deps_.pool->Run(
      [this, call, request, attempt, done](Stores* stores,
                                           const absl::Status& status) {
        if (!status.ok()) return done(status);
        const LoginThrottlePolicy& policy = deps_.login_throttle;
        absl::StatusOr<LoginFailures> failures =
            stores->sessions.GetLoginFailures(attempt, policy.window_limit,
                                              policy.window_seconds);
        if (!failures.ok()) return done(failures.status());
        if (double delay = LoginRetryDelay(policy, *failures); delay > 0) {
          return done(LoginThrottled(delay));
        }
        // A login with '@' (in any width) is an email address; usernames
        // cannot contain one.
        const std::string& key = attempt.identifier_key;
        const LoginIdentifier identifier = key.find('@') != std::string::npos
                                               ? LoginIdentifier::kEmail
                                               : LoginIdentifier::kUsername;
        absl::StatusOr<UserLogin> login =
            stores->users.FindLogin(attempt.project_id, identifier, key);
        if (!login.ok() && !absl::IsNotFound(login.status())) {
          return done(login.status());
        }
        UserLogin found = login.ok() ? *login : UserLogin{};
        SubmitVerify(
            deps_, request.password(), found.password_hash,
            [this, call, attempt, found, done](absl::StatusOr<bool> match) {
              if (absl::IsResourceExhausted(match.status()) ||
                  absl::IsDeadlineExceeded(match.status())) {
                return done(match.status());  // nothing was checked
              }
              if (!match.ok() || !*match || found.user_id == 0) {
                return RecordFailure(call, attempt, done);
              }
              OpenSession(call, attempt, found, done);
            },
            call.deadline);
      },
      call.deadline);
}

void SessionServiceLogic::RecordFailure(const CallContext& call,
                                        const LoginAttempt& attempt,
                                        const Callback<v1::Session>& done) {
  // The failure is counted before the answer, so that the next attempt
  // already sees it.
  deps_.pool->Run(
      [attempt, done](Stores* stores, absl::Status status) {
        if (status.ok()) status = stores->sessions.RecordLoginFailure(attempt);
        if (!status.ok()) return done(status);
        done(BadCredentials());
      },
      call.deadline);
}

void SessionServiceLogic::OpenSession(const CallContext& call,
                                      const LoginAttempt& attempt,
                                      const UserLogin& found,
                                      const Callback<v1::Session>& done) {
  std::string token = NewToken();
  SessionLogin login;
  login.attempt = attempt;
  login.user_id = found.user_id;
  login.password_hash = found.password_hash;
  login.session = NewSession{TokenHash(token), deps_.session_ttl_seconds};
  login.max_sessions = deps_.max_sessions_per_user;
  deps_.pool->Run(
      [login, token, done](Stores* stores, const absl::Status& status) {
        if (!status.ok()) return done(status);
        absl::StatusOr<SessionRecord> created =
            stores->sessions.CreateSession(login);
        if (IsUserSuspended(created.status())) {
          // Only a verified password gets this far.
          return done(UserSuspended());
        }
        if (absl::IsFailedPrecondition(created.status()) ||
            absl::IsNotFound(created.status())) {
          // The password changed (or the user went) after the check.
          return done(BadCredentials());
        }
        if (!created.ok()) return done(created.status());
        const std::string& project_id = login.attempt.project_id;
        absl::StatusOr<UserRecord> user =
            stores->users.GetUser(project_id, login.user_id);
        if (!user.ok()) return done(user.status());
        v1::Session result;
        result.set_name(
            absl::StrCat("projects/", project_id, "/sessions/", created->id));
        result.set_token(token);
        *result.mutable_user() = std::move(user->user);
        *result.mutable_expire_time() =
            google::protobuf::util::TimeUtil::SecondsToTimestamp(
                created->expire_time_unix);
        done(std::move(result));
      },
      call.deadline);
}

void SessionServiceLogic::DeleteSession(const CallContext& call,
                                        const v1::DeleteSessionRequest& request,
                                        Callback<bool> done) {
  RunIdempotent<bool>(
      deps_, call, IdempotentCallOf("DeleteSession", request),
      [cache = deps_.principal_cache](
          Stores& stores, const Principal& principal,
          std::optional<IdempotencyRecord> record, const Callback<bool>& done) {
        if (!principal.session_id.has_value()) {
          return done(
              ApiError(absl::StatusCode::kFailedPrecondition, "NOT_A_SESSION",
                       "the credentials are an API key, not a session"));
        }
        if (record.has_value()) record->ended_caller_token = true;
        absl::Status status = stores.sessions.DeleteSession(
            principal.project_id, *principal.session_id, record);
        if (!status.ok()) return done(status);
        if (cache != nullptr) {
          cache->EvictUser(principal.project_id, principal.user_id.value_or(0));
        }
        done(true);
      },
      [](const IdempotencyRecord&, const Callback<bool>& done) { done(true); },
      std::move(done));
}

}  // namespace users
