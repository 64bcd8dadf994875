#include "services/userd/userd_metrics.h"

#include "services/common/grpc_code_name.h"

namespace users {

UserdMetrics::UserdMetrics(metrics::MetricsRegistry& registry)
    : registry_(registry),
      requests_(registry.AddCounter("userd_rpc_requests_total",
                                    "gRPC calls finished, by method and code",
                                    {"method", "code"})),
      durations_(registry.AddHistogram("userd_rpc_duration_seconds",
                                       "gRPC call latency in seconds",
                                       {"method"})),
      webhooks_(registry.AddCounter(
          "userd_webhook_calls_total",
          "validateUserUpdated webhook calls, by outcome", {"outcome"})) {}

void UserdMetrics::ExposeGauges(std::function<double()> db_in_use,
                                std::function<double()> db_waiting,
                                std::function<double()> hash_queue_depth) {
  registry_.AddCallbackGauge("userd_db_pool_in_use",
                             "database connections running work",
                             std::move(db_in_use));
  registry_.AddCallbackGauge("userd_db_pool_waiting",
                             "database work waiting for a connection",
                             std::move(db_waiting));
  registry_.AddCallbackGauge("userd_hash_queue_depth",
                             "password hashes waiting for a hashing thread",
                             std::move(hash_queue_depth));
}

void UserdMetrics::OnCallFinished(const char* method, grpc::StatusCode code,
                                  double seconds) {
  requests_.WithLabels({method, GrpcCodeName(code)}).Increment();
  durations_.WithLabels({method}).Observe(seconds);
}

void UserdMetrics::OnWebhook(const char* outcome) {
  webhooks_.WithLabels({outcome}).Increment();
}

}  // namespace users
