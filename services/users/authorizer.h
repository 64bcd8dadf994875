#ifndef USERS_SERVICES_USERS_AUTHORIZER_H_
#define USERS_SERVICES_USERS_AUTHORIZER_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "services/users/principal.h"
#include "storage/credential_store.h"

namespace users {

// The principal a resolved token stands for: sessions get read+write (and
// admin for admin-role users); API keys get exactly their scopes.
Principal PrincipalFromToken(const TokenRecord& token);

enum class Access { kRead, kWrite };

// Whether `principal` may act on user `user_id` of `project_id`. Checked
// before the user is looked up, so denials reveal nothing about existence.
// PERMISSION_DENIED with reason OTHER_PROJECT, SCOPE_MISSING or NOT_SELF.
// With `self_only`, admins too are limited to themselves.
absl::Status AuthorizeUserAccess(const Principal& principal,
                                 const std::string& project_id, int64_t user_id,
                                 Access access, bool self_only);

// Whether `principal` may administer `project_id` (create, list and delete
// users; manage the project and its keys).
absl::Status AuthorizeProjectAdmin(const Principal& principal,
                                   const std::string& project_id);

// Whether `principal` may create or delete users of `project_id`: an admin
// of the project whose credentials also carry the write scope (an
// admin-only key may read and list, not write).
absl::Status AuthorizeUserAdministration(const Principal& principal,
                                         const std::string& project_id);

// Whether `principal` may manage project `project_id` itself (settings, API
// keys): its admins, and the operator's key (see Principal::is_operator).
absl::Status AuthorizeProjectManagement(const Principal& principal,
                                        const std::string& project_id);

// Whether `principal` may create projects: the operator only
// (PERMISSION_DENIED/OPERATOR_ONLY otherwise).
absl::Status AuthorizeProjectCreation(const Principal& principal);

// Whether `principal` holds `scope` ("read", "write", "admin") itself, so
// that it may hand it on to a key: PERMISSION_DENIED/SCOPE_NOT_HELD.
absl::Status AuthorizeScopeGrant(const Principal& principal,
                                 const std::string& scope);

// Only admins may change roles: PERMISSION_DENIED/ROLE_CHANGE otherwise.
absl::Status AuthorizeRoleChange(const Principal& principal);

}  // namespace users

#endif  // USERS_SERVICES_USERS_AUTHORIZER_H_
