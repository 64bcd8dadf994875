#ifndef USERS_SERVICES_USERD_USERD_SERVER_H_
#define USERS_SERVICES_USERD_USERD_SERVER_H_

#include <grpcpp/server.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "services/common/address_ranges.h"
#include "services/common/trusted_proxies.h"
#include "services/userd/curl_webhook_client.h"
#include "services/userd/server_tls.h"
#include "services/userd/unary_completion.h"
#include "services/users/argon2id_hasher.h"
#include "services/users/principal_cache.h"
#include "services/users/thread_priority.h"

namespace users {

struct UserdConfig {
  std::string listen = "127.0.0.1:50051";
  std::string database_url;
  int db_pool_size = 8;
  int db_queue_capacity = 4096;
  std::chrono::milliseconds statement_timeout{5000};
  // 0: one per core.
  int hash_workers = 0;
  int hash_queue_capacity = 64;
  // How the hashing threads compete for the CPU with request work.
  ThreadPriority hash_priority = ThreadPriority::kIdle;
  // A hashing thread idle this long frees its Argon2 memory.
  std::chrono::milliseconds hash_memory_idle{30000};
  Argon2Params argon2;
  int64_t session_ttl_seconds = int64_t{7} * 24 * 3600;
  // When set: an admin API key of project "default" (created if missing).
  std::string bootstrap_token;
  bool migrate_on_start = true;
  std::chrono::milliseconds webhook_timeout{2000};
  // Threads calling webhooks; a project may hold max(1, workers / 4) of them.
  int webhook_workers = 32;
  int webhook_queue_capacity = 256;
  // Webhooks over plain http (development only; https otherwise).
  bool webhook_allow_http = false;
  // Non-public ranges webhooks may still reach (empty: none).
  AddressRanges webhook_allowed_ranges;
  std::chrono::milliseconds health_interval{1000};
  // Whose x-forwarded-for names the client of a login (default: loopback,
  // where scripts/run puts the gateway).
  TrustedProxies trusted_proxies =
      *TrustedProxies::Parse("127.0.0.1/32,::1/128");
  // How often expired sessions and old login failures are deleted.
  std::chrono::milliseconds housekeeping_interval{60000};
  // TLS of the gRPC port (plaintext when empty).
  ServerTlsFiles tls;
  // A connection is asked to go away (GOAWAY) after about this long, so
  // that clients connect again and spread over the replicas there are now;
  // calls in flight on it get `max_connection_age_grace` to finish.
  std::chrono::milliseconds max_connection_age{std::chrono::minutes(5)};
  std::chrono::milliseconds max_connection_age_grace{std::chrono::seconds(30)};
  // Cache what bearer tokens resolve to (see services/users/principal_cache.h)
  // for at most `principal_cache_ttl` (1 s .. 60 s), kept fresh by the
  // database's announcements of changes.
  bool principal_cache = true;
  std::chrono::milliseconds principal_cache_ttl{PrincipalCache::kMaxTtl};
};

// Clients may send keepalive pings this often, also without calls in flight
// (the gateway pings every 20 s); more often is answered with GOAWAY
// "too_many_pings".
inline constexpr std::chrono::milliseconds kMinClientPingInterval{10000};

// The userd process minus main(): the gRPC server (UserService,
// SessionService, ProjectService, health, reflection) over PostgreSQL.
// Tests start it in-process on port 0.
class UserdServer final {
 public:
  // The observers are optional and must outlive the server.
  explicit UserdServer(UserdConfig config,
                       CallObserver* call_observer = nullptr,
                       WebhookObserver* webhook_observer = nullptr,
                       PrincipalCacheObserver* cache_observer = nullptr);
  ~UserdServer();

  // Migrates (if configured), installs the bootstrap key, and starts
  // listening. Unavailable when the database cannot be reached;
  // InvalidArgument, before anything else, when the TLS files are unusable
  // (naming the flag), or when the listen address cannot be bound.
  absl::Status Start();
  // The bound port (useful with ":0").
  int port() const { return port_; }
  // Reports NOT_SERVING at once (readiness fails) but keeps serving.
  void StopServing();
  // Serving and the database reachable (what readiness reports).
  bool Ready() const;
  // Ends open health Watch streams, stops accepting calls, lets in-flight
  // ones finish within `grace`, then cancels what is left. Ready() and the
  // metrics accessors stay valid until destruction.
  void Shutdown(std::chrono::milliseconds grace);

  int DbInUse() const;
  int DbWaiting() const;
  int HashQueueDepth() const;
  // Tokens in the principal cache.
  int PrincipalCacheEntries() const;

 private:
  struct Parts;

  UserdConfig config_;
  CallObserver* observer_;
  WebhookObserver* webhook_observer_;
  PrincipalCacheObserver* cache_observer_;
  std::unique_ptr<Parts> parts_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  bool shut_down_ = false;
};

// Applies the migrations to `database_url` and returns (userd migrate).
absl::Status MigrateDatabase(const std::string& database_url);

}  // namespace users

#endif  // USERS_SERVICES_USERD_USERD_SERVER_H_
