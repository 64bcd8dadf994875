#ifndef USERS_SERVICES_USERD_USERD_METRICS_H_
#define USERS_SERVICES_USERD_USERD_METRICS_H_

#include <array>
#include <atomic>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "prometheus/collectable.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "services/metrics/cached_child.h"
#include "services/metrics/callback_gauges.h"
#include "services/userd/curl_webhook_client.h"
#include "services/userd/unary_completion.h"
#include "services/users/principal_cache_observer.h"

namespace users {

// userd's Prometheus metrics, fed by the gRPC edge and the webhook client.
// The gRPC series carry the names and labels of the gRPC ecosystem's
// server interceptors, so that their dashboards and alerts apply:
//
//   grpc_server_handled_total{grpc_type,grpc_service,grpc_method,grpc_code}
//       calls finished; grpc_type is "unary", grpc_service the full name
//       ("users.v1.UserService"), grpc_code the code's name ("NOT_FOUND")
//   grpc_server_handling_seconds{grpc_type,grpc_service,grpc_method}
//       histogram of call latency (metrics::DurationBuckets)
//   userd_webhook_calls_total{outcome}   allowed / rejected / unavailable /
//                                        refused / expired
//   userd_db_pool_in_use, userd_db_pool_waiting, userd_hash_queue_depth,
//   userd_principal_cache_entries
//       read from the server at every scrape (ExposeGauges)
//   userd_build_info{version,commit}     1
//
// and the principal cache's (services/users/principal_cache.h):
//
//   userd_principal_cache_hits_total     tokens resolved from the cache
//   userd_principal_cache_misses_total   tokens read from the database
//   userd_principal_cache_stale_fills_total
//       reads not kept: a change came while they ran
//   userd_principal_cache_changes_total{kind}
//       announced changes applied: token / user / project / all
//   userd_principal_cache_listening      1 while changes reach the cache
//                                        (it is used), 0 otherwise
//   userd_principal_listener_reconnects_total
//       times the listener listened again after losing its connection
//
// Recording a call costs a lookup of the method name in a map fixed at
// construction (every method of users.v1's services) and atomic loads of
// the cached children; a series is created (Family::Add, under the family's
// mutex) on its first call only, so it appears once it has been counted.
// The principal cache's series have no variable labels: they are created
// with the families, so they exist (at 0) from the start, and a hit or miss
// costs one atomic add.
class UserdMetrics final : public CallObserver,
                           public WebhookObserver,
                           public PrincipalCacheObserver {
 public:
  // Registers the families in `registry`, which must outlive this object.
  explicit UserdMetrics(prometheus::Registry& registry);
  UserdMetrics(const UserdMetrics&) = delete;
  UserdMetrics& operator=(const UserdMetrics&) = delete;

  // Registers the gauges read from the running server; call once. `read_*`
  // must stay callable while anything may render collectables().
  void ExposeGauges(std::function<double()> db_in_use,
                    std::function<double()> db_waiting,
                    std::function<double()> hash_queue_depth,
                    std::function<double()> principal_cache_entries);

  // What /metrics serves: the registry and the gauges read at scrape time.
  std::vector<const prometheus::Collectable*> collectables() const;

  // `method`: a method name of users.v1's services ("GetUser"). Any other
  // name is still counted, under grpc_service="unknown" and without the
  // cache.
  void OnCallFinished(const char* method, grpc::StatusCode code,
                      double seconds) override;
  void OnWebhook(const char* outcome) override;

  void OnHit() override;
  void OnMiss() override;
  void OnStaleFill() override;
  void OnChange(PrincipalChange::Kind kind) override;
  void OnListening(bool listening) override;

 private:
  // grpc::StatusCode OK (0) .. UNAUTHENTICATED (16).
  static constexpr size_t kCodes = 17;
  struct MethodSeries {
    std::string service;
    metrics::CachedChild<prometheus::Histogram> handling;
    std::array<metrics::CachedChild<prometheus::Counter>, kCodes> handled;
  };
  struct WebhookSeries {
    const char* outcome;
    metrics::CachedChild<prometheus::Counter> calls;
  };

  prometheus::Registry& registry_;
  prometheus::Family<prometheus::Counter>& handled_;
  prometheus::Family<prometheus::Histogram>& handling_;
  prometheus::Family<prometheus::Counter>& webhooks_;
  metrics::CallbackGauges gauges_;
  // Filled by the constructor, read-only afterwards: read without a lock.
  std::map<std::string, MethodSeries, std::less<>> methods_;
  std::array<WebhookSeries, 5> webhook_outcomes_;
  prometheus::Counter& cache_hits_;
  prometheus::Counter& cache_misses_;
  prometheus::Counter& cache_stale_fills_;
  // By PrincipalChange::Kind: token, user, project, all.
  std::array<prometheus::Counter*, 4> cache_changes_;
  prometheus::Gauge& cache_listening_;
  prometheus::Counter& listener_reconnects_;
  // Whether the cache was ever told it is listening.
  std::atomic<bool> listened_{false};
};

}  // namespace users

#endif  // USERS_SERVICES_USERD_USERD_METRICS_H_
