// user-gateway: serves the four HTTP contracts of CONTRACTS.md over userd.
// `user-gateway --version` prints "user-gateway <version> (commit <commit>)".
#include <csignal>
#include <cstdio>
#include <thread>
#include <vector>

#include "boost/asio/io_context.hpp"
#include "boost/asio/signal_set.hpp"
#include "gateway/gateway.h"
#include "gateway/gateway_config.h"
#include "gateway/gateway_metrics.h"
#include "gateway/grpc_user_backend.h"
#include "gateway/http_server.h"
#include "gateway/userd_channel.h"
#include "prometheus/registry.h"
#include "services/common/flags.h"
#include "services/common/grpc_log.h"
#include "services/common/log.h"
#include "services/metrics/admin_http_server.h"
#include "services/metrics/build_info.h"

int main(int argc, char** argv) {
  using users::LogLevel;
  users::Flags flags("user-gateway");
  users::gateway::RegisterGatewayFlags(flags);
  flags.AddBool("version", "", false, "print the version and exit");
  if (absl::Status status = flags.Parse(argc, argv); !status.ok()) {
    users::Log(LogLevel::kError, "bad_flags",
               {{"error", std::string(status.message())}});
    std::fputs(flags.Usage().c_str(), stderr);
    return 2;
  }
  if (flags.HelpRequested()) {
    std::fputs(flags.Usage().c_str(), stdout);
    return 0;
  }
  if (flags.GetBool("version")) {
    std::printf("%s\n", users::metrics::VersionLine("user-gateway").c_str());
    return 0;
  }
  users::SendGrpcLogsToLog();
  absl::StatusOr<users::gateway::GatewayConfig> config =
      users::gateway::GatewayConfigFromFlags(flags);
  if (!config.ok()) {
    users::Log(LogLevel::kError, "bad_flags",
               {{"error", std::string(config.status().message())}});
    return 2;
  }
  config->api_commit = users::metrics::BuildCommit();

  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel =
      users::gateway::CreateUserdChannel(
          config->userd_address, config->userd_tls, config->userd_connection);
  if (!channel.ok()) {
    users::Log(LogLevel::kError, "bad_flags",
               {{"error", std::string(channel.status().message())}});
    return 2;
  }

  boost::asio::io_context io_context(config->threads);
  users::gateway::GrpcUserBackend backend(
      *channel, io_context.get_executor(),
      std::chrono::milliseconds(config->rpc_timeout_ms));
  prometheus::Registry registry;
  users::gateway::GatewayMetrics metrics(registry);
  users::gateway::Gateway gateway(*config, backend, &metrics);
  users::gateway::HttpServer server(io_context, gateway);
  if (absl::Status status = server.Listen(config->listen); !status.ok()) {
    users::Log(LogLevel::kError, "listen_failed",
               {{"error", std::string(status.message())}});
    return 1;
  }
  metrics.ExposeOpenConnections(
      [&server] { return double(server.open_connections()); });
  // Declared after `server`, so it stops before the server is destroyed.
  // Its /readyz says whether the channel to userd is connected; the probes
  // use the public port's /readyz, which asks userd's health service.
  users::metrics::AdminHttpServer admin(
      metrics.collectables(), [userd = *channel] {
        return userd->GetState(/*try_to_connect=*/true) == GRPC_CHANNEL_READY;
      });
  if (!config->admin_listen.empty()) {
    if (absl::Status status = admin.Start(config->admin_listen); !status.ok()) {
      users::Log(LogLevel::kError, "listen_failed",
                 {{"error", std::string(status.message())}});
      return 1;
    }
  }
  boost::asio::signal_set signals(io_context, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& error, int signal) {
    if (error) return;
    users::Log(LogLevel::kInfo, "shutting_down", {{"signal", signal}});
    server.Shutdown();
  });
  server.Start();
  users::Log(LogLevel::kInfo, "listening",
             {{"address", config->listen},
              {"port", static_cast<int>(server.port())},
              {"userd", config->userd_address},
              {"userd_tls", config->userd_tls.Mode()},
              {"commit", config->api_commit},
              {"threads", config->threads}});

  std::vector<std::thread> threads;
  for (int i = 1; i < config->threads; ++i) {
    threads.emplace_back([&io_context] { io_context.run(); });
  }
  io_context.run();
  for (std::thread& thread : threads) thread.join();
  admin.Stop();
  users::Log(LogLevel::kInfo, "stopped");
  return 0;
}
