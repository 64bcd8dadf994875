// Prints the Argon2id hash (PHC string) of a password, made by the hasher
// userd uses (services/users) at the given parameters. The benchmark's
// sweep stores one such hash for millions of users, so that loading them
// costs one hash, not one per user.
//
//   password_hash --password PASSWORD [--memory-kib 19456] [--iterations 2]
//
// Exits 2 on bad flags, 1 when hashing fails.
#include <cstdio>
#include <optional>
#include <string>

#include "services/common/flags.h"
#include "services/users/argon2id_hasher.h"
#include "tests/bench/tool_flags.h"

namespace users::bench {
namespace {

Flags DefineFlags() {
  Flags flags("password_hash");
  flags.AddString("password", "", "", "the password to hash");
  flags.AddInt("memory-kib", "", 19456, "Argon2 memory (KiB)");
  flags.AddInt("iterations", "", 2, "Argon2 iterations");
  return flags;
}

int Run(int argc, char** argv) {
  Flags flags = DefineFlags();
  if (std::optional<int> exit_code = ParseToolFlags(flags, argc, argv)) {
    return *exit_code;
  }
  const std::string password = flags.GetString("password");
  const int64_t memory_kib = flags.GetInt("memory-kib");
  const int64_t iterations = flags.GetInt("iterations");
  if (password.empty() || memory_kib < 8 || iterations < 1) {
    std::fprintf(stderr,
                 "password_hash: need --password, --memory-kib >= 8, "
                 "--iterations >= 1\n");
    return 2;
  }
  Argon2Params params;
  params.memory_kib = static_cast<uint32_t>(memory_kib);
  params.iterations = static_cast<uint32_t>(iterations);
  absl::StatusOr<std::string> hash = Argon2idHasher(params).Hash(password);
  if (!hash.ok()) {
    std::fprintf(stderr, "password_hash: %s\n",
                 std::string(hash.status().message()).c_str());
    return 1;
  }
  std::printf("%s\n", hash->c_str());
  return 0;
}

}  // namespace
}  // namespace users::bench

int main(int argc, char** argv) { return users::bench::Run(argc, argv); }
