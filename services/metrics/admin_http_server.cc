#include "services/metrics/admin_http_server.h"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string_view>
#include <thread>
#include <utility>

#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/post.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "services/common/log.h"
#include "services/metrics/exposition.h"

namespace users::metrics {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

namespace {

constexpr std::chrono::seconds kIdleTimeout{60};
constexpr std::uint32_t kHeaderLimit = 8192;
constexpr std::uint64_t kBodyLimit = 4096;

// Splits "host:port" / "[v6]:port"; false if malformed.
bool SplitHostPort(const std::string& host_port, std::string& host,
                   uint16_t& port) {
  size_t colon = host_port.rfind(':');
  if (colon == std::string::npos || colon + 1 == host_port.size()) return false;
  host = host_port.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty()) host = "0.0.0.0";
  uint32_t value = 0;
  for (size_t i = colon + 1; i < host_port.size(); ++i) {
    char c = host_port[i];
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<uint32_t>(c - '0');
    if (value > 65535) return false;
  }
  port = static_cast<uint16_t>(value);
  return true;
}

}  // namespace

class AdminHttpSession;

struct AdminHttpServer::State {
  explicit State(AdminHttpServer& owner) : owner(owner), acceptor(io_context) {}

  void Accept();

  AdminHttpServer& owner;
  // Touched only on `thread` (after Start) or before it starts.
  std::set<AdminHttpSession*> sessions;
  bool stopping = false;
  net::io_context io_context{1};
  tcp::acceptor acceptor;
  std::thread thread;
};

// One connection: read a request, answer it, repeat while keep-alive.
// Lives in shared_ptrs held by its pending handlers; registers itself in
// State::sessions so that Stop can close it.
class AdminHttpSession final
    : public std::enable_shared_from_this<AdminHttpSession> {
 public:
  AdminHttpSession(
      tcp::socket socket, AdminHttpServer::State& state,
      const std::vector<const prometheus::Collectable*>& collectables,
      const std::function<bool()>& ready)
      : stream_(std::move(socket)),
        state_(state),
        collectables_(collectables),
        ready_(ready) {
    state_.sessions.insert(this);
  }
  ~AdminHttpSession() { state_.sessions.erase(this); }

  void Read() {
    parser_.emplace();
    parser_->header_limit(kHeaderLimit);
    parser_->body_limit(kBodyLimit);
    stream_.expires_after(kIdleTimeout);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code error, size_t) {
          self->OnRead(error);
        });
  }

  void Close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

 private:
  void OnRead(beast::error_code error) {
    if (error) {
      // Closed by the peer, timed out, cancelled by Stop, or not HTTP.
      if (error == http::error::header_limit ||
          error == http::error::body_limit) {
        Respond(Answer(http::status::payload_too_large, "too large\n", false),
                false);
        return;
      }
      Close();
      return;
    }
    http::request<http::string_body> request = parser_->release();
    bool keep_alive = request.keep_alive();
    Respond(Handle(request), keep_alive);
  }

  http::response<http::string_body> Answer(
      http::status status, std::string body, bool head,
      std::string_view content_type = "text/plain; charset=utf-8") {
    http::response<http::string_body> response(status, 11);
    response.set(http::field::content_type, content_type);
    response.set(http::field::cache_control, "no-store");
    response.content_length(body.size());
    if (!head) response.body() = std::move(body);
    return response;
  }

  http::response<http::string_body> Handle(
      const http::request<http::string_body>& request) {
    std::string_view target = request.target();
    target = target.substr(0, target.find('?'));
    bool head = request.method() == http::verb::head;
    bool known =
        target == "/metrics" || target == "/healthz" || target == "/readyz";
    if (!known) return Answer(http::status::not_found, "not found\n", head);
    if (request.method() != http::verb::get && !head) {
      auto response = Answer(http::status::method_not_allowed,
                             "method not allowed\n", false);
      response.set(http::field::allow, "GET, HEAD");
      return response;
    }
    if (target == "/metrics") {
      return Answer(http::status::ok, RenderExposition(collectables_), head,
                    kExpositionContentType);
    }
    if (target == "/healthz") return Answer(http::status::ok, "ok\n", head);
    bool ready = ready_ && ready_();
    return ready
               ? Answer(http::status::ok, "ready\n", head)
               : Answer(http::status::service_unavailable, "not ready\n", head);
  }

  void Respond(http::response<http::string_body> response, bool keep_alive) {
    response.keep_alive(keep_alive);
    response_ = std::move(response);
    stream_.expires_after(kIdleTimeout);
    http::async_write(stream_, response_,
                      [self = shared_from_this(), keep_alive](
                          beast::error_code error, size_t) {
                        if (error || !keep_alive || self->state_.stopping) {
                          self->Close();
                          return;
                        }
                        self->Read();
                      });
  }

  beast::tcp_stream stream_;
  AdminHttpServer::State& state_;
  const std::vector<const prometheus::Collectable*>& collectables_;
  const std::function<bool()>& ready_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
};

