#ifndef USERS_GATEWAY_HTTP_RESPONSE_H_
#define USERS_GATEWAY_HTTP_RESPONSE_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "nlohmann/json.hpp"

namespace users::gateway {

// An HTTP response as the adapters build it, independent of the transport.
struct HttpResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // The transport closes the connection after this response (sent with
  // `Connection: close`): the request's framing cannot be trusted.
  bool close_connection = false;

  // Sets the body to `json` and Content-Type to application/json.
  void SetJson(const nlohmann::ordered_json& json);
  // Appends a header; several with the same name are kept (Set-Cookie).
  void AddHeader(std::string name, std::string value);
  // Replaces every header named `name` (case-insensitively) by one.
  void SetHeader(std::string_view name, std::string value);
  // The first header named `name`, or "" when absent.
  std::string_view Header(std::string_view name) const;
  bool HasHeader(std::string_view name) const;
};

// Builds a response with `status` and a JSON body.
HttpResponse JsonResponse(int status, const nlohmann::ordered_json& json);

}  // namespace users::gateway

#endif  // USERS_GATEWAY_HTTP_RESPONSE_H_
