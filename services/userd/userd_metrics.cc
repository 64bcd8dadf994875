#include "services/userd/userd_metrics.h"

#include <cstring>
#include <stdexcept>
#include <string_view>
#include <utility>

#include "google/protobuf/descriptor.h"
#include "services/common/grpc_code_name.h"
#include "services/metrics/build_info.h"
#include "services/metrics/duration_buckets.h"
#include "users/v1/project_service.grpc.pb.h"
#include "users/v1/session_service.grpc.pb.h"
#include "users/v1/user_service.grpc.pb.h"

namespace users {

namespace {

// Every call userd serves is unary.
constexpr const char* kGrpcType = "unary";

prometheus::Labels HandlingLabels(const std::string& service,
                                  std::string_view method) {
  return {{"grpc_type", kGrpcType},
          {"grpc_service", service},
          {"grpc_method", std::string(method)}};
}

prometheus::Labels HandledLabels(const std::string& service,
                                 std::string_view method,
                                 grpc::StatusCode code) {
  prometheus::Labels labels = HandlingLabels(service, method);
  labels.emplace("grpc_code", GrpcCodeName(code));
  return labels;
}

// The one series of a family without labels.
prometheus::Counter& AddCounter(prometheus::Registry& registry,
                                const std::string& name,
                                const std::string& help) {
  return prometheus::BuildCounter()
      .Name(name)
      .Help(help)
      .Register(registry)
      .Add({});
}

}  // namespace

UserdMetrics::UserdMetrics(prometheus::Registry& registry)
    : registry_(registry),
      handled_(prometheus::BuildCounter()
                   .Name("grpc_server_handled_total")
                   .Help("gRPC calls finished on the server, by code")
                   .Register(registry)),
      handling_(prometheus::BuildHistogram()
                    .Name("grpc_server_handling_seconds")
                    .Help("Time from the call's start to its status, in "
                          "seconds")
                    .Register(registry)),
      webhooks_(prometheus::BuildCounter()
                    .Name("userd_webhook_calls_total")
                    .Help("validateUserUpdated webhook calls, by outcome")
                    .Register(registry)),
      webhook_outcomes_{{{"allowed", {}},
                         {"rejected", {}},
                         {"unavailable", {}},
                         {"refused", {}},
                         {"expired", {}}}},
      cache_hits_(AddCounter(registry, "userd_principal_cache_hits_total",
                             "Bearer tokens resolved from the principal "
                             "cache")),
      cache_misses_(AddCounter(registry, "userd_principal_cache_misses_total",
                               "Bearer tokens read from the database (not "
                               "cached, or the cache unused)")),
      cache_stale_fills_(AddCounter(
          registry, "userd_principal_cache_stale_fills_total",
          "Token reads not cached because a change came while they ran")),
      cache_listening_(prometheus::BuildGauge()
                           .Name("userd_principal_cache_listening")
                           .Help("1 while announced changes reach the "
                                 "principal cache (it is used), 0 otherwise")
                           .Register(registry)
                           .Add({})),
      listener_reconnects_(AddCounter(
          registry, "userd_principal_listener_reconnects_total",
          "Times the principal listener listened again after losing its "
          "connection")) {
  prometheus::Family<prometheus::Counter>& changes =
      prometheus::BuildCounter()
          .Name("userd_principal_cache_changes_total")
          .Help("Announced principal changes applied to the cache, by kind")
          .Register(registry);
  cache_changes_ = {
      &changes.Add({{"kind", "token"}}), &changes.Add({{"kind", "user"}}),
      &changes.Add({{"kind", "project"}}), &changes.Add({{"kind", "all"}})};
  metrics::AddBuildInfo(registry, "userd_build_info");
  for (const char* service_name : {v1::UserService::service_full_name(),
                                   v1::SessionService::service_full_name(),
                                   v1::ProjectService::service_full_name()}) {
    const google::protobuf::ServiceDescriptor* service =
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
            service_name);
    if (service == nullptr) {
      throw std::logic_error(std::string("no descriptor for ") + service_name);
    }
    for (int i = 0; i < service->method_count(); ++i) {
      // The observer names the method only, so method names must be unique
      // across the services.
      auto [it, added] = methods_.try_emplace(service->method(i)->name());
      if (!added) {
        throw std::logic_error("gRPC method name in two services: " +
                               it->first);
      }
      it->second.service = service->full_name();
    }
  }
}

void UserdMetrics::ExposeGauges(
    std::function<double()> db_in_use, std::function<double()> db_waiting,
    std::function<double()> hash_queue_depth,
    std::function<double()> principal_cache_entries) {
  gauges_.Add("userd_db_pool_in_use", "database connections running work",
              std::move(db_in_use));
  gauges_.Add("userd_db_pool_waiting", "database work waiting for a connection",
              std::move(db_waiting));
  gauges_.Add("userd_hash_queue_depth",
              "password hashes waiting for a hashing thread",
              std::move(hash_queue_depth));
  gauges_.Add("userd_principal_cache_entries",
              "bearer tokens in the principal cache",
              std::move(principal_cache_entries));
}

std::vector<const prometheus::Collectable*> UserdMetrics::collectables() const {
  return {&registry_, &gauges_};
}

void UserdMetrics::OnCallFinished(const char* method, grpc::StatusCode code,
                                  double seconds) {
  const size_t index = static_cast<size_t>(code);
  auto it = methods_.find(std::string_view(method));
  if (it == methods_.end() || index >= kCodes) {
    const std::string service =
        it == methods_.end() ? "unknown" : it->second.service;
    handled_.Add(HandledLabels(service, method, code)).Increment();
    handling_.Add(HandlingLabels(service, method), metrics::DurationBuckets())
        .Observe(seconds);
    return;
  }
  MethodSeries& series = it->second;
  series.handled[index]
      .Get([&]() -> prometheus::Counter& {
        return handled_.Add(HandledLabels(series.service, it->first, code));
      })
      .Increment();
  series.handling
      .Get([&]() -> prometheus::Histogram& {
        return handling_.Add(HandlingLabels(series.service, it->first),
                             metrics::DurationBuckets());
      })
      .Observe(seconds);
}

void UserdMetrics::OnWebhook(const char* outcome) {
  for (WebhookSeries& series : webhook_outcomes_) {
    if (std::strcmp(series.outcome, outcome) != 0) continue;
    series.calls
        .Get([&]() -> prometheus::Counter& {
          return webhooks_.Add({{"outcome", outcome}});
        })
        .Increment();
    return;
  }
  webhooks_.Add({{"outcome", outcome}}).Increment();
}

void UserdMetrics::OnHit() { cache_hits_.Increment(); }

void UserdMetrics::OnMiss() { cache_misses_.Increment(); }

void UserdMetrics::OnStaleFill() { cache_stale_fills_.Increment(); }

void UserdMetrics::OnChange(PrincipalChange::Kind kind) {
  const size_t index = static_cast<size_t>(kind);
  if (index < cache_changes_.size()) cache_changes_[index]->Increment();
}

void UserdMetrics::OnListening(bool listening) {
  cache_listening_.Set(listening ? 1 : 0);
  if (listening && listened_.exchange(true)) listener_reconnects_.Increment();
}

}  // namespace users
