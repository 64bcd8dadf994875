#include "storage/postgres_stores.h"

namespace users {

PostgresStores::PostgresStores(const std::string& connection_string,
                               std::chrono::milliseconds statement_timeout,
                               std::chrono::seconds connect_timeout)
    : connection(connection_string, statement_timeout, connect_timeout,
                 Statements()) {}

std::vector<PreparedStatement> PostgresStores::Statements() {
  std::vector<PreparedStatement> all;
  for (std::vector<PreparedStatement> area :
       {PostgresMaintenanceStore::Statements(),
        PostgresProjectStore::Statements(),
        PostgresCredentialStore::Statements(), PostgresUserStore::Statements(),
        PostgresSessionStore::Statements()}) {
    for (PreparedStatement& statement : area) {
      all.push_back(std::move(statement));
    }
  }
  return all;
}

}  // namespace users
