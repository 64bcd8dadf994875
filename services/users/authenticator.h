#ifndef USERS_SERVICES_USERS_AUTHENTICATOR_H_
#define USERS_SERVICES_USERS_AUTHENTICATOR_H_

#include <functional>

#include "absl/status/statusor.h"
#include "services/users/call_context.h"
#include "services/users/principal.h"
#include "services/users/principal_cache.h"
#include "services/users/service_deps.h"
#include "storage/credential_store.h"
#include "storage/store_pool.h"

namespace users {

// Resolves the call's bearer token: UNAUTHENTICATED with TOKEN_MISSING or
// TOKEN_INVALID (unknown, expired, revoked); PERMISSION_DENIED with
// USER_SUSPENDED when the token's user has a suspension in force (a valid
// credential of a suspended user, told apart from an unknown token like a
// correct password is at login); database errors pass through. With a
// `cache`, a cached token is resolved without the database, and a token read
// from the database is offered to the cache.
absl::StatusOr<Principal> Authenticate(CredentialStore& credentials,
                                       const std::string& bearer_token,
                                       PrincipalCache* cache = nullptr);

// Runs `work` on a database worker once the call's token is resolved. Any
// failure before that (no worker, bad token) goes to `fail` instead. A token
// in deps.principal_cache is resolved before the work is queued, so the
// worker runs only the call's own statements.
void RunAuthenticated(const ServiceDeps& deps, const CallContext& call,
                      std::function<void(Stores&, const Principal&)> work,
                      std::function<void(absl::Status)> fail);

}  // namespace users

#endif  // USERS_SERVICES_USERS_AUTHENTICATOR_H_
