#include "services/users/hashing_jobs.h"

#include <memory>

#include "services/common/api_error.h"

namespace users {
namespace {

absl::Status QueueFull() {
  return ApiError(absl::StatusCode::kResourceExhausted, "HASH_QUEUE_FULL",
                  "too many password operations in progress; retry later");
}

}  // namespace

void SubmitHash(const ServiceDeps& deps, std::string password,
                std::function<void(absl::StatusOr<std::string>)> done) {
  auto shared_done = std::make_shared<decltype(done)>(std::move(done));
  bool queued = deps.hashing->TrySubmit(
      [hasher = deps.hasher, password = std::move(password), shared_done] {
        (*shared_done)(hasher->Hash(password));
      });
  if (!queued) (*shared_done)(QueueFull());
}

void SubmitVerify(const ServiceDeps& deps, std::string password,
                  std::string encoded,
                  std::function<void(absl::StatusOr<bool>)> done) {
  auto shared_done = std::make_shared<decltype(done)>(std::move(done));
  bool queued = deps.hashing->TrySubmit([hasher = deps.hasher,
                                         password = std::move(password),
                                         encoded = std::move(encoded),
                                         shared_done] {
    if (encoded.empty()) {
      // Spend the same work as a real check, then refuse.
      (void)hasher->Hash(password);
      (*shared_done)(false);
      return;
    }
    (*shared_done)(hasher->Verify(password, encoded));
  });
  if (!queued) (*shared_done)(QueueFull());
}

}  // namespace users
