// userd's gRPC port over TLS and mutual TLS, with certificates made by
// openssl at start (tests/tools/make_test_certs.sh) in a temporary directory.

#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/grpc/userd_fixture.h"

#ifndef USERS_MAKE_TEST_CERTS
#error "USERS_MAKE_TEST_CERTS must name tests/tools/make_test_certs.sh"
#endif

namespace users {
namespace test {
namespace {

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

class TlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char pattern[] = "/tmp/userd-tls-test-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = new std::filesystem::path(pattern);
    std::string command = std::string("bash '") + USERS_MAKE_TEST_CERTS +
                          "' '" + dir_->string() + "'";
    ASSERT_EQ(std::system(command.c_str()), 0) << command;

    tls_ = StartServer(Files(/*mutual=*/false));
    mutual_ = StartServer(Files(/*mutual=*/true));
  }

  static void TearDownTestSuite() {
    for (UserdServer* server : {tls_, mutual_}) {
      if (server != nullptr) server->Shutdown(std::chrono::seconds(5));
      delete server;
    }
    tls_ = mutual_ = nullptr;
    if (dir_ != nullptr) std::filesystem::remove_all(*dir_);
    delete dir_;
    dir_ = nullptr;
  }

  static std::string Path(const std::string& name) {
    return (*dir_ / name).string();
  }
  static std::string Pem(const std::string& name) {
    return ReadFile(*dir_ / name);
  }

  static ServerTlsFiles Files(bool mutual) {
    ServerTlsFiles files;
    files.cert_file = Path("server.crt");
    files.key_file = Path("server.key");
    if (mutual) files.client_ca_file = Path("ca.crt");
    return files;
  }

  static UserdConfig Config(ServerTlsFiles files) {
    UserdConfig config;
    config.listen = "127.0.0.1:0";
    config.database_url = TestDatabase::Get().connection_string();
    config.bootstrap_token = kAdminToken;
    config.db_pool_size = 2;
    config.argon2 = Argon2Params{1024, 1, 1};
    config.tls = std::move(files);
    return config;
  }

  static UserdServer* StartServer(ServerTlsFiles files) {
    auto* server = new UserdServer(Config(std::move(files)));
    absl::Status started = server->Start();
    EXPECT_TRUE(started.ok()) << started;
    return server;
  }

  // TLS credentials trusting `ca` (a file name in the directory), presenting
  // `client` (.crt/.key) when not empty.
  static std::shared_ptr<grpc::ChannelCredentials> Tls(
      const std::string& ca, const std::string& client = "") {
    grpc::SslCredentialsOptions options;
    options.pem_root_certs = Pem(ca);
    if (!client.empty()) {
      options.pem_cert_chain = Pem(client + ".crt");
      options.pem_private_key = Pem(client + ".key");
    }
    return grpc::SslCredentials(options);
  }

  // One authorized CreateUser through a fresh channel.
  static grpc::Status CreateUserOver(
      UserdServer& server,
      const std::shared_ptr<grpc::ChannelCredentials>& credentials,
      const std::string& username) {
    auto channel = grpc::CreateChannel(
        "127.0.0.1:" + std::to_string(server.port()), credentials);
    v1::CreateUserRequest request;
    request.set_parent("projects/default");
    request.mutable_user()->set_username(username);
    request.mutable_user()->set_email(username + "@example.com");
    request.mutable_user()->set_password("correct horse");
    v1::User user;
    grpc::ClientContext context;
    context.AddMetadata("authorization", std::string("Bearer ") + kAdminToken);
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(10));
    return v1::UserService::NewStub(channel)->CreateUser(&context, request,
                                                         &user);
  }

  static absl::Status StartWith(ServerTlsFiles files) {
    UserdServer server(Config(std::move(files)));
    return server.Start();
  }

  static std::filesystem::path* dir_;
  static UserdServer* tls_;
  static UserdServer* mutual_;
};

