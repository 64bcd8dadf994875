#ifndef USERS_STORAGE_PROJECT_STORE_H_
#define USERS_STORAGE_PROJECT_STORE_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace users {

// A project's settings.
struct ProjectRecord {
  std::string id;
  std::string webhook_uri;
  std::string webhook_secret;
  int password_min_length = 8;
  int password_max_length = 128;
};

// Projects. Errors as in storage/store_error.h; every method is one
// statement.
class ProjectStore {
 public:
  virtual ~ProjectStore() = default;

  // NotFound (projects) when there is no such project.
  virtual absl::StatusOr<ProjectRecord> GetProject(
      const std::string& project_id) = 0;
  // AlreadyExists (projects.id) when the id is taken.
  virtual absl::Status CreateProject(const ProjectRecord& project) = 0;
  // Creates the project unless it exists.
  virtual absl::Status EnsureProject(const std::string& project_id) = 0;
  // Writes the webhook settings when `webhook`, the password policy when
  // `policy`. NotFound (projects) when there is no such project.
  virtual absl::StatusOr<ProjectRecord> UpdateProject(
      const ProjectRecord& project, bool webhook, bool policy) = 0;
};

}  // namespace users

#endif  // USERS_STORAGE_PROJECT_STORE_H_
