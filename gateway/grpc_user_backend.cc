#include "gateway/grpc_user_backend.h"

#include <utility>

#include "boost/asio/execution/outstanding_work.hpp"
#include "boost/asio/post.hpp"
#include "boost/asio/prefer.hpp"
#include "grpcpp/client_context.h"

namespace users::gateway {
namespace {

template <typename Request, typename Response>
struct PendingCall {
  grpc::ClientContext context;
  Request request;
  Response response;
  RpcCallback<Response> done;
  // Keeps the io_context running until the completion has been delivered.
  boost::asio::any_io_executor work;
};

std::multimap<std::string, std::string> CopyMetadata(
    const std::multimap<grpc::string_ref, grpc::string_ref>& metadata) {
  std::multimap<std::string, std::string> out;
  for (const auto& [key, value] : metadata) {
    out.emplace(std::string(key.data(), key.size()),
                std::string(value.data(), value.size()));
  }
  return out;
}

}  // namespace

GrpcUserBackend::GrpcUserBackend(std::shared_ptr<grpc::Channel> channel,
                                 boost::asio::any_io_executor executor,
                                 std::chrono::milliseconds timeout)
    : channel_(std::move(channel)),
      executor_(std::move(executor)),
      timeout_(timeout),
      users_(users::v1::UserService::NewStub(channel_)),
      sessions_(users::v1::SessionService::NewStub(channel_)),
      health_(grpc::health::v1::Health::NewStub(channel_)) {}

template <typename Request, typename Response, typename Method>
void GrpcUserBackend::Call(const CallOptions& options, const Request& request,
                           RpcCallback<Response> done, Method method) {
  auto call = std::make_shared<PendingCall<Request, Response>>();
  call->request = request;
  call->done = std::move(done);
  call->work = boost::asio::prefer(
      executor_, boost::asio::execution::outstanding_work.tracked);
  call->context.set_deadline(std::chrono::system_clock::now() + timeout_);
  if (!options.bearer_token.empty()) {
    call->context.AddMetadata("authorization",
                              "Bearer " + options.bearer_token);
  }
  if (!options.request_id.empty()) {
    call->context.AddMetadata("x-request-id", options.request_id);
  }
  if (options.self_only) call->context.AddMetadata("x-self-only", "1");
  if (!options.client_address.empty()) {
    call->context.AddMetadata("x-forwarded-for", options.client_address);
  }
  method(&call->context, &call->request, &call->response,
         [call, executor = executor_](grpc::Status status) {
           boost::asio::post(executor, [call, status = std::move(status)] {
             RpcResult<Response> result;
             result.status = status;
             if (status.ok()) {
               result.response = std::move(call->response);
               result.initial_metadata =
                   CopyMetadata(call->context.GetServerInitialMetadata());
             }
             call->done(std::move(result));
             call->work = boost::asio::any_io_executor();
           });
         });
}

void GrpcUserBackend::GetUser(const CallOptions& options,
                              const users::v1::GetUserRequest& request,
                              RpcCallback<users::v1::User> done) {
  Call(options, request, std::move(done),
       [this](auto* context, auto* req, auto* resp, auto callback) {
         users_->async()->GetUser(context, req, resp, std::move(callback));
       });
}

void GrpcUserBackend::UpdateUser(const CallOptions& options,
                                 const users::v1::UpdateUserRequest& request,
                                 RpcCallback<users::v1::User> done) {
  Call(options, request, std::move(done),
       [this](auto* context, auto* req, auto* resp, auto callback) {
         users_->async()->UpdateUser(context, req, resp, std::move(callback));
       });
}

void GrpcUserBackend::CreateUser(const CallOptions& options,
                                 const users::v1::CreateUserRequest& request,
                                 RpcCallback<users::v1::User> done) {
  Call(options, request, std::move(done),
       [this](auto* context, auto* req, auto* resp, auto callback) {
         users_->async()->CreateUser(context, req, resp, std::move(callback));
       });
}

void GrpcUserBackend::CreateSession(
    const CallOptions& options, const users::v1::CreateSessionRequest& request,
    RpcCallback<users::v1::Session> done) {
  Call(options, request, std::move(done),
       [this](auto* context, auto* req, auto* resp, auto callback) {
         sessions_->async()->CreateSession(context, req, resp,
                                           std::move(callback));
       });
}

void GrpcUserBackend::DeleteSession(
    const CallOptions& options, const users::v1::DeleteSessionRequest& request,
    RpcCallback<google::protobuf::Empty> done) {
  Call(options, request, std::move(done),
       [this](auto* context, auto* req, auto* resp, auto callback) {
         sessions_->async()->DeleteSession(context, req, resp,
                                           std::move(callback));
       });
}

void GrpcUserBackend::CheckHealth(std::function<void(bool serving)> done) {
  grpc::health::v1::HealthCheckRequest request;
  Call(CallOptions{}, request,
       RpcCallback<grpc::health::v1::HealthCheckResponse>(
           [done = std::move(done)](
               const RpcResult<grpc::health::v1::HealthCheckResponse>& result) {
             done(result.status.ok() &&
                  result.response.status() ==
                      grpc::health::v1::HealthCheckResponse::SERVING);
           }),
       [this](auto* context, auto* req, auto* resp, auto callback) {
         health_->async()->Check(context, req, resp, std::move(callback));
       });
}

}  // namespace users::gateway
