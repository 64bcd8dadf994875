#ifndef USERS_GATEWAY_GATEWAY_CONFIG_H_
#define USERS_GATEWAY_GATEWAY_CONFIG_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "gateway/userd_channel.h"
#include "services/common/flags.h"
#include "services/common/trusted_proxies.h"

namespace users::gateway {

// Everything user-gateway is configured with; built once at start-up.
struct GatewayConfig {
  std::string listen = "127.0.0.1:8080";
  // Any gRPC target (see CreateUserdChannel): one address, a DNS name whose
  // every address is used, or a static "ipv4:" list.
  std::string userd_address = "127.0.0.1:50051";
  // TLS to userd (plaintext when empty).
  UserdTls userd_tls;
  // Keepalive and reconnect back-off of the connections to userd.
  UserdConnectionSettings userd_connection;
  // Drops `Secure` from the cookies the gateway sets (local plain HTTP).
  bool insecure_cookies = false;
  // Origins cookie contracts accept ("https://app.example.com"); a request
  // with any other Origin header is refused with 403.
  std::vector<std::string> allowed_origins;
  // The projects whose users the cookie contracts log in.
  std::string medama_project = "default";
  std::string neptun_project = "default";
  int64_t max_body_bytes = 65536;
  // Token buckets; a rate of 0 turns the limit off.
  int64_t client_rps = 0;
  int64_t client_burst = 0;
  int64_t principal_rps = 0;
  int64_t principal_burst = 0;
  // Proxies (an Ingress) whose X-Forwarded-For names the client: the client
  // address is the one rate limits count and userd's login throttling sees.
  TrustedProxies trusted_proxies;
  int64_t rpc_timeout_ms = 5000;
  // A connection must send a request's whole header within this, counted
  // from the moment it is ready for one (accepted, or its previous response
  // written: a keep-alive connection idles no longer than this), ...
  int64_t header_timeout_ms = 10000;
  // ... and then its whole body within this.
  int64_t body_timeout_ms = 30000;
  // Connections beyond this many open ones are accepted and closed at once.
  int64_t max_connections = 10000;
  // host:port of the admin listener (/metrics, /healthz, /readyz); "" for
  // none. /metrics is served nowhere else.
  std::string admin_listen;
  int threads = 1;
  // The short commit of the build, sent as X-Api-Commit by Medama.
  std::string api_commit = "unknown";
};

// Declares the gateway's flags (each with an environment fallback).
void RegisterGatewayFlags(Flags& flags);

// Reads the flags declared by RegisterGatewayFlags. InvalidArgument names a
// value out of range.
absl::StatusOr<GatewayConfig> GatewayConfigFromFlags(const Flags& flags);

}  // namespace users::gateway

#endif  // USERS_GATEWAY_GATEWAY_CONFIG_H_
