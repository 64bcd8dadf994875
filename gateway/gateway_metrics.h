#ifndef USERS_GATEWAY_GATEWAY_METRICS_H_
#define USERS_GATEWAY_GATEWAY_METRICS_H_

#include <array>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "prometheus/collectable.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "services/metrics/cached_child.h"
#include "services/metrics/callback_gauges.h"

namespace users::gateway {

// The series of one (method, route) pair: its latency histogram and its
// response counters by status, each resolved on first use and then kept, so
// that recording a response costs two atomic loads and the updates.
// Obtained from GatewayMetrics, which owns it; thread-safe.
class RouteMetrics final {
 public:
  RouteMetrics(prometheus::Family<prometheus::Counter>& requests,
               prometheus::Family<prometheus::Histogram>& durations,
               std::string method, std::string route);
  RouteMetrics(const RouteMetrics&) = delete;
  RouteMetrics& operator=(const RouteMetrics&) = delete;

  // One response with HTTP `status` after `seconds`.
  void OnResponse(int status, double seconds);

 private:
  static constexpr int kFirstStatus = 100;
  static constexpr int kLastStatus = 599;

  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& durations_;
  const std::string method_;
  const std::string route_;
  metrics::CachedChild<prometheus::Histogram> duration_;
  std::array<metrics::CachedChild<prometheus::Counter>,
             kLastStatus - kFirstStatus + 1>
      by_status_;
};

// The gateway's Prometheus metrics, served at GET /metrics of the admin
// listener (--admin-listen), never on the public port:
//
//   gateway_http_requests_total{method,route,code}  responses, by status
//   gateway_http_request_duration_seconds{method,route}  latency histogram
//   gateway_http_connections_open            connections served now
//   gateway_http_connections_refused_total   closed at once (the cap)
//   gateway_http_accept_errors_total         failed accepts, retried
//   gateway_build_info{version,commit}       1
//
// `route` is the matched pattern ("/v1/users/{user_id}") and `method` the
// route's method, or route="unmatched" with the request's method when it is
// a standard one (GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS) and "other"
// otherwise: never the raw path, so the series stay few.
class GatewayMetrics final {
 public:
  // Registers the families in `registry`, which must outlive this object.
  explicit GatewayMetrics(prometheus::Registry& registry);
  GatewayMetrics(const GatewayMetrics&) = delete;
  GatewayMetrics& operator=(const GatewayMetrics&) = delete;

  // The series of a route, created on the first call for (method, pattern)
  // and returned again for the same pair; meant for start-up (it takes a
  // lock). The result lives as long as this object.
  RouteMetrics* ForRoute(std::string_view method, std::string_view pattern);
  // The series of a request no route matched; cheap, lock-free.
  RouteMetrics* Unmatched(std::string_view request_method);

  void OnConnectionRefused();
  void OnAcceptError();
  // Reads gateway_http_connections_open from `open` at every scrape; call
  // once. `open` must stay callable while anything may render
  // collectables().
  void ExposeOpenConnections(std::function<double()> open);
  // What /metrics serves: the registry and the gauges read at scrape time.
  std::vector<const prometheus::Collectable*> collectables() const;

 private:
  prometheus::Registry& registry_;
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& durations_;
  prometheus::Counter& connections_refused_;
  prometheus::Counter& accept_errors_;
  metrics::CallbackGauges gauges_;
  std::mutex routes_mutex_;
  std::map<std::pair<std::string, std::string>, std::unique_ptr<RouteMetrics>>
      routes_;
  // By kStandardMethods' index, then "other"; created with this object.
  std::vector<std::unique_ptr<RouteMetrics>> unmatched_;
};

}  // namespace users::gateway

#endif  // USERS_GATEWAY_GATEWAY_METRICS_H_
