#include "services/users/store_errors.h"

#include <optional>
#include <string>

#include "services/users/api_error.h"
#include "storage/store_error.h"

namespace users {
namespace {

const char* NotFoundReason(const std::string& table) {
  if (table == "projects") return "PROJECT_NOT_FOUND";
  if (table == "users") return "USER_NOT_FOUND";
  if (table == "api_keys") return "API_KEY_NOT_FOUND";
  if (table == "sessions") return "SESSION_NOT_FOUND";
  if (table == "tokens") return "TOKEN_NOT_FOUND";
  return nullptr;
}

absl::Status AlreadyExists(const StoreErrorDetail& detail,
                           absl::string_view message) {
  const absl::StatusCode code = absl::StatusCode::kAlreadyExists;
  if (detail.table == "users" && detail.column == "username") {
    return FieldError(code, "USERNAME_TAKEN", "user.username", "TAKEN",
                      std::string(message));
  }
  if (detail.table == "users" && detail.column == "email") {
    return FieldError(code, "EMAIL_TAKEN", "user.email", "TAKEN",
                      std::string(message));
  }
  if (detail.table == "projects") {
    return ApiError(code, "PROJECT_EXISTS", message);
  }
  if (detail.table == "idempotency_records") {
    return ApiError(code, "REQUEST_ID_RECORDED", message);
  }
  return ApiError(code, "ALREADY_EXISTS", message);
}

}  // namespace

absl::Status ApiErrorFromStore(const absl::Status& status) {
  std::optional<StoreErrorDetail> detail = GetStoreErrorDetail(status);
  if (!detail.has_value()) return status;
  const absl::string_view message = status.message();
  switch (status.code()) {
    case absl::StatusCode::kNotFound: {
      const char* reason = NotFoundReason(detail->table);
      if (reason == nullptr) return absl::Status(status.code(), message);
      return ApiError(status.code(), reason, message);
    }
    case absl::StatusCode::kAlreadyExists:
      return AlreadyExists(*detail, message);
    case absl::StatusCode::kAborted:
      return ApiError(
          status.code(),
          detail->column == "version" ? "ETAG_MISMATCH" : "TRANSACTION_ABORTED",
          message);
    case absl::StatusCode::kFailedPrecondition:
      return ApiError(status.code(),
                      detail->column == "suspensions" ? "USER_SUSPENDED"
                                                      : "PASSWORD_CHANGED",
                      message);
    case absl::StatusCode::kUnavailable: {
      if (!detail->commit_unknown) {
        return ApiError(status.code(), "DATABASE_UNAVAILABLE", message);
      }
      absl::Status unknown = ApiError(status.code(), "COMMIT_UNKNOWN", message);
      SetRetryDelay(unknown, 1);
      return unknown;
    }
    case absl::StatusCode::kResourceExhausted:
      return ApiError(status.code(), "DATABASE_QUEUE_FULL", message);
    case absl::StatusCode::kDeadlineExceeded:
      return ApiError(status.code(), "DEADLINE_EXCEEDED", message);
    default:
      return ApiError(status.code(), "INTERNAL", message);
  }
}

}  // namespace users
