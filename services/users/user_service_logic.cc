#include "services/users/user_service_logic.h"

#include <memory>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/field_mask_util.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "services/users/api_error.h"
#include "services/users/authenticator.h"
#include "services/users/authorizer.h"
#include "services/users/hashing_jobs.h"
#include "services/users/idempotency.h"
#include "services/users/page_request.h"
#include "services/users/resource_names.h"
#include "services/users/tokens.h"
#include "services/users/user_changes.h"
#include "services/users/user_mask.h"
#include "services/users/user_validator.h"

namespace users {
namespace {

absl::Status EtagMismatch() {
  return ApiError(absl::StatusCode::kAborted, "ETAG_MISMATCH",
                  "the etag is not current: read the user again and retry");
}

// The version an etag stands for; nullopt for an etag no version has.
std::optional<int64_t> ParseEtag(const std::string& etag) {
  int64_t version;
  if (!absl::SimpleAtoi(etag, &version) || version <= 0) return std::nullopt;
  return version;
}

// The settings of `project_id`: the caller's own project's come with the
// principal; another project's (an operator's key) are read.
absl::StatusOr<ProjectRecord> ProjectSettings(Stores& stores,
                                              const Principal& principal,
                                              const std::string& project_id) {
  if (principal.project.id == project_id) return principal.project;
  return stores.projects.GetProject(project_id);
}

PasswordPolicy PolicyOf(const ProjectRecord& project) {
  return PasswordPolicy{project.password_min_length,
                        project.password_max_length};
}

// The update as the webhook sees it: the masked fields, JSON names, no
// password.
std::string UpdateJson(const v1::User& user,
                       const std::vector<std::string>& paths) {
  google::protobuf::FieldMask mask;
  for (const std::string& path : paths) {
    if (path != "password") mask.add_paths(path);
  }
  v1::User trimmed = user;
  trimmed.clear_password();
  google::protobuf::util::FieldMaskUtil::TrimMessage(mask, &trimmed);
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  (void)google::protobuf::util::MessageToJsonString(trimmed, &json, options);
  return json;
}

// Answers a retry with the User its first call returned.
void ReplayUser(const IdempotencyRecord& record,
                const Callback<v1::User>& done) {
  v1::User user;
  if (!user.ParseFromString(record.response)) {
    return done(absl::InternalError("unreadable idempotency record"));
  }
  done(std::move(user));
}

// A request with a `user` whose password is checked, not fingerprinted.
template <typename Request>
IdempotentCall UserWriteCall(absl::string_view method, const Request& request) {
  Request stripped = request;
  stripped.mutable_user()->clear_password();
  return IdempotentCallOf(method, std::move(stripped),
                          request.user().password());
}

}  // namespace

struct UserServiceLogic::UpdatePlan {
  CallContext call;
  Principal principal;
  v1::User user;  // the request's user: the values to write
  ResolvedMask mask;
  ProjectRecord project;
  UserUpdate update;  // everything but changes and session effects
};

void UserServiceLogic::CreateUser(const CallContext& call,
                                  const v1::CreateUserRequest& request,
                                  Callback<v1::User> done) {
  RunIdempotent<v1::User>(
      deps_, call, UserWriteCall("CreateUser", request),
      [this, call, request](Stores& stores, const Principal& principal,
                            const std::optional<IdempotencyRecord>& record,
                            const Callback<v1::User>& done) {
        absl::StatusOr<std::string> project_id =
            ParseProjectName(request.parent(), principal, "parent");
        if (!project_id.ok()) return done(project_id.status());
        if (absl::Status s =
                AuthorizeUserAdministration(principal, *project_id);
            !s.ok()) {
          return done(s);
        }
        absl::StatusOr<ProjectRecord> project =
            ProjectSettings(stores, principal, *project_id);
        if (!project.ok()) return done(project.status());

        v1::User user = request.user();
        if (user.role() == v1::User::ROLE_UNSPECIFIED) {
          user.set_role(v1::User::ROLE_USER);
        }
        ResolvedMask mask = *ResolveUpdateMask(user, nullptr);
        FieldViolations violations;
        for (auto [column, path] :
             {std::pair{UserColumn::kUsername, "user.username"},
              std::pair{UserColumn::kEmail, "user.email"},
              std::pair{UserColumn::kPasswordHash, "user.password"}}) {
          if (!Has(mask.columns, column)) {
            violations.Add(path, "REQUIRED", "is required");
          }
        }
        ValidateUserFields(user, mask.columns, PolicyOf(*project), "user.",
                           violations);
        if (!violations.empty()) return done(violations.ToStatus());

        std::string actor = principal.Actor();
        SubmitHash(
            deps_, user.password(),
            [this, call, user, mask, project_id = *project_id, actor, record,
             done](absl::StatusOr<std::string> hash) {
              if (!hash.ok()) return done(hash.status());
              UserChanges changes = ToUserChanges(user, mask.columns, *hash);
              deps_.pool->Run(
                  [changes = std::move(changes), project_id, actor, call,
                   record, done](Stores* stores, const absl::Status& status) {
                    if (!status.ok()) return done(status);
                    absl::StatusOr<UserRecord> created =
                        stores->users.CreateUser(project_id, changes, actor,
                                                 call.request_id, record);
                    if (!created.ok()) return done(created.status());
                    done(std::move(created->user));
                  },
                  call.deadline);
            },
            call.deadline);
      },
      ReplayUser, std::move(done));
}

void UserServiceLogic::GetUser(const CallContext& call,
                               const v1::GetUserRequest& request,
                               const Callback<v1::User>& done) {
  RunAuthenticated(
      deps_, call,
      [call, request, done](Stores& stores, const Principal& principal) {
        absl::StatusOr<UserName> name =
            ParseUserName(request.name(), principal, "name");
        if (!name.ok()) return done(name.status());
        if (absl::Status s =
                AuthorizeUserAccess(principal, name->project_id, name->user_id,
                                    Access::kRead, call.self_only);
            !s.ok()) {
          return done(s);
        }
        absl::StatusOr<UserRecord> record =
            stores.users.GetUser(name->project_id, name->user_id);
        if (!record.ok()) return done(record.status());
        done(std::move(record->user));
      },
      done);
}

absl::StatusOr<UserServiceLogic::UpdatePlan> UserServiceLogic::PlanUpdate(
    Stores& stores, const Principal& principal, const CallContext& call,
    const v1::UpdateUserRequest& request) {
  absl::StatusOr<UserName> name =
      ParseUserName(request.user().name(), principal, "user.name");
  if (!name.ok()) return name.status();
  if (absl::Status s =
          AuthorizeUserAccess(principal, name->project_id, name->user_id,
                              Access::kWrite, call.self_only);
      !s.ok()) {
    return s;
  }
  absl::StatusOr<ResolvedMask> mask = ResolveUpdateMask(
      request.user(),
      request.has_update_mask() ? &request.update_mask() : nullptr);
  if (!mask.ok()) return mask.status();
  if (Has(mask->columns, UserColumn::kRole)) {
    if (absl::Status s = AuthorizeRoleChange(principal); !s.ok()) return s;
  }

  UpdatePlan plan;
  plan.call = call;
  plan.principal = principal;
  plan.user = request.user();
  plan.mask = *std::move(mask);
  absl::StatusOr<ProjectRecord> project =
      ProjectSettings(stores, principal, name->project_id);
  if (!project.ok()) return project.status();
  plan.project = *std::move(project);

  FieldViolations violations;
  ValidateUserFields(plan.user, plan.mask.columns, PolicyOf(plan.project),
                     "user.", violations);
  if (!violations.empty()) return violations.ToStatus();

  plan.update.project_id = name->project_id;
  plan.update.user_id = name->user_id;
  if (!plan.user.etag().empty()) {
    plan.update.expected_version = ParseEtag(plan.user.etag());
    if (!plan.update.expected_version.has_value()) return EtagMismatch();
  }
  plan.update.actor = principal.Actor();
  plan.update.paths = plan.mask.paths;
  plan.update.request_id = call.request_id;
  return plan;
}

void UserServiceLogic::UpdateUser(const CallContext& call,
                                  const v1::UpdateUserRequest& request,
                                  Callback<UpdateUserResult> done) {
  RunIdempotent<UpdateUserResult>(
      deps_, call, UserWriteCall("UpdateUser", request),
      [this, call, request](Stores& stores, const Principal& principal,
                            std::optional<IdempotencyRecord> record,
                            const Callback<UpdateUserResult>& done) {
        absl::StatusOr<UpdatePlan> plan =
            PlanUpdate(stores, principal, call, request);
        if (!plan.ok()) return done(plan.status());
        plan->update.idempotency = std::move(record);

        if (plan->mask.columns.none()) {
          // Nothing writable named: a read, still subject to the etag.
          absl::StatusOr<UserRecord> record = stores.users.GetUser(
              plan->update.project_id, plan->update.user_id);
          if (!record.ok()) return done(record.status());
          if (plan->update.expected_version.has_value() &&
              *plan->update.expected_version != record->version) {
            return done(EtagMismatch());
          }
          return done(UpdateUserResult{std::move(record->user), std::nullopt});
        }
        auto shared_plan = std::make_shared<UpdatePlan>(*std::move(plan));
        if (deps_.webhooks != nullptr &&
            !shared_plan->project.webhook_uri.empty()) {
          return CallWebhookThenWrite(shared_plan, done);
        }
        if (Has(shared_plan->mask.columns, UserColumn::kPasswordHash)) {
          return HashThenWrite(shared_plan, done);
        }
        Write(stores, *shared_plan, done);
      },
      [this](const IdempotencyRecord& record,
             const Callback<UpdateUserResult>& done) {
        ReplayUpdate(record, done);
      },
      std::move(done));
}

void UserServiceLogic::ReplayUpdate(const IdempotencyRecord& record,
                                    const Callback<UpdateUserResult>& done) {
  UpdateUserResult result;
  if (!result.user.ParseFromString(record.response)) {
    return done(absl::InternalError("unreadable idempotency record"));
  }
  if (!record.session_id.has_value()) return done(std::move(result));
  // The first call handed out a session in place of the caller's: hand out
  // a working one again, ending that one.
  deps_.pool->Run(
      [this, key = record.key, result = std::move(result), done](
          Stores* stores, const absl::Status& status) mutable {
        if (!status.ok()) return done(status);
        RotatedSession rotated{NewToken(), 0};
        NewSession session{TokenHash(rotated.token), deps_.session_ttl_seconds};
        absl::StatusOr<std::optional<SessionRecord>> renewed =
            stores->sessions.RenewRecordedSession(key, session);
        if (!renewed.ok()) return done(renewed.status());
        if (renewed->has_value()) {
          rotated.expire_time_unix = (*renewed)->expire_time_unix;
          result.rotated_session = std::move(rotated);
        }
        done(std::move(result));
      },
      Deadline::max());
}

void UserServiceLogic::CallWebhookThenWrite(
    const std::shared_ptr<UpdatePlan>& plan,
    const Callback<UpdateUserResult>& done) {
  WebhookCall call;
  call.uri = plan->project.webhook_uri;
  call.secret = plan->project.webhook_secret;
  call.project_id = plan->update.project_id;
  call.user_id = plan->update.user_id;
  call.update_json = UpdateJson(plan->user, plan->mask.paths);
  call.request_id = plan->call.request_id;
  call.deadline = plan->call.deadline;
  deps_.webhooks->ValidateUserUpdated(
      std::move(call), [this, plan, done](const absl::Status& verdict) {
        if (!verdict.ok()) return done(verdict);
        if (Has(plan->mask.columns, UserColumn::kPasswordHash)) {
          return HashThenWrite(plan, done);
        }
        WriteOnPool(plan, done);
      });
}

void UserServiceLogic::HashThenWrite(const std::shared_ptr<UpdatePlan>& plan,
                                     const Callback<UpdateUserResult>& done) {
  SubmitHash(
      deps_, plan->user.password(),
      [this, plan, done](absl::StatusOr<std::string> hash) {
        if (!hash.ok()) return done(hash.status());
        plan->update.changes.password_hash = *std::move(hash);
        WriteOnPool(plan, done);
      },
      plan->call.deadline);
}

void UserServiceLogic::WriteOnPool(const std::shared_ptr<UpdatePlan>& plan,
                                   const Callback<UpdateUserResult>& done) {
  deps_.pool->Run(
      [this, plan, done](Stores* stores, const absl::Status& status) {
        if (!status.ok()) return done(status);
        Write(*stores, *plan, done);
      },
      plan->call.deadline);
}

void UserServiceLogic::Write(Stores& stores, UpdatePlan& plan,
                             const Callback<UpdateUserResult>& done) {
  UserUpdate& update = plan.update;
  // plan.user is not read after this: the webhook and the hash came before.
  update.changes = ToUserChanges(std::move(plan.user), plan.mask.columns,
                                 std::move(update.changes.password_hash));
  const bool password_changed =
      Has(plan.mask.columns, UserColumn::kPasswordHash);
  const bool email_changed = Has(plan.mask.columns, UserColumn::kEmail);
  update.sessions.end_all_sessions = password_changed;

  std::optional<RotatedSession> rotated;
  const Principal& principal = plan.principal;
  if ((password_changed || email_changed) && principal.session_id.has_value() &&
      principal.user_id == update.user_id) {
    rotated = RotatedSession{NewToken(), 0};
    update.sessions.rotate_session_id = principal.session_id;
    update.sessions.replacement.token_hash = TokenHash(rotated->token);
    update.sessions.replacement.ttl_seconds = deps_.session_ttl_seconds;
  }
  if (update.idempotency.has_value()) {
    update.idempotency->ended_caller_token =
        update.sessions.rotate_session_id.has_value();
  }

  absl::StatusOr<UserUpdateResult> result = stores.users.UpdateUser(update);
  if (!result.ok()) return done(result.status());
  // A new role, or sessions ended or rotated: this user's cached tokens are
  // stale. (A profile change leaves them be.)
  if (password_changed || email_changed ||
      Has(plan.mask.columns, UserColumn::kRole)) {
    ForgetUser(update.project_id, update.user_id);
  }
  if (rotated.has_value()) {
    if (result->new_session.has_value()) {
      rotated->expire_time_unix = result->new_session->expire_time_unix;
    } else {
      // The calling session ended meanwhile (a concurrent logout): the
      // update stands, and there is no session to hand back.
      rotated.reset();
    }
  }
  done(UpdateUserResult{std::move(result->record.user), std::move(rotated)});
}

void UserServiceLogic::ForgetUser(const std::string& project_id,
                                  int64_t user_id) {
  if (deps_.principal_cache != nullptr) {
    deps_.principal_cache->EvictUser(project_id, user_id);
  }
}

void UserServiceLogic::DeleteUser(const CallContext& call,
                                  const v1::DeleteUserRequest& request,
                                  Callback<bool> done) {
  RunIdempotent<bool>(
      deps_, call, IdempotentCallOf("DeleteUser", request),
      [this, call, request](Stores& stores, const Principal& principal,
                            const std::optional<IdempotencyRecord>& record,
                            const Callback<bool>& done) {
        absl::StatusOr<UserName> name =
            ParseUserName(request.name(), principal, "name");
        if (!name.ok()) return done(name.status());
        if (absl::Status s =
                AuthorizeUserAdministration(principal, name->project_id);
            !s.ok()) {
          return done(s);
        }
        absl::Status status =
            stores.users.DeleteUser(name->project_id, name->user_id,
                                    principal.Actor(), call.request_id, record);
        if (!status.ok()) return done(status);
        ForgetUser(name->project_id, name->user_id);
        done(true);
      },
      [](const IdempotencyRecord&, const Callback<bool>& done) { done(true); },
      std::move(done));
}

void UserServiceLogic::ListUsers(const CallContext& call,
                                 const v1::ListUsersRequest& request,
                                 const Callback<v1::ListUsersResponse>& done) {
  RunAuthenticated(
      deps_, call,
      [request, done](Stores& stores, const Principal& principal) {
        absl::StatusOr<std::string> project_id =
            ParseProjectName(request.parent(), principal, "parent");
        if (!project_id.ok()) return done(project_id.status());
        if (absl::Status s = AuthorizeProjectAdmin(principal, *project_id);
            !s.ok()) {
          return done(s);
        }
        FieldViolations violations;
        PageRequest page = ParsePageRequest(request.page_size(),
                                            request.page_token(), violations);
        if (!violations.empty()) return done(violations.ToStatus());

        absl::StatusOr<std::vector<UserRecord>> records =
            stores.users.ListUsers(*project_id, page.after_id, page.size + 1);
        if (!records.ok()) return done(records.status());
        v1::ListUsersResponse response;
        response.set_next_page_token(
            TakePage(*records, page, [&](UserRecord& record) {
              *response.add_users() = std::move(record.user);
            }));
        done(std::move(response));
      },
      done);
}

void UserServiceLogic::SuspendUser(const CallContext& call,
                                   const v1::SuspendUserRequest& request,
                                   Callback<v1::User> done) {
  RunIdempotent<v1::User>(
      deps_, call, IdempotentCallOf("SuspendUser", request),
      [this, call, request](Stores& stores, const Principal& principal,
                            std::optional<IdempotencyRecord> record,
                            const Callback<v1::User>& done) {
        absl::StatusOr<UserName> name =
            ParseUserName(request.name(), principal, "name");
        if (!name.ok()) return done(name.status());
        if (absl::Status s =
                AuthorizeUserAdministration(principal, name->project_id);
            !s.ok()) {
          return done(s);
        }
        FieldViolations violations;
        ValidateSuspension(
            request,
            google::protobuf::util::TimeUtil::TimestampToMicroseconds(
                google::protobuf::util::TimeUtil::GetCurrentTime()),
            violations);
        if (!violations.empty()) return done(violations.ToStatus());

        UserSuspension suspension;
        suspension.project_id = name->project_id;
        suspension.user_id = name->user_id;
        suspension.reason = request.reason();
        if (request.has_expire_time()) {
          suspension.expire_time_micros =
              google::protobuf::util::TimeUtil::TimestampToMicroseconds(
                  request.expire_time());
        }
        suspension.actor = principal.Actor();
        suspension.request_id = call.request_id;
        suspension.idempotency = std::move(record);
        absl::StatusOr<UserRecord> suspended =
            stores.users.SuspendUser(suspension);
        if (!suspended.ok()) return done(suspended.status());
        ForgetUser(name->project_id, name->user_id);
        done(std::move(suspended->user));
      },
      ReplayUser, std::move(done));
}

void UserServiceLogic::UnsuspendUser(const CallContext& call,
                                     const v1::UnsuspendUserRequest& request,
                                     Callback<v1::User> done) {
  RunIdempotent<v1::User>(
      deps_, call, IdempotentCallOf("UnsuspendUser", request),
      [call, request](Stores& stores, const Principal& principal,
                      const std::optional<IdempotencyRecord>& record,
                      const Callback<v1::User>& done) {
        absl::StatusOr<UserName> name =
            ParseUserName(request.name(), principal, "name");
        if (!name.ok()) return done(name.status());
        if (absl::Status s =
                AuthorizeUserAdministration(principal, name->project_id);
            !s.ok()) {
          return done(s);
        }
        absl::StatusOr<UserRecord> unsuspended = stores.users.UnsuspendUser(
            name->project_id, name->user_id, principal.Actor(), call.request_id,
            record);
        if (!unsuspended.ok()) return done(unsuspended.status());
        done(std::move(unsuspended->user));
      },
      ReplayUser, std::move(done));
}

}  // namespace users
