// SIGTERM semantics of user-gateway: once HttpServer::Shutdown is called no
// new connection is served, but a request already waiting on userd is still
// answered, and only then does the io_context run out of work.
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/write.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "gateway/gateway.h"
#include "gateway/grpc_user_backend.h"
#include "gateway/http_server.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"
#include "tests/gateway/gateway_test_util.h"

namespace users::gateway {
namespace {

namespace net = boost::asio;
namespace http = boost::beast::http;

// GetUser blocks until Release(); Entered() waits until a call is inside.
class BlockingUserService final : public users::v1::UserService::Service {
 public:
  grpc::Status GetUser(grpc::ServerContext*, const users::v1::GetUserRequest*,
                       users::v1::User* response) override {
    std::unique_lock<std::mutex> lock(mutex_);
    entered_ = true;
    changed_.notify_all();
    changed_.wait(lock, [this] { return released_; });
    response->set_name("projects/default/users/7");
    response->set_email("seven@example.org");
    return grpc::Status::OK;
  }
  bool WaitEntered() {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, std::chrono::seconds(10),
                             [this] { return entered_; });
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mutex_);
    released_ = true;
    changed_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool entered_ = false;
  bool released_ = false;
};

TEST(GracefulShutdownTest, AnswersTheRequestInFlightThenStops) {
  BlockingUserService service;
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> userd = builder.BuildAndStart();
  ASSERT_NE(userd, nullptr);

  net::io_context io_context;
  GrpcUserBackend backend(
      grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                          grpc::InsecureChannelCredentials()),
      io_context.get_executor(), std::chrono::seconds(10));
  Gateway gateway(GatewayHarness::DefaultConfig(), backend);
  HttpServer server(io_context, gateway);
  ASSERT_TRUE(server.Listen("127.0.0.1:0").ok());
  server.Start();
  std::thread runner([&] { io_context.run(); });

  net::io_context client_context;
  net::ip::tcp::socket socket(client_context);
  socket.connect({net::ip::make_address("127.0.0.1"), server.port()});
  net::write(socket,
             net::buffer(std::string("GET /api/users/7 HTTP/1.1\r\nHost: x\r\n"
                                     "Cookie: neptun-session=s\r\n\r\n")));
  ASSERT_TRUE(service.WaitEntered());

  server.Shutdown();
  // New connections are no longer accepted...
  net::ip::tcp::socket late(client_context);
  boost::system::error_code late_error;
  late.connect({net::ip::make_address("127.0.0.1"), server.port()}, late_error);
  if (!late_error) {
    char byte;
    late.read_some(net::buffer(&byte, 1), late_error);
  }
  EXPECT_TRUE(late_error) << "a connection made after Shutdown was served";

  // ...but the request in flight is answered, and the connection closed.
  service.Release();
  boost::beast::flat_buffer buffer;
  http::response<http::string_body> response;
  http::read(socket, buffer, response);
  EXPECT_EQ(response.result_int(), 200);
  EXPECT_EQ(nlohmann::json::parse(response.body()),
            nlohmann::json::parse(
                R"({"user":{"id":7,"primary_email":"seven@example.org"}})"));
  EXPECT_FALSE(response.keep_alive());

  runner.join();  // the io_context ran out of work
  userd->Shutdown();
}

}  // namespace
}  // namespace users::gateway
