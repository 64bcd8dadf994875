#include "services/metrics/admin_http_server.h"

#include <atomic>
#include <string>

#include "boost/asio/connect.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "prometheus/counter.h"
#include "prometheus/registry.h"
#include "services/metrics/exposition.h"

namespace users::metrics {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using ::testing::HasSubstr;

// A blocking HTTP/1.1 client on one keep-alive connection.
class Client {
 public:
  explicit Client(int port) : socket_(io_) {
    socket_.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"),
                                  static_cast<uint16_t>(port)));
  }

  http::response<http::string_body> Send(
      http::verb method, const std::string& target,
      const std::string& extra_header_value = "") {
    http::request<http::empty_body> request(method, target, 11);
    request.set(http::field::host, "localhost");
    if (!extra_header_value.empty()) {
      request.set("X-Padding", extra_header_value);
    }
    http::write(socket_, request);
    http::response_parser<http::string_body> parser;
    parser.skip(method == http::verb::head);
    http::read(socket_, buffer_, parser);
    return parser.release();
  }

  // Reads until the server closes; the error the read ended with.
  beast::error_code ReadUntilClosed() {
    char byte;
    beast::error_code error;
    socket_.read_some(net::buffer(&byte, 1), error);
    return error;
  }

 private:
  net::io_context io_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
};

class AdminHttpServerTest : public ::testing::Test {
 protected:
  AdminHttpServerTest()
      : server_({&registry_}, [this] { return ready_.load(); }) {
    requests_.Increment(3);
  }
  void SetUp() override {
    ASSERT_TRUE(server_.Start("127.0.0.1:0").ok());
    ASSERT_GT(server_.port(), 0);
  }

  prometheus::Registry registry_;
  prometheus::Counter& requests_ = prometheus::BuildCounter()
                                       .Name("test_requests_total")
                                       .Help("Requests.")
                                       .Register(registry_)
                                       .Add({{"code", "OK"}});
  std::atomic<bool> ready_{false};
  AdminHttpServer server_;
};

TEST_F(AdminHttpServerTest, AnswersEachRoute) {
  ready_ = true;
  const struct {
    http::verb method;
    std::string target;
    unsigned status;
    std::string content_type;
    std::string body_part;
  } cases[] = {
      {http::verb::get, "/metrics", 200,
       "text/plain; version=0.0.4; charset=utf-8",
       "# TYPE test_requests_total counter\n"
       "test_requests_total{code=\"OK\"} 3\n"},
      {http::verb::get, "/metrics?name[]=x", 200, "text/plain; version=0.0.4",
       "test_requests_total{code=\"OK\"} 3"},
      {http::verb::get, "/healthz", 200, "text/plain", "ok"},
      {http::verb::get, "/readyz", 200, "text/plain", "ready"},
      {http::verb::head, "/healthz", 200, "text/plain", ""},
      {http::verb::get, "/", 404, "text/plain", "not found"},
      {http::verb::get, "/metrics/extra", 404, "text/plain", "not found"},
      {http::verb::post, "/metrics", 405, "text/plain", "method not allowed"},
      {http::verb::delete_, "/healthz", 405, "text/plain",
       "method not allowed"},
  };
  Client client(server_.port());  // all on one keep-alive connection
  for (const auto& c : cases) {
    auto response = client.Send(c.method, c.target);
    EXPECT_EQ(response.result_int(), c.status) << c.target;
    EXPECT_THAT(std::string(response[http::field::content_type]),
                HasSubstr(c.content_type))
        << c.target;
    EXPECT_THAT(response.body(), HasSubstr(c.body_part)) << c.target;
    if (c.status == 405) {
      EXPECT_EQ(response[http::field::allow], "GET, HEAD");
    }
    EXPECT_TRUE(response.keep_alive()) << c.target;
  }
}

TEST_F(AdminHttpServerTest, HeadHasLengthButNoBody) {
  Client client(server_.port());
  auto response = client.Send(http::verb::head, "/metrics");
  EXPECT_EQ(response.result_int(), 200u);
  EXPECT_EQ(response.body(), "");
  EXPECT_EQ(response[http::field::content_length],
            std::to_string(RenderExposition({&registry_}).size()));
}

