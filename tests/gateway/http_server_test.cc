#include "gateway/http_server.h"

#include <string>
#include <thread>

#include "boost/asio/connect.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/write.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "gtest/gtest.h"
#include "tests/gateway/gateway_test_util.h"

namespace users::gateway {
namespace {

namespace net = boost::asio;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;

// Runs an HttpServer on an ephemeral loopback port, over a fake backend.
class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    gateway_ =
        std::make_unique<Gateway>(GatewayHarness::DefaultConfig(), backend_);
    server_ = std::make_unique<HttpServer>(io_context_, *gateway_);
    ASSERT_TRUE(server_->Listen("127.0.0.1:0").ok());
    server_->Start();
    thread_ = std::thread([this] { io_context_.run(); });
  }
  void TearDown() override {
    server_->Shutdown();
    thread_.join();  // returns once every connection is closed
  }

  tcp::socket Connect() {
    tcp::socket socket(client_context_);
    socket.connect(
        tcp::endpoint(net::ip::make_address("127.0.0.1"), server_->port()));
    return socket;
  }

  // Sends raw bytes and reads one response.
  http::response<http::string_body> RoundTrip(tcp::socket& socket,
                                              const std::string& bytes) {
    net::write(socket, net::buffer(bytes));
    http::response<http::string_body> response;
    http::read(socket, buffer_, response);
    return response;
  }

  FakeUserBackend backend_;
  std::unique_ptr<Gateway> gateway_;
  net::io_context io_context_;
  net::io_context client_context_;
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
  boost::beast::flat_buffer buffer_;
};

std::string Patch(const std::string& target, const std::string& body,
                  const std::string& extra_headers = "") {
  return "PATCH " + target +
         " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
         "Cookie: neptun-session=s\r\n" +
         extra_headers + "Content-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + body;
}

TEST_F(HttpServerTest, ServesSeveralRequestsOnOneConnection) {
  tcp::socket socket = Connect();
  for (int i = 0; i < 3; ++i) {
    auto response = RoundTrip(
        socket, Patch("/api/users/1", R"({"email":"a@b.co"})",
                      "X-Request-Id: r" + std::to_string(i) + "\r\n"));
    EXPECT_EQ(response.result_int(), 200);
    EXPECT_EQ(response[http::field::content_type], "application/json");
    EXPECT_EQ(std::string(response["X-Request-Id"]), "r" + std::to_string(i));
    EXPECT_TRUE(response.keep_alive());
  }
  EXPECT_EQ(backend_.calls.size(), 3u);
}

TEST_F(HttpServerTest, OversizedHeadersAre431) {
  tcp::socket socket = Connect();
  std::string big = "X-Big: " + std::string(17 * 1024, 'a') + "\r\n";
  auto response = RoundTrip(socket, Patch("/api/users/1", "{}", big));
  EXPECT_EQ(response.result_int(), 431);
  EXPECT_FALSE(response.keep_alive());
  EXPECT_TRUE(backend_.calls.empty());
}

TEST_F(HttpServerTest, OversizedBodiesAre413InTheContractsShape) {
  tcp::socket socket = Connect();
  std::string request =
      "PATCH /api/users/1 HTTP/1.1\r\nHost: x\r\n"
      "Content-Type: application/json\r\nX-Request-Id: big1\r\n"
      "Content-Length: 70000\r\n\r\n";
  auto response = RoundTrip(socket, request);
  EXPECT_EQ(response.result_int(), 413);
  EXPECT_EQ(std::string(response["X-Request-Id"]), "big1");
  auto body = nlohmann::json::parse(response.body());
  EXPECT_EQ(body["statusCode"], 413);
  EXPECT_EQ(body["statusMessage"], "Payload Too Large.");
  EXPECT_TRUE(backend_.calls.empty());
}

TEST_F(HttpServerTest, AnswersExpectContinueBeforeTheBody) {
  tcp::socket socket = Connect();
  std::string body = R"({"email":"a@b.co"})";
  net::write(socket, net::buffer("PATCH /api/users/1 HTTP/1.1\r\nHost: x\r\n"
                                 "Content-Type: application/json\r\n"
                                 "Cookie: neptun-session=s\r\n"
                                 "Expect: 100-continue\r\n"
                                 "Content-Length: " +
                                 std::to_string(body.size()) + "\r\n\r\n"));
  // The interim response comes before any body byte was sent.
  http::response_parser<http::empty_body> interim;
  http::read(socket, buffer_, interim);
  EXPECT_EQ(interim.get().result_int(), 100);
  net::write(socket, net::buffer(body));
  http::response<http::string_body> response;
  http::read(socket, buffer_, response);
  EXPECT_EQ(response.result_int(), 200);
  EXPECT_EQ(backend_.calls.size(), 1u);
}

TEST_F(HttpServerTest, MalformedHttpIs400) {
  tcp::socket socket = Connect();
  auto response = RoundTrip(socket, "NOT HTTP AT ALL\r\n\r\n");
  EXPECT_EQ(response.result_int(), 400);
}

TEST_F(HttpServerTest, ConnectionCloseIsHonoured) {
  tcp::socket socket = Connect();
  auto response = RoundTrip(
      socket,
      Patch("/api/users/1", R"({"email":"a@b.co"})", "Connection: close\r\n"));
  EXPECT_EQ(response.result_int(), 200);
  EXPECT_FALSE(response.keep_alive());
  char byte;
  boost::system::error_code error;
  socket.read_some(net::buffer(&byte, 1), error);
  EXPECT_EQ(error, net::error::eof);
}

}  // namespace
}  // namespace users::gateway
