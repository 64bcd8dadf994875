#ifndef USERS_STORAGE_POSTGRES_PROJECT_STORE_H_
#define USERS_STORAGE_POSTGRES_PROJECT_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "storage/postgres_connection.h"
#include "storage/project_store.h"

namespace users {

// The ProjectStore over a PostgresConnection (table projects).
class PostgresProjectStore final : public ProjectStore {
 public:
  explicit PostgresProjectStore(PostgresConnection& connection)
      : connection_(connection) {}

  // The statements this store runs, prepared on each new connection.
  static std::vector<PreparedStatement> Statements();

  absl::StatusOr<ProjectRecord> GetProject(
      const std::string& project_id) override;
  absl::Status CreateProject(const ProjectRecord& project) override;
  absl::Status EnsureProject(const std::string& project_id) override;
  absl::StatusOr<ProjectRecord> UpdateProject(const ProjectRecord& project,
                                              bool webhook,
                                              bool policy) override;

 private:
  PostgresConnection& connection_;
};

}  // namespace users

#endif  // USERS_STORAGE_POSTGRES_PROJECT_STORE_H_
