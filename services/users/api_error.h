#ifndef USERS_SERVICES_USERS_API_ERROR_H_
#define USERS_SERVICES_USERS_API_ERROR_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/rpc/error_details.pb.h"

namespace users {

// Builds the errors of proto/users/v1/ERRORS.md as absl::Status values whose
// payloads hold a google.rpc.ErrorInfo (domain "users.v1") and, for field
// errors, a google.rpc.BadRequest. The gRPC edge copies the payloads into the
// status details; nothing else needs to know about them.

inline constexpr absl::string_view kErrorDomain = "users.v1";
inline constexpr absl::string_view kErrorInfoTypeUrl =
    "type.googleapis.com/google.rpc.ErrorInfo";
inline constexpr absl::string_view kBadRequestTypeUrl =
    "type.googleapis.com/google.rpc.BadRequest";
inline constexpr absl::string_view kRetryInfoTypeUrl =
    "type.googleapis.com/google.rpc.RetryInfo";

// A status with `code`, `message` and an ErrorInfo of `reason`.
absl::Status ApiError(absl::StatusCode code, absl::string_view reason,
                      absl::string_view message,
                      const std::map<std::string, std::string>& metadata = {});

// Collects field violations; ToStatus() is OK when there are none, else
// INVALID_ARGUMENT/INVALID_FIELD with a BadRequest listing each violation and
// ErrorInfo.metadata mapping each field path to its machine reason.
class FieldViolations final {
 public:
  void Add(std::string field, absl::string_view reason,
           std::string description);
  bool empty() const { return violations_.empty(); }
  absl::Status ToStatus() const;

 private:
  struct Violation {
    std::string field;
    std::string reason;
    std::string description;
  };
  std::vector<Violation> violations_;
};

// A single-field error with a code other than INVALID_ARGUMENT (e.g.
// ALREADY_EXISTS/USERNAME_TAKEN naming user.username).
absl::Status FieldError(absl::StatusCode code, absl::string_view reason,
                        std::string field, absl::string_view field_reason,
                        std::string description);

// Attaches a google.rpc.RetryInfo: the caller should wait `seconds`.
void SetRetryDelay(absl::Status& status, int64_t seconds);

// The ErrorInfo / BadRequest / RetryInfo carried by `status`, if any.
bool GetErrorInfo(const absl::Status& status, google::rpc::ErrorInfo* info);
bool GetBadRequest(const absl::Status& status, google::rpc::BadRequest* bad);
bool GetRetryInfo(const absl::Status& status, google::rpc::RetryInfo* retry);

}  // namespace users

#endif  // USERS_SERVICES_USERS_API_ERROR_H_
