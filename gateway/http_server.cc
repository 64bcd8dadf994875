#include "gateway/http_server.h"

#include <algorithm>

#include "boost/asio/post.hpp"
#include "boost/asio/strand.hpp"
#include "gateway/http_session.h"
#include "gateway/string_util.h"
#include "services/common/log.h"

namespace users::gateway {

namespace net = boost::asio;
using tcp = net::ip::tcp;

HttpServer::HttpServer(net::io_context& io_context, Gateway& gateway)
    : io_context_(io_context),
      acceptor_(net::make_strand(io_context)),
      accept_retry_(acceptor_.get_executor()),
      gateway_(gateway) {}

absl::Status HttpServer::Listen(const std::string& host_port) {
  size_t colon = host_port.rfind(':');
  if (colon == std::string::npos) {
    return absl::InvalidArgumentError(
        Cat("listen address needs host:port: ", host_port));
  }
  std::string host = host_port.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty()) host = "0.0.0.0";
  std::optional<int64_t> port =
      ParseInt64(std::string_view(host_port).substr(colon + 1));
  if (!port || *port < 0 || *port > 65535) {
    return absl::InvalidArgumentError(
        Cat("bad port in listen address: ", host_port));
  }
  boost::system::error_code error;
  net::ip::address address = net::ip::make_address(host, error);
  if (error) {
    return absl::InvalidArgumentError(
        Cat("bad host in listen address: ", host_port));
  }
  tcp::endpoint endpoint(address, static_cast<uint16_t>(*port));
  acceptor_.open(endpoint.protocol(), error);
  if (!error) {
    acceptor_.set_option(net::socket_base::reuse_address(true), error);
  }
  if (!error) acceptor_.bind(endpoint, error);
  if (!error) acceptor_.listen(net::socket_base::max_listen_connections, error);
  if (error) {
    return absl::UnavailableError(
        Cat("cannot listen on ", host_port, ": ", error.message()));
  }
  return absl::OkStatus();
}

uint16_t HttpServer::port() const {
  boost::system::error_code error;
  return acceptor_.local_endpoint(error).port();
}

void HttpServer::Start() {
  net::post(acceptor_.get_executor(), [this] { Accept(); });
}

void HttpServer::Accept() {
  acceptor_.async_accept(
      net::make_strand(io_context_),
      [this](boost::system::error_code error, tcp::socket socket) {
        OnAccept(error, std::move(socket));
      });
}

void HttpServer::OnAccept(boost::system::error_code error, tcp::socket socket) {
  if (error == net::error::operation_aborted || !acceptor_.is_open()) return;
  if (error) return OnAcceptError(error);
  if (accept_errors_ > 0) {
    Log(LogLevel::kInfo, "accepting_again",
        {{"failed_accepts", accept_errors_}});
    accept_errors_ = 0;
    accept_delay_ = kFirstAcceptRetry;
  }
  if (open_connections_->load() >= gateway_.config().max_connections) {
    // Counted first: whoever sees the close may look at the count.
    if (GatewayMetrics* metrics = gateway_.metrics()) {
      metrics->OnConnectionRefused();
    }
    boost::system::error_code ignored;
    socket.close(ignored);
  } else {
    Serve(std::move(socket));
  }
  Accept();
}

void HttpServer::OnAcceptError(const boost::system::error_code& error) {
  if (accept_errors_++ == 0) {
    Log(LogLevel::kWarning, "accept_failed",
        {{"error", error.message()},
         {"retry_in_ms", static_cast<int64_t>(accept_delay_.count())}});
  }
  if (GatewayMetrics* metrics = gateway_.metrics()) metrics->OnAcceptError();
  accept_retry_.expires_after(accept_delay_);
  accept_delay_ = std::min(accept_delay_ * 2, kLastAcceptRetry);
  accept_retry_.async_wait([this](boost::system::error_code wait_error) {
    if (wait_error || !acceptor_.is_open()) return;
    Accept();
  });
}

void HttpServer::Serve(tcp::socket socket) {
  boost::system::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  open_connections_->fetch_add(1);
  auto session = std::make_shared<HttpSession>(std::move(socket), gateway_,
                                               open_connections_);
  bool stopped;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopped = stopped_;
    if (sessions_.size() >= sweep_at_) {
      sessions_.erase(
          std::remove_if(sessions_.begin(), sessions_.end(),
                         [](const auto& weak) { return weak.expired(); }),
          sessions_.end());
      sweep_at_ = std::max<size_t>(64, 2 * sessions_.size());
    }
    sessions_.push_back(session);
  }
  session->Start();
  if (stopped) session->Shutdown();
}

void HttpServer::Shutdown() {
  net::post(acceptor_.get_executor(), [this] {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    accept_retry_.cancel();
  });
  std::vector<std::shared_ptr<HttpSession>> live;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopped_ = true;
    for (const auto& weak : sessions_) {
      if (auto session = weak.lock()) live.push_back(std::move(session));
    }
    sessions_.clear();
  }
  for (const auto& session : live) session->Shutdown();
}

}  // namespace users::gateway
