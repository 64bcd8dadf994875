#ifndef USERS_GATEWAY_HTTP_SESSION_H_
#define USERS_GATEWAY_HTTP_SESSION_H_

#include <memory>
#include <optional>
#include <string>

#include "boost/asio/ip/tcp.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "gateway/gateway.h"

namespace users::gateway {

// One HTTP/1.1 connection: reads requests one at a time (keep-alive), hands
// each to the Gateway and writes its response. Headers over kHeaderLimit get
// 431 and bodies over the configured limit get 413, then the connection is
// closed. `Expect: 100-continue` is answered before the body is read. Runs on
// its own strand.
class HttpSession final : public std::enable_shared_from_this<HttpSession> {
 public:
  static constexpr uint32_t kHeaderLimit = 16 * 1024;

  HttpSession(boost::asio::ip::tcp::socket socket, Gateway& gateway);

  void Start();
  // Closes the connection once the request in progress, if any, has been
  // answered. Thread-safe.
  void Shutdown();

 private:
  void Read();
  void OnHeader(boost::beast::error_code error, std::size_t bytes);
  void OnRead(boost::beast::error_code error, std::size_t bytes);
  void Write(HttpResponse response, bool keep_alive);
  void OnWrite(bool keep_alive, boost::beast::error_code error,
               std::size_t bytes);
  void Close();

  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  std::optional<
      boost::beast::http::request_parser<boost::beast::http::string_body>>
      parser_;
  std::shared_ptr<boost::beast::http::response<boost::beast::http::string_body>>
      response_;
  Gateway& gateway_;
  std::string remote_address_;
  bool busy_ = false;
  bool closing_ = false;
};

}  // namespace users::gateway

#endif  // USERS_GATEWAY_HTTP_SESSION_H_
