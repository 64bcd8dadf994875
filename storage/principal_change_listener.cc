#include "storage/principal_change_listener.h"

#include <libpq-fe.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <utility>

#include "services/common/log.h"
#include "storage/connection_string.h"

namespace users {
namespace {

constexpr std::chrono::milliseconds kFirstBackoff{100};
constexpr std::chrono::milliseconds kMaxBackoff{2000};
constexpr char kHeartbeatQuery[] = "SELECT 1";

struct ConnectionCloser {
  void operator()(PGconn* connection) const { PQfinish(connection); }
};
using Connection = std::unique_ptr<PGconn, ConnectionCloser>;
struct ResultClearer {
  void operator()(PGresult* result) const { PQclear(result); }
};
using Result = std::unique_ptr<PGresult, ResultClearer>;

// libpq's last error on `connection`, as one line.
std::runtime_error Failure(const std::string& what, PGconn* connection) {
  std::string message =
      connection != nullptr ? PQerrorMessage(connection) : "out of memory";
  while (!message.empty() &&
         (message.back() == '\n' || message.back() == ' ')) {
    message.pop_back();
  }
  return std::runtime_error(what + ": " + message);
}

absl::StatusOr<std::string> ListenerConnectionString(
    const std::string& connection_string) {
  return RewriteConnectionString(
      connection_string,
      {
          {"application_name", kPrincipalListenerApplicationName},
          // NOTIFY reaches listeners on the server that committed: the
          // primary. (A standby refuses LISTEN anyway.)
          {"target_session_attrs", "read-write"},
      },
      {
          {"connect_timeout", "5"},
          {"keepalives", "1"},
          {"keepalives_idle", "5"},
          {"keepalives_interval", "2"},
          {"keepalives_count", "3"},
      });
}

// The payload of `notification`, as a change; one that does not parse asks
// for everything to be dropped.
PrincipalChange ChangeOf(const PGnotify& notification) {
  std::optional<PrincipalChange> change =
      ParsePrincipalChange(notification.extra);
  if (change.has_value()) return *std::move(change);
  Log(LogLevel::kWarning, "principal_change_unparsed");
  return PrincipalChange{};  // kAll
}

}  // namespace

PrincipalChangeListener::PrincipalChangeListener(std::string connection_string,
                                                 Callbacks callbacks)
    : connection_string_(std::move(connection_string)),
      callbacks_(std::move(callbacks)),
      wake_fd_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}

PrincipalChangeListener::~PrincipalChangeListener() {
  Stop();
  if (wake_fd_ >= 0) close(wake_fd_);
}

void PrincipalChangeListener::Start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { Loop(); });
}

void PrincipalChangeListener::Stop() {
  stopping_ = true;
  if (wake_fd_ >= 0) {
    uint64_t one = 1;
    [[maybe_unused]] ssize_t written = write(wake_fd_, &one, sizeof(one));
  }
  if (thread_.joinable()) thread_.join();
}

void PrincipalChangeListener::SetListening(bool listening) {
  if (listening == listening_) return;
  listening_ = listening;
  if (listening) listened_ = true;
  callbacks_.on_listening(listening);
}

bool PrincipalChangeListener::WaitReadable(int fd,
                                           std::chrono::milliseconds timeout) {
  pollfd fds[2] = {{wake_fd_, POLLIN, 0}, {fd, POLLIN | POLLRDHUP, 0}};
  int count = fd >= 0 ? 2 : 1;
  int ready =
      poll(fds, count, static_cast<int>(std::max<int64_t>(timeout.count(), 0)));
  if (ready < 0 && errno != EINTR) {
    throw std::runtime_error("poll on the listening connection failed");
  }
  return !stopping_;
}

void PrincipalChangeListener::Loop() {
  std::chrono::milliseconds backoff = kFirstBackoff;
  while (!stopping_) {
    listened_ = false;
    try {
      ListenOnce();
    } catch (const std::exception& e) {
      // After a connection that did listen, the back-off starts over.
      if (listened_) backoff = kFirstBackoff;
      if (!stopping_) {
        Log(LogLevel::kWarning, "principal_listener_down",
            {{"error", e.what()}, {"retry_ms", int64_t{backoff.count()}}});
      }
    }
    SetListening(false);
    if (!WaitReadable(-1, backoff)) break;
    backoff = std::min(backoff * 2, kMaxBackoff);
  }
  SetListening(false);
}

void PrincipalChangeListener::ListenOnce() {
  absl::StatusOr<std::string> connection_string =
      ListenerConnectionString(connection_string_);
  if (!connection_string.ok()) {
    throw std::invalid_argument(
        std::string(connection_string.status().message()));
  }
  Connection connection(PQconnectdb(connection_string->c_str()));
  PGconn* const c = connection.get();
  if (c == nullptr || PQstatus(c) != CONNECTION_OK) {
    throw Failure("cannot connect", c);
  }
  {
    Result listen(
        PQexec(c, (std::string("LISTEN ") + kPrincipalChangesChannel).c_str()));
    if (PQresultStatus(listen.get()) != PGRES_COMMAND_OK) {
      throw Failure("LISTEN failed", c);
    }
  }
  SetListening(true);
  Log(LogLevel::kInfo, "principal_listener_up");
  try {
    // At every tick the previous heartbeat must have been answered, and the
    // next one is sent.
    using Clock = std::chrono::steady_clock;
    Clock::time_point next_tick = Clock::now();
    bool awaiting_answer = false;
    while (!stopping_) {
      Clock::time_point now = Clock::now();
      if (now >= next_tick) {
        if (awaiting_answer) {
          throw std::runtime_error("heartbeat unanswered");
        }
        // A few bytes: the send buffer takes them even from a silent peer.
        if (PQsendQuery(c, kHeartbeatQuery) != 1) {
          throw Failure("heartbeat not sent", c);
        }
        awaiting_answer = true;
        next_tick = now + kHeartbeatInterval;
      }
      // Rounded up, so that the tick is not polled for in a busy loop.
      if (!WaitReadable(
              PQsocket(c),
              std::chrono::ceil<std::chrono::milliseconds>(next_tick - now))) {
        break;
      }
      if (PQconsumeInput(c) != 1) throw Failure("connection lost", c);
      while (PGnotify* notification = PQnotifies(c)) {
        std::unique_ptr<PGnotify, decltype(&PQfreemem)> owned(notification,
                                                              &PQfreemem);
        callbacks_.on_change(ChangeOf(*notification));
      }
      while (awaiting_answer && PQisBusy(c) == 0) {
        Result result(PQgetResult(c));
        if (result == nullptr) {
          awaiting_answer = false;
        } else if (PQresultStatus(result.get()) != PGRES_TUPLES_OK) {
          throw Failure("heartbeat failed", c);
        }
      }
    }
  } catch (...) {
    // Before the connection is closed.
    SetListening(false);
    throw;
  }
  SetListening(false);
}

}  // namespace users
