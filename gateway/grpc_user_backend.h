#ifndef USERS_GATEWAY_GRPC_USER_BACKEND_H_
#define USERS_GATEWAY_GRPC_USER_BACKEND_H_

#include <chrono>
#include <memory>
#include <string>

#include "boost/asio/any_io_executor.hpp"
#include "gateway/user_backend.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/channel.h"
#include "users/v1/session_service.grpc.pb.h"
#include "users/v1/user_service.grpc.pb.h"

namespace users::gateway {

// UserBackend over a gRPC channel to userd, with the callback API: no thread
// waits for a call. Completions are posted to `executor`. Every call gets the
// deadline `timeout`.
class GrpcUserBackend final : public UserBackend {
 public:
  GrpcUserBackend(std::shared_ptr<grpc::Channel> channel,
                  boost::asio::any_io_executor executor,
                  std::chrono::milliseconds timeout);

  void GetUser(const CallOptions& options,
               const users::v1::GetUserRequest& request,
               RpcCallback<users::v1::User> done) override;
  void UpdateUser(const CallOptions& options,
                  const users::v1::UpdateUserRequest& request,
                  RpcCallback<users::v1::User> done) override;
  void CreateUser(const CallOptions& options,
                  const users::v1::CreateUserRequest& request,
                  RpcCallback<users::v1::User> done) override;
  void CreateSession(const CallOptions& options,
                     const users::v1::CreateSessionRequest& request,
                     RpcCallback<users::v1::Session> done) override;
  void DeleteSession(const CallOptions& options,
                     const users::v1::DeleteSessionRequest& request,
                     RpcCallback<google::protobuf::Empty> done) override;
  void CheckHealth(std::function<void(bool serving)> done) override;

 private:
  template <typename Request, typename Response, typename Method>
  void Call(const CallOptions& options, const Request& request,
            RpcCallback<Response> done, Method method);

  std::shared_ptr<grpc::Channel> channel_;
  boost::asio::any_io_executor executor_;
  std::chrono::milliseconds timeout_;
  std::unique_ptr<users::v1::UserService::Stub> users_;
  std::unique_ptr<users::v1::SessionService::Stub> sessions_;
  std::unique_ptr<grpc::health::v1::Health::Stub> health_;
};

}  // namespace users::gateway

#endif  // USERS_GATEWAY_GRPC_USER_BACKEND_H_
