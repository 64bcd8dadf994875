#ifndef USERS_TESTS_SERVICES_STATUS_CHECKS_H_
#define USERS_TESTS_SERVICES_STATUS_CHECKS_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "google/rpc/error_details.pb.h"
#include "services/users/api_error.h"

namespace users {
namespace test {

// ErrorInfo.reason of `status`, or "" without one.
inline std::string Reason(const absl::Status& status) {
  google::rpc::ErrorInfo info;
  return GetErrorInfo(status, &info) ? info.reason() : std::string();
}

// ErrorInfo.domain of `status`, or "" without one.
inline std::string Domain(const absl::Status& status) {
  google::rpc::ErrorInfo info;
  return GetErrorInfo(status, &info) ? info.domain() : std::string();
}

// ErrorInfo.metadata of `status` (field path -> machine reason for field
// errors), empty without an ErrorInfo.
inline std::map<std::string, std::string> Metadata(const absl::Status& status) {
  google::rpc::ErrorInfo info;
  if (!GetErrorInfo(status, &info)) return {};
  return {info.metadata().begin(), info.metadata().end()};
}

// The fields of the BadRequest violations of `status`, in order.
inline std::vector<std::string> ViolatedFields(const absl::Status& status) {
  google::rpc::BadRequest bad_request;
  std::vector<std::string> fields;
  if (!GetBadRequest(status, &bad_request)) return fields;
  for (const auto& violation : bad_request.field_violations()) {
    fields.push_back(violation.field());
  }
  return fields;
}

// The description of the first violation of `field`, or "".
inline std::string ViolationDescription(const absl::Status& status,
                                        const std::string& field) {
  google::rpc::BadRequest bad_request;
  if (!GetBadRequest(status, &bad_request)) return "";
  for (const auto& violation : bad_request.field_violations()) {
    if (violation.field() == field) return violation.description();
  }
  return "";
}

}  // namespace test
}  // namespace users

#endif  // USERS_TESTS_SERVICES_STATUS_CHECKS_H_
