#ifndef USERS_SERVICES_USERS_SESSION_SERVICE_LOGIC_H_
#define USERS_SERVICES_USERS_SESSION_SERVICE_LOGIC_H_

#include "services/users/call_context.h"
#include "services/users/service_deps.h"
#include "users/v1/session_service.pb.h"

namespace users {

// The users.v1.SessionService rules: logins (by email when the login holds
// an '@', else by username; compared by IdentifierKey) and logouts. A wrong
// login and a wrong password fail alike, after the same amount of hashing work.
// Logins are throttled per identifier and client address
// (LoginThrottlePolicy); a throttled attempt costs no hashing and looks the
// same whether the account exists and the password was right.
// A suspended user's correct password gets PERMISSION_DENIED USER_SUSPENDED
// and no session; its wrong password fails like any other.
class SessionServiceLogic final {
 public:
  explicit SessionServiceLogic(ServiceDeps deps) : deps_(deps) {}

  void CreateSession(const CallContext& call,
                     const v1::CreateSessionRequest& request,
                     const Callback<v1::Session>& done);
  // Ends the session whose token authenticated the call; idempotent with a
  // request_id (a retry presenting the ended token gets the same answer).
  void DeleteSession(const CallContext& call,
                     const v1::DeleteSessionRequest& request,
                     Callback<bool> done);

 private:
  void RecordFailure(const CallContext& call, const LoginAttempt& attempt,
                     const Callback<v1::Session>& done);
  void OpenSession(const CallContext& call, const LoginAttempt& attempt,
                   const UserLogin& found, const Callback<v1::Session>& done);

  ServiceDeps deps_;
};

}  // namespace users

#endif  // USERS_SERVICES_USERS_SESSION_SERVICE_LOGIC_H_
