#ifndef USERS_GATEWAY_RPC_ERROR_H_
#define USERS_GATEWAY_RPC_ERROR_H_

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "grpcpp/support/status.h"

namespace users::gateway {

// A failed users.v1 call, decoded from grpc::Status and its details
// (google.rpc.Status carrying google.rpc.ErrorInfo and google.rpc.BadRequest)
// into what the adapters render. Decoding never fails: details that are
// missing or unparsable leave the fields empty.
struct RpcError {
  struct FieldViolation {
    // The request path with any leading "user." removed ("settings.language",
    // "email", "login", "update_mask").
    std::string field;
    // English, with limits ("length 2 is less than the minimum 3").
    std::string description;
    // The machine reason from ErrorInfo.metadata ("TOO_SHORT"), or "".
    std::string reason;
  };

  grpc::StatusCode code = grpc::StatusCode::UNKNOWN;
  std::string message;
  std::string reason;  // ErrorInfo.reason ("USERNAME_TAKEN"), or ""
  std::map<std::string, std::string> metadata;  // ErrorInfo.metadata
  std::vector<FieldViolation> violations;
  // google.rpc.RetryInfo's delay in whole seconds (rounded up), or 0.
  int retry_after_seconds = 0;

  static RpcError FromStatus(const grpc::Status& status);

  // True for codes whose message must not reach a client (UNKNOWN, INTERNAL,
  // DATA_LOSS): they are rendered as a bare 500 with the request id.
  bool IsInternal() const;
  // What to send as Retry-After with a 429: the server's delay, at least 1.
  int RetryAfterSeconds() const;
  // What to send as Retry-After with a 503: the server's delay when it gave
  // one; at least 1 when the commit outcome is unknown (COMMIT_UNKNOWN: the
  // client should retry with the same request id); else 0, meaning none.
  int UnavailableRetryAfterSeconds() const;
  // The first violation of `field` (after prefix stripping), or nullptr.
  const FieldViolation* Violation(std::string_view field) const;
};

// Builds a grpc::Status with details, the way userd reports errors; used by
// tests and fakes to stand in for the server.
grpc::Status MakeRpcStatus(
    grpc::StatusCode code, const std::string& message,
    const std::string& reason,
    const std::vector<RpcError::FieldViolation>& violations = {},
    const std::map<std::string, std::string>& extra_metadata = {});

// Renames a field path for a contract: the first pair whose `from` equals
// `field`, or is followed in it by '.' or '[', has that prefix replaced by
// `to` ("settings.script_types[1]" -> "settings.script_type[1]"). Fields
// with no pair are returned unchanged.
std::string RenameField(
    std::string_view field,
    const std::vector<std::pair<std::string_view, std::string_view>>& renames);

// Logs a failed call at warning level (error for internal codes), with the
// request id and the server's message, which is never sent to clients for
// internal codes.
void LogRpcFailure(std::string_view request_id, std::string_view call,
                   const RpcError& error);

}  // namespace users::gateway

#endif  // USERS_GATEWAY_RPC_ERROR_H_
