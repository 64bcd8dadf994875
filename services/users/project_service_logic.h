#ifndef USERS_SERVICES_USERS_PROJECT_SERVICE_LOGIC_H_
#define USERS_SERVICES_USERS_PROJECT_SERVICE_LOGIC_H_

#include <string>

#include "services/users/call_context.h"
#include "services/users/service_deps.h"
#include "users/v1/project_service.pb.h"

namespace users {

// The project every deployment has, whose admin keys may create projects.
inline constexpr char kDefaultProjectId[] = "default";

// The users.v1.ProjectService rules: projects, their webhook and password
// policy, and API keys. Every call needs an admin principal of the project
// (creating a project: of project "default").
class ProjectServiceLogic final {
 public:
  explicit ProjectServiceLogic(ServiceDeps deps) : deps_(deps) {}

  void CreateProject(const CallContext& call,
                     const v1::CreateProjectRequest& request,
                     Callback<v1::Project> done);
  void GetProject(const CallContext& call, const v1::GetProjectRequest& request,
                  Callback<v1::Project> done);
  void UpdateProject(const CallContext& call,
                     const v1::UpdateProjectRequest& request,
                     Callback<v1::Project> done);
  void CreateApiKey(const CallContext& call,
                    const v1::CreateApiKeyRequest& request,
                    Callback<v1::ApiKey> done);

 private:
  ServiceDeps deps_;
};

// Makes sure project "default" exists and `token` is an admin API key of it
// (scopes read, write, admin). Idempotent; synchronous (start-up only).
absl::Status BootstrapAdminKey(UserStore& store, const std::string& token);

}  // namespace users

#endif  // USERS_SERVICES_USERS_PROJECT_SERVICE_LOGIC_H_
