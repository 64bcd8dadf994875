#ifndef USERS_TESTS_GRPC_USERD_FIXTURE_H_
#define USERS_TESTS_GRPC_USERD_FIXTURE_H_

// An in-process userd on a fresh database (tests/storage/test_database.h),
// with stubs and shortcuts for the calls tests make over and over.

#include <gmock/gmock.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "services/userd/userd_server.h"
#include "tests/storage/test_database.h"
#include "users/v1/project_service.grpc.pb.h"
#include "users/v1/session_service.grpc.pb.h"
#include "users/v1/user_service.grpc.pb.h"

namespace users {
namespace test {

inline constexpr char kAdminToken[] =
    "bootstrap-admin-token-for-tests-0123456789";

// The ErrorInfo and BadRequest of a failed call.
struct CallError {
  grpc::StatusCode code = grpc::StatusCode::OK;
  std::string reason;
  std::vector<std::string> fields;
  std::map<std::string, std::string> metadata;
};

inline CallError ParseError(const grpc::Status& status) {
  CallError error;
  error.code = status.error_code();
  google::rpc::Status details;
  if (!details.ParseFromString(status.error_details())) return error;
  for (const auto& any : details.details()) {
    google::rpc::ErrorInfo info;
    google::rpc::BadRequest bad;
    if (any.UnpackTo(&info)) {
      error.reason = info.reason();
      error.metadata.insert(info.metadata().begin(), info.metadata().end());
    } else if (any.UnpackTo(&bad)) {
      for (const auto& v : bad.field_violations()) {
        error.fields.push_back(v.field());
      }
    }
  }
  return error;
}

class UserdFixture : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { StartServer(); }

  // Starts the shared server with the tests' settings, then `adjust`.
  static void StartServer(
      const std::function<void(UserdConfig&)>& adjust = nullptr) {
    UserdConfig config;
    config.listen = "127.0.0.1:0";
    config.database_url = TestDatabase::Get().connection_string();
    config.bootstrap_token = kAdminToken;
    config.db_pool_size = 8;
    // Cheap hashes: these tests are about rules, not hashing cost.
    config.argon2 = Argon2Params{1024, 1, 1};
    config.hash_queue_capacity = 256;
    if (adjust) adjust(config);
    server_ = new UserdServer(config);
    absl::Status started = server_->Start();
    ASSERT_TRUE(started.ok()) << started;
    channel_ =
        grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->port()),
                            grpc::InsecureChannelCredentials());
  }

  static void TearDownTestSuite() {
    if (server_ != nullptr) server_->Shutdown(std::chrono::seconds(5));
    delete server_;
    server_ = nullptr;
    channel_.reset();
  }

  static std::unique_ptr<v1::UserService::Stub> Users() {
    return v1::UserService::NewStub(channel_);
  }
  static std::unique_ptr<v1::SessionService::Stub> Sessions() {
    return v1::SessionService::NewStub(channel_);
  }
  static std::unique_ptr<v1::ProjectService::Stub> Projects() {
    return v1::ProjectService::NewStub(channel_);
  }

  // Polls `condition` until it holds (true) or `timeout` passes (false).
  // For changes made in the database behind userd's back: its principal
  // cache learns of them from the database's announcement, a moment later.
  static bool Eventually(
      const std::function<bool()>& condition,
      std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!condition()) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
  }

  static void Authorize(grpc::ClientContext& context,
                        const std::string& token) {
    context.AddMetadata("authorization", "Bearer " + token);
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(30));
  }

  // Creates a user of project `project` with the admin key; fails the test
  // on error.
  static v1::User CreateUser(const std::string& username,
                             const std::string& password = "correct horse",
                             const std::string& token = kAdminToken,
                             const std::string& project = "default") {
    v1::CreateUserRequest request;
    request.set_parent("projects/" + project);
    request.mutable_user()->set_username(username);
    request.mutable_user()->set_email(username + "@example.com");
    request.mutable_user()->set_password(password);
    v1::User user;
    grpc::ClientContext context;
    Authorize(context, token);
    grpc::Status status = Users()->CreateUser(&context, request, &user);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return user;
  }

  // Logs in; returns the session token ("" on failure).
  static std::string Login(const std::string& login,
                           const std::string& password = "correct horse",
                           const std::string& project = "default") {
    v1::CreateSessionRequest request;
    request.set_parent("projects/" + project);
    request.set_login(login);
    request.set_password(password);
    v1::Session session;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(30));
    grpc::Status status =
        Sessions()->CreateSession(&context, request, &session);
    return status.ok() ? session.token() : "";
  }

  // An API key of `project` with `scopes`, optionally bound to `user`.
  static std::string CreateKey(const std::vector<std::string>& scopes,
                               const std::string& user = "",
                               const std::string& project = "default",
                               const std::string& token = kAdminToken) {
    v1::CreateApiKeyRequest request;
    request.set_parent("projects/" + project);
    for (const auto& scope : scopes) request.add_scopes(scope);
    request.set_user(user);
    v1::ApiKey key;
    grpc::ClientContext context;
    Authorize(context, token);
    grpc::Status status = Projects()->CreateApiKey(&context, request, &key);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return key.token();
  }

  static grpc::Status Update(const std::string& token, const v1::User& user,
                             const std::vector<std::string>& paths,
                             v1::User* out,
                             grpc::ClientContext* context = nullptr) {
    v1::UpdateUserRequest request;
    *request.mutable_user() = user;
    for (const auto& path : paths) {
      request.mutable_update_mask()->add_paths(path);
    }
    grpc::ClientContext local;
    grpc::ClientContext& ctx = context != nullptr ? *context : local;
    Authorize(ctx, token);
    return Users()->UpdateUser(&ctx, request, out);
  }

  static grpc::Status Get(const std::string& token, const std::string& name,
                          v1::User* out) {
    v1::GetUserRequest request;
    request.set_name(name);
    grpc::ClientContext context;
    Authorize(context, token);
    return Users()->GetUser(&context, request, out);
  }

  static v1::User MustGet(const std::string& name) {
    v1::User user;
    grpc::Status status = Get(kAdminToken, name, &user);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return user;
  }

  static UserdServer* server_;
  static std::shared_ptr<grpc::Channel> channel_;
};

inline UserdServer* UserdFixture::server_ = nullptr;
inline std::shared_ptr<grpc::Channel> UserdFixture::channel_;

}  // namespace test
}  // namespace users

#endif  // USERS_TESTS_GRPC_USERD_FIXTURE_H_
