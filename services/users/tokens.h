#ifndef USERS_SERVICES_USERS_TOKENS_H_
#define USERS_SERVICES_USERS_TOKENS_H_

#include <string>

#include "absl/strings/string_view.h"

namespace users {

// A new bearer token: 32 bytes (256 bits) from OpenSSL's CSPRNG, base64url
// without padding (43 characters). Aborts if the CSPRNG fails.
std::string NewToken();

// The raw 32-byte SHA-256 of `token`: what storage keeps instead of it.
std::string TokenHash(absl::string_view token);

// `length` random bytes from the CSPRNG.
std::string RandomBytes(size_t length);

// base64url without padding.
std::string Base64UrlEncode(absl::string_view bytes);

}  // namespace users

#endif  // USERS_SERVICES_USERS_TOKENS_H_
