#ifndef USERS_SERVICES_USERS_SESSION_SERVICE_LOGIC_H_
#define USERS_SERVICES_USERS_SESSION_SERVICE_LOGIC_H_

#include "services/users/call_context.h"
#include "services/users/service_deps.h"
#include "users/v1/session_service.pb.h"

namespace users {

// The users.v1.SessionService rules: logins (by email when the login holds
// an '@', else by username; compared by IdentifierKey) and logouts. A wrong
// login and a wrong password fail alike, after the same amount of hashing work.
class SessionServiceLogic final {
 public:
  explicit SessionServiceLogic(ServiceDeps deps) : deps_(deps) {}

  void CreateSession(const CallContext& call,
                     const v1::CreateSessionRequest& request,
                     Callback<v1::Session> done);
  // Ends the session whose token authenticated the call.
  void DeleteSession(const CallContext& call, Callback<bool> done);

 private:
  ServiceDeps deps_;
};

}  // namespace users

#endif  // USERS_SERVICES_USERS_SESSION_SERVICE_LOGIC_H_
