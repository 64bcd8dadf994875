#ifndef USERS_STORAGE_POSTGRES_STORES_H_
#define USERS_STORAGE_POSTGRES_STORES_H_

#include <chrono>
#include <string>

#include "storage/postgres_connection.h"
#include "storage/postgres_credential_store.h"
#include "storage/postgres_maintenance_store.h"
#include "storage/postgres_project_store.h"
#include "storage/postgres_session_store.h"
#include "storage/postgres_user_store.h"
#include "storage/stores.h"

namespace users {

// One PostgresConnection and the store of every area over it: what a
// StorePool worker, the housekeeper or the health monitor owns. Not
// thread-safe.
class PostgresStores final {
 public:
  PostgresStores(const std::string& connection_string,
                 std::chrono::milliseconds statement_timeout,
                 std::chrono::seconds connect_timeout =
                     PostgresConnection::kDefaultConnectTimeout);

  PostgresStores(const PostgresStores&) = delete;
  PostgresStores& operator=(const PostgresStores&) = delete;

  // The statements of every area.
  static std::vector<PreparedStatement> Statements();

  // The stores as work sees them.
  Stores view() {
    return Stores{projects, credentials, users, sessions, maintenance};
  }

  PostgresConnection connection;  // first: the stores refer to it
  PostgresProjectStore projects{connection};
  PostgresCredentialStore credentials{connection};
  PostgresUserStore users{connection};
  PostgresSessionStore sessions{connection};
  PostgresMaintenanceStore maintenance{connection};
};

}  // namespace users

#endif  // USERS_STORAGE_POSTGRES_STORES_H_
