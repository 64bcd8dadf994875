#include "services/userd/grpc_session_service.h"

#include "services/userd/call_metadata.h"

namespace users {

grpc::ServerUnaryReactor* GrpcSessionService::CreateSession(
    grpc::CallbackServerContext* context,
    const v1::CreateSessionRequest* request, v1::Session* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  CallContext call = CallContextFrom(*context);
  logic_->CreateSession(
      call, *request,
      FinishWith<v1::Session>(context, reactor, "CreateSession", call,
                              observer_, MoveInto(response)));
  return reactor;
}

grpc::ServerUnaryReactor* GrpcSessionService::DeleteSession(
    grpc::CallbackServerContext* context,
    const v1::DeleteSessionRequest* request, google::protobuf::Empty*) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  CallContext call = CallContextFrom(*context);
  logic_->DeleteSession(
      call, *request,
      FinishWith<bool>(context, reactor, "DeleteSession", call, observer_,
                       [](bool, grpc::CallbackServerContext*) {}));
  return reactor;
}

}  // namespace users
