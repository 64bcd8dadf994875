#ifndef USERS_SERVICES_USERS_PROJECT_SERVICE_LOGIC_H_
#define USERS_SERVICES_USERS_PROJECT_SERVICE_LOGIC_H_

#include <string>

#include "services/users/call_context.h"
#include "services/users/service_deps.h"
#include "users/v1/project_service.pb.h"

namespace users {

// The users.v1.ProjectService rules for projects, their webhook and password
// policy (API keys: ApiKeyLogic). Every call needs an admin principal of the
// project or the operator; only the operator creates projects.
class ProjectServiceLogic final {
 public:
  explicit ProjectServiceLogic(ServiceDeps deps) : deps_(deps) {}

  void CreateProject(const CallContext& call,
                     const v1::CreateProjectRequest& request,
                     const Callback<v1::Project>& done);
  void GetProject(const CallContext& call, const v1::GetProjectRequest& request,
                  const Callback<v1::Project>& done);
  void UpdateProject(const CallContext& call,
                     const v1::UpdateProjectRequest& request,
                     const Callback<v1::Project>& done);

 private:
  const WebhookDestinations& Destinations() const;

  ServiceDeps deps_;
};

}  // namespace users

#endif  // USERS_SERVICES_USERS_PROJECT_SERVICE_LOGIC_H_
