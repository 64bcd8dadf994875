#ifndef USERS_STORAGE_MIGRATIONS_H_
#define USERS_STORAGE_MIGRATIONS_H_

#include <pqxx/connection_base>
#include <vector>

namespace users {

// One SQL file of storage/migrations/, compiled into the binary.
struct Migration {
  const char* version;  // the file name without ".sql", e.g. "0001_init"
  const char* sql;
};

// The embedded migrations in file-name order.
const std::vector<Migration>& EmbeddedMigrations();

// Applies the `migrations` not yet recorded in `schema_migrations`, in
// order, each in its own transaction together with its record. Holds a
// session-level advisory lock meanwhile, so replicas starting at once apply
// each migration exactly once; idempotent. Statements run with a generous
// timeout of their own (a migration may build indexes). Throws what
// libpqxx throws; the caller translates.
void ApplyMigrations(pqxx::connection_base& connection,
                     const std::vector<Migration>& migrations);

}  // namespace users

#endif  // USERS_STORAGE_MIGRATIONS_H_
