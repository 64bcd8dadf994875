#include "services/users/api_error.h"

#include "absl/strings/cord.h"

namespace users {
namespace {

void AttachErrorInfo(absl::Status& status, absl::string_view reason,
                     const std::map<std::string, std::string>& metadata) {
  google::rpc::ErrorInfo info;
  info.set_reason(std::string(reason));
  info.set_domain(std::string(kErrorDomain));
  for (const auto& [key, value] : metadata) {
    (*info.mutable_metadata())[key] = value;
  }
  status.SetPayload(kErrorInfoTypeUrl, absl::Cord(info.SerializeAsString()));
}

}  // namespace

absl::Status ApiError(absl::StatusCode code, absl::string_view reason,
                      absl::string_view message,
                      const std::map<std::string, std::string>& metadata) {
  absl::Status status(code, message);
  AttachErrorInfo(status, reason, metadata);
  return status;
}

void FieldViolations::Add(std::string field, absl::string_view reason,
                          std::string description) {
  violations_.push_back(
      Violation{std::move(field), std::string(reason), std::move(description)});
}

absl::Status FieldViolations::ToStatus() const {
  if (violations_.empty()) return absl::OkStatus();
  std::string message = "invalid " + violations_.front().field + ": " +
                        violations_.front().description;
  if (violations_.size() > 1) {
    message += " (and " + std::to_string(violations_.size() - 1) + " more)";
  }
  absl::Status status(absl::StatusCode::kInvalidArgument, message);
  google::rpc::BadRequest bad_request;
  std::map<std::string, std::string> reasons;
  for (const Violation& violation : violations_) {
    auto* out = bad_request.add_field_violations();
    out->set_field(violation.field);
    out->set_description(violation.description);
    reasons.emplace(violation.field, violation.reason);
  }
  AttachErrorInfo(status, "INVALID_FIELD", reasons);
  status.SetPayload(kBadRequestTypeUrl,
                    absl::Cord(bad_request.SerializeAsString()));
  return status;
}

absl::Status FieldError(absl::StatusCode code, absl::string_view reason,
                        std::string field, absl::string_view field_reason,
                        std::string description) {
  absl::Status status(code, description);
  AttachErrorInfo(status, reason, {{field, std::string(field_reason)}});
  google::rpc::BadRequest bad_request;
  auto* out = bad_request.add_field_violations();
  out->set_field(std::move(field));
  out->set_description(std::move(description));
  status.SetPayload(kBadRequestTypeUrl,
                    absl::Cord(bad_request.SerializeAsString()));
  return status;
}

void SetRetryDelay(absl::Status& status, int64_t seconds) {
  google::rpc::RetryInfo retry;
  retry.mutable_retry_delay()->set_seconds(seconds);
  status.SetPayload(kRetryInfoTypeUrl, absl::Cord(retry.SerializeAsString()));
}

bool GetErrorInfo(const absl::Status& status, google::rpc::ErrorInfo* info) {
  auto payload = status.GetPayload(kErrorInfoTypeUrl);
  return payload.has_value() && info->ParseFromString(std::string(*payload));
}

bool GetBadRequest(const absl::Status& status, google::rpc::BadRequest* bad) {
  auto payload = status.GetPayload(kBadRequestTypeUrl);
  return payload.has_value() && bad->ParseFromString(std::string(*payload));
}

bool GetRetryInfo(const absl::Status& status, google::rpc::RetryInfo* retry) {
  auto payload = status.GetPayload(kRetryInfoTypeUrl);
  return payload.has_value() && retry->ParseFromString(std::string(*payload));
}

}  // namespace users