TEST_F(AdminHttpServerTest, ReadinessFollowsTheCallbackLivenessDoesNot) {
  Client client(server_.port());
  const struct {
    bool ready;
    unsigned readyz;
  } steps[] = {{false, 503}, {true, 200}, {false, 503}, {true, 200}};
  for (const auto& step : steps) {
    ready_ = step.ready;
    EXPECT_EQ(client.Send(http::verb::get, "/readyz").result_int(),
              step.readyz);
    EXPECT_EQ(client.Send(http::verb::get, "/healthz").result_int(), 200u);
  }
}

TEST_F(AdminHttpServerTest, MetricsReflectUpdatesBetweenScrapes) {
  Client client(server_.port());
  requests_.Increment(4);
  EXPECT_THAT(client.Send(http::verb::get, "/metrics").body(),
              HasSubstr("test_requests_total{code=\"OK\"} 7\n"));
}

TEST_F(AdminHttpServerTest, OversizedHeadersAreRefused) {
  Client client(server_.port());
  auto response =
      client.Send(http::verb::get, "/metrics", std::string(16384, 'x'));
  EXPECT_EQ(response.result_int(), 413u);
  EXPECT_FALSE(response.keep_alive());
}

TEST_F(AdminHttpServerTest, StopClosesOpenConnectionsAndReturns) {
  Client idle(server_.port());
  Client used(server_.port());
  EXPECT_EQ(used.Send(http::verb::get, "/healthz").result_int(), 200u);
  int port = server_.port();
  server_.Stop();
  EXPECT_EQ(idle.ReadUntilClosed(), net::error::eof);
  EXPECT_EQ(used.ReadUntilClosed(), net::error::eof);
  // Nothing listens any more.
  net::io_context io;
  tcp::socket socket(io);
  beast::error_code error;
  socket.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"),
                               static_cast<uint16_t>(port)),
                 error);
  EXPECT_EQ(error, net::error::connection_refused);
  server_.Stop();  // idempotent
}

TEST(AdminHttpServerStartTest, RejectsBadAddressesAndBusyPorts) {
  prometheus::Registry registry;
  const struct {
    std::string address;
    absl::StatusCode code;
  } cases[] = {
      {"no-port", absl::StatusCode::kInvalidArgument},
      {"127.0.0.1:", absl::StatusCode::kInvalidArgument},
      {"127.0.0.1:70000", absl::StatusCode::kInvalidArgument},
      {"127.0.0.1:9x", absl::StatusCode::kInvalidArgument},
      {"not-an-ip:9090", absl::StatusCode::kInvalidArgument},
      {"192.0.2.1:0", absl::StatusCode::kUnavailable},  // not ours to bind
  };
  for (const auto& c : cases) {
    AdminHttpServer server({&registry}, nullptr);
    EXPECT_EQ(server.Start(c.address).code(), c.code) << c.address;
  }

  AdminHttpServer first({&registry}, nullptr);
  ASSERT_TRUE(first.Start("127.0.0.1:0").ok());
  AdminHttpServer second({&registry}, nullptr);
  EXPECT_EQ(second.Start("127.0.0.1:" + std::to_string(first.port())).code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(first.Start("127.0.0.1:0").code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(AdminHttpServerStartTest, ServesIPv6AndWithoutReadinessCallback) {
  prometheus::Registry registry;
  AdminHttpServer server({&registry}, nullptr);
  ASSERT_TRUE(server.Start("[::1]:0").ok());
  net::io_context io;
  tcp::socket socket(io);
  socket.connect(tcp::endpoint(net::ip::make_address("::1"),
                               static_cast<uint16_t>(server.port())));
  http::request<http::empty_body> request(http::verb::get, "/readyz", 11);
  request.set(http::field::host, "localhost");
  http::write(socket, request);
  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  http::read(socket, buffer, response);
  EXPECT_EQ(response.result_int(), 503u);  // no callback: never ready
}

}  // namespace
}  // namespace users::metrics
