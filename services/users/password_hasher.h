#ifndef USERS_SERVICES_USERS_PASSWORD_HASHER_H_
#define USERS_SERVICES_USERS_PASSWORD_HASHER_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace users {

// One-way password hashing. Both calls are CPU-heavy and synchronous: run
// them on a hashing executor, never on an RPC or database thread.
class PasswordHasher {
 public:
  virtual ~PasswordHasher() = default;

  // A self-describing hash (PHC string format) with a fresh random salt.
  virtual absl::StatusOr<std::string> Hash(absl::string_view password) = 0;

  // Whether `password` matches `encoded`. InvalidArgument when `encoded` is
  // not a hash this hasher understands (or asks for absurd parameters).
  virtual absl::StatusOr<bool> Verify(absl::string_view password,
                                      absl::string_view encoded) = 0;
};

}  // namespace users

#endif  // USERS_SERVICES_USERS_PASSWORD_HASHER_H_
