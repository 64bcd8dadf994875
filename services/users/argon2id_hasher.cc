#include "services/users/argon2id_hasher.h"

#include <argon2.h>
#include <openssl/crypto.h>
#include <sys/mman.h>

#include <cstdio>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/users/tokens.h"

namespace users {
namespace {

constexpr size_t kSaltBytes = 16;
constexpr size_t kHashBytes = 32;
// Refuse stored hashes asking for more than this (1 GiB, t=16, p=16).
constexpr uint32_t kMaxMemoryKib = 1u << 20;
constexpr uint32_t kMaxIterations = 16;
constexpr uint32_t kMaxParallelism = 16;

// The calling thread's reusable Argon2 memory. Mapped directly rather than
// taken from malloc: glibc serves a block this size from an arena after the
// first one is freed (its mmap threshold adapts), and arena memory is not
// given back to the system, so a released buffer would stay resident.
class ThreadBuffer {
 public:
  ~ThreadBuffer() { Release(); }

  // At least `bytes` of page-aligned memory; nullptr when mapping fails.
  uint8_t* Get(size_t bytes) {
    if (size_ < bytes) {
      Release();
      void* fresh = mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (fresh == MAP_FAILED) return nullptr;
      memory_ = static_cast<uint8_t*>(fresh);
      size_ = bytes;
    }
    return memory_;
  }

  void Release() {
    if (memory_ != nullptr) munmap(memory_, size_);
    memory_ = nullptr;
    size_ = 0;
  }

  size_t size() const { return size_; }

 private:
  uint8_t* memory_ = nullptr;
  size_t size_ = 0;
};
thread_local ThreadBuffer thread_buffer;

int AllocateFromThreadBuffer(uint8_t** memory, size_t bytes) {
  *memory = thread_buffer.Get(bytes);
  return *memory != nullptr ? ARGON2_OK : ARGON2_MEMORY_ALLOCATION_ERROR;
}

void KeepThreadBuffer(uint8_t*, size_t) {}

absl::StatusOr<std::string> RunArgon2id(absl::string_view password,
                                        absl::string_view salt,
                                        const Argon2Params& params,
                                        size_t output_bytes) {
  std::string output(output_bytes, '\0');
  argon2_context context{};
  context.out = reinterpret_cast<uint8_t*>(output.data());
  context.outlen = static_cast<uint32_t>(output.size());
  // libargon2 takes non-const pointers but does not write through them.
  context.pwd = reinterpret_cast<uint8_t*>(const_cast<char*>(password.data()));
  context.pwdlen = static_cast<uint32_t>(password.size());
  context.salt = reinterpret_cast<uint8_t*>(const_cast<char*>(salt.data()));
  context.saltlen = static_cast<uint32_t>(salt.size());
  context.t_cost = params.iterations;
  context.m_cost = params.memory_kib;
  context.lanes = params.parallelism;
  context.threads = params.parallelism;
  context.version = ARGON2_VERSION_13;
  context.allocate_cbk = AllocateFromThreadBuffer;
  context.free_cbk = KeepThreadBuffer;
  context.flags = ARGON2_DEFAULT_FLAGS;
  int result = argon2_ctx(&context, Argon2_id);
  if (result != ARGON2_OK) {
    return absl::InternalError(
        absl::StrCat("argon2id failed: ", argon2_error_message(result)));
  }
  return output;
}

std::string B64NoPad(absl::string_view bytes) {
  std::string encoded = absl::Base64Escape(bytes);
  while (!encoded.empty() && encoded.back() == '=') encoded.pop_back();
  return encoded;
}

bool ParseParam(absl::string_view field, absl::string_view key,
                uint32_t* value) {
  if (!absl::ConsumePrefix(&field, key) || !absl::ConsumePrefix(&field, "=")) {
    return false;
  }
  return absl::SimpleAtoi(field, value);
}

}  // namespace

void Argon2idHasher::ReleaseThreadMemory() { thread_buffer.Release(); }

size_t Argon2idHasher::ThreadMemoryBytes() { return thread_buffer.size(); }

absl::StatusOr<std::string> Argon2idHasher::Hash(absl::string_view password) {
  std::string salt = RandomBytes(kSaltBytes);
  absl::StatusOr<std::string> hash =
      RunArgon2id(password, salt, params_, kHashBytes);
  if (!hash.ok()) return hash.status();
  return absl::StrCat("$argon2id$v=19$m=", params_.memory_kib,
                      ",t=", params_.iterations, ",p=", params_.parallelism,
                      "$", B64NoPad(salt), "$", B64NoPad(*hash));
}

absl::StatusOr<bool> Argon2idHasher::Verify(absl::string_view password,
                                            absl::string_view encoded) {
  // "", "argon2id", "v=19", "m=..,t=..,p=..", salt, hash
  std::vector<absl::string_view> parts = absl::StrSplit(encoded, '$');
  const auto bad = [] {
    return absl::InvalidArgumentError("not an argon2id v19 PHC string");
  };
  if (parts.size() != 6 || !parts[0].empty() || parts[1] != "argon2id" ||
      parts[2] != "v=19") {
    return bad();
  }
  std::vector<absl::string_view> fields = absl::StrSplit(parts[3], ',');
  Argon2Params params;
  if (fields.size() != 3 || !ParseParam(fields[0], "m", &params.memory_kib) ||
      !ParseParam(fields[1], "t", &params.iterations) ||
      !ParseParam(fields[2], "p", &params.parallelism) ||
      params.memory_kib > kMaxMemoryKib || params.iterations > kMaxIterations ||
      params.parallelism > kMaxParallelism || params.parallelism == 0 ||
      params.iterations < ARGON2_MIN_TIME ||
      params.memory_kib < ARGON2_MIN_MEMORY ||
      params.memory_kib < 8 * params.parallelism) {
    return bad();
  }
  std::string salt, expected;
  if (!absl::Base64Unescape(parts[4], &salt) ||
      !absl::Base64Unescape(parts[5], &expected) || salt.size() < 8 ||
      expected.size() < 16 || expected.size() > 64) {
    return bad();
  }
  absl::StatusOr<std::string> actual =
      RunArgon2id(password, salt, params, expected.size());
  if (!actual.ok()) return actual.status();
  return CRYPTO_memcmp(actual->data(), expected.data(), expected.size()) == 0;
}

}  // namespace users
