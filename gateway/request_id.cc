#include "gateway/request_id.h"

#include <openssl/rand.h>

#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "services/common/log.h"

namespace users::gateway {
namespace {

bool Acceptable(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' &&
        c != '_' && c != ':' && c != '-') {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string RequestIdFor(std::string_view given) {
  if (Acceptable(given)) return std::string(given);
  // 128 bits from OpenSSL's CSPRNG, as userd's ids and tokens: ids are
  // logged and echoed, and must not let one client predict another's.
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) {
    Log(LogLevel::kError, "csprng_failed", {});
    std::abort();
  }
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
}

}  // namespace users::gateway
