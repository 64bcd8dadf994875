#ifndef USERS_SERVICES_USERS_STORE_ERRORS_H_
#define USERS_SERVICES_USERS_STORE_ERRORS_H_

#include "absl/status/status.h"

namespace users {

// The one translation of store errors (storage/store_error.h: canonical
// codes with neutral details) into the errors of proto/users/v1/ERRORS.md,
// applied where a status leaves the service (userd's ToGrpcStatus):
//   NotFound projects/users/api_keys/sessions/tokens
//                      -> PROJECT_NOT_FOUND, USER_NOT_FOUND,
//                         API_KEY_NOT_FOUND, SESSION_NOT_FOUND,
//                         TOKEN_NOT_FOUND
//   AlreadyExists users.username / users.email
//                      -> USERNAME_TAKEN / EMAIL_TAKEN naming user.username /
//                         user.email (BadRequest, field reason TAKEN)
//   AlreadyExists projects.id -> PROJECT_EXISTS
//   AlreadyExists idempotency_records.request_id -> REQUEST_ID_RECORDED
//   AlreadyExists (other) -> ALREADY_EXISTS
//   Aborted users.version -> ETAG_MISMATCH; other Aborted ->
//                         TRANSACTION_ABORTED
//   FailedPrecondition users.password_hash / users.suspensions
//                      -> PASSWORD_CHANGED / USER_SUSPENDED
//   Unavailable, commit_unknown -> COMMIT_UNKNOWN with a RetryInfo of 1 s
//                         (retry with the same request_id)
//   Unavailable -> DATABASE_UNAVAILABLE
//   ResourceExhausted -> DATABASE_QUEUE_FULL
//   DeadlineExceeded -> DEADLINE_EXCEEDED
//   Internal -> INTERNAL
// The message is kept. A status without a store detail (an API error
// already, or OK) is returned as it is.
absl::Status ApiErrorFromStore(const absl::Status& status);

}  // namespace users

#endif  // USERS_SERVICES_USERS_STORE_ERRORS_H_
