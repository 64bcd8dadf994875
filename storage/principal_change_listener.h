#ifndef USERS_STORAGE_PRINCIPAL_CHANGE_LISTENER_H_
#define USERS_STORAGE_PRINCIPAL_CHANGE_LISTENER_H_

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <thread>

#include "storage/principal_changes.h"

namespace users {

// The libpq application_name of the listening connection, by which
// pg_stat_activity tells it apart from userd's pooled connections.
inline constexpr char kPrincipalListenerApplicationName[] =
    "userd_principal_listener";

// One dedicated connection, on its own thread, that LISTENs on
// kPrincipalChangesChannel and reports what it hears.
//
// Contract with the callbacks (both called on the listener's thread, never
// concurrently):
//   on_listening(true)  LISTEN is in effect: every change committed from now
//                       on will reach on_change.
//   on_listening(false) the connection is not listening (it broke, or could
//                       not be opened): changes may be missed until the next
//                       on_listening(true).
//   on_change(change)   a change committed; a payload that does not parse is
//                       reported as PrincipalChange::Kind::kAll.
// The listener starts out not listening and calls on_listening(false) once
// per loss (not on every failed reconnect). It reconnects with a back-off of
// 100 ms doubling to 2 s.
//
// A connection that goes silent without closing (a network partition, a
// frozen server) is found out by a heartbeat: see kHeartbeatInterval.
class PrincipalChangeListener final {
 public:
  // While listening, the listener sends a trivial query every
  // kHeartbeatInterval and, when the previous one is still unanswered,
  // reports on_listening(false) and reconnects. The contract this keeps: a
  // connection that stops answering (and so may be missing changes) is
  // reported lost at most 2 * kHeartbeatInterval (1 s, plus the time to
  // wake up) after its last answer. A cache that stops being used on
  // on_listening(false) therefore honours a revocation within about 1 s of
  // its commit even when the connection dies silently. A server that takes
  // longer than kHeartbeatInterval to answer `SELECT 1` counts as lost too.
  static constexpr std::chrono::milliseconds kHeartbeatInterval{500};

  struct Callbacks {
    std::function<void(bool listening)> on_listening;
    std::function<void(const PrincipalChange& change)> on_change;
  };

  // `connection_string`: the libpq URI or key=value string userd uses.
  PrincipalChangeListener(std::string connection_string, Callbacks callbacks);
  // Stop().
  ~PrincipalChangeListener();

  PrincipalChangeListener(const PrincipalChangeListener&) = delete;
  PrincipalChangeListener& operator=(const PrincipalChangeListener&) = delete;

  void Start();
  // Closes the connection and joins the thread; on_listening(false) is
  // reported if it was listening. Idempotent.
  void Stop();

 private:
  void Loop();
  // Connects, LISTENs and delivers notifications until the connection
  // breaks, a heartbeat goes unanswered or Stop() is called. Throws
  // std::exception (std::runtime_error naming libpq's error) on a failure.
  void ListenOnce();
  // Waits until `fd` is readable, Stop() is called or `timeout` passes.
  // False when stopping.
  bool WaitReadable(int fd, std::chrono::milliseconds timeout);
  void SetListening(bool listening);

  const std::string connection_string_;
  const Callbacks callbacks_;
  int wake_fd_ = -1;  // an eventfd written by Stop()
  std::atomic<bool> stopping_{false};
  // The listener thread's own: whether it is listening, and whether the
  // current connection did.
  bool listening_ = false;
  bool listened_ = false;
  std::thread thread_;
};

}  // namespace users

#endif  // USERS_STORAGE_PRINCIPAL_CHANGE_LISTENER_H_
