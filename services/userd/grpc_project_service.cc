#include "services/userd/grpc_project_service.h"

#include "services/userd/call_metadata.h"

namespace users {

grpc::ServerUnaryReactor* GrpcProjectService::CreateProject(
    grpc::CallbackServerContext* context,
    const v1::CreateProjectRequest* request, v1::Project* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  CallContext call = CallContextFrom(*context);
  logic_->CreateProject(
      call, *request,
      FinishWith<v1::Project>(context, reactor, "CreateProject", call,
                              observer_, MoveInto(response)));
  return reactor;
}

grpc::ServerUnaryReactor* GrpcProjectService::GetProject(
    grpc::CallbackServerContext* context, const v1::GetProjectRequest* request,
    v1::Project* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  CallContext call = CallContextFrom(*context);
  logic_->GetProject(
      call, *request,
      FinishWith<v1::Project>(context, reactor, "GetProject", call, observer_,
                              MoveInto(response)));
  return reactor;
}

grpc::ServerUnaryReactor* GrpcProjectService::UpdateProject(
    grpc::CallbackServerContext* context,
    const v1::UpdateProjectRequest* request, v1::Project* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  CallContext call = CallContextFrom(*context);
  logic_->UpdateProject(
      call, *request,
      FinishWith<v1::Project>(context, reactor, "UpdateProject", call,
                              observer_, MoveInto(response)));
  return reactor;
}

grpc::ServerUnaryReactor* GrpcProjectService::CreateApiKey(
    grpc::CallbackServerContext* context,
    const v1::CreateApiKeyRequest* request, v1::ApiKey* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  CallContext call = CallContextFrom(*context);
  keys_->CreateApiKey(
      call, *request,
      FinishWith<v1::ApiKey>(context, reactor, "CreateApiKey", call, observer_,
                             MoveInto(response)));
  return reactor;
}

grpc::ServerUnaryReactor* GrpcProjectService::ListApiKeys(
    grpc::CallbackServerContext* context, const v1::ListApiKeysRequest* request,
    v1::ListApiKeysResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  CallContext call = CallContextFrom(*context);
  keys_->ListApiKeys(
      call, *request,
      FinishWith<v1::ListApiKeysResponse>(context, reactor, "ListApiKeys", call,
                                          observer_, MoveInto(response)));
  return reactor;
}

grpc::ServerUnaryReactor* GrpcProjectService::DeleteApiKey(
    grpc::CallbackServerContext* context,
    const v1::DeleteApiKeyRequest* request, google::protobuf::Empty* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  CallContext call = CallContextFrom(*context);
  keys_->DeleteApiKey(
      call, *request,
      FinishWith<google::protobuf::Empty>(context, reactor, "DeleteApiKey",
                                          call, observer_, MoveInto(response)));
  return reactor;
}

}  // namespace users
