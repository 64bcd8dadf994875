#include "storage/migrations.h"

#include <cstddef>
#include <pqxx/pqxx>
#include <set>
#include <string>

#include "services/common/log.h"

namespace users {
namespace internal {
extern const Migration kEmbeddedMigrations[];
extern const size_t kEmbeddedMigrationCount;
}  // namespace internal

namespace {

// Any constant that no other part of the system uses as an advisory lock.
constexpr char kLockMigrations[] = R"sql(
SELECT pg_advisory_lock(7573657273)
)sql";

constexpr char kUnlockMigrations[] = R"sql(
SELECT pg_advisory_unlock(7573657273)
)sql";

constexpr char kSetMigrationTimeout[] = R"sql(
SET statement_timeout = '10min'
)sql";

// Back to the value the connection was opened with.
constexpr char kResetTimeout[] = R"sql(
RESET statement_timeout
)sql";

constexpr char kCreateMigrationsTable[] = R"sql(
CREATE TABLE IF NOT EXISTS schema_migrations (
  version    text        PRIMARY KEY,
  apply_time timestamptz NOT NULL DEFAULT now()
)
)sql";

constexpr char kSelectApplied[] = R"sql(
SELECT version FROM schema_migrations
)sql";

constexpr char kRecordMigration[] = R"sql(
INSERT INTO schema_migrations (version) VALUES ($1)
)sql";

void Exec(pqxx::connection_base& connection, const char* sql) {
  pqxx::nontransaction statement(connection);
  statement.exec(sql);
}

void ApplyLocked(pqxx::connection_base& connection,
                 const std::vector<Migration>& migrations) {
  {
    pqxx::work create(connection);
    create.exec(kCreateMigrationsTable);
    create.commit();
  }
  std::set<std::string> applied;
  {
    pqxx::nontransaction select(connection);
    for (const auto& row : select.exec(kSelectApplied)) {
      applied.insert(row[0].as<std::string>());
    }
  }
  for (const Migration& migration : migrations) {
    if (applied.count(migration.version) > 0) continue;
    pqxx::work apply(connection);
    apply.exec(migration.sql);
    apply.exec_params(kRecordMigration, std::string(migration.version));
    apply.commit();
    Log(LogLevel::kInfo, "migration_applied", {{"version", migration.version}});
  }
}

}  // namespace

const std::vector<Migration>& EmbeddedMigrations() {
  static const std::vector<Migration>* const kMigrations =
      new std::vector<Migration>(
          internal::kEmbeddedMigrations,
          internal::kEmbeddedMigrations + internal::kEmbeddedMigrationCount);
  return *kMigrations;
}

void ApplyMigrations(pqxx::connection_base& connection,
                     const std::vector<Migration>& migrations) {
  Exec(connection, kSetMigrationTimeout);
  Exec(connection, kLockMigrations);
  try {
    ApplyLocked(connection, migrations);
  } catch (...) {
    // Best effort: a broken connection has released the lock already.
    try {
      Exec(connection, kUnlockMigrations);
      Exec(connection, kResetTimeout);
    } catch (...) {
    }
    throw;
  }
  Exec(connection, kUnlockMigrations);
  Exec(connection, kResetTimeout);
}

}  // namespace users
