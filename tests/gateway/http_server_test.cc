#include "gateway/http_server.h"

#include <sys/socket.h>
#include <sys/time.h>

#include <string>
#include <thread>
#include <vector>

#include "boost/asio/connect.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/write.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "gateway/gateway_metrics.h"
#include "gateway/growing_string_body.h"
#include "gtest/gtest.h"
#include "prometheus/registry.h"
#include "services/metrics/admin_http_server.h"
#include "services/metrics/exposition.h"
#include "tests/gateway/gateway_test_util.h"

namespace users::gateway {
namespace {

namespace net = boost::asio;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;

// Runs an HttpServer on an ephemeral loopback port, over a fake backend,
// with config_ (set it in a derived fixture's constructor).
class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    gateway_ = std::make_unique<Gateway>(config_, backend_, &metrics_);
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
    // Only so that a server that never closes fails the test instead of
    // hanging it; far above every timeout configured here.
    struct timeval guard = {30, 0};
    setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &guard,
               sizeof guard);
    return socket;
  }

  // Reads until the server closes the connection; the bytes read before.
  // `error` is eof for an orderly close.
  static std::string ReadUntilClosed(tcp::socket& socket,
                                     boost::system::error_code& error) {
    std::string received;
    char chunk[1024];
    for (;;) {
      size_t n = socket.read_some(net::buffer(chunk), error);
      if (error) return received;
      received.append(chunk, n);
    }
  }

  // Sends raw bytes and reads one response.
  http::response<http::string_body> RoundTrip(tcp::socket& socket,
                                              const std::string& bytes) {
    net::write(socket, net::buffer(bytes));
    http::response<http::string_body> response;
    http::read(socket, buffer_, response);
    return response;
  }

  GatewayConfig config_ = GatewayHarness::DefaultConfig();
  prometheus::Registry registry_;
  GatewayMetrics metrics_{registry_};
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
  std::string big = "X-Big: " + std::string(size_t{17} * 1024, 'a') + "\r\n";
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

TEST_F(HttpServerTest, ConflictingContentLengthsAre400InTheContractsShape) {
  tcp::socket socket = Connect();
  auto response = RoundTrip(socket,
                            "PATCH /api/users/1 HTTP/1.1\r\nHost: x\r\n"
                            "Content-Type: application/json\r\n"
                            "Cookie: neptun-session=s\r\n"
                            "Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}");
  EXPECT_EQ(response.result_int(), 400);
  EXPECT_FALSE(response.keep_alive());
  auto body = nlohmann::json::parse(response.body());
  EXPECT_EQ(body["statusCode"], 400) << response.body();
  EXPECT_TRUE(backend_.calls.empty());
}

TEST_F(HttpServerTest, EqualContentLengthsAre400AndCloseTheConnection) {
  tcp::socket socket = Connect();
  auto response = RoundTrip(socket,
                            "PATCH /v1/users/usr_1 HTTP/1.1\r\nHost: x\r\n"
                            "Content-Type: application/json\r\n"
                            "Authorization: Bearer t\r\n"
                            "Content-Length: 2\r\nContent-Length: 2\r\n\r\n{}");
  EXPECT_EQ(response.result_int(), 400);
  EXPECT_FALSE(response.keep_alive());
  auto body = nlohmann::json::parse(response.body());
  EXPECT_EQ(body["error"], "validation_error") << response.body();
  EXPECT_TRUE(backend_.calls.empty());
  boost::system::error_code error;
  EXPECT_EQ(ReadUntilClosed(socket, error), "");
  EXPECT_EQ(error, net::error::eof);
}

TEST_F(HttpServerTest, TwoAuthorizationHeadersAre400) {
  tcp::socket socket = Connect();
  auto response =
      RoundTrip(socket, Patch("/v1/users/usr_1", R"({"username":"abc"})",
                              "Authorization: Bearer t\r\n"
                              "Authorization: Bearer garbage\r\n"));
  EXPECT_EQ(response.result_int(), 400);
  EXPECT_TRUE(backend_.calls.empty());
}

TEST_F(HttpServerTest, MetricsAreNotOnThePublicPort) {
  tcp::socket socket = Connect();
  auto response = RoundTrip(socket, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(response.result_int(), 404);
  EXPECT_EQ(response.body().find("gateway_http"), std::string::npos);
}

TEST_F(HttpServerTest, MetricsAreServedOnTheAdminListener) {
  tcp::socket socket = Connect();
  EXPECT_EQ(RoundTrip(socket, Patch("/api/users/1", R"({"email":"a@b.co"})"))
                .result_int(),
            200);
  metrics::AdminHttpServer admin(metrics_.collectables(), [] { return true; });
  ASSERT_TRUE(admin.Start("127.0.0.1:0").ok());
  tcp::socket scraper(client_context_);
  scraper.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"),
                                static_cast<uint16_t>(admin.port())));
  auto scrape = RoundTrip(scraper, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(scrape.result_int(), 200);
  EXPECT_NE(scrape.body().find("gateway_http_requests_total{code=\"200\","
                               "method=\"PATCH\",route=\"/api/users/"
                               "{user_id}\"} 1"),
            std::string::npos)
      << scrape.body();
  admin.Stop();
}

