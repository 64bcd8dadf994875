#ifndef USERS_GATEWAY_V1_ADAPTER_H_
#define USERS_GATEWAY_V1_ADAPTER_H_

#include <map>
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

namespace users::gateway {

// Generic v1 (CONTRACTS.md §2): `PATCH|GET /v1/users/usr_<id>` on
// `projects/-/users/<id>`, `POST /v1/users`, `POST /v1/sessions`,
// `DELETE /v1/sessions/current`; credential `Authorization: Bearer`. Errors
// are {"error":"<code>","message":"…","details":{"<field>":["…"]}}; a stale
// If-Match is 412; every user body comes with `ETag: "<etag>"`.
class V1Adapter final : public Contract {
 public:
  V1Adapter(const GatewayConfig& config, UserBackend& backend);

  std::string_view Name() const override { return "v1"; }
  std::vector<Route> Routes() override;
  std::string_view CookieName() const override { return ""; }
  HttpResponse RenderError(const GatewayError& error,
                           std::string_view request_id) const override;
  void Decorate(HttpResponse& response) const override {}

  // A body check that failed: the message and the per-field details.
  struct BodyError {
    std::string message;
    std::map<std::string, std::vector<std::string>> details;
  };

  // Checks a v1 user body and fills `user` and `mask_paths` from the keys
  // present. `allow_password` is set for POST /v1/users. Returns the errors,
  // empty when the body is good.
  static std::optional<BodyError> ReadUserBody(
      const nlohmann::json& body, bool allow_password, users::v1::User& user,
      std::vector<std::string>& mask_paths);
  // The v1 user body of `user`.
  static nlohmann::ordered_json RenderUser(const users::v1::User& user);
  // The HTTP status of a failed call: the shared table, except
  // ABORTED/ETAG_MISMATCH which is 412 and INVALID_ARGUMENT/REQUEST_ID_REUSED
  // (an Idempotency-Key reused for another request) which is 422.
  static int HttpStatusFor(const RpcError& error);
  HttpResponse RenderRpcError(const RpcError& error,
                              std::string_view request_id) const;
  // "usr_42" -> 42; nullopt for anything else.
  static std::optional<int64_t> ParseUserId(std::string_view id);

 private:
  void PatchUser(RequestContext context, Respond done);
  void GetUser(RequestContext context, Respond done);
  void CreateUser(RequestContext context, Respond done);
  void CreateSession(RequestContext context, Respond done);
  void DeleteSession(RequestContext context, Respond done);
  RpcCallback<users::v1::User> UserResponder(std::string request_id,
                                             std::string call, int status,
                                             Respond done) const;
  HttpResponse RenderBodyError(const BodyError& error) const;

  const GatewayConfig& config_;
  UserBackend& backend_;
};

}  // namespace users::gateway

#endif  // USERS_GATEWAY_V1_ADAPTER_H_
