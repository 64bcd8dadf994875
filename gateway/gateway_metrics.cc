#include "gateway/gateway_metrics.h"

#include <string>
#include <utility>

namespace users::gateway {

GatewayMetrics::GatewayMetrics(metrics::MetricsRegistry& registry)
    : registry_(registry),
      requests_(registry.AddCounter("gateway_http_requests_total",
                                    "HTTP responses, by route and status",
                                    {"route", "code"})),
      durations_(registry.AddHistogram(
          "gateway_http_request_duration_seconds",
          "HTTP request latency in seconds, by route", {"route"})),
      connections_refused_(
          registry
              .AddCounter("gateway_http_connections_refused_total",
                          "connections closed at once: --max-connections "
                          "were open")
              .Get()),
      accept_errors_(registry
                         .AddCounter("gateway_http_accept_errors_total",
                                     "failed accepts (retried with back-off)")
                         .Get()) {}

void GatewayMetrics::OnResponse(std::string_view route, int status,
                                double seconds) {
  const std::string code = std::to_string(status);
  requests_.WithLabels({route, code}).Increment();
  durations_.WithLabels({route}).Observe(seconds);
}

}  // namespace users::gateway

namespace users::gateway {

void GatewayMetrics::OnConnectionRefused() { connections_refused_.Increment(); }

void GatewayMetrics::OnAcceptError() { accept_errors_.Increment(); }

void GatewayMetrics::ExposeOpenConnections(std::function<double()> open) {
  registry_.AddCallbackGauge("gateway_http_connections_open",
                             "HTTP connections being served", std::move(open));
}

}  // namespace users::gateway
