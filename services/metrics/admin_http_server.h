#ifndef USERS_SERVICES_METRICS_ADMIN_HTTP_SERVER_H_
#define USERS_SERVICES_METRICS_ADMIN_HTTP_SERVER_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "prometheus/collectable.h"

namespace users::metrics {

// A minimal HTTP/1.1 server (Boost.Beast) for a process's admin port, on a
// thread of its own so that a busy or stuck main server never delays a probe
// or a scrape:
//
//   GET /metrics  200, the collectables in the Prometheus text format 0.0.4
//                 (RenderExposition of exposition.h)
//   GET /healthz  200 while the process runs (liveness: no dependency)
//   GET /readyz   200 when ready() returns true, else 503 (readiness)
//
// HEAD works like GET without a body; a query string is ignored; any other
// path is 404 and any other method on these paths 405. Keep-alive is
// supported; an idle connection is closed after 60 s.
//
// The collectables and ready() must outlive Stop(). ready() runs on the
// server's thread: it must be cheap and thread-safe.
class AdminHttpServer final {
 public:
  // `collectables`: what /metrics renders, e.g. {&registry, &gauges}.
  AdminHttpServer(std::vector<const prometheus::Collectable*> collectables,
                  std::function<bool()> ready);
  ~AdminHttpServer();  // Stop()
  AdminHttpServer(const AdminHttpServer&) = delete;
  AdminHttpServer& operator=(const AdminHttpServer&) = delete;

  // Binds "host:port" ("0.0.0.0:9090", "[::]:9090", port 0 for any) and
  // starts serving. InvalidArgument: a malformed address; Unavailable: the
  // address cannot be bound; FailedPrecondition: started already.
  absl::Status Start(const std::string& host_port);
  // The bound port, 0 before Start.
  int port() const { return port_; }
  // Stops accepting, closes every connection (a request being answered is
  // cut off), and joins the thread. Idempotent; thread-safe with respect to
  // the server's own thread, not to concurrent Start/Stop calls.
  void Stop();

 private:
  friend class AdminHttpSession;
  struct State;

  const std::vector<const prometheus::Collectable*> collectables_;
  std::function<bool()> ready_;
  std::unique_ptr<State> state_;
  int port_ = 0;
};

}  // namespace users::metrics

#endif  // USERS_SERVICES_METRICS_ADMIN_HTTP_SERVER_H_
