#include "services/users/authenticator.h"

#include <optional>
#include <utility>

#include "services/users/api_error.h"
#include "services/users/authorizer.h"
#include "services/users/tokens.h"

namespace users {

namespace {

// The principal of a cached token, if it is cached.
std::optional<Principal> CachedPrincipal(PrincipalCache* cache,
                                         const std::string& token_hash) {
  if (cache == nullptr) return std::nullopt;
  std::optional<TokenRecord> token = cache->Lookup(token_hash);
  if (!token.has_value()) return std::nullopt;
  return PrincipalFromToken(*token);
}

}  // namespace

absl::StatusOr<Principal> Authenticate(CredentialStore& credentials,
                                       const std::string& bearer_token,
                                       PrincipalCache* cache) {
  if (bearer_token.empty()) {
    return ApiError(absl::StatusCode::kUnauthenticated, "TOKEN_MISSING",
                    "missing credentials: send authorization: Bearer <token>");
  }
  const std::string token_hash = TokenHash(bearer_token);
  if (std::optional<Principal> cached = CachedPrincipal(cache, token_hash)) {
    return *std::move(cached);
  }
  PrincipalCache::Ticket ticket;
  if (cache != nullptr) ticket = cache->BeginFill();
  absl::StatusOr<TokenRecord> token = credentials.FindToken(token_hash);
  if (absl::IsNotFound(token.status())) {
    return ApiError(absl::StatusCode::kUnauthenticated, "TOKEN_INVALID",
                    "the token is unknown, expired or revoked");
  }
  if (!token.ok()) return token.status();
  if (token->user_suspended) {
    return ApiError(absl::StatusCode::kPermissionDenied, "USER_SUSPENDED",
                    "the user is suspended");
  }
  if (cache != nullptr) cache->Insert(token_hash, *token, ticket);
  return PrincipalFromToken(*token);
}

void RunAuthenticated(const ServiceDeps& deps, const CallContext& call,
                      std::function<void(Stores&, const Principal&)> work,
                      std::function<void(absl::Status)> fail) {
  if (!call.bearer_token.empty()) {
    if (std::optional<Principal> cached = CachedPrincipal(
            deps.principal_cache, TokenHash(call.bearer_token))) {
      deps.pool->Run(
          [principal = *std::move(cached), work = std::move(work),
           fail = std::move(fail)](Stores* stores, const absl::Status& status) {
            if (!status.ok()) return fail(status);
            work(*stores, principal);
          },
          call.deadline);
      return;
    }
  }
  deps.pool->Run(
      [token = call.bearer_token, cache = deps.principal_cache,
       work = std::move(work),
       fail = std::move(fail)](Stores* stores, const absl::Status& status) {
        if (!status.ok()) return fail(status);
        absl::StatusOr<Principal> principal =
            Authenticate(stores->credentials, token, cache);
        if (!principal.ok()) return fail(principal.status());
        work(*stores, *principal);
      },
      call.deadline);
}

}  // namespace users
