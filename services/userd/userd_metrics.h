#ifndef USERS_SERVICES_USERD_USERD_METRICS_H_
#define USERS_SERVICES_USERD_USERD_METRICS_H_

#include <functional>

#include "services/metrics/metrics_registry.h"
#include "services/userd/curl_webhook_client.h"
#include "services/userd/unary_completion.h"

namespace users {

// userd's Prometheus metrics, fed by the gRPC edge and the webhook client:
//
//   userd_rpc_requests_total{method,code}   calls finished, by gRPC code name
//   userd_rpc_duration_seconds{method}      histogram of call latency
//   userd_webhook_calls_total{outcome}      allowed / rejected / unavailable /
//                                           refused / expired
//   userd_db_pool_in_use, userd_db_pool_waiting, userd_hash_queue_depth
class UserdMetrics final : public CallObserver, public WebhookObserver {
 public:
  explicit UserdMetrics(metrics::MetricsRegistry& registry);

  // Registers the gauges read from the running server. `read_*` must stay
  // callable while the registry may render.
  void ExposeGauges(std::function<double()> db_in_use,
                    std::function<double()> db_waiting,
                    std::function<double()> hash_queue_depth);

  void OnCallFinished(const char* method, grpc::StatusCode code,
                      double seconds) override;
  void OnWebhook(const char* outcome) override;

 private:
  metrics::MetricsRegistry& registry_;
  metrics::CounterFamily& requests_;
  metrics::HistogramFamily& durations_;
  metrics::CounterFamily& webhooks_;
};

}  // namespace users

#endif  // USERS_SERVICES_USERD_USERD_METRICS_H_
