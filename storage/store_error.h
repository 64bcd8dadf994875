#ifndef USERS_STORAGE_STORE_ERROR_H_
#define USERS_STORAGE_STORE_ERROR_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace users {

// What a store error is about, in the database's own terms. Stores return
// canonical absl codes with this detail attached as a payload; what a client
// is told (reasons, request field paths) is decided by the caller
// (services/users/store_errors.h), never here.
//
//   NotFound           table: the row that is missing ("projects", "users",
//                      "api_keys", "sessions", "tokens",
//                      "idempotency_records")
//   AlreadyExists      table and column of the unique constraint hit
//                      ("users"/"username", "users"/"email", "projects"/"id",
//                      "idempotency_records"/"request_id"; "" when unknown)
//   Aborted            column "version" for a stale expected version;
//                      none for a serialization failure or deadlock
//   FailedPrecondition table "users", column "password_hash" (the password
//                      changed meanwhile) or "suspensions" (suspended)
//   Unavailable        commit_unknown: the connection broke while a COMMIT
//                      was on its way, so whether it happened is unknown
//   ResourceExhausted, DeadlineExceeded, Internal: no detail beyond the code
struct StoreErrorDetail {
  std::string table;
  std::string column;
  bool commit_unknown = false;
};

// A status with `code`, `message` and `detail`.
absl::Status StoreError(absl::StatusCode code, absl::string_view message,
                        const StoreErrorDetail& detail = {});

// The detail of a status made by StoreError; nullopt for any other status.
std::optional<StoreErrorDetail> GetStoreErrorDetail(const absl::Status& status);

}  // namespace users

#endif  // USERS_STORAGE_STORE_ERROR_H_
