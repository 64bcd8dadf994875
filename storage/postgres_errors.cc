#include "storage/postgres_errors.h"

#include <pqxx/except>
#include <string>
#include <string_view>

#include "services/common/log.h"
#include "storage/store_error.h"

namespace users {
namespace {

// The server's primary message: the first line. Later lines (DETAIL) may
// quote row values, secrets included, so they are neither parsed nor logged.
std::string_view FirstLine(const char* message) {
  std::string_view text(message);
  return text.substr(0, text.find('\n'));
}

bool Names(std::string_view first_line, std::string_view constraint) {
  return first_line.find(constraint) != std::string_view::npos;
}

struct NotFoundMessage {
  absl::string_view table;
  const char* message;
};
constexpr NotFoundMessage kNotFoundMessages[] = {
    {"projects", "project not found"},
    {"users", "user not found"},
    {"api_keys", "the project has no such API key"},
    {"sessions", "session not found"},
    {"tokens", "token not found"},
    {"idempotency_records", "no idempotency record"},
};

std::string_view View(absl::string_view text) {
  return std::string_view(text.data(), text.size());
}

absl::Status Unavailable(absl::string_view message) {
  return StoreError(absl::StatusCode::kUnavailable, message);
}

absl::Status Aborted() {
  return StoreError(absl::StatusCode::kAborted,
                    "concurrent transaction; retry");
}

absl::Status Internal(absl::string_view operation, std::string_view kind,
                      std::string_view sqlstate, std::string_view detail) {
  Log(LogLevel::kError, "storage_error",
      {{"operation", View(operation)},
       {"exception", kind},
       {"sqlstate", sqlstate},
       {"detail", detail}});
  return StoreError(absl::StatusCode::kInternal, "internal error");
}

absl::Status FromUniqueViolation(const pqxx::sql_error& error,
                                 absl::string_view operation) {
  std::string_view first_line = FirstLine(error.what());
  if (Names(first_line, "users_username_key")) {
    return StoreError(absl::StatusCode::kAlreadyExists,
                      "username already taken", {"users", "username"});
  }
  if (Names(first_line, "users_email_key")) {
    return StoreError(absl::StatusCode::kAlreadyExists, "email already taken",
                      {"users", "email"});
  }
  if (Names(first_line, "projects_pkey")) {
    return StoreError(absl::StatusCode::kAlreadyExists,
                      "project already exists", {"projects", "id"});
  }
  Log(LogLevel::kWarning, "storage_unique_violation",
      {{"operation", View(operation)}, {"detail", first_line}});
  return StoreError(absl::StatusCode::kAlreadyExists, "already exists");
}

absl::Status FromForeignKeyViolation(const pqxx::sql_error& error,
                                     absl::string_view operation) {
  std::string_view first_line = FirstLine(error.what());
  if (Names(first_line, "_project_fkey")) {
    return NotFound("projects");
  }
  if (Names(first_line, "_user_fkey")) {
    return NotFound("users");
  }
  return Internal(operation, "foreign_key_violation", error.sqlstate(),
                  first_line);
}

absl::Status FromSqlError(const pqxx::sql_error& error,
                          absl::string_view operation, bool* connection_lost) {
  const std::string& sqlstate = error.sqlstate();
  if (sqlstate == "40001" || sqlstate == "40P01") return Aborted();
  if (sqlstate == "57014") return Unavailable("database timed out");
  if (SqlStateEndsConnection(sqlstate)) {
    *connection_lost = true;
    Log(LogLevel::kWarning, "storage_connection_lost",
        {{"operation", View(operation)},
         {"sqlstate", sqlstate},
         {"detail", FirstLine(error.what())}});
    return Unavailable("database unavailable");
  }
  return Internal(operation, "sql_error", sqlstate, FirstLine(error.what()));
}

absl::Status CommitUnknown() {
  StoreErrorDetail detail;
  detail.commit_unknown = true;
  return StoreError(
      absl::StatusCode::kUnavailable,
      "the database connection was lost while committing, so whether the "
      "change was made is unknown; retry with the same request_id",
      detail);
}

}  // namespace

absl::Status NotFound(absl::string_view table) {
  for (const NotFoundMessage& known : kNotFoundMessages) {
    if (known.table == table) {
      return StoreError(absl::StatusCode::kNotFound, known.message,
                        {std::string(table), ""});
    }
  }
  return StoreError(absl::StatusCode::kNotFound, "not found",
                    {std::string(table), ""});
}

// A read-only server (25006: it is, or became, a standby after a failover)
// is dropped like a broken one: a new connection (target_session_attrs=
// read-write) finds the primary.
bool SqlStateEndsConnection(const std::string& sqlstate) {
  return sqlstate.compare(0, 2, "08") == 0 || sqlstate == "57P01" ||
         sqlstate == "57P02" || sqlstate == "57P03" || sqlstate == "25006";
}

absl::Status StatusFromException(const std::exception_ptr& error,
                                 absl::string_view operation,
                                 bool* connection_lost) {
  *connection_lost = false;
  try {
    std::rethrow_exception(error);
  } catch (const pqxx::broken_connection& e) {
    *connection_lost = true;
    Log(LogLevel::kWarning, "storage_connection_lost",
        {{"operation", View(operation)}, {"detail", FirstLine(e.what())}});
    return Unavailable("database unavailable");
  } catch (const pqxx::in_doubt_error& e) {
    *connection_lost = true;
    Log(LogLevel::kWarning, "storage_commit_in_doubt",
        {{"operation", View(operation)}, {"detail", FirstLine(e.what())}});
    return CommitUnknown();
  } catch (const pqxx::statement_completion_unknown& e) {
    *connection_lost = true;
    Log(LogLevel::kWarning, "storage_connection_lost",
        {{"operation", View(operation)}, {"detail", FirstLine(e.what())}});
    return Unavailable("database connection lost");
  } catch (const pqxx::transaction_rollback&) {
    // serialization_failure, deadlock_detected
    return Aborted();
  } catch (const pqxx::unique_violation& e) {
    return FromUniqueViolation(e, operation);
  } catch (const pqxx::foreign_key_violation& e) {
    return FromForeignKeyViolation(e, operation);
  } catch (const pqxx::sql_error& e) {
    return FromSqlError(e, operation, connection_lost);
  } catch (const std::exception& e) {
    return Internal(operation, "exception", "", FirstLine(e.what()));
  } catch (...) {
    return Internal(operation, "unknown", "", "");
  }
}

}  // namespace users
