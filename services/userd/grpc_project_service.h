#ifndef USERS_SERVICES_USERD_GRPC_PROJECT_SERVICE_H_
#define USERS_SERVICES_USERD_GRPC_PROJECT_SERVICE_H_

#include "services/userd/unary_completion.h"
#include "services/users/project_service_logic.h"
#include "users/v1/project_service.grpc.pb.h"

namespace users {

// Binds ProjectServiceLogic to gRPC's callback API.
class GrpcProjectService final : public v1::ProjectService::CallbackService {
 public:
  GrpcProjectService(ProjectServiceLogic* logic, CallObserver* observer)
      : logic_(logic), observer_(observer) {}

  grpc::ServerUnaryReactor* CreateProject(
      grpc::CallbackServerContext* context,
      const v1::CreateProjectRequest* request, v1::Project* response) override;
  grpc::ServerUnaryReactor* GetProject(grpc::CallbackServerContext* context,
                                       const v1::GetProjectRequest* request,
                                       v1::Project* response) override;
  grpc::ServerUnaryReactor* UpdateProject(
      grpc::CallbackServerContext* context,
      const v1::UpdateProjectRequest* request, v1::Project* response) override;
  grpc::ServerUnaryReactor* CreateApiKey(
      grpc::CallbackServerContext* context,
      const v1::CreateApiKeyRequest* request, v1::ApiKey* response) override;

 private:
  ProjectServiceLogic* logic_;
  CallObserver* observer_;
};

}  // namespace users

#endif  // USERS_SERVICES_USERD_GRPC_PROJECT_SERVICE_H_
