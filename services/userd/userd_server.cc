#include "services/userd/userd_server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>

#include <limits>
#include <mutex>

#include "grpc/health/v1/health.pb.h"
#include "services/common/log.h"
#include "services/userd/curl_webhook_client.h"
#include "services/userd/database_health_monitor.h"
#include "services/userd/grpc_health_service.h"
#include "services/userd/grpc_project_service.h"
#include "services/userd/grpc_session_service.h"
#include "services/userd/grpc_user_service.h"
#include "services/userd/housekeeper.h"
#include "services/users/bounded_executor.h"
#include "services/users/project_service_logic.h"
#include "services/users/session_service_logic.h"
#include "services/users/thread_priority.h"
#include "services/users/user_service_logic.h"
#include "storage/postgres_store_pool.h"
#include "storage/postgres_stores.h"
#include "storage/principal_change_listener.h"

namespace users {
namespace {

constexpr char kUserServiceName[] = "users.v1.UserService";
constexpr int kHousekeepingBatch = 1000;

int Milliseconds(std::chrono::milliseconds duration) {
  return static_cast<int>(
      std::min<int64_t>(duration.count(), std::numeric_limits<int>::max()));
}

}  // namespace

// Everything the server runs on, in construction order (destroyed in
// reverse, after the gRPC server).
struct UserdServer::Parts {
  std::unique_ptr<PostgresStorePool> pool;
  std::unique_ptr<PrincipalCache> principal_cache;
  // Keeps principal_cache fresh; absent when the cache is off.
  std::unique_ptr<PrincipalChangeListener> principal_listener;
  std::unique_ptr<Argon2idHasher> hasher;
  std::unique_ptr<BoundedExecutor> hashing;
  std::unique_ptr<WebhookDestinations> destinations;
  std::unique_ptr<CurlWebhookClient> webhooks;
  std::unique_ptr<UserServiceLogic> user_logic;
  std::unique_ptr<SessionServiceLogic> session_logic;
  std::unique_ptr<ProjectServiceLogic> project_logic;
  std::unique_ptr<ApiKeyLogic> api_key_logic;
  std::unique_ptr<GrpcUserService> user_service;
  std::unique_ptr<GrpcSessionService> session_service;
  std::unique_ptr<GrpcProjectService> project_service;
  std::unique_ptr<GrpcHealthService> health;
  std::unique_ptr<DatabaseHealthMonitor> monitor;
  std::unique_ptr<Housekeeper> housekeeper;
  std::mutex health_mutex;
  bool serving_allowed = true;
};

absl::Status MigrateDatabase(const std::string& database_url) {
  PostgresStores stores(database_url, std::chrono::minutes(10));
  return stores.maintenance.Migrate();
}

UserdServer::UserdServer(UserdConfig config, CallObserver* call_observer,
                         WebhookObserver* webhook_observer,
                         PrincipalCacheObserver* cache_observer)
    : config_(std::move(config)),
      observer_(call_observer),
      webhook_observer_(webhook_observer),
      cache_observer_(cache_observer) {}

UserdServer::~UserdServer() {
  Shutdown(std::chrono::milliseconds(0));
  // The monitor's callback reaches into server_ and parts_: its thread must
  // be gone before either is (a probe may still be in flight).
  if (parts_) parts_->monitor.reset();
  server_.reset();
  parts_.reset();
}

absl::Status UserdServer::Start() {
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials =
      MakeServerCredentials(config_.tls);
  if (!credentials.ok()) return credentials.status();
  {
    PostgresStores setup(config_.database_url, std::chrono::minutes(10));
    if (config_.migrate_on_start) {
      if (absl::Status s = setup.maintenance.Migrate(); !s.ok()) return s;
      Log(LogLevel::kInfo, "migrations_applied");
    }
    if (!config_.bootstrap_token.empty()) {
      if (absl::Status s =
              InstallOperatorKey(setup.view(), config_.bootstrap_token);
          !s.ok()) {
        return s;
      }
      Log(LogLevel::kInfo, "bootstrap_key_ready", {{"project", "default"}});
    }
  }

  parts_ = std::make_unique<Parts>();
  Parts& p = *parts_;
  p.pool = std::make_unique<PostgresStorePool>(
      config_.database_url, config_.db_pool_size, config_.statement_timeout,
      config_.db_queue_capacity);
  // Without a listener the cache is never told that changes reach it, so it
  // is never used.
  p.principal_cache = std::make_unique<PrincipalCache>(
      config_.principal_cache_ttl, &std::chrono::steady_clock::now,
      PrincipalCache::kDefaultCapacity, cache_observer_);
  if (config_.principal_cache) {
    PrincipalCache* cache = p.principal_cache.get();
    p.principal_listener = std::make_unique<PrincipalChangeListener>(
        config_.database_url,
        PrincipalChangeListener::Callbacks{
            [cache](bool listening) { cache->SetListening(listening); },
            [cache](const PrincipalChange& change) { cache->Apply(change); }});
    p.principal_listener->Start();
  }
  p.hasher = std::make_unique<Argon2idHasher>(config_.argon2);
  int hash_workers =
      config_.hash_workers > 0
          ? config_.hash_workers
          : static_cast<int>(std::thread::hardware_concurrency());
  WorkerHooks hash_hooks;
  hash_hooks.on_thread_start = [priority = config_.hash_priority] {
    if (absl::Status s = SetCurrentThreadPriority(priority); !s.ok()) {
      Log(LogLevel::kWarning, "hash_priority_unchanged",
          {{"error", std::string(s.message())}});
    }
  };
  // Each hashing thread keeps its Argon2 memory between hashes, and gives it
  // back when password changes stop.
  hash_hooks.on_idle = &Argon2idHasher::ReleaseThreadMemory;
  hash_hooks.idle_after = config_.hash_memory_idle;
  p.hashing = std::make_unique<BoundedExecutor>(std::max(1, hash_workers),
                                                config_.hash_queue_capacity,
                                                std::move(hash_hooks));
  p.destinations = std::make_unique<WebhookDestinations>(
      config_.webhook_allow_http, config_.webhook_allowed_ranges);
  p.webhooks = std::make_unique<CurlWebhookClient>(
      config_.webhook_workers, config_.webhook_queue_capacity,
      config_.webhook_timeout, *p.destinations, webhook_observer_);
  ServiceDeps deps;
  deps.pool = p.pool.get();
  deps.hasher = p.hasher.get();
  deps.hashing = p.hashing.get();
  deps.webhooks = p.webhooks.get();
  deps.webhook_destinations = p.destinations.get();
  deps.session_ttl_seconds = config_.session_ttl_seconds;
  deps.trusted_proxies = &config_.trusted_proxies;
  deps.principal_cache = p.principal_cache.get();
  p.user_logic = std::make_unique<UserServiceLogic>(deps);
  p.session_logic = std::make_unique<SessionServiceLogic>(deps);
  p.project_logic = std::make_unique<ProjectServiceLogic>(deps);
  p.api_key_logic = std::make_unique<ApiKeyLogic>(deps);
  p.user_service =
      std::make_unique<GrpcUserService>(p.user_logic.get(), observer_);
  p.session_service =
      std::make_unique<GrpcSessionService>(p.session_logic.get(), observer_);
  p.project_service = std::make_unique<GrpcProjectService>(
      p.project_logic.get(), p.api_key_logic.get(), observer_);

  // Our own health service rather than gRPC's default one, whose Shutdown()
  // leaves Watch streams open through the whole drain.
  p.health = std::make_unique<GrpcHealthService>();
  p.health->SetServingStatus(false);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(config_.listen, *credentials, &port_);
  builder.RegisterService(p.user_service.get());
  builder.RegisterService(p.session_service.get());
  builder.RegisterService(p.project_service.get());
  builder.RegisterService(p.health.get());
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_MS,
                             Milliseconds(config_.max_connection_age));
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS,
                             Milliseconds(config_.max_connection_age_grace));
  builder.AddChannelArgument(
      GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
      Milliseconds(kMinClientPingInterval));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  server_ = builder.BuildAndStart();
  if (server_ == nullptr || port_ == 0) {
    return absl::InvalidArgumentError("cannot listen on " + config_.listen);
  }

  GrpcHealthService* health = p.health.get();
  p.monitor = std::make_unique<DatabaseHealthMonitor>(
      std::make_unique<PostgresStores>(config_.database_url,
                                       std::chrono::milliseconds(2000),
                                       std::chrono::seconds(2)),
      config_.health_interval, [this, health](bool reachable) {
        std::lock_guard<std::mutex> lock(parts_->health_mutex);
        if (!parts_->serving_allowed) return;
        health->SetServingStatus(reachable);
        health->SetServingStatus(kUserServiceName, reachable);
      });
  p.monitor->Start();
  p.housekeeper = std::make_unique<Housekeeper>(
      std::make_unique<PostgresStores>(config_.database_url,
                                       config_.statement_timeout),
      config_.housekeeping_interval, kHousekeepingBatch, deps.login_throttle);
  p.housekeeper->Start();
  Log(LogLevel::kInfo, "listening",
      {{"address", config_.listen},
       {"port", port_},
       {"tls", config_.tls.Mode()}});
  return absl::OkStatus();
}

