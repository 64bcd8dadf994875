#include "services/users/idempotency.h"

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "services/users/api_error.h"
#include "services/users/tokens.h"

namespace users {

absl::Status ValidateRequestId(const std::string& request_id) {
  bool printable = request_id.size() <= 255;
  for (char c : request_id) {
    if (c < 0x20 || c > 0x7e) printable = false;
  }
  if (printable) return absl::OkStatus();
  FieldViolations violations;
  violations.Add("request_id", "INVALID",
                 "must be 1 to 255 printable ASCII characters (a UUID is "
                 "recommended)");
  return violations.ToStatus();
}

std::string RequestFingerprint(absl::string_view method,
                               const google::protobuf::Message& request,
                               bool has_password) {
  std::string serialized;
  {
    google::protobuf::io::StringOutputStream stream(&serialized);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    request.SerializeToCodedStream(&coded);
  }
  std::string input(method);
  input.push_back('\0');
  input.push_back(has_password ? '1' : '0');
  input += serialized;
  return TokenHash(input);  // SHA-256
}

absl::Status RequestIdReused() {
  return ApiError(absl::StatusCode::kInvalidArgument, "REQUEST_ID_REUSED",
                  "this request_id was used for a different request: use a "
                  "new request_id for a new request");
}

void MatchRecord(const ServiceDeps& deps, const IdempotentCall& call,
                 const IdempotencyRecord& record, Deadline deadline,
                 std::function<void(absl::Status)> done) {
  if (record.method != call.method ||
      record.request_hash != call.request_hash) {
    return done(RequestIdReused());
  }
  if (call.password.empty()) return done(absl::OkStatus());
  SubmitVerify(
      deps, call.password, record.password_hash,
      [done = std::move(done)](absl::StatusOr<bool> same) {
        if (!same.ok()) return done(same.status());
        done(*same ? absl::OkStatus() : RequestIdReused());
      },
      deadline);
}

bool MayBeRecordedDuplicate(const absl::Status& status) {
  // A duplicate that committed first makes this write find its record
  // (REQUEST_ID_RECORDED), its username taken, its etag stale, its user or
  // session gone.
  return absl::IsAlreadyExists(status) || absl::IsAborted(status) ||
         absl::IsNotFound(status);
}

IdempotencyRecord NewRecord(const IdempotentCall& call,
                            const Principal& principal,
                            const std::string& bearer_token) {
  IdempotencyRecord record;
  record.key.project_id = principal.project_id;
  record.key.actor = principal.Actor();
  record.key.request_id = call.request_id;
  record.method = call.method;
  record.request_hash = call.request_hash;
  record.caller_token_hash = TokenHash(bearer_token);
  return record;
}

}  // namespace users
