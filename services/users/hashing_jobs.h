#ifndef USERS_SERVICES_USERS_HASHING_JOBS_H_
#define USERS_SERVICES_USERS_HASHING_JOBS_H_

#include <chrono>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "services/users/service_deps.h"

namespace users {

using Deadline = std::chrono::steady_clock::time_point;

// Passwords are hashed and verified in their NFC form (RFC 8265
// OpaqueString), so that the same password typed on two keyboards matches.

// Hashes the NFC form of `password` on the hashing executor and passes the
// PHC string to `done` there. When the queue is full, `done` gets
// RESOURCE_EXHAUSTED (HASH_QUEUE_FULL) at once, on the calling thread. A job
// still queued at `deadline` (the caller's) is dropped unhashed: `done` gets
// DEADLINE_EXCEEDED.
void SubmitHash(const ServiceDeps& deps, std::string password,
                std::function<void(absl::StatusOr<std::string>)> done,
                Deadline deadline = Deadline::max());

// Verifies `password` against `encoded` on the hashing executor: its NFC
// form, and when that fails and differs from `password`, `password` as
// given (hashes made before normalisation). An empty `encoded` still costs
// one hash (so unknown logins take as long as known ones) and yields false.
// Verification is a login's work: a secondary job, which may hold at most
// half of the queue (see BoundedJob). Queue full and deadline as for
// SubmitHash.
void SubmitVerify(const ServiceDeps& deps, std::string password,
                  std::string encoded,
                  std::function<void(absl::StatusOr<bool>)> done,
                  Deadline deadline = Deadline::max());

}  // namespace users

#endif  // USERS_SERVICES_USERS_HASHING_JOBS_H_
