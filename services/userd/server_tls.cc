#include "services/userd/server_tls.h"

#include "services/common/pem_files.h"

namespace users {
namespace {

absl::Status Named(const char* flag, const absl::Status& status) {
  return absl::InvalidArgumentError(std::string(flag) + ": " +
                                    std::string(status.message()));
}

}  // namespace

std::string ServerTlsFiles::Mode() const {
  if (!enabled()) return "off";
  return client_ca_file.empty() ? "tls" : "mutual";
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const ServerTlsFiles& files) {
  if (!files.enabled()) return grpc::InsecureServerCredentials();
  if (files.cert_file.empty() || files.key_file.empty()) {
    return absl::InvalidArgumentError(
        files.cert_file.empty()
            ? "--tls-cert is required with --tls-key or --tls-client-ca"
            : "--tls-key is required with --tls-cert");
  }
  absl::StatusOr<std::string> cert = ReadPemCertificates(files.cert_file);
  if (!cert.ok()) return Named("--tls-cert", cert.status());
  absl::StatusOr<std::string> key = ReadPemPrivateKey(files.key_file);
  if (!key.ok()) return Named("--tls-key", key.status());
  if (absl::Status s = CheckKeyMatchesCertificate(*cert, *key); !s.ok()) {
    return Named("--tls-key", s);
  }

  grpc::SslServerCredentialsOptions options(
      GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  options.pem_key_cert_pairs.push_back({*key, *cert});
  if (!files.client_ca_file.empty()) {
    absl::StatusOr<std::string> ca = ReadPemCertificates(files.client_ca_file);
    if (!ca.ok()) return Named("--tls-client-ca", ca.status());
    options.pem_root_certs = *ca;
    options.client_certificate_request =
        GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return grpc::SslServerCredentials(options);
}

}  // namespace users
