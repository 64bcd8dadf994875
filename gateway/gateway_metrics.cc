#include "gateway/gateway_metrics.h"

#include <string>

namespace users::gateway {

GatewayMetrics::GatewayMetrics(metrics::MetricsRegistry& registry)
    : registry_(registry),
      requests_(registry.AddCounter("gateway_http_requests_total",
                                    "HTTP responses, by route and status",
                                    {"route", "code"})),
      durations_(registry.AddHistogram(
          "gateway_http_request_duration_seconds",
          "HTTP request latency in seconds, by route", {"route"})) {}

void GatewayMetrics::OnResponse(std::string_view route, int status,
                                double seconds) {
  const std::string code = std::to_string(status);
  requests_.WithLabels({route, code}).Increment();
  durations_.WithLabels({route}).Observe(seconds);
}

}  // namespace users::gateway
