#ifndef USERS_GATEWAY_NEPTUN_ADAPTER_H_
#define USERS_GATEWAY_NEPTUN_ADAPTER_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/contract.h"
#include "gateway/gateway_config.h"
#include "gateway/rpc_error.h"
#include "gateway/user_backend.h"
#include "nlohmann/json.hpp"
#include "users/v1/user.pb.h"
#include "users/v1/user_service.pb.h"

namespace users::gateway {

// neptun (CONTRACTS.md §4): `PATCH|GET /api/users/{user_id}` on
// `projects/<neptun project>/users/<id>` with `x-self-only: 1`,
// `POST /api/auth/login`, `POST /api/auth/logout`; credential in cookie
// `neptun-session`. Errors are
// {"statusCode","statusMessage","message","data"?:{"issues":[…]}} with zod-like
// issues; PERMISSION_DENIED renders as 401. Every 200 of the PATCH re-issues
// the session cookie.
class NeptunAdapter final : public Contract {
 public:
  static constexpr std::string_view kCookie = "neptun-session";
  static constexpr std::string_view kBodyMessage =
      "Invalid body(?email, ?password). At least one of email or password is "
      "required.";

  NeptunAdapter(const GatewayConfig& config, UserBackend& backend);

  std::string_view Name() const override { return "neptun"; }
  std::vector<Route> Routes() override;
  std::string_view CookieName() const override { return kCookie; }
  HttpResponse RenderError(const GatewayError& error,
                           std::string_view request_id) const override;
  void Decorate(HttpResponse& response) const override {}

  // Checks an update body and fills `request` (user and mask) for
  // `user_name`. On failure returns the 400 response.
  static std::optional<HttpResponse> BuildUpdate(
      const nlohmann::json& body, const std::string& user_name,
      users::v1::UpdateUserRequest& request);
  // {"user":{"id":<number>,"primary_email":"…"}}.
  static nlohmann::ordered_json RenderUser(const users::v1::User& user);
  // The HTTP status of a failed call: the shared table, except
  // PERMISSION_DENIED which is 401 (another user's id is "not yours") unless
  // its reason is USER_SUSPENDED (403), and INVALID_ARGUMENT/REQUEST_ID_REUSED
  // (an Idempotency-Key reused for another request) which is 422.
  static int HttpStatusFor(const RpcError& error);
  HttpResponse RenderRpcError(const RpcError& error,
                              std::string_view request_id) const;
  // A 400 in this contract's shape; `issues` is omitted when empty.
  static HttpResponse BadRequest(std::string_view message,
                                 const nlohmann::ordered_json& issues);

 private:
  void PatchUser(RequestContext context, Respond done);
  void GetUser(RequestContext context, Respond done);
  void Login(RequestContext context, Respond done);
  void Logout(RequestContext context, Respond done);
  // "projects/<neptun project>/users/<id>", or "" when user_id is not a
  // positive integer.
  std::string UserName(const RequestContext& context) const;

  const GatewayConfig& config_;
  UserBackend& backend_;
};

}  // namespace users::gateway

#endif  // USERS_GATEWAY_NEPTUN_ADAPTER_H_
