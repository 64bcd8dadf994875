#ifndef USERS_SERVICES_USERS_PRINCIPAL_H_
#define USERS_SERVICES_USERS_PRINCIPAL_H_

#include <cstdint>
#include <optional>
#include <string>

#include "storage/credential_store.h"

namespace users {

// Who is calling, as established from the bearer token.
struct Principal {
  std::string project_id;
  // The user acting: a session's user, or the user an API key is bound to.
  std::optional<int64_t> user_id;
  // Set when the token is a session token.
  std::optional<int64_t> session_id;
  // Set when the token is an API key.
  std::optional<int64_t> api_key_id;
  bool can_read = false;
  bool can_write = false;
  // An admin-role user's session, or a key with the "admin" scope.
  bool is_admin = false;
  // The operator's key (installed from the bootstrap token): creates
  // projects and manages any project and its keys (not their users).
  bool is_operator = false;
  // The settings of project_id as of authentication (read with the token),
  // so that a request within the caller's project need not read them again.
  ProjectRecord project;

  // For the audit trail: "users/7" or "apiKeys/3".
  std::string Actor() const {
    if (api_key_id.has_value()) return "apiKeys/" + std::to_string(*api_key_id);
    return "users/" + std::to_string(user_id.value_or(0));
  }
};

}  // namespace users

#endif  // USERS_SERVICES_USERS_PRINCIPAL_H_
