#ifndef USERS_GATEWAY_MEDAMA_ADAPTER_H_
#define USERS_GATEWAY_MEDAMA_ADAPTER_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "gateway/contract.h"
#include "gateway/gateway_config.h"
#include "gateway/rpc_error.h"
#include "gateway/user_backend.h"
#include "nlohmann/json.hpp"
#include "users/v1/user.pb.h"
#include "users/v1/user_service.pb.h"

namespace users::gateway {

// Medama (CONTRACTS.md §1): `PATCH|GET /user` for the session's own user
// (`projects/<medama project>/users/me`), `POST /auth/login`,
// `POST /auth/logout`; credential in cookie `_me_sess`. Errors are
// {"error":{"code":<status>,"message":"…"}}; every response carries
// X-Api-Commit.
class MedamaAdapter final : public Contract {
 public:
  static constexpr std::string_view kCookie = "_me_sess";

  MedamaAdapter(const GatewayConfig& config, UserBackend& backend);

  std::string_view Name() const override { return "medama"; }
  std::vector<Route> Routes() override;
  std::string_view CookieName() const override { return kCookie; }
  HttpResponse RenderError(const GatewayError& error,
                           std::string_view request_id) const override;
  void Decorate(HttpResponse& response) const override;

  // Checks a UserPatch body and turns it into an UpdateUserRequest for
  // `user_name` whose mask names exactly the keys sent. An empty mask means
  // nothing to change. InvalidArgument carries the client message
  // ("invalid: username (string: len 2 less than minimum 3)").
  static absl::StatusOr<users::v1::UpdateUserRequest> BuildUpdate(
      const nlohmann::json& body, const std::string& user_name);
  // The UserGet body of `user`.
  static nlohmann::ordered_json RenderUser(const users::v1::User& user);
  // The response for a failed call: the shared table, except
  // INVALID_ARGUMENT/REQUEST_ID_REUSED (an Idempotency-Key reused for another
  // request) which is 422.
  HttpResponse RenderRpcError(const RpcError& error,
                              std::string_view request_id) const;

 private:
  void PatchUser(RequestContext context, Respond done);
  void GetUser(RequestContext context, Respond done);
  void Login(RequestContext context, Respond done);
  void Logout(RequestContext context, Respond done);
  std::string SelfName() const;

  const GatewayConfig& config_;
  UserBackend& backend_;
};

}  // namespace users::gateway

#endif  // USERS_GATEWAY_MEDAMA_ADAPTER_H_
