#include "gateway/userd_channel.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>

#include "services/common/pem_files.h"

namespace users::gateway {
namespace {

absl::Status Named(const char* flag, const absl::Status& status) {
  return absl::InvalidArgumentError(std::string(flag) + ": " +
                                    std::string(status.message()));
}

}  // namespace

std::string UserdTls::Mode() const {
  if (!enabled()) return "off";
  return cert_file.empty() ? "tls" : "mutual";
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> CreateUserdChannel(
    const std::string& address, const UserdTls& tls) {
  if (!tls.enabled()) {
    return grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  }
  if (tls.ca_file.empty()) {
    return absl::InvalidArgumentError(
        "--userd-tls-ca is required with --userd-tls-cert, --userd-tls-key "
        "and --userd-tls-server-name");
  }
  if (tls.cert_file.empty() != tls.key_file.empty()) {
    return absl::InvalidArgumentError(
        tls.cert_file.empty() ? "--userd-tls-cert is required with "
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
  grpc::ChannelArguments arguments;
  if (!tls.server_name.empty()) {
    arguments.SetSslTargetNameOverride(tls.server_name);
  }
  return grpc::CreateCustomChannel(address, grpc::SslCredentials(options),
                                   arguments);
}

}  // namespace users::gateway