TEST_F(HttpServerTest, BodyArrivingInPiecesIsReadWhole) {
  tcp::socket socket = Connect();
  const std::string body = R"({"email":"slow@example.org"})";
  net::write(socket, net::buffer("PATCH /api/users/1 HTTP/1.1\r\nHost: x\r\n"
                                 "Content-Type: application/json\r\n"
                                 "Cookie: neptun-session=s\r\n"
                                 "Expect: 100-continue\r\n"
                                 "Content-Length: " +
                                 std::to_string(body.size()) + "\r\n\r\n"));
  http::response_parser<http::empty_body> interim;
  http::read(socket, buffer_, interim);
  ASSERT_EQ(interim.get().result_int(), 100);
  for (char c : body) net::write(socket, net::buffer(&c, 1));
  http::response<http::string_body> response;
  http::read(socket, buffer_, response);
  EXPECT_EQ(response.result_int(), 200) << response.body();
  EXPECT_EQ(backend_.update_request.user().email(), "slow@example.org");
}

// The body's storage follows the bytes that arrived, not Content-Length:
// string_body would reserve the announced 64 KiB at once.
TEST(GrowingStringBodyTest, DoesNotReserveTheAnnouncedLength) {
  const std::string head =
      "PATCH /user HTTP/1.1\r\nHost: x\r\nContent-Length: 65536\r\n\r\n";
  http::request_parser<GrowingStringBody> parser;
  parser.body_limit(65536);
  boost::system::error_code error;
  parser.put(net::buffer(head), error);
  ASSERT_FALSE(error) << error.message();
  parser.put(net::buffer("{", 1), error);
  ASSERT_FALSE(error) << error.message();
  EXPECT_EQ(parser.get().body(), "{");
  EXPECT_LT(parser.get().body().capacity(), 4096u);

  http::request_parser<http::string_body> reserving;
  reserving.put(net::buffer(head), error);
  reserving.put(net::buffer("{", 1), error);
  EXPECT_GE(reserving.get().body().capacity(), 65536u);
}

TEST(GrowingStringBodyTest, StillHonoursTheBodyLimit) {
  http::request_parser<GrowingStringBody> parser;
  parser.body_limit(4);
  boost::system::error_code error;
  parser.put(
      net::buffer(std::string(
          "PATCH /user HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n")),
      error);
  EXPECT_EQ(error, http::error::body_limit);
}

// Short timeouts.
class HttpServerTimeoutTest : public HttpServerTest {
 protected:
  HttpServerTimeoutTest() {
    config_.header_timeout_ms = 300;
    config_.body_timeout_ms = 300;
  }
};

TEST_F(HttpServerTimeoutTest, HalfAHeaderIsClosedAfterTheHeaderTimeout) {
  tcp::socket socket = Connect();
  net::write(
      socket,
      net::buffer(std::string("PATCH /api/users/1 HTTP/1.1\r\nHost: x\r\n")));
  boost::system::error_code error;
  EXPECT_EQ(ReadUntilClosed(socket, error), "");
  EXPECT_EQ(error, net::error::eof) << error.message();
  EXPECT_TRUE(backend_.calls.empty());
}

TEST_F(HttpServerTimeoutTest, AnIdleKeepAliveConnectionIsClosedToo) {
  tcp::socket socket = Connect();
  EXPECT_EQ(RoundTrip(socket, Patch("/api/users/1", R"({"email":"a@b.co"})"))
                .result_int(),
            200);
  boost::system::error_code error;
  EXPECT_EQ(ReadUntilClosed(socket, error), "");
  EXPECT_EQ(error, net::error::eof) << error.message();
}

TEST_F(HttpServerTimeoutTest, HalfABodyIsClosedAfterTheBodyTimeout) {
  tcp::socket socket = Connect();
  net::write(socket, net::buffer(std::string(
                         "PATCH /api/users/1 HTTP/1.1\r\nHost: x\r\n"
                         "Content-Type: application/json\r\n"
                         "Cookie: neptun-session=s\r\n"
                         "Content-Length: 65536\r\n\r\n{")));
  boost::system::error_code error;
  EXPECT_EQ(ReadUntilClosed(socket, error), "");
  EXPECT_EQ(error, net::error::eof) << error.message();
  EXPECT_TRUE(backend_.calls.empty());
}

// A cap of two connections (default timeouts: the served ones stay open).
class HttpServerCapTest : public HttpServerTest {
 protected:
  static constexpr int kCap = 2;
  HttpServerCapTest() { config_.max_connections = kCap; }
};

TEST_F(HttpServerCapTest, ConnectionsBeyondTheCapAreClosedAtOnce) {
  std::vector<tcp::socket> served;
  for (int i = 0; i < kCap; ++i) {
    served.push_back(Connect());
    EXPECT_EQ(
        RoundTrip(served.back(), Patch("/api/users/1", R"({"email":"a@b.co"})"))
            .result_int(),
        200);
  }
  tcp::socket refused = Connect();
  boost::system::error_code error;
  EXPECT_EQ(ReadUntilClosed(refused, error), "");
  EXPECT_TRUE(error == net::error::eof || error == net::error::connection_reset)
      << error.message();
  const std::string scrape = metrics::RenderExposition({&registry_});
  EXPECT_NE(scrape.find("gateway_http_connections_refused_total 1"),
            std::string::npos)
      << scrape;
  EXPECT_EQ(server_->open_connections(), kCap);
  // The first ones are still served.
  for (tcp::socket& socket : served) {
    EXPECT_EQ(RoundTrip(socket, Patch("/api/users/1", R"({"email":"a@b.co"})"))
                  .result_int(),
              200);
  }
}

}  // namespace
}  // namespace users::gateway
