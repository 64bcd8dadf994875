#ifndef USERS_GATEWAY_TEXT_RULES_H_
#define USERS_GATEWAY_TEXT_RULES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace users::gateway {

// Code points in `utf8`, which must be valid UTF-8 (bodies are checked by
// the parser): every byte that does not continue a sequence counts.
int64_t CodePointCount(std::string_view utf8);

// A plausible email address: one '@', a non-empty local part of at most 64
// visible characters, and a domain of dot-separated [A-Za-z0-9-] labels
// with at least one dot. userd applies the authoritative check.
bool LooksLikeEmail(std::string_view text);

// Parses a decimal id in 1..2^63-1 with no sign, spaces or leading zeros.
std::optional<int64_t> ParsePositiveId(std::string_view text);

// The user id (last segment) of "projects/{project}/users/{user}", or "".
std::string UserIdOfName(std::string_view name);

}  // namespace users::gateway

#endif  // USERS_GATEWAY_TEXT_RULES_H_
