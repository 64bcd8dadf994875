#include "gateway/gateway_config.h"

#include "gateway/string_util.h"

namespace users::gateway {

void RegisterGatewayFlags(Flags& flags) {
  GatewayConfig defaults;
  flags.AddString("listen", "GATEWAY_LISTEN", defaults.listen,
                  "host:port the HTTP server listens on");
  flags.AddString("userd-address", "USERD_ADDRESS", defaults.userd_address,
                  "gRPC target of userd: host:port or dns:///host:port (calls "
                  "spread over every address of host), or "
                  "ipv4:host:port,host:port,... (a fixed list)");
  flags.AddInt("userd-keepalive-ms", "GATEWAY_USERD_KEEPALIVE_MS",
               defaults.userd_connection.keepalive_ms,
               "ping each userd connection after this long without reads "
               "(at least 15000: userd accepts a ping every 10 s)");
  flags.AddInt("userd-keepalive-timeout-ms",
               "GATEWAY_USERD_KEEPALIVE_TIMEOUT_MS",
               defaults.userd_connection.keepalive_timeout_ms,
               "a connection whose ping is not answered within this is "
               "closed");
  flags.AddInt("userd-max-reconnect-backoff-ms",
               "GATEWAY_USERD_MAX_RECONNECT_BACKOFF_MS",
               defaults.userd_connection.max_reconnect_backoff_ms,
               "longest wait between attempts to reconnect to userd");
  flags.AddString("userd-tls-ca", "GATEWAY_USERD_TLS_CA", "",
                  "PEM CA certificates userd's certificate is verified with; "
                  "turns TLS to userd on (empty: plaintext)");
  flags.AddString("userd-tls-cert", "GATEWAY_USERD_TLS_CERT", "",
                  "PEM client certificate for userd's mutual TLS (with "
                  "--userd-tls-key)");
  flags.AddString("userd-tls-key", "GATEWAY_USERD_TLS_KEY", "",
                  "PEM private key of --userd-tls-cert");
  flags.AddString("userd-tls-server-name", "GATEWAY_USERD_TLS_SERVER_NAME", "",
                  "name checked in userd's certificate (empty: the host of "
                  "--userd-address)");
  flags.AddBool("insecure-cookies", "GATEWAY_INSECURE_COOKIES", false,
                "drop Secure from cookies (plain-HTTP local use only)");
  flags.AddString("allowed-origins", "GATEWAY_ALLOWED_ORIGINS", "",
                  "comma-separated origins the cookie contracts accept");
  flags.AddString("medama-project", "GATEWAY_MEDAMA_PROJECT",
                  defaults.medama_project,
                  "project whose users log in through /auth/login");
  flags.AddString("neptun-project", "GATEWAY_NEPTUN_PROJECT",
                  defaults.neptun_project,
                  "project whose users log in through /api/auth/login");
  flags.AddInt("max-body-bytes", "GATEWAY_MAX_BODY_BYTES",
               defaults.max_body_bytes, "larger request bodies get 413");
  flags.AddInt("rate-limit-client-rps", "GATEWAY_RATE_LIMIT_CLIENT_RPS", 0,
               "requests per second per client address (0 = off)");
  flags.AddInt("rate-limit-client-burst", "GATEWAY_RATE_LIMIT_CLIENT_BURST", 0,
               "burst per client address (0 = the rate)");
  flags.AddInt("rate-limit-principal-rps", "GATEWAY_RATE_LIMIT_PRINCIPAL_RPS",
               0, "requests per second per credential (0 = off)");
  flags.AddInt("rate-limit-principal-burst",
               "GATEWAY_RATE_LIMIT_PRINCIPAL_BURST", 0,
               "burst per credential (0 = the rate)");
  flags.AddString("trusted-proxy-cidrs", "GATEWAY_TRUSTED_PROXY_CIDRS", "",
                  "proxies whose X-Forwarded-For names the client "
                  "(comma-separated CIDR ranges; empty: the peer is the "
                  "client)");
  flags.AddInt("rpc-timeout-ms", "GATEWAY_RPC_TIMEOUT_MS",
               defaults.rpc_timeout_ms, "deadline of every call to userd");
  flags.AddInt("header-timeout-ms", "GATEWAY_HEADER_TIMEOUT_MS",
               defaults.header_timeout_ms,
               "a request's headers must arrive within this (also the "
               "keep-alive idle limit)");
  flags.AddInt("body-timeout-ms", "GATEWAY_BODY_TIMEOUT_MS",
               defaults.body_timeout_ms,
               "a request's body must arrive within this after its headers");
  flags.AddInt("max-connections", "GATEWAY_MAX_CONNECTIONS",
               defaults.max_connections,
               "connections beyond this many are closed at once");
  flags.AddString("admin-listen", "GATEWAY_ADMIN_LISTEN", "",
                  "admin HTTP address for /metrics, /healthz, /readyz "
                  "(empty: none)");
  flags.AddInt("threads", "GATEWAY_THREADS", defaults.threads,
               "threads running the I/O context");
}

absl::StatusOr<GatewayConfig> GatewayConfigFromFlags(const Flags& flags) {
  GatewayConfig config;
  config.listen = flags.GetString("listen");
  config.userd_address = flags.GetString("userd-address");
  config.userd_tls.ca_file = flags.GetString("userd-tls-ca");
  config.userd_tls.cert_file = flags.GetString("userd-tls-cert");
  config.userd_tls.key_file = flags.GetString("userd-tls-key");
  config.userd_tls.server_name = flags.GetString("userd-tls-server-name");
  config.userd_connection.keepalive_ms = flags.GetInt("userd-keepalive-ms");
  config.userd_connection.keepalive_timeout_ms =
      flags.GetInt("userd-keepalive-timeout-ms");
  config.userd_connection.max_reconnect_backoff_ms =
      flags.GetInt("userd-max-reconnect-backoff-ms");
  config.insecure_cookies = flags.GetBool("insecure-cookies");
  const std::string origins = flags.GetString("allowed-origins");
  for (std::string_view origin : Split(origins, ',')) {
    origin = StripWhitespace(origin);
    if (!origin.empty()) config.allowed_origins.emplace_back(origin);
  }
  config.medama_project = flags.GetString("medama-project");
  config.neptun_project = flags.GetString("neptun-project");
  config.max_body_bytes = flags.GetInt("max-body-bytes");
  config.client_rps = flags.GetInt("rate-limit-client-rps");
  config.client_burst = flags.GetInt("rate-limit-client-burst");
  config.principal_rps = flags.GetInt("rate-limit-principal-rps");
  config.principal_burst = flags.GetInt("rate-limit-principal-burst");
  config.rpc_timeout_ms = flags.GetInt("rpc-timeout-ms");
  config.header_timeout_ms = flags.GetInt("header-timeout-ms");
  config.body_timeout_ms = flags.GetInt("body-timeout-ms");
  config.max_connections = flags.GetInt("max-connections");
  config.admin_listen = flags.GetString("admin-listen");
  absl::StatusOr<TrustedProxies> trusted_proxies =
      TrustedProxies::Parse(flags.GetString("trusted-proxy-cidrs"));
  if (!trusted_proxies.ok()) {
    return absl::InvalidArgumentError(
        Cat("--trusted-proxy-cidrs: ",
            std::string(trusted_proxies.status().message())));
  }
  config.trusted_proxies = *std::move(trusted_proxies);
  config.threads = static_cast<int>(flags.GetInt("threads"));
  constexpr int64_t kHourMs = int64_t{3600} * 1000;
  if (config.max_body_bytes <= 0) {
    return absl::InvalidArgumentError("--max-body-bytes must be positive");
  }
  if (config.userd_address.empty()) {
    return absl::InvalidArgumentError("--userd-address must not be empty");
  }
  if (config.userd_connection.keepalive_ms < 15000 ||
      config.userd_connection.keepalive_ms > kHourMs) {
    return absl::InvalidArgumentError(
        "--userd-keepalive-ms must be in 15000..3600000");
  }
  if (config.userd_connection.keepalive_timeout_ms < 1000 ||
      config.userd_connection.keepalive_timeout_ms > kHourMs) {
    return absl::InvalidArgumentError(
        "--userd-keepalive-timeout-ms must be in 1000..3600000");
  }
  if (config.userd_connection.max_reconnect_backoff_ms < 100 ||
      config.userd_connection.max_reconnect_backoff_ms > kHourMs) {
    return absl::InvalidArgumentError(
        "--userd-max-reconnect-backoff-ms must be in 100..3600000");
  }
  if (config.rpc_timeout_ms <= 0) {
    return absl::InvalidArgumentError("--rpc-timeout-ms must be positive");
  }
  if (config.header_timeout_ms <= 0 || config.header_timeout_ms > kHourMs) {
    return absl::InvalidArgumentError(
        "--header-timeout-ms must be in 1..3600000");
  }
  if (config.body_timeout_ms <= 0 || config.body_timeout_ms > kHourMs) {
    return absl::InvalidArgumentError(
        "--body-timeout-ms must be in 1..3600000");
  }
  if (config.max_connections < 1 || config.max_connections > 1000000) {
    return absl::InvalidArgumentError(
        "--max-connections must be in 1..1000000");
  }
  if (config.threads < 1 || config.threads > 256) {
    return absl::InvalidArgumentError("--threads must be in 1..256");
  }
  if (config.client_rps < 0 || config.client_burst < 0 ||
      config.principal_rps < 0 || config.principal_burst < 0) {
    return absl::InvalidArgumentError("rate limits must not be negative");
  }
  if (config.medama_project.empty() || config.neptun_project.empty()) {
    return absl::InvalidArgumentError("project flags must not be empty");
  }
  return config;
}

}  // namespace users::gateway
