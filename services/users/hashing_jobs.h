#ifndef USERS_SERVICES_USERS_HASHING_JOBS_H_
#define USERS_SERVICES_USERS_HASHING_JOBS_H_

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "services/users/service_deps.h"

namespace users {

// Passwords are hashed and verified in their NFC form (RFC 8265
// OpaqueString), so that the same password typed on two keyboards matches.

// Hashes the NFC form of `password` on the hashing executor and passes the
// PHC string to `done` there. When the queue is full, `done` gets
// RESOURCE_EXHAUSTED (HASH_QUEUE_FULL) at once, on the calling thread.
void SubmitHash(const ServiceDeps& deps, std::string password,
                std::function<void(absl::StatusOr<std::string>)> done);

// Verifies `password` against `encoded` on the hashing executor: its NFC
// form, and when that fails and differs from `password`, `password` as
// given (hashes made before normalisation). An empty `encoded` still costs
// one hash (so unknown logins take as long as known ones) and yields false.
void SubmitVerify(const ServiceDeps& deps, std::string password,
                  std::string encoded,
                  std::function<void(absl::StatusOr<bool>)> done);

}  // namespace users

#endif  // USERS_SERVICES_USERS_HASHING_JOBS_H_
