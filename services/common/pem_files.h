#ifndef USERS_SERVICES_COMMON_PEM_FILES_H_
#define USERS_SERVICES_COMMON_PEM_FILES_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace users {

// Reading the PEM files of a TLS configuration, checked before gRPC sees them:
// gRPC reports a bad file only as a failed listen or a failed handshake.
// Messages name the file, not the flag; callers prefix the flag.

// The contents of `path` when it holds one or more X.509 certificates in PEM.
// InvalidArgument when it cannot be read or holds none.
absl::StatusOr<std::string> ReadPemCertificates(const std::string& path);

// The contents of `path` when it holds a private key in PEM (PKCS#8, RSA or
// EC). InvalidArgument when it cannot be read or holds none.
absl::StatusOr<std::string> ReadPemPrivateKey(const std::string& path);

// OK when `key_pem` is the private key of the first certificate of
// `cert_pem`; InvalidArgument otherwise.
absl::Status CheckKeyMatchesCertificate(const std::string& cert_pem,
                                        const std::string& key_pem);

}  // namespace users

#endif  // USERS_SERVICES_COMMON_PEM_FILES_H_
