#include "gateway/gateway_metrics.h"

#include <string>
#include <utility>

#include "services/metrics/build_info.h"
#include "services/metrics/duration_buckets.h"

namespace users::gateway {

namespace {

// The methods an unmatched request is counted under by name; any other is
// "other" (the index after these).
constexpr std::string_view kStandardMethods[] = {
    "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
constexpr size_t kStandardMethodCount = std::size(kStandardMethods);

}  // namespace

RouteMetrics::RouteMetrics(prometheus::Family<prometheus::Counter>& requests,
                           prometheus::Family<prometheus::Histogram>& durations,
                           std::string method, std::string route)
    : requests_(requests),
      durations_(durations),
      method_(std::move(method)),
      route_(std::move(route)) {}

void RouteMetrics::OnResponse(int status, double seconds) {
  auto add_counter = [&]() -> prometheus::Counter& {
    return requests_.Add({{"method", method_},
                          {"route", route_},
                          {"code", std::to_string(status)}});
  };
  if (status >= kFirstStatus && status <= kLastStatus) {
    by_status_[status - kFirstStatus].Get(add_counter).Increment();
  } else {
    add_counter().Increment();  // not an HTTP status: never cached
  }
  duration_
      .Get([&]() -> prometheus::Histogram& {
        return durations_.Add({{"method", method_}, {"route", route_}},
                              metrics::DurationBuckets());
      })
      .Observe(seconds);
}

GatewayMetrics::GatewayMetrics(prometheus::Registry& registry)
    : registry_(registry),
      requests_(prometheus::BuildCounter()
                    .Name("gateway_http_requests_total")
                    .Help("HTTP responses, by method, route and status")
                    .Register(registry)),
      durations_(prometheus::BuildHistogram()
                     .Name("gateway_http_request_duration_seconds")
                     .Help("HTTP request latency in seconds, by method and "
                           "route")
                     .Register(registry)),
      connections_refused_(
          prometheus::BuildCounter()
              .Name("gateway_http_connections_refused_total")
              .Help("connections closed at once: --max-connections were "
                    "open")
              .Register(registry)
              .Add({})),
      accept_errors_(prometheus::BuildCounter()
                         .Name("gateway_http_accept_errors_total")
                         .Help("failed accepts (retried with back-off)")
                         .Register(registry)
                         .Add({})) {
  metrics::AddBuildInfo(registry, "gateway_build_info");
  for (std::string_view method : kStandardMethods) {
    unmatched_.push_back(std::make_unique<RouteMetrics>(
        requests_, durations_, std::string(method), "unmatched"));
  }
  unmatched_.push_back(std::make_unique<RouteMetrics>(requests_, durations_,
                                                      "other", "unmatched"));
}

RouteMetrics* GatewayMetrics::ForRoute(std::string_view method,
                                       std::string_view pattern) {
  std::lock_guard<std::mutex> lock(routes_mutex_);
  std::unique_ptr<RouteMetrics>& route =
      routes_[{std::string(method), std::string(pattern)}];
  if (route == nullptr) {
    route = std::make_unique<RouteMetrics>(
        requests_, durations_, std::string(method), std::string(pattern));
  }
  return route.get();
}

RouteMetrics* GatewayMetrics::Unmatched(std::string_view request_method) {
  size_t index = 0;
  while (index < kStandardMethodCount &&
         kStandardMethods[index] != request_method) {
    ++index;
  }
  return unmatched_[index].get();
}

void GatewayMetrics::OnConnectionRefused() { connections_refused_.Increment(); }

void GatewayMetrics::OnAcceptError() { accept_errors_.Increment(); }

void GatewayMetrics::ExposeOpenConnections(std::function<double()> open) {
  gauges_.Add("gateway_http_connections_open", "HTTP connections being served",
              std::move(open));
}

std::vector<const prometheus::Collectable*> GatewayMetrics::collectables()
    const {
  return {&registry_, &gauges_};
}

}  // namespace users::gateway
