#include "services/userd/grpc_user_service.h"

#include "google/protobuf/util/time_util.h"
#include "services/userd/call_metadata.h"

namespace users {
namespace {

using google::protobuf::util::TimeUtil;

}  // namespace

grpc::ServerUnaryReactor* GrpcUserService::CreateUser(
    grpc::CallbackServerContext* context, const v1::CreateUserRequest* request,
    v1::User* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  CallContext call = CallContextFrom(*context);
  logic_->CreateUser(call, *request,
                     FinishWith<v1::User>(context, reactor, "CreateUser", call,
                                          observer_, MoveInto(response)));
  return reactor;
}

grpc::ServerUnaryReactor* GrpcUserService::GetUser(
    grpc::CallbackServerContext* context, const v1::GetUserRequest* request,
    v1::User* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  CallContext call = CallContextFrom(*context);
  logic_->GetUser(call, *request,
                  FinishWith<v1::User>(context, reactor, "GetUser", call,
                                       observer_, MoveInto(response)));
  return reactor;
}

grpc::ServerUnaryReactor* GrpcUserService::UpdateUser(
    grpc::CallbackServerContext* context, const v1::UpdateUserRequest* request,
    v1::User* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  CallContext call = CallContextFrom(*context);
  logic_->UpdateUser(
      call, *request,
      FinishWith<UpdateUserResult>(
          context, reactor, "UpdateUser", call, observer_,
          [response](UpdateUserResult result,
                     grpc::CallbackServerContext* context) {
            *response = std::move(result.user);
            if (result.rotated_session.has_value()) {
              context->AddInitialMetadata("x-session-token",
                                          result.rotated_session->token);
              context->AddInitialMetadata(
                  "x-session-expire-time",
                  TimeUtil::ToString(TimeUtil::SecondsToTimestamp(
                      result.rotated_session->expire_time_unix)));
            }
          }));
  return reactor;
}

grpc::ServerUnaryReactor* GrpcUserService::DeleteUser(
    grpc::CallbackServerContext* context, const v1::DeleteUserRequest* request,
    google::protobuf::Empty* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  CallContext call = CallContextFrom(*context);
  logic_->DeleteUser(
      call, *request,
      FinishWith<bool>(context, reactor, "DeleteUser", call, observer_,
                       [](bool, grpc::CallbackServerContext*) {}));
  return reactor;
}

grpc::ServerUnaryReactor* GrpcUserService::ListUsers(
    grpc::CallbackServerContext* context, const v1::ListUsersRequest* request,
    v1::ListUsersResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  CallContext call = CallContextFrom(*context);
  logic_->ListUsers(
      call, *request,
      FinishWith<v1::ListUsersResponse>(context, reactor, "ListUsers", call,
                                        observer_, MoveInto(response)));
  return reactor;
}

grpc::ServerUnaryReactor* GrpcUserService::SuspendUser(
    grpc::CallbackServerContext* context, const v1::SuspendUserRequest* request,
    v1::User* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  CallContext call = CallContextFrom(*context);
  logic_->SuspendUser(
      call, *request,
      FinishWith<v1::User>(context, reactor, "SuspendUser", call, observer_,
                           MoveInto(response)));
  return reactor;
}

grpc::ServerUnaryReactor* GrpcUserService::UnsuspendUser(
    grpc::CallbackServerContext* context,
    const v1::UnsuspendUserRequest* request, v1::User* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  CallContext call = CallContextFrom(*context);
  logic_->UnsuspendUser(
      call, *request,
      FinishWith<v1::User>(context, reactor, "UnsuspendUser", call, observer_,
                           MoveInto(response)));
  return reactor;
}

}  // namespace users
