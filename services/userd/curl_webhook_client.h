#ifndef USERS_SERVICES_USERD_CURL_WEBHOOK_CLIENT_H_
#define USERS_SERVICES_USERD_CURL_WEBHOOK_CLIENT_H_

#include <chrono>
#include <functional>
#include <string>

#include "services/users/fair_share_executor.h"
#include "services/users/webhook_client.h"
#include "services/users/webhook_destinations.h"

namespace users {

// Observes webhook outcomes (for metrics). Optional.
class WebhookObserver {
 public:
  virtual ~WebhookObserver() = default;
  // outcome: "allowed", "rejected", "unavailable" (unreachable, timed out,
  // or no room to queue), "refused" (not an allowed destination: nothing
  // sent), "expired" (its caller's deadline passed before it could be sent).
  virtual void OnWebhook(const char* outcome) = 0;
};

// Calls validateUserUpdated hooks with libcurl on `threads` threads of its
// own.
//
// The request: POST <uri>, Content-Type: application/json, body
//   {"event":"validateUserUpdated","projectId":..,"userId":..,"update":{..}}
// with headers X-Timestamp: <unix seconds> and X-Signature: <hex of
// HMAC-SHA256(secret, "<timestamp>.<body>")>, X-Request-Id. The whole call is
// bounded by `timeout` (2 s by default) and by the caller's deadline;
// redirects are not followed and no proxy is used.
//
// Destinations: the URI must pass `destinations.CheckUri`, and every address
// libcurl is about to connect to (each one a DNS name resolves to, at the
// moment of connecting) must pass `destinations.MayConnect`; the check runs
// in libcurl's socket-opening callback, so a name that resolves differently
// by then (DNS rebinding) is still checked. A refused destination is the
// same UNAVAILABLE/WEBHOOK_UNAVAILABLE as an unreachable one, and nothing is
// sent.
//
// The answer is read up to 64 KiB: a longer one is not {"valid":true}, so it
// is INVALID_ARGUMENT/WEBHOOK_REJECTED like any other answer but a 2xx with
// {"valid":true}; a connection closed without an answer is UNAVAILABLE.
//
// Fair share: a project has at most max(1, threads / 4) calls in flight and
// at most four times that many more waiting; a call beyond that is
// UNAVAILABLE at once, and a waiting call never takes a thread while its
// project is at its share, so a slow project cannot delay the others. A call
// that could not start within `timeout` of being queued, or by its caller's
// deadline, is answered UNAVAILABLE and never sent.
class CurlWebhookClient final : public WebhookClient {
 public:
  CurlWebhookClient(int threads, int queue_capacity,
                    std::chrono::milliseconds timeout,
                    WebhookDestinations destinations,
                    WebhookObserver* observer = nullptr);

  void ValidateUserUpdated(WebhookCall call,
                           std::function<void(absl::Status)> done) override;

  // The signature a receiver should expect for `body` sent at `timestamp`.
  static std::string Sign(const std::string& secret,
                          const std::string& timestamp,
                          const std::string& body);

  // The per-project limits derived from `threads` (see above).
  static int InFlightShare(int threads);
  static int WaitingShare(int threads);

 private:
  struct Outcome;

  Outcome Call(const WebhookCall& call);
  void Observe(const char* outcome);

  const std::chrono::milliseconds timeout_;
  const WebhookDestinations destinations_;
  WebhookObserver* const observer_;
  FairShareExecutor executor_;  // last: its threads use the members above
};

}  // namespace users

#endif  // USERS_SERVICES_USERD_CURL_WEBHOOK_CLIENT_H_
