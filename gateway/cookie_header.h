#ifndef USERS_GATEWAY_COOKIE_HEADER_H_
#define USERS_GATEWAY_COOKIE_HEADER_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace users::gateway {

// A Set-Cookie value for a session cookie:
//   <name>=<value>; Path=/; Max-Age=<max_age>; HttpOnly; Secure; SameSite=Lax
// without `Secure` when `secure` is false. A negative max_age is sent as 0.
std::string SessionCookie(std::string_view name, std::string_view value,
                          int64_t max_age_seconds, bool secure);

// The same without Max-Age, for when the session's lifetime is unknown: the
// browser keeps it until it closes, userd still enforces the expiry.
std::string SessionCookieWithoutMaxAge(std::string_view name,
                                       std::string_view value, bool secure);

// A Set-Cookie value that makes the browser drop cookie `name` at once.
std::string ExpiredCookie(std::string_view name, bool secure);

// True when `value` may be sent as a cookie value and as gRPC metadata:
// 1..4096 visible ASCII characters, none of `"`, `,`, `;`, `\`.
bool IsValidTokenText(std::string_view value);

}  // namespace users::gateway

#endif  // USERS_GATEWAY_COOKIE_HEADER_H_
