#include "services/users/session_service_logic.h"

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"
#include "services/common/api_error.h"
#include "services/users/authenticator.h"
#include "services/users/hashing_jobs.h"
#include "services/users/identifier_keys.h"
#include "services/users/resource_names.h"
#include "services/users/text_checks.h"
#include "services/users/tokens.h"

namespace users {
namespace {

absl::Status BadCredentials() {
  return ApiError(absl::StatusCode::kUnauthenticated, "BAD_CREDENTIALS",
                  "wrong login or password");
}

}  // namespace

void SessionServiceLogic::CreateSession(const CallContext& call,
                                        const v1::CreateSessionRequest& request,
                                        Callback<v1::Session> done) {
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

  deps_.pool->Run(
      [this, call, request, project_id = *project_id, done](
          UserStore* store, absl::Status status) {
        if (!status.ok()) return done(status);
        // A login with '@' (in any width) is an email address; usernames
        // cannot contain one.
        const std::string key = IdentifierKey(request.login());
        const LoginIdentifier identifier = key.find('@') != std::string::npos
                                               ? LoginIdentifier::kEmail
                                               : LoginIdentifier::kUsername;
        absl::StatusOr<UserLogin> login =
            store->FindLogin(project_id, identifier, key);
        if (!login.ok() && !absl::IsNotFound(login.status())) {
          return done(login.status());
        }
        UserLogin found = login.ok() ? *login : UserLogin{};
        SubmitVerify(
            deps_, request.password(), found.password_hash,
            [this, call, project_id, found, done](absl::StatusOr<bool> match) {
              if (!match.ok() || !*match || found.user_id == 0) {
                return done(BadCredentials());
              }
              std::string token = NewToken();
              NewSession session{TokenHash(token), deps_.session_ttl_seconds};
              deps_.pool->Run(
                  [project_id, found, session, token, done](
                      UserStore* store, absl::Status status) {
                    if (!status.ok()) return done(status);
                    absl::StatusOr<SessionRecord> created =
                        store->CreateSession(project_id, found.user_id,
                                             session);
                    if (!created.ok()) return done(created.status());
                    absl::StatusOr<UserRecord> user =
                        store->GetUser(project_id, found.user_id);
                    if (!user.ok()) return done(user.status());
                    v1::Session result;
                    result.set_name(absl::StrCat("projects/", project_id,
                                                 "/sessions/", created->id));
                    result.set_token(token);
                    *result.mutable_user() = std::move(user->user);
                    *result.mutable_expire_time() =
                        google::protobuf::util::TimeUtil::SecondsToTimestamp(
                            created->expire_time_unix);
                    done(std::move(result));
                  },
                  call.deadline);
            });
      },
      call.deadline);
}

void SessionServiceLogic::DeleteSession(const CallContext& call,
                                        Callback<bool> done) {
  RunAuthenticated(
      *deps_.pool, call,
      [done](UserStore& store, const Principal& principal) {
        if (!principal.session_id.has_value()) {
          return done(ApiError(absl::StatusCode::kFailedPrecondition,
                               "NOT_A_SESSION",
                               "the credentials are an API key, not a session"));
        }
        absl::Status status =
            store.DeleteSession(principal.project_id, *principal.session_id);
        if (!status.ok()) return done(status);
        done(true);
      },
      done);
}

}  // namespace users
