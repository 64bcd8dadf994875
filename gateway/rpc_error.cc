#include "gateway/rpc_error.h"

#include <algorithm>

#include "gateway/grpc_http_status.h"
#include "gateway/string_util.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "services/common/log.h"
#include "services/users/api_error.h"

namespace users::gateway {
namespace {

constexpr std::string_view kUserPrefix = "user.";

std::string StripUserPrefix(std::string_view field) {
  ConsumePrefix(&field, kUserPrefix);
  return std::string(field);
}

}  // namespace

RpcError RpcError::FromStatus(const grpc::Status& status) {
  RpcError error;
  error.code = status.error_code();
  error.message = status.error_message();
  google::rpc::Status details;
  if (status.error_details().empty() ||
      !details.ParseFromString(status.error_details())) {
    return error;
  }
  std::map<std::string, std::string> field_reasons;
  for (const google::protobuf::Any& any : details.details()) {
    google::rpc::ErrorInfo info;
    if (any.Is<google::rpc::ErrorInfo>() && any.UnpackTo(&info)) {
      error.reason = info.reason();
      for (const auto& [key, value] : info.metadata()) {
        error.metadata[key] = value;
      }
    }
  }
  for (const google::protobuf::Any& any : details.details()) {
    google::rpc::RetryInfo retry;
    if (any.Is<google::rpc::RetryInfo>() && any.UnpackTo(&retry)) {
      const auto& delay = retry.retry_delay();
      int64_t seconds = delay.seconds() + (delay.nanos() > 0 ? 1 : 0);
      error.retry_after_seconds =
          static_cast<int>(std::clamp<int64_t>(seconds, 0, 86400));
    }
  }
  for (const google::protobuf::Any& any : details.details()) {
    google::rpc::BadRequest bad_request;
    if (!any.Is<google::rpc::BadRequest>() || !any.UnpackTo(&bad_request)) {
      continue;
    }
    for (const auto& violation : bad_request.field_violations()) {
      FieldViolation out;
      out.field = StripUserPrefix(violation.field());
      out.description = violation.description();
      if (auto it = error.metadata.find(violation.field());
          it != error.metadata.end()) {
        out.reason = it->second;
      }
      error.violations.push_back(std::move(out));
    }
  }
  return error;
}

int RpcError::RetryAfterSeconds() const {
  return std::max(1, retry_after_seconds);
}

int RpcError::UnavailableRetryAfterSeconds() const {
  if (reason == "COMMIT_UNKNOWN") return std::max(1, retry_after_seconds);
  return retry_after_seconds;
}

bool RpcError::IsInternal() const {
  return code == grpc::StatusCode::UNKNOWN ||
         code == grpc::StatusCode::INTERNAL ||
         code == grpc::StatusCode::DATA_LOSS;
}

const RpcError::FieldViolation* RpcError::Violation(
    std::string_view field) const {
  for (const FieldViolation& violation : violations) {
    if (violation.field == field) return &violation;
  }
  return nullptr;
}

grpc::Status MakeRpcStatus(
    grpc::StatusCode code, const std::string& message,
    const std::string& reason,
    const std::vector<RpcError::FieldViolation>& violations,
    const std::map<std::string, std::string>& extra_metadata) {
  google::rpc::Status details;
  details.set_code(static_cast<int>(code));
  details.set_message(message);
  google::rpc::ErrorInfo info;
  info.set_reason(reason);
  info.set_domain(std::string(kErrorDomain));
  for (const auto& [key, value] : extra_metadata) {
    (*info.mutable_metadata())[key] = value;
  }
  google::rpc::BadRequest bad_request;
  for (const auto& violation : violations) {
    auto* out = bad_request.add_field_violations();
    out->set_field(violation.field);
    out->set_description(violation.description);
    if (!violation.reason.empty()) {
      (*info.mutable_metadata())[violation.field] = violation.reason;
    }
  }
  details.add_details()->PackFrom(info);
  if (!violations.empty()) details.add_details()->PackFrom(bad_request);
  return grpc::Status(code, message, details.SerializeAsString());
}

std::string RenameField(
    std::string_view field,
    const std::vector<std::pair<std::string_view, std::string_view>>& renames) {
  for (const auto& [from, to] : renames) {
    if (field.substr(0, from.size()) != from) continue;
    std::string_view rest = field.substr(from.size());
    if (rest.empty() || rest.front() == '.' || rest.front() == '[') {
      return Cat(to, rest);
    }
  }
  return std::string(field);
}

void LogRpcFailure(std::string_view request_id, std::string_view call,
                   const RpcError& error) {
  Log(error.IsInternal() ? LogLevel::kError : LogLevel::kWarning, "rpc_failed",
      {{"request_id", request_id},
       {"call", call},
       {"code", GrpcCodeName(error.code)},
       {"reason", error.reason},
       {"message", error.message}});
}

}  // namespace users::gateway
