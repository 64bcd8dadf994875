#ifndef USERS_SERVICES_USERD_SERVER_TLS_H_
#define USERS_SERVICES_USERD_SERVER_TLS_H_

#include <grpcpp/security/server_credentials.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace users {

// userd's TLS: paths of PEM files (flags --tls-cert, --tls-key,
// --tls-client-ca). All empty: plaintext.
struct ServerTlsFiles {
  // The server's certificate chain and its private key: both or neither.
  std::string cert_file;
  std::string key_file;
  // When set (needs cert_file): mutual TLS, every client must present a
  // certificate signed by one of these CAs.
  std::string client_ca_file;

  bool enabled() const {
    return !cert_file.empty() || !key_file.empty() || !client_ca_file.empty();
  }
  // "off", "tls" or "mutual", for logs.
  std::string Mode() const;
};

// The credentials userd listens with: insecure when `files` is empty, else
// TLS, requiring and verifying client certificates when client_ca_file is
// set. InvalidArgument naming the flag when only one of cert and key is set,
// a client CA comes without them, a file cannot be read or holds no PEM
// certificate or key, or the key does not belong to the certificate.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const ServerTlsFiles& files);

}  // namespace users

#endif  // USERS_SERVICES_USERD_SERVER_TLS_H_
