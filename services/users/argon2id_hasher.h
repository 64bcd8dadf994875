#ifndef USERS_SERVICES_USERS_ARGON2ID_HASHER_H_
#define USERS_SERVICES_USERS_ARGON2ID_HASHER_H_

#include <cstddef>
#include <cstdint>

#include "services/users/password_hasher.h"

namespace users {

struct Argon2Params {
  uint32_t memory_kib = 19456;  // OWASP's minimum for Argon2id
  uint32_t iterations = 2;
  uint32_t parallelism = 1;
};

// Argon2id (libargon2) with a 16-byte CSPRNG salt and a 32-byte output,
// encoded as "$argon2id$v=19$m=..,t=..,p=..$<salt>$<hash>".
//
// Each thread reuses one Argon2 memory buffer across hashes (through
// argon2_context.allocate_cbk) instead of mapping and faulting in m KiB per
// hash; the buffer lives as long as the thread.
class Argon2idHasher final : public PasswordHasher {
 public:
  explicit Argon2idHasher(Argon2Params params = {}) : params_(params) {}

  absl::StatusOr<std::string> Hash(absl::string_view password) override;
  absl::StatusOr<bool> Verify(absl::string_view password,
                              absl::string_view encoded) override;

  const Argon2Params& params() const { return params_; }

  // Frees the calling thread's Argon2 memory (the next hash on this thread
  // allocates it again). For hashing threads gone idle, so that a burst of
  // password changes does not keep its memory resident for good.
  static void ReleaseThreadMemory();
  // Bytes of Argon2 memory the calling thread holds.
  static size_t ThreadMemoryBytes();

 private:
  Argon2Params params_;
};

}  // namespace users

#endif  // USERS_SERVICES_USERS_ARGON2ID_HASHER_H_
