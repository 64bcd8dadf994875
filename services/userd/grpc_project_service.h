#ifndef USERS_SERVICES_USERD_GRPC_PROJECT_SERVICE_H_
#define USERS_SERVICES_USERD_GRPC_PROJECT_SERVICE_H_

#include "services/userd/unary_completion.h"
#include "services/users/api_key_logic.h"
#include "services/users/project_service_logic.h"
#include "users/v1/project_service.grpc.pb.h"

namespace users {

// Binds ProjectServiceLogic and ApiKeyLogic to gRPC's callback API.
class GrpcProjectService final : public v1::ProjectService::CallbackService {
 public:
  GrpcProjectService(ProjectServiceLogic* logic, ApiKeyLogic* keys,
                     CallObserver* observer)
      : logic_(logic), keys_(keys), observer_(observer) {}

  grpc::ServerUnaryReactor* CreateProject(
      grpc::CallbackServerContext* context,
      const v1::CreateProjectRequest* request, v1::Project* response) override;
  grpc::ServerUnaryReactor* GetProject(grpc::CallbackServerContext* context,
                                       const v1::GetProjectRequest* request,
                                       v1::Project* response) override;
  grpc::ServerUnaryReactor* UpdateProject(
      grpc::CallbackServerContext* context,
      const v1::UpdateProjectRequest* request, v1::Project* response) override;
  grpc::ServerUnaryReactor* CreateApiKey(grpc::CallbackServerContext* context,
                                         const v1::CreateApiKeyRequest* request,
                                         v1::ApiKey* response) override;
  grpc::ServerUnaryReactor* ListApiKeys(
      grpc::CallbackServerContext* context,
      const v1::ListApiKeysRequest* request,
      v1::ListApiKeysResponse* response) override;
  grpc::ServerUnaryReactor* DeleteApiKey(
      grpc::CallbackServerContext* context,
      const v1::DeleteApiKeyRequest* request,
      google::protobuf::Empty* response) override;

 private:
  ProjectServiceLogic* logic_;
  ApiKeyLogic* keys_;
  CallObserver* observer_;
};

}  // namespace users

#endif  // USERS_SERVICES_USERD_GRPC_PROJECT_SERVICE_H_
