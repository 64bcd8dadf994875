#include "storage/postgres_connection.h"

#include <poll.h>

#include "absl/strings/str_cat.h"
#include "services/common/log.h"
#include "storage/connection_string.h"
#include "storage/store_error.h"

namespace users {
namespace {

// After a failed connection attempt, the next one waits this long (Connect()
// fails at once meanwhile; the pool's workers wait for it instead, see
// PostgresStorePool). Short, so that a database that is back is found within
// it, yet it spares a starting server a fork per call.
constexpr std::chrono::milliseconds kReconnectBackoff{100};

// Whether an idle connection is still usable, without a round trip: between
// calls the server sends nothing, so anything to read (its goodbye message,
// end of file) or a hang-up means it has closed the connection.
bool IdleConnectionAlive(const pqxx::connection_base& connection) {
  if (!connection.is_open()) return false;
  pollfd idle{connection.sock(), POLLIN | POLLRDHUP, 0};
  if (idle.fd < 0) return false;
  return ::poll(&idle, 1, 0) == 0;
}

}  // namespace

struct PostgresConnection::Open {
  explicit Open(const std::string& connection_string)
      : connection(connection_string) {}

  pqxx::connection connection;
  // The names PrepareOnce has prepared on `connection`.
  std::unordered_set<std::string> prepared_on_demand;
};

PostgresConnection::PostgresConnection(
    const std::string& connection_string,
    std::chrono::milliseconds statement_timeout,
    std::chrono::seconds connect_timeout,
    std::vector<PreparedStatement> statements)
    : connection_string_(RewriteConnectionString(
          connection_string, {},
          {
              {"connect_timeout", std::to_string(connect_timeout.count())},
              {"keepalives", "1"},
              {"keepalives_idle", "5"},
              {"keepalives_interval", "2"},
              {"keepalives_count", "3"},
              {"tcp_user_timeout", "10000"},
              {"application_name", "userd"},
              // Never settle for a read-only server (a standby, or a primary
              // demoted after a failover): with several hosts libpq goes on
              // to the next one, with one the attempt fails (Unavailable).
              {"target_session_attrs", "read-write"},
          },
          absl::StrCat("-c statement_timeout=", statement_timeout.count()))),
      statements_(std::move(statements)) {}

PostgresConnection::~PostgresConnection() = default;

bool PostgresConnection::Healthy() const {
  return open_ != nullptr && IdleConnectionAlive(open_->connection);
}

std::chrono::steady_clock::time_point PostgresConnection::NextConnectAttempt()
    const {
  return open_ != nullptr ? std::chrono::steady_clock::time_point()
                          : next_connect_attempt_;
}

void PostgresConnection::Disconnect() { open_.reset(); }

pqxx::connection* PostgresConnection::Connection() {
  return &open_->connection;
}

absl::Status PostgresConnection::Connect() {
  if (open_ != nullptr) {
    if (IdleConnectionAlive(open_->connection)) return absl::OkStatus();
    // The server went away between calls (a restart, a failover, a
    // terminated backend): connect again now rather than fail this call.
    Log(LogLevel::kInfo, "storage_reconnecting", {{"reason", "idle_closed"}});
    Disconnect();
  }
  if (!connection_string_.ok()) return connection_string_.status();
  if (std::chrono::steady_clock::now() < next_connect_attempt_) {
    return StoreError(absl::StatusCode::kUnavailable, "database unavailable");
  }
  try {
    auto open = std::make_unique<Open>(*connection_string_);
    // libpqxx registers each with the server on first use.
    for (const PreparedStatement& statement : statements_) {
      open->connection.prepare(statement.name, statement.sql);
    }
    open_ = std::move(open);
    return absl::OkStatus();
  } catch (...) {
    next_connect_attempt_ =
        std::chrono::steady_clock::now() + kReconnectBackoff;
    bool connection_lost = false;
    return StatusFromException(std::current_exception(), "Connect",
                               &connection_lost);
  }
}

void PostgresConnection::PrepareOnce(const std::string& name,
                                     const std::string& sql) {
  if (open_->prepared_on_demand.insert(name).second) {
    open_->connection.prepare(name, sql);
  }
}

absl::Status PostgresConnection::Translate(const std::exception_ptr& error,
                                           absl::string_view operation) {
  bool connection_lost = false;
  absl::Status status = StatusFromException(error, operation, &connection_lost);
  if (connection_lost || !open_->connection.is_open()) Disconnect();
  return status;
}

std::unique_ptr<pqxx::transaction_base> OpenWrite(pqxx::connection& connection,
                                                  bool atomic) {
  if (atomic) return std::make_unique<pqxx::work>(connection);
  return std::make_unique<pqxx::nontransaction>(connection);
}

}  // namespace users
