#ifndef USERS_TESTS_STORAGE_STATUS_CHECKS_H_
#define USERS_TESTS_STORAGE_STATUS_CHECKS_H_

#include <string>

#include "absl/status/status.h"
#include "google/rpc/error_details.pb.h"
#include "services/users/api_error.h"
#include "services/users/store_errors.h"

namespace users {
namespace test {

// Stores return neutral details (storage/store_error.h); these checks read
// them as clients get them, through the service's one translation.

// ErrorInfo.reason of `status`, or "" without one.
inline std::string Reason(const absl::Status& status) {
  google::rpc::ErrorInfo info;
  return GetErrorInfo(ApiErrorFromStore(status), &info) ? info.reason()
                                                        : std::string();
}

// The field of the first BadRequest violation of `status`, or "".
inline std::string ViolatedField(const absl::Status& status) {
  google::rpc::BadRequest bad_request;
  if (!GetBadRequest(ApiErrorFromStore(status), &bad_request) ||
      bad_request.field_violations_size() == 0) {
    return "";
  }
  return bad_request.field_violations(0).field();
}

}  // namespace test
}  // namespace users

#endif  // USERS_TESTS_STORAGE_STATUS_CHECKS_H_