void UserdServer::StopServing() {
  if (!parts_ || !server_) return;
  std::lock_guard<std::mutex> lock(parts_->health_mutex);
  parts_->serving_allowed = false;
  parts_->health->SetServingStatus(false);
  parts_->health->SetServingStatus(kUserServiceName, false);
}

void UserdServer::Shutdown(std::chrono::milliseconds grace) {
  if (shut_down_) return;
  shut_down_ = true;
  if (server_) {
    StopServing();
    // Open Watch streams end now rather than holding the drain.
    parts_->health->Shutdown();
    server_->Shutdown(std::chrono::system_clock::now() + grace);
    server_->Wait();
  }
  // The rest (monitor, logic) lives until destruction: readiness and metrics
  // may still be read meanwhile.
  if (parts_ && parts_->pool) parts_->pool->Shutdown();
  if (parts_ && parts_->principal_listener) parts_->principal_listener->Stop();
  Log(LogLevel::kInfo, "stopped");
}

bool UserdServer::Ready() const {
  if (!parts_ || !server_ || !parts_->monitor) return false;
  std::lock_guard<std::mutex> lock(parts_->health_mutex);
  return parts_->serving_allowed && parts_->monitor->reachable();
}

int UserdServer::DbInUse() const {
  return parts_ && parts_->pool ? parts_->pool->InUse() : 0;
}
int UserdServer::DbWaiting() const {
  return parts_ && parts_->pool ? parts_->pool->Waiting() : 0;
}
int UserdServer::HashQueueDepth() const {
  return parts_ && parts_->hashing ? parts_->hashing->QueueDepth() : 0;
}
int UserdServer::PrincipalCacheEntries() const {
  return parts_ && parts_->principal_cache
             ? static_cast<int>(parts_->principal_cache->size())
             : 0;
}

}  // namespace users
