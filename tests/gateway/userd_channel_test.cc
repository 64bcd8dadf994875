#include "gateway/userd_channel.h"

#include <grpcpp/client_context.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"

namespace users::gateway {
namespace {

using grpc::health::v1::Health;
using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

int IntArgument(const grpc::ChannelArguments& arguments, const char* key) {
  grpc_channel_args c = arguments.c_channel_args();
  for (size_t i = 0; i < c.num_args; ++i) {
    if (std::string(c.args[i].key) == key &&
        c.args[i].type == GRPC_ARG_INTEGER) {
      return c.args[i].value.integer;
    }
  }
  return -1;
}

std::string StringArgument(const grpc::ChannelArguments& arguments,
                           const char* key) {
  grpc_channel_args c = arguments.c_channel_args();
  for (size_t i = 0; i < c.num_args; ++i) {
    if (std::string(c.args[i].key) == key &&
        c.args[i].type == GRPC_ARG_STRING) {
      return c.args[i].value.string;
    }
  }
  return "";
}

TEST(UserdChannelTest, ArgumentsBalanceKeepAliveAndCapTheBackoff) {
  grpc::ChannelArguments arguments =
      UserdChannelArguments(UserdConnectionSettings());
  EXPECT_NE(StringArgument(arguments, GRPC_ARG_SERVICE_CONFIG)
                .find(R"("round_robin")"),
            std::string::npos);
  EXPECT_EQ(IntArgument(arguments, GRPC_ARG_SERVICE_CONFIG_DISABLE_RESOLUTION),
            1);
  EXPECT_EQ(IntArgument(arguments, GRPC_ARG_KEEPALIVE_TIME_MS), 20000);
  EXPECT_EQ(IntArgument(arguments, GRPC_ARG_KEEPALIVE_TIMEOUT_MS), 10000);
  EXPECT_EQ(IntArgument(arguments, GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS), 1);
  EXPECT_EQ(IntArgument(arguments, GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA), 0);
  EXPECT_EQ(IntArgument(arguments,
                        GRPC_ARG_HTTP2_MIN_SENT_PING_INTERVAL_WITHOUT_DATA_MS),
            15000);
  EXPECT_EQ(IntArgument(arguments, GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS), 100);
  EXPECT_EQ(IntArgument(arguments, GRPC_ARG_MIN_RECONNECT_BACKOFF_MS), 250);
  EXPECT_EQ(IntArgument(arguments, GRPC_ARG_MAX_RECONNECT_BACKOFF_MS), 2000);

  UserdConnectionSettings settings;
  settings.keepalive_ms = 30000;
  settings.max_reconnect_backoff_ms = 500;
  arguments = UserdChannelArguments(settings);
  EXPECT_EQ(IntArgument(arguments, GRPC_ARG_KEEPALIVE_TIME_MS), 30000);
  EXPECT_EQ(IntArgument(arguments, GRPC_ARG_MAX_RECONNECT_BACKOFF_MS), 500);
}

// A health service that counts the calls it answers.
class CountingHealth final : public Health::Service {
 public:
  grpc::Status Check(grpc::ServerContext*, const HealthCheckRequest*,
                     HealthCheckResponse* response) override {
    ++calls;
    response->set_status(HealthCheckResponse::SERVING);
    return grpc::Status::OK;
  }
  std::atomic<int> calls{0};
};

struct Replica {
  CountingHealth service;
  std::unique_ptr<grpc::Server> server;
  int port = 0;
};

void Start(Replica& replica) {
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           &replica.port);
  builder.RegisterService(&replica.service);
  replica.server = builder.BuildAndStart();
  ASSERT_NE(replica.server, nullptr);
}

grpc::Status Check(Health::Stub& stub) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(5));
  // Waits for the first connections, so that the count below compares the
  // policy's choices rather than which connection happened to be first.
  context.set_wait_for_ready(true);
  HealthCheckResponse response;
  return stub.Check(&context, HealthCheckRequest(), &response);
}

TEST(UserdChannelTest, StaticListSpreadsCallsOverEveryAddress) {
  Replica a;
  Replica b;
  Start(a);
  Start(b);
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel =
      CreateUserdChannel("ipv4:127.0.0.1:" + std::to_string(a.port) +
                             ",127.0.0.1:" + std::to_string(b.port),
                         UserdTls());
  ASSERT_TRUE(channel.ok()) << channel.status();
  std::unique_ptr<Health::Stub> stub = Health::NewStub(*channel);
  // Both connected before counting (pick_first would only ever use a).
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while ((a.service.calls == 0 || b.service.calls == 0) &&
         std::chrono::steady_clock::now() < deadline) {
    ASSERT_TRUE(Check(*stub).ok());
  }
  ASSERT_GT(a.service.calls, 0);
  ASSERT_GT(b.service.calls, 0);
  a.service.calls = 0;
  b.service.calls = 0;
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(Check(*stub).ok());
  EXPECT_EQ(a.service.calls + b.service.calls, 100);
  EXPECT_GE(a.service.calls, 45);
  EXPECT_GE(b.service.calls, 45);

  // One replica gone: the other takes every call.
  a.server->Shutdown();
  a.server->Wait();
  b.service.calls = 0;
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(Check(*stub).ok());
  EXPECT_EQ(b.service.calls, 20);
  b.server->Shutdown();
}

}  // namespace
}  // namespace users::gateway
