#include "storage/principal_change_listener.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <pqxx/pqxx>
#include <stdexcept>
#include <utility>

#include "services/common/log.h"
#include "storage/connection_string.h"

namespace users {
namespace {

constexpr std::chrono::milliseconds kFirstBackoff{100};
constexpr std::chrono::milliseconds kMaxBackoff{2000};
// How long one wait for a notification lasts before the stop flag and the
// connection are looked at again.
constexpr std::chrono::milliseconds kIdleWait{1000};

// Hands each notification of the channel to `on_change`.
class Receiver final : public pqxx::notification_receiver {
 public:
  Receiver(pqxx::connection_base& connection,
           const std::function<void(const PrincipalChange&)>& on_change)
      : pqxx::notification_receiver(connection, kPrincipalChangesChannel),
        on_change_(on_change) {}

  void operator()(const std::string& payload, int) override {
    std::optional<PrincipalChange> change = ParsePrincipalChange(payload);
    if (!change.has_value()) {
      Log(LogLevel::kWarning, "principal_change_unparsed");
      change = PrincipalChange{};  // kAll
    }
    on_change_(*change);
  }

 private:
  const std::function<void(const PrincipalChange&)>& on_change_;
};

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
  int ready = poll(fds, count, static_cast<int>(timeout.count()));
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
  pqxx::connection connection(*connection_string);
  // Once broken, the connection stays broken: libpqxx would otherwise open
  // a new one behind our back (for the UNLISTEN of ~Receiver, say), and
  // the changes committed in between would go unheard.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  connection.inhibit_reactivation(true);
#pragma GCC diagnostic pop
  // The constructor LISTENs, but libpqxx swallows a connection lost while
  // doing so: only pg_listening_channels() proves that LISTEN took effect.
  Receiver receiver(connection, callbacks_.on_change);
  {
    pqxx::nontransaction check(connection);
    pqxx::result listening =
        check.exec("SELECT FROM pg_listening_channels() AS c WHERE c = " +
                   check.quote(kPrincipalChangesChannel));
    if (listening.empty()) throw pqxx::broken_connection("LISTEN failed");
  }
  SetListening(true);
  Log(LogLevel::kInfo, "principal_listener_up");
  try {
    while (!stopping_) {
      // get_notifs() reports nothing, rather than throwing, on a connection
      // libpqxx already knows is closed.
      if (!connection.is_open()) {
        throw pqxx::broken_connection("connection closed");
      }
      if (!WaitReadable(connection.sock(), kIdleWait)) break;
      connection.get_notifs();  // throws broken_connection at end of file
    }
  } catch (...) {
    // Before the connection is torn down, which may take a while.
    SetListening(false);
    throw;
  }
  SetListening(false);
}

}  // namespace users
