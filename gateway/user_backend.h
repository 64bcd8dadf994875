#ifndef USERS_GATEWAY_USER_BACKEND_H_
#define USERS_GATEWAY_USER_BACKEND_H_

#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "google/protobuf/empty.pb.h"
#include "grpcpp/support/status.h"
#include "users/v1/session_service.pb.h"
#include "users/v1/user.pb.h"
#include "users/v1/user_service.pb.h"

namespace users::gateway {

// What every outbound call carries as metadata.
struct CallOptions {
  // Sent as `authorization: Bearer <token>` when not empty.
  std::string bearer_token;
  // Sent as `x-request-id`.
  std::string request_id;
  // Sent as `x-self-only: 1`: userd refuses any user but the caller.
  bool self_only = false;
  // Sent as `x-forwarded-for`: the client's address, for login throttling.
  std::string client_address;
};

// The outcome of one call: the status and, when it is OK, the response and
// the server's initial metadata (lower-case keys).
template <typename Response>
struct RpcResult {
  grpc::Status status;
  Response response;
  std::multimap<std::string, std::string> initial_metadata;

  // The first initial-metadata value under `key`, or "".
  std::string Metadata(std::string_view key) const {
    auto it = initial_metadata.find(std::string(key));
    return it == initial_metadata.end() ? std::string() : it->second;
  }
};

template <typename Response>
using RpcCallback = std::function<void(RpcResult<Response>)>;

// The users.v1 calls the gateway makes. Implementations are asynchronous:
// each method returns at once and runs `done` exactly once, later, on the
// gateway's I/O executor (fakes may run it before returning). Every call has a
// deadline; one that passes completes with DEADLINE_EXCEEDED.
class UserBackend {
 public:
  virtual ~UserBackend() = default;

  virtual void GetUser(const CallOptions& options,
                       const users::v1::GetUserRequest& request,
                       RpcCallback<users::v1::User> done) = 0;
  virtual void UpdateUser(const CallOptions& options,
                          const users::v1::UpdateUserRequest& request,
                          RpcCallback<users::v1::User> done) = 0;
  virtual void CreateUser(const CallOptions& options,
                          const users::v1::CreateUserRequest& request,
                          RpcCallback<users::v1::User> done) = 0;
  virtual void CreateSession(const CallOptions& options,
                             const users::v1::CreateSessionRequest& request,
                             RpcCallback<users::v1::Session> done) = 0;
  virtual void DeleteSession(const CallOptions& options,
                             const users::v1::DeleteSessionRequest& request,
                             RpcCallback<google::protobuf::Empty> done) = 0;
  // Runs `done(true)` when userd's health service reports SERVING.
  virtual void CheckHealth(std::function<void(bool serving)> done) = 0;
};

}  // namespace users::gateway

#endif  // USERS_GATEWAY_USER_BACKEND_H_
