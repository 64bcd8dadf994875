#ifndef USERS_GATEWAY_HTTP_REQUEST_H_
#define USERS_GATEWAY_HTTP_REQUEST_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace users::gateway {

// An HTTP request as the gateway sees it, independent of the transport.
// Header names compare case-insensitively.
struct HttpRequest {
  std::string method;  // "PATCH"
  std::string target;  // the request target, query included
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string remote_address;  // the TCP peer's IP address
  // Who the client is: remote_address, or what a trusted proxy forwarded
  // (TrustedProxies). Rate limits and login throttling count this.
  std::string client_address;

  // The target without its query string.
  std::string_view Path() const;
  // The first header named `name`, or "" when absent.
  std::string_view Header(std::string_view name) const;
  // Every header named `name`, joined with ", " (a list-valued header sent
  // in several fields), or "".
  std::string JoinedHeader(std::string_view name) const;
  bool HasHeader(std::string_view name) const;
  // How many header fields are named `name`.
  int HeaderCount(std::string_view name) const;
  // The value of cookie `name` from the Cookie header(s), or "" when absent.
  std::string Cookie(std::string_view name) const;
  // How many cookies named `name` the Cookie header(s) carry.
  int CookieCount(std::string_view name) const;
  // The token of an `Authorization: Bearer <token>` header, or "".
  std::string BearerToken() const;
};

}  // namespace users::gateway

#endif  // USERS_GATEWAY_HTTP_REQUEST_H_
