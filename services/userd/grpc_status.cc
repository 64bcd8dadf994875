#include "services/userd/grpc_status.h"

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "services/users/api_error.h"
#include "services/users/store_errors.h"

namespace users {

grpc::Status ToGrpcStatus(const absl::Status& given) {
  if (given.ok()) return grpc::Status::OK;
  // A store error reaching the edge gets its users.v1 reason here, once.
  const absl::Status status = ApiErrorFromStore(given);
  absl::StatusCode code = status.code();
  std::string message(status.message());
  google::rpc::ErrorInfo info;
  bool has_info = GetErrorInfo(status, &info);
  if (code == absl::StatusCode::kInternal ||
      code == absl::StatusCode::kUnknown ||
      code == absl::StatusCode::kDataLoss) {
    code = absl::StatusCode::kInternal;
    message = "internal error";
    info.Clear();
    info.set_reason("INTERNAL");
    info.set_domain(std::string(kErrorDomain));
    has_info = true;
  }
  google::rpc::Status details;
  details.set_code(static_cast<int>(code));
  details.set_message(message);
  if (has_info) details.add_details()->PackFrom(info);
  google::rpc::BadRequest bad_request;
  if (code == absl::StatusCode::kInvalidArgument ||
      code == absl::StatusCode::kAlreadyExists) {
    if (GetBadRequest(status, &bad_request)) {
      details.add_details()->PackFrom(bad_request);
    }
  }
  google::rpc::RetryInfo retry;
  if (GetRetryInfo(status, &retry)) details.add_details()->PackFrom(retry);
  return grpc::Status(static_cast<grpc::StatusCode>(code), message,
                      details.SerializeAsString());
}

}  // namespace users
