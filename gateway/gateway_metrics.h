#ifndef USERS_GATEWAY_GATEWAY_METRICS_H_
#define USERS_GATEWAY_GATEWAY_METRICS_H_

#include <functional>
#include <string_view>

#include "services/metrics/metrics_registry.h"

namespace users::gateway {

// The gateway's Prometheus metrics, served at GET /metrics of the admin
// listener (--admin-listen), never on the public port:
//
//   gateway_http_requests_total{route,code}        responses, by route pattern
//   gateway_http_request_duration_seconds{route}   latency histogram
//   gateway_http_connections_open                   connections served now
//   gateway_http_connections_refused_total          closed at once (the cap)
//   gateway_http_accept_errors_total                failed accepts, retried
//
// `route` is the matched pattern ("PATCH /v1/users/{user_id}") or
// "unmatched": never the raw path, so the series stay few.
class GatewayMetrics final {
 public:
  explicit GatewayMetrics(metrics::MetricsRegistry& registry);

  void OnResponse(std::string_view route, int status, double seconds);
  void OnConnectionRefused();
  void OnAcceptError();
  // Reads gateway_http_connections_open from `open` at every scrape; call
  // once. `open` must stay callable while anything may render the registry.
  void ExposeOpenConnections(std::function<double()> open);
  const metrics::MetricsRegistry& registry() const { return registry_; }

 private:
  metrics::MetricsRegistry& registry_;
  metrics::CounterFamily& requests_;
  metrics::HistogramFamily& durations_;
  metrics::Counter& connections_refused_;
  metrics::Counter& accept_errors_;
};

}  // namespace users::gateway

#endif  // USERS_GATEWAY_GATEWAY_METRICS_H_
