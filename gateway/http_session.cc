#include "gateway/http_session.h"

#include <chrono>
#include <utility>

#include "boost/asio/dispatch.hpp"
#include "boost/asio/post.hpp"
#include "boost/asio/write.hpp"
#include "gateway/string_util.h"

namespace users::gateway {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;

constexpr auto kWriteTimeout = std::chrono::seconds(30);

HttpRequest ToHttpRequest(http::request<GrowingStringBody>&& message,
                          const std::string& remote_address) {
  HttpRequest request;
  request.method = std::string(message.method_string());
  request.target = std::string(message.target());
  for (const auto& field : message) {
    request.headers.emplace_back(std::string(field.name_string()),
                                 std::string(field.value()));
  }
  request.body = std::move(message.body());
  request.remote_address = remote_address;
  return request;
}

}  // namespace

HttpSession::HttpSession(boost::asio::ip::tcp::socket socket, Gateway& gateway,
                         std::shared_ptr<std::atomic<int64_t>> open_connections)
    : stream_(std::move(socket)),
      gateway_(gateway),
      open_connections_(std::move(open_connections)) {
  beast::error_code error;
  auto endpoint = stream_.socket().remote_endpoint(error);
  if (!error) remote_address_ = endpoint.address().to_string();
}

HttpSession::~HttpSession() {
  if (open_connections_) open_connections_->fetch_sub(1);
}

void HttpSession::Start() {
  boost::asio::dispatch(stream_.get_executor(),
                        [self = shared_from_this()] { self->Read(); });
}

void HttpSession::Shutdown() {
  boost::asio::post(stream_.get_executor(), [self = shared_from_this()] {
    self->closing_ = true;
    if (!self->busy_) self->Close();
  });
}

void HttpSession::Read() {
  if (closing_) return Close();
  parser_.emplace();
  parser_->header_limit(kHeaderLimit);
  parser_->body_limit(
      static_cast<std::uint64_t>(gateway_.config().max_body_bytes));
  stream_.expires_after(
      std::chrono::milliseconds(gateway_.config().header_timeout_ms));
  http::async_read_header(
      stream_, buffer_, *parser_,
      beast::bind_front_handler(&HttpSession::OnHeader, shared_from_this()));
}

void HttpSession::OnHeader(beast::error_code error, std::size_t) {
  if (error) return OnRead(error, 0);
  if (closing_) return Close();
  stream_.expires_after(
      std::chrono::milliseconds(gateway_.config().body_timeout_ms));
  auto read_body = [self = shared_from_this()] {
    http::async_read(self->stream_, self->buffer_, *self->parser_,
                     beast::bind_front_handler(&HttpSession::OnRead, self));
  };
  const auto& message = parser_->get();
  auto expect = message.find(http::field::expect);
  if (expect == message.end() || parser_->is_done() ||
      !EqualsIgnoreCase(expect->value(), "100-continue")) {
    return read_body();
  }
  // Clients such as curl wait for this before sending a large body.
  static const std::string kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
  boost::asio::async_write(stream_, boost::asio::buffer(kContinue),
                           [self = shared_from_this(), read_body](
                               beast::error_code write_error, std::size_t) {
                             if (write_error) return self->Close();
                             read_body();
                           });
}

void HttpSession::OnRead(beast::error_code error, std::size_t) {
  if (error == http::error::end_of_stream || error == beast::error::timeout ||
      error == boost::asio::error::operation_aborted) {
    return Close();
  }
  if (error == http::error::header_limit) {
    return Write(
        TransportError(GatewayError{431, "request headers too large", 0, ""}),
        false);
  }
  if (error == http::error::body_limit) {
    return Write(
        TransportError(GatewayError{413, "request body too large", 0, ""}),
        false);
  }
  if (error) {
    if (error.category() ==
        http::make_error_code(http::error::bad_method).category()) {
      return Write(TransportError(GatewayError{
                       400,
                       error == http::error::bad_content_length
                           ? "invalid or conflicting Content-Length"
                           : "malformed HTTP request",
                       0, ""}),
                   false);
    }
    return Close();
  }
  // A request read after Shutdown began is refused, not handled: the
  // connection may already be closed, and an update made now could never be
  // answered.
  if (closing_) return Close();
  busy_ = true;
  stream_.expires_never();
  http::request<GrowingStringBody> message = parser_->release();
  const bool keep_alive = message.keep_alive();
  gateway_.Handle(
      ToHttpRequest(std::move(message), remote_address_),
      [self = shared_from_this(), keep_alive](HttpResponse response) {
        boost::asio::post(
            self->stream_.get_executor(),
            [self, keep_alive, response = std::move(response)]() mutable {
              self->Write(std::move(response), keep_alive);
            });
      });
}

HttpResponse HttpSession::TransportError(const GatewayError& error) const {
  const auto& message = parser_->get();
  // Empty when the parser stopped inside the request line.
  std::string_view path = message.target();
  if (size_t q = path.find('?'); q != std::string_view::npos) {
    path = path.substr(0, q);
  }
  auto request_id = message.find("x-request-id");
  return gateway_.RenderTransportError(
      path.empty() ? std::string_view() : message.method_string(), path,
      request_id == message.end() ? std::string_view() : request_id->value(),
      error);
}

void HttpSession::Write(HttpResponse response, bool keep_alive) {
  busy_ = true;
  keep_alive = keep_alive && !closing_ && !response.close_connection;
  response_ = std::make_shared<http::response<http::string_body>>();
  response_->version(11);
  response_->result(static_cast<unsigned>(response.status));
  for (auto& [name, value] : response.headers) {
    response_->insert(name, value);
  }
  response_->body() = std::move(response.body);
  response_->keep_alive(keep_alive);
  response_->prepare_payload();
  stream_.expires_after(kWriteTimeout);
  http::async_write(stream_, *response_,
                    beast::bind_front_handler(&HttpSession::OnWrite,
                                              shared_from_this(), keep_alive));
}

void HttpSession::OnWrite(bool keep_alive, beast::error_code error,
                          std::size_t) {
  busy_ = false;
  response_.reset();
  if (error || !keep_alive || closing_) return Close();
  Read();
}

void HttpSession::Close() {
  beast::error_code ignored;
  stream_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send,
                            ignored);
  stream_.close();
}

}  // namespace users::gateway
