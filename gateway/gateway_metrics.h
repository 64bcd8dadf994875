#ifndef USERS_GATEWAY_GATEWAY_METRICS_H_
#define USERS_GATEWAY_GATEWAY_METRICS_H_

#include <string_view>

#include "services/metrics/metrics_registry.h"

namespace users::gateway {

// The gateway's Prometheus metrics, served at GET /metrics:
//
//   gateway_http_requests_total{route,code}        responses, by route pattern
//   gateway_http_request_duration_seconds{route}   latency histogram
//
// `route` is the matched pattern ("PATCH /v1/users/{user_id}") or
// "unmatched": never the raw path, so the series stay few.
class GatewayMetrics final {
 public:
  explicit GatewayMetrics(metrics::MetricsRegistry& registry);

  void OnResponse(std::string_view route, int status, double seconds);
  const metrics::MetricsRegistry& registry() const { return registry_; }

 private:
  metrics::MetricsRegistry& registry_;
  metrics::CounterFamily& requests_;
  metrics::HistogramFamily& durations_;
};

}  // namespace users::gateway

#endif  // USERS_GATEWAY_GATEWAY_METRICS_H_