std::filesystem::path* TlsTest::dir_ = nullptr;
UserdServer* TlsTest::tls_ = nullptr;
UserdServer* TlsTest::mutual_ = nullptr;

TEST_F(TlsTest, ClientTrustingTheCaIsServed) {
  grpc::Status status = CreateUserOver(*tls_, Tls("ca.crt"), "tls_plain_ca");
  EXPECT_TRUE(status.ok()) << status.error_message();
}

TEST_F(TlsTest, PlaintextClientIsRefused) {
  grpc::Status status = CreateUserOver(
      *tls_, grpc::InsecureChannelCredentials(), "tls_plaintext");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << status.error_message();
}

TEST_F(TlsTest, ClientNotTrustingTheServerGetsNoConnection) {
  grpc::Status status =
      CreateUserOver(*tls_, Tls("other-ca.crt"), "tls_untrusted");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << status.error_message();
}

TEST_F(TlsTest, MutualTlsServesAClientWithACertificateOfTheCa) {
  grpc::Status status =
      CreateUserOver(*mutual_, Tls("ca.crt", "client"), "mtls_client");
  EXPECT_TRUE(status.ok()) << status.error_message();
}

TEST_F(TlsTest, MutualTlsRefusesAClientWithoutACertificate) {
  grpc::Status status = CreateUserOver(*mutual_, Tls("ca.crt"), "mtls_no_cert");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << status.error_message();
}

TEST_F(TlsTest, MutualTlsRefusesACertificateOfAnotherCa) {
  grpc::Status status =
      CreateUserOver(*mutual_, Tls("ca.crt", "other-client"), "mtls_other");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << status.error_message();
}

TEST_F(TlsTest, MutualTlsRefusesPlaintext) {
  grpc::Status status = CreateUserOver(
      *mutual_, grpc::InsecureChannelCredentials(), "mtls_plaintext");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << status.error_message();
}

// Unusable files stop Start() before anything listens, naming the flag.
TEST_F(TlsTest, UnusableFilesAreStartErrorsNamingTheFlag) {
  struct Case {
    const char* what;
    ServerTlsFiles files;
    const char* flag;
  };
  std::filesystem::path garbage = *dir_ / "garbage.pem";
  std::ofstream(garbage) << "not a certificate\n";
  ServerTlsFiles cert_only = Files(false);
  cert_only.key_file.clear();
  ServerTlsFiles key_only = Files(false);
  key_only.cert_file.clear();
  ServerTlsFiles ca_only;
  ca_only.client_ca_file = Path("ca.crt");
  ServerTlsFiles missing_cert = Files(false);
  missing_cert.cert_file = Path("no-such.crt");
  ServerTlsFiles garbage_cert = Files(false);
  garbage_cert.cert_file = garbage.string();
  ServerTlsFiles garbage_key = Files(false);
  garbage_key.key_file = garbage.string();
  ServerTlsFiles mismatched = Files(false);
  mismatched.key_file = Path("client.key");
  ServerTlsFiles missing_ca = Files(true);
  missing_ca.client_ca_file = Path("no-such-ca.crt");
  for (const Case& c : std::vector<Case>{
           {"cert without key", cert_only, "--tls-key"},
           {"key without cert", key_only, "--tls-cert"},
           {"client CA alone", ca_only, "--tls-cert"},
           {"missing cert file", missing_cert, "--tls-cert"},
           {"cert file without a certificate", garbage_cert, "--tls-cert"},
           {"key file without a key", garbage_key, "--tls-key"},
           {"key of another certificate", mismatched, "--tls-key"},
           {"missing client CA file", missing_ca, "--tls-client-ca"},
       }) {
    absl::Status status = StartWith(c.files);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument)
        << c.what << ": " << status;
    EXPECT_THAT(std::string(status.message()), ::testing::HasSubstr(c.flag))
        << c.what;
  }
}

}  // namespace
}  // namespace test
}  // namespace users
