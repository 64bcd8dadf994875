#ifndef USERS_STORAGE_POSTGRES_ERRORS_H_
#define USERS_STORAGE_POSTGRES_ERRORS_H_

#include <exception>
#include <pqxx/except>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace users {

// The one translation of libpqxx (and other) exceptions into absl::Status,
// with the neutral details of storage/store_error.h:
//   unique violation   -> AlreadyExists naming the constraint's table and
//                         column (users.username, users.email, projects.id)
//   foreign key        -> NotFound (projects, users) when the missing row is
//                         a project or a user
//   serialization failure, deadlock -> Aborted
//   commit in doubt (pqxx::in_doubt_error: the connection broke while a
//   COMMIT, or an autocommit write, was on its way; see AtCommitPoint)
//                      -> Unavailable, commit_unknown
//   broken connection, server shutting down, read-only server (25006),
//   statement timeout (query_canceled) -> Unavailable
//   anything else      -> Internal; the detail is logged with `operation`,
//                         never returned.
// Sets `*connection_lost` when the connection can no longer be used.
absl::Status StatusFromException(const std::exception_ptr& error,
                                 absl::string_view operation,
                                 bool* connection_lost);

// NotFound naming `table` ("projects", "users", "api_keys", "sessions",
// "tokens", "idempotency_records"), with a message for each.
absl::Status NotFound(absl::string_view table);

// Whether an error with `sqlstate` ends the connection: class 08 (connection
// exception), 57P01..57P03 (the server is shutting down or restarting) and
// 25006 (read_only_sql_transaction: the server is, or became, a standby).
bool SqlStateEndsConnection(const std::string& sqlstate);

// Runs `statement`, a COMMIT or a write in autocommit mode, whose effect may
// be durable before its answer arrives. When the connection breaks before
// the answer does (broken_connection, statement_completion_unknown, or an
// error of a server that is going away: class 08, 57P01..57P03), the outcome
// is unknown, and pqxx::in_doubt_error is thrown instead. Any other error,
// read-only refusals (25006) included, is rethrown as it is: nothing was
// written.
template <typename Statement>
auto AtCommitPoint(Statement statement) -> decltype(statement()) {
  try {
    return statement();
  } catch (const pqxx::in_doubt_error&) {
    throw;
  } catch (const pqxx::broken_connection& e) {
    throw pqxx::in_doubt_error(e.what());
  } catch (const pqxx::statement_completion_unknown& e) {
    throw pqxx::in_doubt_error(e.what());
  } catch (const pqxx::sql_error& e) {
    if (e.sqlstate() != "25006" && SqlStateEndsConnection(e.sqlstate())) {
      throw pqxx::in_doubt_error(e.what());
    }
    throw;
  }
}

}  // namespace users

#endif  // USERS_STORAGE_POSTGRES_ERRORS_H_
