#include "gateway/gateway_config.h"

#include <cstdlib>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace users::gateway {
namespace {

absl::StatusOr<GatewayConfig> Parse(std::vector<std::string> args) {
  Flags flags("user-gateway");
  RegisterGatewayFlags(flags);
  std::vector<char*> argv = {const_cast<char*>("user-gateway")};
  for (std::string& arg : args) argv.push_back(arg.data());
  absl::Status status = flags.Parse(static_cast<int>(argv.size()), argv.data());
  if (!status.ok()) return status;
  return GatewayConfigFromFlags(flags);
}

TEST(GatewayConfigTest, Defaults) {
  absl::StatusOr<GatewayConfig> config = Parse({});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->listen, "127.0.0.1:8080");
  EXPECT_EQ(config->userd_address, "127.0.0.1:50051");
  EXPECT_FALSE(config->insecure_cookies);
  EXPECT_TRUE(config->allowed_origins.empty());
  EXPECT_EQ(config->medama_project, "default");
  EXPECT_EQ(config->neptun_project, "default");
  EXPECT_EQ(config->max_body_bytes, 65536);
  EXPECT_EQ(config->client_rps, 0);
  EXPECT_EQ(config->principal_rps, 0);
  EXPECT_EQ(config->rpc_timeout_ms, 5000);
  EXPECT_EQ(config->header_timeout_ms, 10000);
  EXPECT_EQ(config->body_timeout_ms, 30000);
  EXPECT_EQ(config->max_connections, 10000);
  EXPECT_EQ(config->admin_listen, "");
  EXPECT_EQ(config->threads, 1);
  EXPECT_EQ(config->userd_connection.keepalive_ms, 20000);
  EXPECT_EQ(config->userd_connection.keepalive_timeout_ms, 10000);
  EXPECT_EQ(config->userd_connection.max_reconnect_backoff_ms, 2000);
}

TEST(GatewayConfigTest, UserdAddressTakesEveryTargetForm) {
  for (const char* target :
       {"dns:///userd-headless.users.svc.cluster.local:50051",
        "ipv4:127.0.0.1:5001,127.0.0.1:5002", "ipv6:[::1]:5001",
        "userd:50051"}) {
    absl::StatusOr<GatewayConfig> config = Parse({"--userd-address", target});
    ASSERT_TRUE(config.ok()) << config.status();
    EXPECT_EQ(config->userd_address, target);
  }
  setenv("USERD_ADDRESS", "ipv4:10.0.0.1:50051,10.0.0.2:50051", 1);
  absl::StatusOr<GatewayConfig> from_environment = Parse({});
  unsetenv("USERD_ADDRESS");
  ASSERT_TRUE(from_environment.ok()) << from_environment.status();
  EXPECT_EQ(from_environment->userd_address,
            "ipv4:10.0.0.1:50051,10.0.0.2:50051");
}

TEST(GatewayConfigTest, ReadsTheUserdConnectionSettings) {
  absl::StatusOr<GatewayConfig> config =
      Parse({"--userd-keepalive-ms=30000", "--userd-keepalive-timeout-ms=5000",
             "--userd-max-reconnect-backoff-ms=1000"});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->userd_connection.keepalive_ms, 30000);
  EXPECT_EQ(config->userd_connection.keepalive_timeout_ms, 5000);
  EXPECT_EQ(config->userd_connection.max_reconnect_backoff_ms, 1000);
}

TEST(GatewayConfigTest, ReadsEveryFlag) {
  absl::StatusOr<GatewayConfig> config = Parse(
      {"--listen=0.0.0.0:9000", "--userd-address", "userd:50051",
       "--insecure-cookies", "--allowed-origins",
       " https://a.example , http://b.example:8080,,",
       "--medama-project=analytics", "--neptun-project=neptun",
       "--max-body-bytes=1024", "--rate-limit-client-rps=10",
       "--rate-limit-client-burst=20", "--rate-limit-principal-rps=5",
       "--rate-limit-principal-burst=6", "--rpc-timeout-ms=250",
       "--header-timeout-ms=200", "--body-timeout-ms=300",
       "--max-connections=7", "--admin-listen=0.0.0.0:9090", "--threads=4"});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->listen, "0.0.0.0:9000");
  EXPECT_EQ(config->userd_address, "userd:50051");
  EXPECT_TRUE(config->insecure_cookies);
  EXPECT_EQ(
      config->allowed_origins,
      (std::vector<std::string>{"https://a.example", "http://b.example:8080"}));
  EXPECT_EQ(config->medama_project, "analytics");
  EXPECT_EQ(config->neptun_project, "neptun");
  EXPECT_EQ(config->max_body_bytes, 1024);
  EXPECT_EQ(config->client_rps, 10);
  EXPECT_EQ(config->client_burst, 20);
  EXPECT_EQ(config->principal_rps, 5);
  EXPECT_EQ(config->principal_burst, 6);
  EXPECT_EQ(config->rpc_timeout_ms, 250);
  EXPECT_EQ(config->header_timeout_ms, 200);
  EXPECT_EQ(config->body_timeout_ms, 300);
  EXPECT_EQ(config->max_connections, 7);
  EXPECT_EQ(config->admin_listen, "0.0.0.0:9090");
  EXPECT_EQ(config->threads, 4);
}

TEST(GatewayConfigTest, RefusesBadValues) {
  for (const char* bad :
       {"--threads=0", "--max-body-bytes=0", "--rpc-timeout-ms=-1",
        "--rate-limit-client-rps=-2", "--medama-project=", "--no-such-flag",
        "--header-timeout-ms=0", "--header-timeout-ms=3600001",
        "--body-timeout-ms=-5", "--body-timeout-ms=3600001",
        "--max-connections=0", "--max-connections=-1",
        "--max-connections=1000001", "--userd-address=",
        "--userd-keepalive-ms=14999", "--userd-keepalive-timeout-ms=999",
        "--userd-max-reconnect-backoff-ms=99"}) {
    EXPECT_FALSE(Parse({bad}).ok()) << bad;
  }
}

TEST(GatewayConfigTest, EnvironmentFallbacksOfTheConnectionLimits) {
  setenv("GATEWAY_HEADER_TIMEOUT_MS", "1500", 1);
  setenv("GATEWAY_BODY_TIMEOUT_MS", "2500", 1);
  setenv("GATEWAY_MAX_CONNECTIONS", "42", 1);
  setenv("GATEWAY_ADMIN_LISTEN", "127.0.0.1:9191", 1);
  absl::StatusOr<GatewayConfig> config = Parse({});
  absl::StatusOr<GatewayConfig> flag_wins = Parse({"--max-connections=43"});
  unsetenv("GATEWAY_HEADER_TIMEOUT_MS");
  unsetenv("GATEWAY_BODY_TIMEOUT_MS");
  unsetenv("GATEWAY_MAX_CONNECTIONS");
  unsetenv("GATEWAY_ADMIN_LISTEN");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->header_timeout_ms, 1500);
  EXPECT_EQ(config->body_timeout_ms, 2500);
  EXPECT_EQ(config->max_connections, 42);
  EXPECT_EQ(config->admin_listen, "127.0.0.1:9191");
  ASSERT_TRUE(flag_wins.ok()) << flag_wins.status();
  EXPECT_EQ(flag_wins->max_connections, 43);
}

}  // namespace
}  // namespace users::gateway
