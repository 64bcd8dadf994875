#include "tests/gateway/fake_user_backend.h"

namespace users::gateway {

template <typename Response>
RpcResult<Response> FakeUserBackend::Result(const Response& response) const {
  RpcResult<Response> result;
  result.status = status;
  if (status.ok()) {
    result.response = response;
    result.initial_metadata = initial_metadata;
  }
  return result;
}

void FakeUserBackend::GetUser(const CallOptions& options,
                              const users::v1::GetUserRequest& request,
                              RpcCallback<users::v1::User> done) {
  calls.push_back("GetUser");
  last_options = options;
  get_request = request;
  done(Result(user));
}

void FakeUserBackend::UpdateUser(const CallOptions& options,
                                 const users::v1::UpdateUserRequest& request,
                                 RpcCallback<users::v1::User> done) {
  calls.push_back("UpdateUser");
  last_options = options;
  update_request = request;
  done(Result(user));
}

void FakeUserBackend::CreateUser(const CallOptions& options,
                                 const users::v1::CreateUserRequest& request,
                                 RpcCallback<users::v1::User> done) {
  calls.push_back("CreateUser");
  last_options = options;
  create_request = request;
  done(Result(user));
}

void FakeUserBackend::CreateSession(
    const CallOptions& options, const users::v1::CreateSessionRequest& request,
    RpcCallback<users::v1::Session> done) {
  calls.push_back("CreateSession");
  last_options = options;
  session_request = request;
  done(Result(session));
}

void FakeUserBackend::DeleteSession(
    const CallOptions& options, const users::v1::DeleteSessionRequest& request,
    RpcCallback<google::protobuf::Empty> done) {
  calls.push_back("DeleteSession");
  last_options = options;
  delete_session_request = request;
  done(Result(google::protobuf::Empty()));
}

void FakeUserBackend::CheckHealth(std::function<void(bool serving)> done) {
  calls.push_back("CheckHealth");
  done(serving);
}

}  // namespace users::gateway
