#include "gateway/cookie_header.h"

#include "gateway/string_util.h"

namespace users::gateway {

std::string SessionCookie(std::string_view name, std::string_view value,
                          int64_t max_age_seconds, bool secure) {
  if (max_age_seconds < 0) max_age_seconds = 0;
  return Cat(name, "=", value, "; Path=/; Max-Age=", max_age_seconds,
             "; HttpOnly", secure ? "; Secure" : "", "; SameSite=Lax");
}

std::string SessionCookieWithoutMaxAge(std::string_view name,
                                       std::string_view value, bool secure) {
  return Cat(name, "=", value, "; Path=/; HttpOnly", secure ? "; Secure" : "",
             "; SameSite=Lax");
}

std::string ExpiredCookie(std::string_view name, bool secure) {
  return Cat(name,
             "=; Path=/; Max-Age=0; "
             "Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly",
             secure ? "; Secure" : "", "; SameSite=Lax");
}

bool IsValidTokenText(std::string_view value) {
  if (value.empty() || value.size() > 4096) return false;
  for (char c : value) {
    if (c <= 0x20 || c >= 0x7f || c == '"' || c == ',' || c == ';' ||
        c == '\\') {
      return false;
    }
  }
  return true;
}

}  // namespace users::gateway
