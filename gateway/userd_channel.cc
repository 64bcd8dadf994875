#include "gateway/userd_channel.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>

#include <algorithm>
#include <limits>

#include "services/common/pem_files.h"

namespace users::gateway {
namespace {

// round_robin instead of the default pick_first: one connection to every
// address of the target, calls spread over those that are connected.
constexpr char kServiceConfig[] =
    R"({"loadBalancingConfig":[{"round_robin":{}}]})";
// The first reconnect waits this long, and every connection attempt may
// take at least this long before it counts as failed.
constexpr int kInitialReconnectBackoffMs = 100;
constexpr int kMinConnectTimeoutMs = 250;
// gRPC sends pings without data (keepalive ones included) at most this
// often; its default of 5 minutes would space an idle connection's
// keepalive pings that far apart. userd accepts one every 10 s: 15 s keeps
// clear of that even with network jitter.
constexpr int kMinSentPingIntervalMs = 15000;
// A connection that ends makes the channel ask DNS again, at most this
// often (gRPC's default is 30 s).
constexpr int kMinTimeBetweenResolutionsMs = 5000;

int Clamp(int64_t value) {
  return static_cast<int>(
      std::min<int64_t>(value, std::numeric_limits<int>::max()));
}

absl::Status Named(const char* flag, const absl::Status& status) {
  return absl::InvalidArgumentError(std::string(flag) + ": " +
                                    std::string(status.message()));
}

}  // namespace

grpc::ChannelArguments UserdChannelArguments(
    const UserdConnectionSettings& settings) {
  grpc::ChannelArguments arguments;
  arguments.SetServiceConfigJSON(kServiceConfig);
  // A service config published in DNS must not replace round_robin.
  arguments.SetInt(GRPC_ARG_SERVICE_CONFIG_DISABLE_RESOLUTION, 1);
  arguments.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, Clamp(settings.keepalive_ms));
  arguments.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS,
                   Clamp(settings.keepalive_timeout_ms));
  arguments.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  // Unlimited pings without data (the default stops after two).
  arguments.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  arguments.SetInt(GRPC_ARG_HTTP2_MIN_SENT_PING_INTERVAL_WITHOUT_DATA_MS,
                   kMinSentPingIntervalMs);
  arguments.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS,
                   kInitialReconnectBackoffMs);
  arguments.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, kMinConnectTimeoutMs);
  arguments.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS,
                   Clamp(settings.max_reconnect_backoff_ms));
  arguments.SetInt(GRPC_ARG_DNS_MIN_TIME_BETWEEN_RESOLUTIONS_MS,
                   kMinTimeBetweenResolutionsMs);
  return arguments;
}

std::string UserdTls::Mode() const {
  if (!enabled()) return "off";
  return cert_file.empty() ? "tls" : "mutual";
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> CreateUserdChannel(
    const std::string& address, const UserdTls& tls,
    const UserdConnectionSettings& settings) {
  grpc::ChannelArguments arguments = UserdChannelArguments(settings);
  if (!tls.enabled()) {
    return grpc::CreateCustomChannel(
        address, grpc::InsecureChannelCredentials(), arguments);
  }
  if (tls.ca_file.empty()) {
    return absl::InvalidArgumentError(
        "--userd-tls-ca is required with --userd-tls-cert, --userd-tls-key "
        "and --userd-tls-server-name");
  }
  if (tls.cert_file.empty() != tls.key_file.empty()) {
    return absl::InvalidArgumentError(tls.cert_file.empty()
                                          ? "--userd-tls-cert is required with "
                                            "--userd-tls-key"
                                          : "--userd-tls-key is required with "
                                            "--userd-tls-cert");
  }
  grpc::SslCredentialsOptions options;
  absl::StatusOr<std::string> ca = ReadPemCertificates(tls.ca_file);
  if (!ca.ok()) return Named("--userd-tls-ca", ca.status());
  options.pem_root_certs = *ca;
  if (!tls.cert_file.empty()) {
    absl::StatusOr<std::string> cert = ReadPemCertificates(tls.cert_file);
    if (!cert.ok()) return Named("--userd-tls-cert", cert.status());
    absl::StatusOr<std::string> key = ReadPemPrivateKey(tls.key_file);
    if (!key.ok()) return Named("--userd-tls-key", key.status());
    if (absl::Status s = CheckKeyMatchesCertificate(*cert, *key); !s.ok()) {
      return Named("--userd-tls-key", s);
    }
    options.pem_cert_chain = *cert;
    options.pem_private_key = *key;
  }
  if (!tls.server_name.empty()) {
    arguments.SetSslTargetNameOverride(tls.server_name);
  }
  return grpc::CreateCustomChannel(address, grpc::SslCredentials(options),
                                   arguments);
}

}  // namespace users::gateway
