#ifndef USERS_SERVICES_USERS_USER_SERVICE_LOGIC_H_
#define USERS_SERVICES_USERS_USER_SERVICE_LOGIC_H_

#include <cstdint>
#include <optional>
#include <string>

#include "services/users/call_context.h"
#include "services/users/principal.h"
#include "services/users/service_deps.h"
#include "storage/stores.h"
#include "users/v1/user_service.pb.h"

namespace users {

// A session token issued in place of the caller's old one.
struct RotatedSession {
  std::string token;
  int64_t expire_time_unix = 0;
};

struct UpdateUserResult {
  v1::User user;
  // Set when the update changed the email or password of the calling
  // session's own user: the old token no longer works.
  std::optional<RotatedSession> rotated_session;
};

// The users.v1.UserService rules, free of any RPC framework: authentication,
// authorization (before existence), AIP-134 masks, validation, hashing,
// webhooks and storage. Writes are idempotent with a request_id (see
// idempotency.h). Every method returns at once; `done` runs later on a
// worker thread. Codes and reasons: proto/users/v1/ERRORS.md.
class UserServiceLogic final {
 public:
  explicit UserServiceLogic(ServiceDeps deps) : deps_(deps) {}

  void CreateUser(const CallContext& call, const v1::CreateUserRequest& request,
                  Callback<v1::User> done);
  void GetUser(const CallContext& call, const v1::GetUserRequest& request,
               const Callback<v1::User>& done);
  // Writes only the masked columns in one statement, with the audit row and
  // any session rotation in the same transaction; nothing is written when a
  // check fails.
  void UpdateUser(const CallContext& call, const v1::UpdateUserRequest& request,
                  Callback<UpdateUserResult> done);
  void DeleteUser(const CallContext& call, const v1::DeleteUserRequest& request,
                  Callback<bool> done);
  void ListUsers(const CallContext& call, const v1::ListUsersRequest& request,
                 const Callback<v1::ListUsersResponse>& done);
  // Admins only (as DeleteUser), checked before existence and validation.
  // Adds a suspension and ends the user's sessions, with the audit row, in
  // one transaction.
  void SuspendUser(const CallContext& call,
                   const v1::SuspendUserRequest& request,
                   Callback<v1::User> done);
  // Admins only. Ends every suspension in force, with the audit row; a
  // user without one is returned untouched.
  void UnsuspendUser(const CallContext& call,
                     const v1::UnsuspendUserRequest& request,
                     Callback<v1::User> done);

 private:
  struct UpdatePlan;

  // Everything that needs no write: names, authorization, mask, validation.
  absl::StatusOr<UpdatePlan> PlanUpdate(Stores& stores,
                                        const Principal& principal,
                                        const CallContext& call,
                                        const v1::UpdateUserRequest& request);
  void CallWebhookThenWrite(const std::shared_ptr<UpdatePlan>& plan,
                            const Callback<UpdateUserResult>& done);
  void HashThenWrite(const std::shared_ptr<UpdatePlan>& plan,
                     const Callback<UpdateUserResult>& done);
  void WriteOnPool(const std::shared_ptr<UpdatePlan>& plan,
                   const Callback<UpdateUserResult>& done);
  void Write(Stores& stores, UpdatePlan& plan,
             const Callback<UpdateUserResult>& done);
  // Answers a retry from its first call's record; hands out a session again
  // when the first call did.
  void ReplayUpdate(const IdempotencyRecord& record,
                    const Callback<UpdateUserResult>& done);
  // After a committed write that changed what the user's tokens resolve to:
  // drops them from this replica's principal cache at once.
  void ForgetUser(const std::string& project_id, int64_t user_id);

  ServiceDeps deps_;
};

}  // namespace users

#endif  // USERS_SERVICES_USERS_USER_SERVICE_LOGIC_H_
