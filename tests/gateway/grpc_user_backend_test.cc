#include "gateway/grpc_user_backend.h"

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "boost/asio/io_context.hpp"
#include "gateway/rpc_error.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"

namespace users::gateway {
namespace {

// A UserService that records the metadata of each call. UpdateUser echoes
// the user and sets rotation metadata; GetUser blocks until released (to
// exercise deadlines); CreateUser fails with details.
class RecordingUserService final : public users::v1::UserService::Service {
 public:
  grpc::Status UpdateUser(grpc::ServerContext* context,
                          const users::v1::UpdateUserRequest* request,
                          users::v1::User* response) override {
    Record(context);
    *response = request->user();
    response->set_etag("e1");
    context->AddInitialMetadata("x-session-token", "rotated");
    context->AddInitialMetadata("x-session-expire-time",
                                "2030-01-01T00:00:00Z");
    return grpc::Status::OK;
  }
  grpc::Status GetUser(grpc::ServerContext* context,
                       const users::v1::GetUserRequest* request,
                       users::v1::User* response) override {
    Record(context);
    std::unique_lock<std::mutex> lock(mutex_);
    released_.wait(lock, [this] { return release_; });
    return grpc::Status::OK;
  }
  grpc::Status CreateUser(grpc::ServerContext* context,
                          const users::v1::CreateUserRequest* request,
                          users::v1::User* response) override {
    Record(context);
    return MakeRpcStatus(grpc::StatusCode::ALREADY_EXISTS, "taken",
                         "USERNAME_TAKEN",
                         {{"user.username", "already taken", "TAKEN"}});
  }

  void Release() {
    std::lock_guard<std::mutex> lock(mutex_);
    release_ = true;
    released_.notify_all();
  }
  std::multimap<std::string, std::string> metadata() {
    std::lock_guard<std::mutex> lock(mutex_);
    return metadata_;
  }

 private:
  void Record(grpc::ServerContext* context) {
    std::lock_guard<std::mutex> lock(mutex_);
    metadata_.clear();
    for (const auto& [key, value] : context->client_metadata()) {
      metadata_.emplace(std::string(key.data(), key.size()),
                        std::string(value.data(), value.size()));
    }
  }

  std::mutex mutex_;
  std::condition_variable released_;
  bool release_ = false;
  std::multimap<std::string, std::string> metadata_;
};

class GrpcUserBackendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                   grpc::InsecureChannelCredentials());
  }
  void TearDown() override {
    service_.Release();
    server_->Shutdown();
  }

  // Runs the io_context until every call made in `start` has completed;
  // returns the id of the thread completions ran on.
  std::thread::id Run(const std::function<void()>& start) {
    start();
    io_context_.run();
    io_context_.restart();
    return completion_thread_;
  }

  RecordingUserService service_;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
  boost::asio::io_context io_context_;
  std::thread::id completion_thread_;
};

TEST_F(GrpcUserBackendTest, SendsMetadataAndReturnsInitialMetadata) {
  GrpcUserBackend backend(channel_, io_context_.get_executor(),
                          std::chrono::seconds(5));
  users::v1::UpdateUserRequest request;
  request.mutable_user()->set_name("projects/p/users/1");
  request.mutable_user()->set_email("a@b.co");
  RpcResult<users::v1::User> result;
  bool done = false;
  Run([&] {
    backend.UpdateUser(CallOptions{"tok", "rid-1", true}, request,
                       [&](RpcResult<users::v1::User> r) {
                         result = std::move(r);
                         done = true;
                         completion_thread_ = std::this_thread::get_id();
                       });
  });
  ASSERT_TRUE(done);
  // Completions run on the io_context's thread (here: this one).
  EXPECT_EQ(completion_thread_, std::this_thread::get_id());
  ASSERT_TRUE(result.status.ok()) << result.status.error_message();
  EXPECT_EQ(result.response.email(), "a@b.co");
  EXPECT_EQ(result.response.etag(), "e1");
  EXPECT_EQ(result.Metadata("x-session-token"), "rotated");
  EXPECT_EQ(result.Metadata("x-session-expire-time"), "2030-01-01T00:00:00Z");
  auto metadata = service_.metadata();
  EXPECT_EQ(metadata.find("authorization")->second, "Bearer tok");
  EXPECT_EQ(metadata.find("x-request-id")->second, "rid-1");
  EXPECT_EQ(metadata.find("x-self-only")->second, "1");
}

TEST_F(GrpcUserBackendTest, OmitsEmptyCredentialsAndSelfOnly) {
  GrpcUserBackend backend(channel_, io_context_.get_executor(),
                          std::chrono::seconds(5));
  Run([&] {
    backend.UpdateUser(CallOptions{"", "rid-2", false},
                       users::v1::UpdateUserRequest(),
                       [](const RpcResult<users::v1::User>&) {});
  });
  auto metadata = service_.metadata();
  EXPECT_EQ(metadata.count("authorization"), 0u);
  EXPECT_EQ(metadata.count("x-self-only"), 0u);
  EXPECT_EQ(metadata.find("x-request-id")->second, "rid-2");
}

TEST_F(GrpcUserBackendTest, CarriesErrorDetails) {
  GrpcUserBackend backend(channel_, io_context_.get_executor(),
                          std::chrono::seconds(5));
  RpcResult<users::v1::User> result;
  Run([&] {
    backend.CreateUser(
        CallOptions{"tok", "rid-3", false}, users::v1::CreateUserRequest(),
        [&](RpcResult<users::v1::User> r) { result = std::move(r); });
  });
  RpcError error = RpcError::FromStatus(result.status);
  EXPECT_EQ(error.code, grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(error.reason, "USERNAME_TAKEN");
  ASSERT_EQ(error.violations.size(), 1u);
  EXPECT_EQ(error.violations[0].field, "username");
  EXPECT_EQ(error.violations[0].reason, "TAKEN");
}

TEST_F(GrpcUserBackendTest, EveryCallHasADeadline) {
  GrpcUserBackend backend(channel_, io_context_.get_executor(),
                          std::chrono::milliseconds(100));
  RpcResult<users::v1::User> result;
  auto start = std::chrono::steady_clock::now();
  Run([&] {
    backend.GetUser(
        CallOptions{"tok", "rid-4", false}, users::v1::GetUserRequest(),
        [&](RpcResult<users::v1::User> r) { result = std::move(r); });
  });
  EXPECT_EQ(result.status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(4));
}

TEST_F(GrpcUserBackendTest, HealthIsNotServingWithoutAHealthService) {
  GrpcUserBackend backend(channel_, io_context_.get_executor(),
                          std::chrono::seconds(5));
  bool serving = true;
  Run([&] { backend.CheckHealth([&](bool s) { serving = s; }); });
  EXPECT_FALSE(serving);
}

TEST_F(GrpcUserBackendTest, HealthIsServingWhenTheServerSaysSo) {
  grpc::EnableDefaultHealthCheckService(true);
  RecordingUserService service;
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  grpc::EnableDefaultHealthCheckService(false);
  ASSERT_NE(server, nullptr);
  GrpcUserBackend backend(
      grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                          grpc::InsecureChannelCredentials()),
      io_context_.get_executor(), std::chrono::seconds(5));
  bool serving = false;
  Run([&] { backend.CheckHealth([&](bool s) { serving = s; }); });
  EXPECT_TRUE(serving);
  server->GetHealthCheckService()->SetServingStatus(false);
  Run([&] { backend.CheckHealth([&](bool s) { serving = s; }); });
  EXPECT_FALSE(serving);
  server->Shutdown();
}

}  // namespace
}  // namespace users::gateway
