#ifndef USERS_SERVICES_USERS_RESOURCE_NAMES_H_
#define USERS_SERVICES_USERS_RESOURCE_NAMES_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/users/principal.h"

namespace users {

struct UserName {
  std::string project_id;
  int64_t user_id = 0;
};

// Parses "projects/{project}/users/{user}" as seen by `principal`: project
// "-" is the principal's project, user "me" the principal's user. Errors:
// INVALID_ARGUMENT/INVALID_FIELD on `field` for a malformed name, or "me"
// without a user behind the credentials.
absl::StatusOr<UserName> ParseUserName(absl::string_view name,
                                       const Principal& principal,
                                       const std::string& field);

// Parses "projects/{project}" ("-": the principal's project).
absl::StatusOr<std::string> ParseProjectName(absl::string_view name,
                                             const Principal& principal,
                                             const std::string& field);

// Parses "projects/{project}" without aliases (for unauthenticated calls).
absl::StatusOr<std::string> ParseLiteralProjectName(absl::string_view name,
                                                    const std::string& field);

// 3 to 63 characters of [a-z0-9-], starting with a letter, not ending in '-'.
bool IsValidProjectId(absl::string_view project_id);

std::string FormatUserName(const std::string& project_id, int64_t user_id);

struct ApiKeyName {
  std::string project_id;
  int64_t key_id = 0;
};

// Parses "projects/{project}/apiKeys/{key}" ("-": the principal's project).
absl::StatusOr<ApiKeyName> ParseApiKeyName(absl::string_view name,
                                           const Principal& principal,
                                           const std::string& field);
std::string FormatApiKeyName(const std::string& project_id, int64_t key_id);

}  // namespace users

#endif  // USERS_SERVICES_USERS_RESOURCE_NAMES_H_
