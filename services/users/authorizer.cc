#include "services/users/authorizer.h"

#include <algorithm>

#include "services/users/api_error.h"
#include "users/v1/user.pb.h"

namespace users {
namespace {

absl::Status Denied(absl::string_view reason, absl::string_view message,
                    const std::map<std::string, std::string>& metadata = {}) {
  return ApiError(absl::StatusCode::kPermissionDenied, reason, message,
                  metadata);
}

absl::Status CheckProject(const Principal& principal,
                          const std::string& project_id) {
  if (principal.project_id != project_id) {
    return Denied("OTHER_PROJECT",
                  "the credentials do not belong to this project");
  }
  return absl::OkStatus();
}

}  // namespace

Principal PrincipalFromToken(const TokenRecord& token) {
  Principal principal;
  principal.project_id = token.project_id;
  principal.user_id = token.user_id;
  principal.project = token.project;
  if (token.kind == TokenRecord::Kind::kSession) {
    principal.session_id = token.id;
    principal.can_read = true;
    principal.can_write = true;
    principal.is_admin = token.user_role == v1::User::ROLE_ADMIN;
  } else {
    principal.api_key_id = token.id;
    const auto has = [&](const char* scope) {
      return std::find(token.scopes.begin(), token.scopes.end(), scope) !=
             token.scopes.end();
    };
    // A key bound to a user has no more than the user's role allows now.
    principal.is_admin =
        has("admin") &&
        (!token.user_id.has_value() || token.user_role == v1::User::ROLE_ADMIN);
    principal.is_operator = token.is_operator;
    principal.can_write = has("write");
    principal.can_read = has("read") || principal.can_write;
  }
  return principal;
}

absl::Status AuthorizeUserAccess(const Principal& principal,
                                 const std::string& project_id, int64_t user_id,
                                 Access access, bool self_only) {
  if (absl::Status status = CheckProject(principal, project_id); !status.ok()) {
    return status;
  }
  if (access == Access::kWrite && !principal.can_write) {
    return Denied("SCOPE_MISSING", "the credentials lack the write scope",
                  {{"scope", "write"}});
  }
  if (access == Access::kRead && !principal.can_read) {
    return Denied("SCOPE_MISSING", "the credentials lack the read scope",
                  {{"scope", "read"}});
  }
  bool is_self = principal.user_id.has_value() && *principal.user_id == user_id;
  if (!is_self && (self_only || !principal.is_admin)) {
    return Denied("NOT_SELF", "the credentials may only act on their own user");
  }
  return absl::OkStatus();
}

absl::Status AuthorizeProjectManagement(const Principal& principal,
                                        const std::string& project_id) {
  if (principal.is_operator) return absl::OkStatus();
  return AuthorizeProjectAdmin(principal, project_id);
}

absl::Status AuthorizeProjectAdmin(const Principal& principal,
                                   const std::string& project_id) {
  if (absl::Status status = CheckProject(principal, project_id); !status.ok()) {
    return status;
  }
  if (!principal.is_admin) {
    return Denied("SCOPE_MISSING", "the credentials lack the admin scope",
                  {{"scope", "admin"}});
  }
  return absl::OkStatus();
}

absl::Status AuthorizeUserAdministration(const Principal& principal,
                                         const std::string& project_id) {
  if (absl::Status status = AuthorizeProjectAdmin(principal, project_id);
      !status.ok()) {
    return status;
  }
  if (!principal.can_write) {
    return Denied("SCOPE_MISSING", "the credentials lack the write scope",
                  {{"scope", "write"}});
  }
  return absl::OkStatus();
}

absl::Status AuthorizeProjectCreation(const Principal& principal) {
  if (!principal.is_operator) {
    return Denied("OPERATOR_ONLY", "only the operator's key creates projects");
  }
  return absl::OkStatus();
}

absl::Status AuthorizeScopeGrant(const Principal& principal,
                                 const std::string& scope) {
  bool held = (scope == "read" && principal.can_read) ||
              (scope == "write" && principal.can_write) ||
              (scope == "admin" && principal.is_admin);
  if (!held) {
    return Denied("SCOPE_NOT_HELD",
                  "a key cannot get a scope its creator does not hold",
                  {{"scope", scope}});
  }
  return absl::OkStatus();
}

absl::Status AuthorizeRoleChange(const Principal& principal) {
  if (!principal.is_admin) {
    return Denied("ROLE_CHANGE", "only admins may change roles");
  }
  return absl::OkStatus();
}

}  // namespace users
