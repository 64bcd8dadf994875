#ifndef USERS_GATEWAY_CONTRACT_H_
#define USERS_GATEWAY_CONTRACT_H_

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/http_request.h"
#include "gateway/http_response.h"
#include "nlohmann/json.hpp"

namespace users::gateway {

class RouteMetrics;  // gateway_metrics.h

// An error the gateway itself raises before any call (limits, malformed
// bodies, shape checks common to all contracts, routing), in neutral terms;
// each contract renders it in its own error shape.
struct GatewayError {
  int status = 400;
  std::string message;
  // Sent as Retry-After when positive (429).
  int retry_after_seconds = 0;
  // Sent as Allow when not empty (405).
  std::string allow;
};

// What a route handler gets: the request, already past the common checks.
struct RequestContext {
  std::string request_id;
  HttpRequest request;
  std::map<std::string, std::string> params;  // path parameters by name
  nlohmann::json body;     // the parsed object when the route reads a body
  std::string credential;  // the session cookie or bearer token, or ""
  // The Idempotency-Key header (checked) on routes that take one, or "":
  // the request_id of the route's users.v1 call.
  std::string idempotency_key;
};

using Respond = std::function<void(HttpResponse)>;
using Handler = std::function<void(RequestContext, Respond)>;

struct Route {
  std::string method;   // "PATCH"
  std::string pattern;  // "/v1/users/{user_id}"
  bool reads_body = false;
  // When set, a request without credential gets 401 before anything else.
  bool needs_credential = true;
  Handler handler;
  // When set, the route reads the Idempotency-Key header (a write: PATCH,
  // user creation, logout): one that is repeated or malformed is 400.
  bool takes_idempotency_key = false;
  // The route's metric series: set by the Gateway when it has metrics.
  RouteMetrics* metrics = nullptr;
};

// One HTTP contract: its routes and its error shape. Handlers run exactly one
// users.v1 call and call Respond exactly once.
class Contract {
 public:
  virtual ~Contract() = default;

  // A short name for logs ("medama").
  virtual std::string_view Name() const = 0;
  virtual std::vector<Route> Routes() = 0;
  // The session cookie that carries the credential, or "" when the
  // credential is an `Authorization: Bearer` token. Cookie contracts also
  // refuse requests from origins that are not allowed.
  virtual std::string_view CookieName() const = 0;
  // Renders `error` in the contract's error shape. 500 bodies carry
  // `request_id` and nothing of `error.message`.
  virtual HttpResponse RenderError(const GatewayError& error,
                                   std::string_view request_id) const = 0;
  // Adds the headers every response of the contract carries.
  virtual void Decorate(HttpResponse& response) const = 0;
};

}  // namespace users::gateway

#endif  // USERS_GATEWAY_CONTRACT_H_
