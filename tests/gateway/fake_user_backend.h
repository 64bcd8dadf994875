#ifndef USERS_TESTS_GATEWAY_FAKE_USER_BACKEND_H_
#define USERS_TESTS_GATEWAY_FAKE_USER_BACKEND_H_

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "gateway/user_backend.h"

namespace users::gateway {

// A UserBackend that records each call and answers at once with the scripted
// status, user or session.
class FakeUserBackend final : public UserBackend {
 public:
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

  // What was called, in order ("UpdateUser", ...).
  std::vector<std::string> calls;
  CallOptions last_options;
  users::v1::GetUserRequest get_request;
  users::v1::UpdateUserRequest update_request;
  users::v1::CreateUserRequest create_request;
  users::v1::CreateSessionRequest session_request;
  users::v1::DeleteSessionRequest delete_session_request;

  // The answers.
  grpc::Status status = grpc::Status::OK;
  users::v1::User user;
  users::v1::Session session;
  std::multimap<std::string, std::string> initial_metadata;
  bool serving = true;

 private:
  template <typename Response>
  RpcResult<Response> Result(const Response& response) const;
};

}  // namespace users::gateway

#endif  // USERS_TESTS_GATEWAY_FAKE_USER_BACKEND_H_
