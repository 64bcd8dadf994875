#include "services/users/hashing_jobs.h"

#include <memory>

#include "services/users/api_error.h"
#include "services/users/identifier_rules.h"

namespace users {
namespace {

absl::Status QueueFull() {
  return ApiError(absl::StatusCode::kResourceExhausted, "HASH_QUEUE_FULL",
                  "too many password operations in progress; retry later");
}

absl::Status CallerGone() {
  return ApiError(absl::StatusCode::kDeadlineExceeded, "DEADLINE_EXCEEDED",
                  "the call's deadline passed before hashing began");
}

}  // namespace

void SubmitHash(const ServiceDeps& deps, std::string password,
                std::function<void(absl::StatusOr<std::string>)> done,
                Deadline deadline) {
  auto shared_done = std::make_shared<decltype(done)>(std::move(done));
  BoundedJob job;
  job.run = [hasher = deps.hasher, password = std::move(password),
             shared_done] {
    (*shared_done)(hasher->Hash(NfcNormalize(password)));
  };
  job.deadline = deadline;
  job.expired = [shared_done] { (*shared_done)(CallerGone()); };
  if (!deps.hashing->TrySubmit(std::move(job))) (*shared_done)(QueueFull());
}

void SubmitVerify(const ServiceDeps& deps, std::string password,
                  std::string encoded,
                  std::function<void(absl::StatusOr<bool>)> done,
                  Deadline deadline) {
  auto shared_done = std::make_shared<decltype(done)>(std::move(done));
  BoundedJob job;
  job.deadline = deadline;
  job.expired = [shared_done] { (*shared_done)(CallerGone()); };
  job.secondary = true;
  job.run = [hasher = deps.hasher, password = std::move(password),
             encoded = std::move(encoded), shared_done] {
    const std::string nfc = NfcNormalize(password);
    if (encoded.empty()) {
      // Spend the same work as a real check, then refuse.
      (void)hasher->Hash(nfc);
      (*shared_done)(false);
      return;
    }
    absl::StatusOr<bool> match = hasher->Verify(nfc, encoded);
    if (match.ok() && !*match && nfc != password) {
      // A hash made before passwords were normalised.
      match = hasher->Verify(password, encoded);
    }
    (*shared_done)(std::move(match));
  };
  if (!deps.hashing->TrySubmit(std::move(job))) (*shared_done)(QueueFull());
}

}  // namespace users
