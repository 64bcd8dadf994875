// Prints the SQL statement userd's storage runs for an UpdateUser of the
// given mask paths (default: display_name), parameters as $1..$n; see
// PostgresUserStore::UpdateStatementSql for their order. The benchmark turns
// it into a pgbench script, so the baseline is exactly the service's
// statement.
//
//   update_statement_sql [PATH ...]
#include <cstdio>

#include "google/protobuf/field_mask.pb.h"
#include "services/users/user_mask.h"
#include "storage/postgres_user_store.h"

int main(int argc, char** argv) {
  google::protobuf::FieldMask mask;
  for (int i = 1; i < argc; ++i) mask.add_paths(argv[i]);
  if (argc == 1) mask.add_paths("display_name");
  absl::StatusOr<users::ResolvedMask> resolved =
      users::ResolveUpdateMask(users::v1::User(), &mask);
  if (!resolved.ok() || resolved->columns.none()) {
    std::fprintf(stderr, "update_statement_sql: not writable paths: %s\n",
                 mask.DebugString().c_str());
    return 2;
  }
  std::printf(
      "%s\n",
      users::PostgresUserStore::UpdateStatementSql(resolved->columns).c_str());
  return 0;
}
