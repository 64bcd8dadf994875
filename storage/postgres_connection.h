#ifndef USERS_STORAGE_POSTGRES_CONNECTION_H_
#define USERS_STORAGE_POSTGRES_CONNECTION_H_

#include <chrono>
#include <cstdint>
#include <exception>
#include <memory>
#include <pqxx/connection>
#include <pqxx/nontransaction>
#include <pqxx/transaction>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "storage/postgres_errors.h"

namespace users {

// A statement prepared on every connection under a fixed name.
struct PreparedStatement {
  const char* name;
  std::string sql;
};

// One PostgreSQL connection (libpqxx) shared by the stores of every area
// (storage/postgres_stores.h). Not thread-safe.
//
// The connection opens on first use, not in the constructor. Every statement
// runs under `statement_timeout`; opening a connection is bounded by
// `connect_timeout` and TCP keepalives detect a silent peer, so a dead
// database gives Unavailable rather than a hang. When a call finds the
// connection broken it returns Unavailable and drops the connection; the
// next call opens a new one (after a failed attempt, calls within a short
// back-off return Unavailable without trying). A connection only goes to a
// server that accepts writes (target_session_attrs=read-write unless the
// connection string says otherwise), so with several hosts it follows a
// promotion. When the connection breaks while a COMMIT or an autocommit
// write is on its way, the call fails with Unavailable (commit_unknown).
//
// The statements given to the constructor are prepared on each new
// connection under their names; PrepareOnce adds statements built on
// demand (UpdateUser's, one per column set).
class PostgresConnection final {
 public:
  static constexpr std::chrono::seconds kDefaultConnectTimeout{5};

  // `connection_string`: a libpq URI or key=value string.
  PostgresConnection(const std::string& connection_string,
                     std::chrono::milliseconds statement_timeout,
                     std::chrono::seconds connect_timeout,
                     std::vector<PreparedStatement> statements);
  ~PostgresConnection();

  PostgresConnection(const PostgresConnection&) = delete;
  PostgresConnection& operator=(const PostgresConnection&) = delete;

  // Whether a connection is open, as far as is known without a round trip.
  bool Healthy() const;
  // Opens the connection unless one is open. Unavailable when the database
  // cannot be reached; InvalidArgument for a malformed connection string.
  // An open connection the server has closed meanwhile (its goodbye message
  // or end of file is waiting on the socket) is replaced first.
  absl::Status Connect();
  // When Connect() will next try to open a connection: after a failed
  // attempt it returns Unavailable at once until then (a short back-off).
  // In the past whenever a connection is open.
  std::chrono::steady_clock::time_point NextConnectAttempt() const;

  // Runs `body(connection)` on the open connection (opening it first if
  // needed) and translates whatever it throws (StatusFromException); drops
  // the connection when it broke. `body` returns an absl::Status or
  // absl::StatusOr.
  template <typename Body>
  auto Run(absl::string_view operation, Body body)
      -> decltype(body(std::declval<pqxx::connection&>()));

  // Prepares `sql` under `name` on the open connection unless it already
  // is; for use inside Run.
  void PrepareOnce(const std::string& name, const std::string& sql);

 private:
  struct Open;  // the libpqxx connection and what is prepared on it

  // The open connection (Connect() succeeded).
  pqxx::connection* Connection();
  // StatusFromException, dropping the connection when it broke.
  absl::Status Translate(const std::exception_ptr& error,
                         absl::string_view operation);
  void Disconnect();

  absl::StatusOr<std::string> connection_string_;  // may hold a password
  std::vector<PreparedStatement> statements_;
  std::unique_ptr<Open> open_;
  std::chrono::steady_clock::time_point next_connect_attempt_;
};

// A transaction for a write that is one statement unless it is recorded for
// idempotency: autocommit when `atomic` is false (one round trip less).
std::unique_ptr<pqxx::transaction_base> OpenWrite(pqxx::connection& connection,
                                                  bool atomic);

// Runs a write's statement; in autocommit it is the write's commit point
// (see AtCommitPoint).
template <typename Statement>
auto RunWrite(bool autocommit, Statement statement) -> decltype(statement()) {
  if (autocommit) return AtCommitPoint(statement);
  return statement();
}

// ---------------------------------------------------------------------------
// Implementation.

template <typename Body>
auto PostgresConnection::Run(absl::string_view operation, Body body)
    -> decltype(body(std::declval<pqxx::connection&>())) {
  using Result = decltype(body(std::declval<pqxx::connection&>()));
  if (absl::Status status = Connect(); !status.ok()) return Result(status);
  try {
    return body(*Connection());
  } catch (...) {
    return Result(Translate(std::current_exception(), operation));
  }
}

}  // namespace users

#endif  // USERS_STORAGE_POSTGRES_CONNECTION_H_
