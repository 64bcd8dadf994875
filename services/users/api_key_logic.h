#ifndef USERS_SERVICES_USERS_API_KEY_LOGIC_H_
#define USERS_SERVICES_USERS_API_KEY_LOGIC_H_

#include <string>

#include "google/protobuf/empty.pb.h"
#include "services/users/call_context.h"
#include "services/users/service_deps.h"
#include "users/v1/project_service.pb.h"

namespace users {

// The API-key rules of users.v1.ProjectService. Keys are managed by the
// project's admins and by the operator (any project). A new key gets at most
// its creator's scopes, and is bound to its creator's user when the creator
// is a user (a session or a user-bound key). Keys may expire; deleting one
// revokes it at once, since every call resolves its token in the database.
class ApiKeyLogic final {
 public:
  explicit ApiKeyLogic(ServiceDeps deps) : deps_(deps) {}

  void CreateApiKey(const CallContext& call,
                    const v1::CreateApiKeyRequest& request,
                    const Callback<v1::ApiKey>& done);
  void ListApiKeys(const CallContext& call,
                   const v1::ListApiKeysRequest& request,
                   const Callback<v1::ListApiKeysResponse>& done);
  // Only the operator deletes the operator's key (PERMISSION_DENIED
  // OPERATOR_KEY).
  void DeleteApiKey(const CallContext& call,
                    const v1::DeleteApiKeyRequest& request,
                    const Callback<google::protobuf::Empty>& done);

 private:
  ServiceDeps deps_;
};

// Makes sure project "default" exists and `token` is the operator's key
// (scopes admin, read, write), revoking any previous operator key.
// Idempotent; synchronous (start-up only).
absl::Status InstallOperatorKey(const Stores& stores, const std::string& token);

}  // namespace users

#endif  // USERS_SERVICES_USERS_API_KEY_LOGIC_H_
