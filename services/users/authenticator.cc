#include "services/users/authenticator.h"

#include "services/users/api_error.h"
#include "services/users/authorizer.h"
#include "services/users/tokens.h"

namespace users {

absl::StatusOr<Principal> Authenticate(CredentialStore& credentials,
                                       const std::string& bearer_token) {
  if (bearer_token.empty()) {
    return ApiError(absl::StatusCode::kUnauthenticated, "TOKEN_MISSING",
                    "missing credentials: send authorization: Bearer <token>");
  }
  absl::StatusOr<TokenRecord> token = credentials.FindToken(TokenHash(bearer_token));
  if (absl::IsNotFound(token.status())) {
    return ApiError(absl::StatusCode::kUnauthenticated, "TOKEN_INVALID",
                    "the token is unknown, expired or revoked");
  }
  if (!token.ok()) return token.status();
  if (token->user_suspended) {
    return ApiError(absl::StatusCode::kPermissionDenied, "USER_SUSPENDED",
                    "the user is suspended");
  }
  return PrincipalFromToken(*token);
}

void RunAuthenticated(StorePool& pool, const CallContext& call,
                      std::function<void(Stores&, const Principal&)> work,
                      std::function<void(absl::Status)> fail) {
  pool.Run(
      [token = call.bearer_token, work = std::move(work),
       fail = std::move(fail)](Stores* stores, absl::Status status) {
        if (!status.ok()) return fail(status);
        absl::StatusOr<Principal> principal = Authenticate(stores->credentials, token);
        if (!principal.ok()) return fail(principal.status());
        work(*stores, *principal);
      },
      call.deadline);
}

}  // namespace users
