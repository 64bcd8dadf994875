#ifndef USERS_GATEWAY_HTTP_SESSION_H_
#define USERS_GATEWAY_HTTP_SESSION_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "boost/asio/ip/tcp.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "gateway/gateway.h"
#include "gateway/growing_string_body.h"

namespace users::gateway {

// One HTTP/1.1 connection: reads requests one at a time (keep-alive), hands
// each to the Gateway and writes its response. Headers over kHeaderLimit get
// 431 and bodies over the configured limit get 413, then the connection is
// closed. `Expect: 100-continue` is answered before the body is read. Runs on
// its own strand.
//
// Timeouts (GatewayConfig): a request's header must be whole within
// header_timeout_ms of the connection being ready for it (accepted, or the
// previous response written, so this is also the keep-alive idle limit),
// and its body within body_timeout_ms after the header; otherwise the
// connection is closed without an answer. The body is stored as it arrives
// (GrowingStringBody), never reserved from Content-Length. HTTP the parser
// refuses (two different Content-Length values, a bad request line) is 400,
// in the shape of the contract owning the target when the request line was
// read.
class HttpSession final : public std::enable_shared_from_this<HttpSession> {
 public:
  static constexpr uint32_t kHeaderLimit = 16 * 1024;

  // `open_connections` (may be null) counts this connection: whoever
  // created the session added one, the session takes it away when destroyed.
  HttpSession(boost::asio::ip::tcp::socket socket, Gateway& gateway,
              std::shared_ptr<std::atomic<int64_t>> open_connections = nullptr);
  ~HttpSession();

  void Start();
  // Closes the connection once the request in progress, if any, has been
  // answered. Thread-safe.
  void Shutdown();

 private:
  void Read();
  void OnHeader(boost::beast::error_code error, std::size_t bytes);
  void OnRead(boost::beast::error_code error, std::size_t bytes);
  // Renders an error found while parsing, in the shape of the contract that
  // owns the request's target when the request line was read.
  HttpResponse TransportError(const GatewayError& error) const;
  void Write(HttpResponse response, bool keep_alive);
  void OnWrite(bool keep_alive, boost::beast::error_code error,
               std::size_t bytes);
  void Close();

  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<GrowingStringBody>> parser_;
  std::shared_ptr<boost::beast::http::response<boost::beast::http::string_body>>
      response_;
  Gateway& gateway_;
  std::shared_ptr<std::atomic<int64_t>> open_connections_;
  std::string remote_address_;
  bool busy_ = false;
  bool closing_ = false;
};

}  // namespace users::gateway

#endif  // USERS_GATEWAY_HTTP_SESSION_H_
