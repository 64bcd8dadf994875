#ifndef USERS_GATEWAY_GATEWAY_H_
#define USERS_GATEWAY_GATEWAY_H_

#include <memory>
#include <string_view>
#include <vector>

#include "gateway/contract.h"
#include "gateway/gateway_config.h"
#include "gateway/gateway_metrics.h"
#include "gateway/http_request.h"
#include "gateway/http_response.h"
#include "gateway/router.h"
#include "gateway/token_bucket_limiter.h"
#include "gateway/user_backend.h"

namespace users::gateway {

// The transport-independent HTTP gateway: routes a request to its contract,
// applies the checks every contract shares, and lets the contract's adapter
// make its one call. Built once; Handle may run on several threads at once.
//
// Order of the common checks: ambiguous framing or credentials (400, then
// the connection is closed: more than one Content-Length, more than one
// Authorization header or session cookie of the contract), route (404
// neutral / 405), Origin for cookie contracts (403), client rate limit (429),
// credential present when the route needs one (401), credential rate limit
// (429), the Idempotency-Key header on routes that take one (400 when
// repeated or malformed; the connection stays open), then for routes that
// read a body: Content-Type (415) and strict JSON parsing (400). Every
// response carries X-Request-Id and the contract's own headers, and is
// logged.
class Gateway final {
 public:
  // `backend` (and `metrics`, optional) must outlive the gateway. /metrics
  // is not served here: it belongs to the admin listener.
  Gateway(GatewayConfig config, UserBackend& backend,
          GatewayMetrics* metrics = nullptr);
  ~Gateway();

  const GatewayConfig& config() const { return config_; }
  // The metrics the gateway and its transport count into, or null.
  GatewayMetrics* metrics() const { return metrics_; }

  // Handles `request`; calls `done` exactly once, possibly before returning.
  void Handle(HttpRequest request, Respond done);

  // Renders an error the transport found before the request was whole (413
  // for a body over the limit, 431, 400 for unparsable HTTP) in the shape of
  // the contract owning `path` (neutral when none owns it), with the
  // X-Request-Id derived from `request_id_header`.
  HttpResponse RenderTransportError(std::string_view method,
                                    std::string_view path,
                                    std::string_view request_id_header,
                                    const GatewayError& error) const;

 private:
  void Finish(const Contract* contract, RouteMetrics* route_metrics,
              std::string_view method, std::string_view path,
              const std::string& request_id, int64_t start_micros,
              HttpResponse response, const Respond& done) const;
  HttpResponse RenderError(const Contract* contract, const GatewayError& error,
                           std::string_view request_id) const;
  bool OriginAllowed(std::string_view origin) const;
  std::vector<Route> HealthRoutes();
  // Adds `route` to the router with its metric series (when counting).
  void AddRoute(Route route, Contract* contract);

  GatewayConfig config_;
  UserBackend& backend_;
  GatewayMetrics* metrics_;
  std::vector<std::unique_ptr<Contract>> contracts_;
  Router router_;
  TokenBucketLimiter client_limiter_;
  TokenBucketLimiter principal_limiter_;
};

// The body of errors outside every contract (unknown routes, health):
// {"status":404,"error":"Not Found","message":"…","request_id":"…"}.
HttpResponse NeutralError(const GatewayError& error,
                          std::string_view request_id);

// The reason phrase of an HTTP status ("Not Found").
std::string_view ReasonPhrase(int status);

}  // namespace users::gateway

#endif  // USERS_GATEWAY_GATEWAY_H_
