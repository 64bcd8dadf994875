#ifndef USERS_GATEWAY_PROJECT_ADAPTER_H_
#define USERS_GATEWAY_PROJECT_ADAPTER_H_

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

// Project-scoped (CONTRACTS.md §3): `PATCH|GET /{projectId}/users/{userId}`
// on `projects/{projectId}/users/{userId}`; credential
// `Authorization: Bearer`. The body is {"update":{…}}. Errors are
// {"error":"<message>","code":"user/<reason>"} (500s add "details": the
// request id).
class ProjectAdapter final : public Contract {
 public:
  ProjectAdapter(const GatewayConfig& config, UserBackend& backend);

  std::string_view Name() const override { return "project"; }
  std::vector<Route> Routes() override;
  std::string_view CookieName() const override { return ""; }
  HttpResponse RenderError(const GatewayError& error,
                           std::string_view request_id) const override;
  void Decorate(HttpResponse& response) const override {}

  // A body check that failed, rendered as {"error": message, "code": code}.
  struct BodyError {
    std::string code;  // "user/missing-data"
    std::string message;
  };

  // Checks the body and fills `request` (user and mask) for `user_name`.
  // An empty mask means the update names no field this contract knows.
  static std::optional<BodyError> BuildUpdate(
      const nlohmann::json& body, const std::string& user_name,
      users::v1::UpdateUserRequest& request);
  // The 200 body for `user`; secure_metadata is never rendered.
  static nlohmann::ordered_json RenderUser(const users::v1::User& user);
  // The HTTP status and contract code of a failed call: the shared table,
  // with WEBHOOK_REJECTED as 400 user/validation-failed,
  // WEBHOOK_UNAVAILABLE as 503 user/webhook-unavailable and
  // REQUEST_ID_REUSED as 422 user/idempotency-key-reused.
  HttpResponse RenderRpcError(const RpcError& error,
                              std::string_view request_id) const;

 private:
  void PatchUser(RequestContext context, Respond done);
  void GetUser(RequestContext context, Respond done);
  // "projects/{projectId}/users/{userId}", or "" when a segment is invalid.
  static std::string UserName(const RequestContext& context);

  const GatewayConfig& config_;
  UserBackend& backend_;
};

}  // namespace users::gateway

#endif  // USERS_GATEWAY_PROJECT_ADAPTER_H_
