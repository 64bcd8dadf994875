#ifndef USERS_GATEWAY_USERD_CHANNEL_H_
#define USERS_GATEWAY_USERD_CHANNEL_H_

#include <grpcpp/channel.h>
#include <grpcpp/support/channel_arguments.h>

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace users::gateway {

// How the gateway reaches userd: paths of PEM files (flags --userd-tls-ca,
// --userd-tls-cert, --userd-tls-key) and the name userd's certificate must
// carry (--userd-tls-server-name). All empty: plaintext.
struct UserdTls {
  // The CA certificates userd's certificate is verified with; turns TLS on.
  std::string ca_file;
  // A client certificate and its key (both or neither), for userd's mutual
  // TLS.
  std::string cert_file;
  std::string key_file;
  // Checked in userd's certificate instead of the host of --userd-address.
  std::string server_name;

  bool enabled() const {
    return !ca_file.empty() || !cert_file.empty() || !key_file.empty() ||
           !server_name.empty();
  }
  // "off", "tls" or "mutual", for logs.
  std::string Mode() const;
};

// How the channel keeps its connections to userd alive and gets them back.
struct UserdConnectionSettings {
  // A ping after this long without reads, also without calls in flight
  // (userd accepts one every 10 s at most; not below 15000, for a margin)
  // ...
  int64_t keepalive_ms = 20000;
  // ... and the connection is given up when its answer takes longer.
  int64_t keepalive_timeout_ms = 10000;
  // Reconnecting after a failed attempt waits 100 ms, then 1.6 times longer
  // each time (plus or minus 20 %), never longer than this, so that a userd
  // that comes back is used within about this long.
  int64_t max_reconnect_backoff_ms = 2000;
};

// The channel arguments of the connection to userd: the round_robin policy
// over every address the target resolves to (each gets its own
// connection), keepalive pings, reconnect back-off and how often DNS may be
// asked again.
grpc::ChannelArguments UserdChannelArguments(
    const UserdConnectionSettings& settings);

// A channel to `address`, any gRPC target: "host:port" and
// "dns:///host:port" (every A/AAAA record of host, asked again when a
// connection ends), "ipv4:10.0.0.1:50051,10.0.0.2:50051",
// "ipv6:[::1]:50051", "unix:/path". Plaintext when `tls` is empty, else TLS
// verifying userd with tls.ca_file and presenting the client certificate
// when given. The channel connects lazily. InvalidArgument naming the flag
// when a certificate, key or server name comes without --userd-tls-ca, only
// one of cert and key is set, a file cannot be read or holds no PEM
// certificate or key, or the key does not belong to the certificate.
absl::StatusOr<std::shared_ptr<grpc::Channel>> CreateUserdChannel(
    const std::string& address, const UserdTls& tls,
    const UserdConnectionSettings& settings = UserdConnectionSettings());

}  // namespace users::gateway

#endif  // USERS_GATEWAY_USERD_CHANNEL_H_
