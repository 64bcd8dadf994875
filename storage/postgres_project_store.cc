#include "storage/postgres_project_store.h"

#include <pqxx/pqxx>

#include "storage/postgres_rows.h"

namespace users {
namespace {

// Every parameter is passed as text and cast here.

constexpr char kGetProjectName[] = "get_project";
constexpr char kGetProject[] = R"sql(
SELECT id, webhook_uri, webhook_secret, password_min_length,
       password_max_length
  FROM projects
 WHERE id = $1
)sql";

constexpr char kCreateProjectName[] = "create_project";
constexpr char kCreateProject[] = R"sql(
INSERT INTO projects (id, webhook_uri, webhook_secret, password_min_length,
                      password_max_length)
VALUES ($1, $2, $3, $4::integer, $5::integer)
)sql";

constexpr char kEnsureProjectName[] = "ensure_project";
constexpr char kEnsureProject[] = R"sql(
INSERT INTO projects (id) VALUES ($1) ON CONFLICT (id) DO NOTHING
)sql";

constexpr char kUpdateProjectName[] = "update_project";
constexpr char kUpdateProject[] = R"sql(
UPDATE projects
   SET webhook_uri = CASE WHEN $2::boolean THEN $3 ELSE webhook_uri END,
       webhook_secret = CASE WHEN $2::boolean THEN $4 ELSE webhook_secret END,
       password_min_length = CASE WHEN $5::boolean THEN $6::integer
                                  ELSE password_min_length END,
       password_max_length = CASE WHEN $5::boolean THEN $7::integer
                                  ELSE password_max_length END,
       update_time = now()
 WHERE id = $1
RETURNING id, webhook_uri, webhook_secret, password_min_length,
          password_max_length
)sql";

}  // namespace

std::vector<PreparedStatement> PostgresProjectStore::Statements() {
  return {
      {kGetProjectName, kGetProject},
      {kCreateProjectName, kCreateProject},
      {kEnsureProjectName, kEnsureProject},
      {kUpdateProjectName, kUpdateProject},
  };
}

absl::StatusOr<ProjectRecord> PostgresProjectStore::GetProject(
    const std::string& project_id) {
  return connection_.Run(
      "GetProject",
      [&](pqxx::connection& connection) -> absl::StatusOr<ProjectRecord> {
        pqxx::nontransaction transaction(connection);
        pqxx::result rows =
            transaction.exec_prepared(kGetProjectName, project_id);
        if (rows.empty()) return NotFound("projects");
        return ToProjectRecord(rows[0]);
      });
}

absl::Status PostgresProjectStore::CreateProject(const ProjectRecord& project) {
  return connection_.Run(
      "CreateProject", [&](pqxx::connection& connection) -> absl::Status {
        pqxx::nontransaction transaction(connection);
        transaction.exec_prepared0(kCreateProjectName, project.id,
                                   project.webhook_uri, project.webhook_secret,
                                   std::to_string(project.password_min_length),
                                   std::to_string(project.password_max_length));
        return absl::OkStatus();
      });
}

absl::Status PostgresProjectStore::EnsureProject(
    const std::string& project_id) {
  return connection_.Run(
      "EnsureProject", [&](pqxx::connection& connection) -> absl::Status {
        pqxx::nontransaction transaction(connection);
        transaction.exec_prepared0(kEnsureProjectName, project_id);
        return absl::OkStatus();
      });
}

absl::StatusOr<ProjectRecord> PostgresProjectStore::UpdateProject(
    const ProjectRecord& project, bool webhook, bool policy) {
  return connection_.Run(
      "UpdateProject",
      [&](pqxx::connection& connection) -> absl::StatusOr<ProjectRecord> {
        pqxx::nontransaction transaction(connection);
        pqxx::result rows = transaction.exec_prepared(
            kUpdateProjectName, project.id, webhook ? "true" : "false",
            project.webhook_uri, project.webhook_secret,
            policy ? "true" : "false",
            std::to_string(project.password_min_length),
            std::to_string(project.password_max_length));
        if (rows.affected_rows() == 0) return NotFound("projects");
        return ToProjectRecord(rows[0]);
      });
}

}  // namespace users