void AdminHttpServer::State::Accept() {
  acceptor.async_accept([this](beast::error_code error, tcp::socket socket) {
    if (stopping || error == net::error::operation_aborted) return;
    if (error) {
      Log(LogLevel::kWarning, "admin_accept_failed",
          {{"error", error.message()}});
    } else {
      beast::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      std::make_shared<AdminHttpSession>(std::move(socket), *this,
                                         owner.collectables_, owner.ready_)
          ->Read();
    }
    Accept();
  });
}

AdminHttpServer::AdminHttpServer(
    std::vector<const prometheus::Collectable*> collectables,
    std::function<bool()> ready)
    : collectables_(std::move(collectables)), ready_(std::move(ready)) {}

AdminHttpServer::~AdminHttpServer() { Stop(); }

absl::Status AdminHttpServer::Start(const std::string& host_port) {
  if (state_) return absl::FailedPreconditionError("started already");
  std::string host;
  uint16_t port = 0;
  if (!SplitHostPort(host_port, host, port)) {
    return absl::InvalidArgumentError("admin listen address needs host:port: " +
                                      host_port);
  }
  beast::error_code error;
  net::ip::address address = net::ip::make_address(host, error);
  if (error) {
    return absl::InvalidArgumentError("bad host in admin listen address: " +
                                      host_port);
  }
  auto state = std::make_unique<State>(*this);
  tcp::endpoint endpoint(address, port);
  state->acceptor.open(endpoint.protocol(), error);
  if (!error) {
    state->acceptor.set_option(net::socket_base::reuse_address(true), error);
  }
  if (!error) state->acceptor.bind(endpoint, error);
  if (!error) {
    state->acceptor.listen(net::socket_base::max_listen_connections, error);
  }
  if (error) {
    return absl::UnavailableError("cannot listen on " + host_port + ": " +
                                  error.message());
  }
  port_ = state->acceptor.local_endpoint(error).port();
  state->Accept();
  State* raw = state.get();
  state->thread = std::thread([raw] { raw->io_context.run(); });
  state_ = std::move(state);
  Log(LogLevel::kInfo, "admin_listening",
      {{"address", host_port}, {"port", port_}});
  return absl::OkStatus();
}

void AdminHttpServer::Stop() {
  if (!state_) return;
  State* state = state_.get();
  net::post(state->io_context, [state] {
    state->stopping = true;
    beast::error_code ignored;
    state->acceptor.close(ignored);
    // Close() may destroy nothing here (handlers still hold the sessions),
    // but copy first: a session erases itself from the set when destroyed.
    std::set<AdminHttpSession*> sessions = state->sessions;
    for (AdminHttpSession* session : sessions) session->Close();
  });
  // With the acceptor and every socket closed, the pending operations finish
  // with operation_aborted and run() runs out of work.
  if (state->thread.joinable()) state->thread.join();
  state_.reset();
}

}  // namespace users::metrics
