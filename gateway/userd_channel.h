#ifndef USERS_GATEWAY_USERD_CHANNEL_H_
#define USERS_GATEWAY_USERD_CHANNEL_H_

#include <grpcpp/channel.h>

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

// A channel to `address`: plaintext when `tls` is empty, else TLS verifying
// userd with tls.ca_file and presenting the client certificate when given.
// The channel connects lazily. InvalidArgument naming the flag when a
// certificate, key or server name comes without --userd-tls-ca, only one of
// cert and key is set, a file cannot be read or holds no PEM certificate or
// key, or the key does not belong to the certificate.
absl::StatusOr<std::shared_ptr<grpc::Channel>> CreateUserdChannel(
    const std::string& address, const UserdTls& tls);

}  // namespace users::gateway

#endif  // USERS_GATEWAY_USERD_CHANNEL_H_
