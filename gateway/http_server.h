#ifndef USERS_GATEWAY_HTTP_SERVER_H_
#define USERS_GATEWAY_HTTP_SERVER_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "gateway/gateway.h"

namespace users::gateway {

class HttpSession;

// Accepts HTTP connections and runs an HttpSession for each.
class HttpServer final {
 public:
  HttpServer(boost::asio::io_context& io_context, Gateway& gateway);

  // Binds and listens on "host:port" ("[::1]:8080" for IPv6). Returns
  // InvalidArgument for a malformed address, Unavailable when binding fails.
  absl::Status Listen(const std::string& host_port);
  // The bound port (useful with port 0).
  uint16_t port() const;
  // Starts accepting; sessions run on strands of the io_context.
  void Start();
  // Stops accepting and closes every connection once its request in progress
  // has been answered; the io_context then runs out of work. Thread-safe.
  void Shutdown();

 private:
  void Accept();

  boost::asio::io_context& io_context_;
  boost::asio::ip::tcp::acceptor acceptor_;
  Gateway& gateway_;
  std::mutex mutex_;
  bool stopped_ = false;
  std::vector<std::weak_ptr<HttpSession>> sessions_;
};

}  // namespace users::gateway

#endif  // USERS_GATEWAY_HTTP_SERVER_H_
