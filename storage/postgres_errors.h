#ifndef USERS_STORAGE_POSTGRES_ERRORS_H_
#define USERS_STORAGE_POSTGRES_ERRORS_H_

#include <exception>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace users {

// The one translation of libpqxx (and other) exceptions into absl::Status,
// with the errors of proto/users/v1/ERRORS.md:
//   unique violation   -> AlreadyExists (USERNAME_TAKEN naming user.username,
//                         EMAIL_TAKEN naming user.email, PROJECT_EXISTS)
//   foreign key        -> NotFound (PROJECT_NOT_FOUND, USER_NOT_FOUND) when
//                         the missing row is a project or a user
//   serialization failure, deadlock -> Aborted (TRANSACTION_ABORTED)
//   broken connection, commit in doubt, server shutting down, statement
//   timeout (query_canceled) -> Unavailable (DATABASE_UNAVAILABLE)
//   anything else      -> Internal (INTERNAL); the detail is logged with
//                         `operation`, never returned.
// Sets `*connection_lost` when the connection can no longer be used.
absl::Status StatusFromException(const std::exception_ptr& error,
                                 absl::string_view operation,
                                 bool* connection_lost);

}  // namespace users

#endif  // USERS_STORAGE_POSTGRES_ERRORS_H_
