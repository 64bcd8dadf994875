// userd: the users.v1 gRPC server.
//
//   userd [flags]           serve (migrates first unless
//   --migrate-on-start=false) userd migrate [flags]   apply the schema
//   migrations and exit userd --version         print "userd <version> (commit
//   <commit>)"
//
// Every flag has an environment fallback; see `userd --help`.

#include <signal.h>

#include <cstdio>
#include <thread>

#include "prometheus/registry.h"
#include "services/common/flags.h"
#include "services/common/grpc_log.h"
#include "services/common/log.h"
#include "services/metrics/admin_http_server.h"
#include "services/metrics/build_info.h"
#include "services/userd/server_tls.h"
#include "services/userd/userd_metrics.h"
#include "services/userd/userd_server.h"
#include "services/users/thread_priority.h"

namespace {

users::Flags DefineFlags() {
  users::Flags flags("userd [migrate]");
  flags.AddBool("version", "", false, "print the version and exit");
  flags.AddString("listen", "USERD_LISTEN", "127.0.0.1:50051",
                  "gRPC listen address (host:port)");
  flags.AddString("admin-listen", "USERD_ADMIN_LISTEN", "",
                  "admin HTTP address for /metrics, /healthz, /readyz "
                  "(empty: none)");
  flags.AddString("database-url", "DATABASE_URL", "",
                  "PostgreSQL connection string (URI or key=value)");
  flags.AddString("bootstrap-token", "USERD_BOOTSTRAP_TOKEN", "",
                  "a secret that becomes an admin API key of project default");
  flags.AddInt("db-pool-size", "USERD_DB_POOL_SIZE", 8,
               "database connections (one worker thread each)");
  flags.AddInt("db-queue", "USERD_DB_QUEUE", 4096,
               "database work that may wait for a connection");
  flags.AddInt("statement-timeout-ms", "USERD_STATEMENT_TIMEOUT_MS", 5000,
               "PostgreSQL statement_timeout");
  flags.AddInt("hash-workers", "USERD_HASH_WORKERS", 0,
               "concurrent password hashes (0: one per core)");
  flags.AddInt("hash-queue", "USERD_HASH_QUEUE", 64,
               "password hashes that may wait; more: RESOURCE_EXHAUSTED");
  flags.AddString("hash-priority", "USERD_HASH_PRIORITY", "idle",
                  "CPU priority of the hashing threads: idle (only CPU no "
                  "request wants), low (nice 19) or normal");
  flags.AddInt("hash-memory-idle-seconds", "USERD_HASH_MEMORY_IDLE_SECONDS", 30,
               "a hashing thread without work this long frees its Argon2 "
               "memory (kept between hashes until then)");
  flags.AddInt("argon2-memory-kib", "USERD_ARGON2_MEMORY_KIB", 19456,
               "Argon2id memory cost (KiB)");
  flags.AddInt("argon2-iterations", "USERD_ARGON2_ITERATIONS", 2,
               "Argon2id time cost");
  flags.AddInt("session-ttl-seconds", "USERD_SESSION_TTL_SECONDS", 604800,
               "session lifetime");
  flags.AddInt("webhook-timeout-ms", "USERD_WEBHOOK_TIMEOUT_MS", 2000,
               "validateUserUpdated webhook deadline");
  flags.AddInt("webhook-workers", "USERD_WEBHOOK_WORKERS", 32,
               "concurrent webhook calls; one project may hold "
               "max(1, workers/4) of them");
  flags.AddBool("webhook-allow-http", "USERD_WEBHOOK_ALLOW_HTTP", false,
                "allow webhook URIs over plain http (development only; "
                "https otherwise)");
  flags.AddString("webhook-allow-cidr", "USERD_WEBHOOK_ALLOW_CIDR", "",
                  "non-public ranges webhooks may reach anyway "
                  "(comma-separated CIDR ranges; empty: none, so never "
                  "loopback, private, link-local, CGNAT or multicast)");
  flags.AddString("trusted-proxy-cidrs", "USERD_TRUSTED_PROXY_CIDRS",
                  "127.0.0.1/32,::1/128",
                  "peers whose x-forwarded-for names the client of a login "
                  "(comma-separated CIDR ranges; empty: none)");
  flags.AddInt("housekeeping-interval-seconds",
               "USERD_HOUSEKEEPING_INTERVAL_SECONDS", 60,
               "how often expired sessions and old login failures are "
               "deleted");
  flags.AddString("tls-cert", "USERD_TLS_CERT", "",
                  "PEM certificate chain of the gRPC port; with --tls-key "
                  "turns TLS on (empty: plaintext)");
  flags.AddString("tls-key", "USERD_TLS_KEY", "",
                  "PEM private key of --tls-cert");
  flags.AddString("tls-client-ca", "USERD_TLS_CLIENT_CA", "",
                  "PEM CA certificates: with it, clients must present a "
                  "certificate signed by one of them (mutual TLS)");
  flags.AddBool("principal-cache", "USERD_PRINCIPAL_CACHE", true,
                "cache what tokens resolve to, kept fresh by PostgreSQL "
                "LISTEN/NOTIFY (false: read every token from the database)");
  flags.AddInt("principal-cache-ttl-seconds",
               "USERD_PRINCIPAL_CACHE_TTL_SECONDS", 60,
               "longest a token stays cached (1..60)");
  flags.AddBool("migrate-on-start", "USERD_MIGRATE_ON_START", true,
                "apply migrations before serving");
  flags.AddInt("shutdown-grace-seconds", "USERD_SHUTDOWN_GRACE_SECONDS", 20,
               "how long SIGTERM waits for in-flight calls");
  flags.AddInt("max-connection-age-seconds", "USERD_MAX_CONNECTION_AGE_SECONDS",
               300,
               "a client connection is asked to go away after about this "
               "long, so that clients spread over new replicas");
  flags.AddInt("max-connection-age-grace-seconds",
               "USERD_MAX_CONNECTION_AGE_GRACE_SECONDS", 30,
               "calls in flight on such a connection get this long to "
               "finish");
  return flags;
}

int Fail(const std::string& message) {
  users::Log(users::LogLevel::kError, "fatal", {{"message", message}});
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  // Block the stop signals in every thread; main waits for them below.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  users::Flags flags = DefineFlags();
  if (absl::Status s = flags.Parse(argc, argv); !s.ok()) {
    std::fprintf(stderr, "userd: %s\n%s", std::string(s.message()).c_str(),
                 flags.Usage().c_str());
    return 2;
  }
  if (flags.HelpRequested()) {
    std::printf("%s", flags.Usage().c_str());
    return 0;
  }
  if (flags.GetBool("version")) {
    std::printf("%s\n", users::metrics::VersionLine("userd").c_str());
    return 0;
  }
  users::SendGrpcLogsToLog();
  bool migrate_only = false;
  for (const std::string& arg : flags.Positional()) {
    if (arg == "migrate") {
      migrate_only = true;
    } else if (arg != "serve") {
      std::fprintf(stderr, "userd: unknown command %s\n%s", arg.c_str(),
                   flags.Usage().c_str());
      return 2;
    }
  }
  std::string database_url = flags.GetString("database-url");
  if (database_url.empty()) {
    std::fprintf(stderr,
                 "userd: --database-url or $DATABASE_URL is required\n");
    return 2;
  }

  if (migrate_only) {
    absl::Status status = users::MigrateDatabase(database_url);
    if (!status.ok()) return Fail(std::string(status.message()));
    users::Log(users::LogLevel::kInfo, "migrations_applied");
    return 0;
  }

  users::UserdConfig config;
  config.listen = flags.GetString("listen");
  config.database_url = database_url;
  config.bootstrap_token = flags.GetString("bootstrap-token");
  config.db_pool_size = static_cast<int>(flags.GetInt("db-pool-size"));
  config.db_queue_capacity = static_cast<int>(flags.GetInt("db-queue"));
  config.statement_timeout =
      std::chrono::milliseconds(flags.GetInt("statement-timeout-ms"));
  config.hash_workers = static_cast<int>(flags.GetInt("hash-workers"));
  config.hash_queue_capacity = static_cast<int>(flags.GetInt("hash-queue"));
  config.argon2.memory_kib =
      static_cast<uint32_t>(flags.GetInt("argon2-memory-kib"));
  config.argon2.iterations =
      static_cast<uint32_t>(flags.GetInt("argon2-iterations"));
  config.session_ttl_seconds = flags.GetInt("session-ttl-seconds");
  config.webhook_timeout =
      std::chrono::milliseconds(flags.GetInt("webhook-timeout-ms"));
  config.webhook_workers = static_cast<int>(flags.GetInt("webhook-workers"));
  config.webhook_allow_http = flags.GetBool("webhook-allow-http");
  config.migrate_on_start = flags.GetBool("migrate-on-start");
  config.principal_cache = flags.GetBool("principal-cache");
  config.principal_cache_ttl =
      std::chrono::seconds(flags.GetInt("principal-cache-ttl-seconds"));
  if (config.principal_cache_ttl < std::chrono::seconds(1) ||
      config.principal_cache_ttl > users::PrincipalCache::kMaxTtl) {
    std::fprintf(stderr,
                 "userd: --principal-cache-ttl-seconds must be in 1..60\n");
    return 2;
  }
  if (config.db_pool_size < 1 || config.hash_queue_capacity < 1 ||
      config.webhook_workers < 1 || config.argon2.memory_kib < 8 ||
      config.argon2.iterations < 1) {
    std::fprintf(stderr,
                 "userd: pool, queue, worker and Argon2 sizes must be "
                 "positive\n");
    return 2;
  }
  absl::StatusOr<users::ThreadPriority> hash_priority =
      users::ParseThreadPriority(flags.GetString("hash-priority"));
  if (!hash_priority.ok()) {
    std::fprintf(stderr, "userd: --hash-priority: %s\n",
                 std::string(hash_priority.status().message()).c_str());
    return 2;
  }
  config.hash_priority = *hash_priority;
  config.hash_memory_idle =
      std::chrono::seconds(flags.GetInt("hash-memory-idle-seconds"));
  if (config.hash_memory_idle.count() < 1) {
    std::fprintf(stderr, "userd: --hash-memory-idle-seconds must be >= 1\n");
    return 2;
  }

  absl::StatusOr<users::TrustedProxies> trusted_proxies =
      users::TrustedProxies::Parse(flags.GetString("trusted-proxy-cidrs"));
  if (!trusted_proxies.ok()) {
    std::fprintf(stderr, "userd: --trusted-proxy-cidrs: %s\n",
                 std::string(trusted_proxies.status().message()).c_str());
    return 2;
  }
  config.trusted_proxies = *std::move(trusted_proxies);
  absl::StatusOr<users::AddressRanges> webhook_allowed =
      users::AddressRanges::Parse(flags.GetString("webhook-allow-cidr"));
  if (!webhook_allowed.ok()) {
    std::fprintf(stderr, "userd: --webhook-allow-cidr: %s\n",
                 std::string(webhook_allowed.status().message()).c_str());
    return 2;
  }
  config.webhook_allowed_ranges = *std::move(webhook_allowed);
  if (config.webhook_allow_http || !config.webhook_allowed_ranges.empty()) {
    users::Log(users::LogLevel::kWarning, "webhook_destinations_relaxed",
               {{"allow_http", config.webhook_allow_http},
                {"allow_cidr", flags.GetString("webhook-allow-cidr")}});
  }
  config.housekeeping_interval =
      std::chrono::seconds(flags.GetInt("housekeeping-interval-seconds"));
  if (config.housekeeping_interval.count() < 1) {
    std::fprintf(stderr,
                 "userd: --housekeeping-interval-seconds must be >= 1\n");
    return 2;
  }

  config.max_connection_age =
      std::chrono::seconds(flags.GetInt("max-connection-age-seconds"));
  config.max_connection_age_grace =
      std::chrono::seconds(flags.GetInt("max-connection-age-grace-seconds"));
  constexpr int64_t kDaySeconds = int64_t{24} * 3600;
  if (config.max_connection_age.count() < 1000 ||
      config.max_connection_age > std::chrono::seconds(kDaySeconds)) {
    std::fprintf(stderr,
                 "userd: --max-connection-age-seconds must be in 1..86400\n");
    return 2;
  }
  if (config.max_connection_age_grace.count() < 0 ||
      config.max_connection_age_grace > std::chrono::seconds(kDaySeconds)) {
    std::fprintf(
        stderr,
        "userd: --max-connection-age-grace-seconds must be in 0..86400\n");
    return 2;
  }

  config.tls.cert_file = flags.GetString("tls-cert");
  config.tls.key_file = flags.GetString("tls-key");
  config.tls.client_ca_file = flags.GetString("tls-client-ca");
  // Checked here too, so that a bad file is a usage error (exit 2) before
  // the database is touched.
  if (absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials =
          users::MakeServerCredentials(config.tls);
      !credentials.ok()) {
    std::fprintf(stderr, "userd: %s\n",
                 std::string(credentials.status().message()).c_str());
    return 2;
  }

  prometheus::Registry registry;
  users::UserdMetrics metrics(registry);
  users::UserdServer server(config, &metrics, &metrics, &metrics);
  if (absl::Status status = server.Start(); !status.ok()) {
    return Fail(std::string(status.message()));
  }
  metrics.ExposeGauges(
      [&server] { return double(server.DbInUse()); },
      [&server] { return double(server.DbWaiting()); },
      [&server] { return double(server.HashQueueDepth()); },
      [&server] { return double(server.PrincipalCacheEntries()); });
  // Declared after `server`, so it stops before the server is destroyed.
  users::metrics::AdminHttpServer admin(metrics.collectables(),
                                        [&server] { return server.Ready(); });
  if (std::string address = flags.GetString("admin-listen"); !address.empty()) {
    if (absl::Status status = admin.Start(address); !status.ok()) {
      return Fail(std::string(status.message()));
    }
  }

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  users::Log(users::LogLevel::kInfo, "stopping",
             {{"signal", signal_number == SIGTERM ? "SIGTERM" : "SIGINT"}});
  // Readiness fails at once; in-flight calls finish within the grace period.
  server.StopServing();
  server.Shutdown(std::chrono::seconds(flags.GetInt("shutdown-grace-seconds")));
  admin.Stop();
  return 0;
}
