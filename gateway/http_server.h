#ifndef USERS_GATEWAY_HTTP_SERVER_H_
#define USERS_GATEWAY_HTTP_SERVER_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/steady_timer.hpp"
#include "gateway/gateway.h"

namespace users::gateway {

class HttpSession;

// Accepts HTTP connections and runs an HttpSession for each.
//
// At most GatewayConfig::max_connections are open at once: a connection
// beyond them is accepted and closed at once (the client sees its connection
// closed before any answer), which frees its descriptor and keeps the
// listen backlog moving; each is counted in
// gateway_http_connections_refused_total. A failed accept (out of
// descriptors, say) is retried after 10 ms, doubling up to 1 s while it
// keeps failing; one warning is logged when such a burst starts and one
// line when accepting works again.
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
  // Connections open now (refused ones not counted). Thread-safe.
  int64_t open_connections() const { return open_connections_->load(); }
  // Stops accepting and closes every connection once its request in progress
  // has been answered; the io_context then runs out of work. Thread-safe.
  void Shutdown();

 private:
  static constexpr std::chrono::milliseconds kFirstAcceptRetry{10};
  static constexpr std::chrono::milliseconds kLastAcceptRetry{1000};

  void Accept();
  void OnAccept(boost::system::error_code error,
                boost::asio::ip::tcp::socket socket);
  void OnAcceptError(const boost::system::error_code& error);
  void Serve(boost::asio::ip::tcp::socket socket);

  boost::asio::io_context& io_context_;
  // The acceptor and the retry timer, and what follows down to sessions_,
  // are used on the acceptor's strand only.
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer accept_retry_;
  std::chrono::milliseconds accept_delay_ = kFirstAcceptRetry;
  int64_t accept_errors_ = 0;  // in the current burst
  Gateway& gateway_;
  // Shared with the sessions, which outlive the server in some shutdowns.
  std::shared_ptr<std::atomic<int64_t>> open_connections_ =
      std::make_shared<std::atomic<int64_t>>(0);
  std::mutex mutex_;
  bool stopped_ = false;
  std::vector<std::weak_ptr<HttpSession>> sessions_;
  // sessions_ is swept of ended sessions when it reaches this size.
  size_t sweep_at_ = 64;
};

}  // namespace users::gateway

#endif  // USERS_GATEWAY_HTTP_SERVER_H_
