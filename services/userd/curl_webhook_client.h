#ifndef USERS_SERVICES_USERD_CURL_WEBHOOK_CLIENT_H_
#define USERS_SERVICES_USERD_CURL_WEBHOOK_CLIENT_H_

#include <chrono>
#include <string>

#include "services/users/bounded_executor.h"
#include "services/users/webhook_client.h"

namespace users {

// Observes webhook outcomes (for metrics). Optional.
class WebhookObserver {
 public:
  virtual ~WebhookObserver() = default;
  // outcome: "allowed", "rejected", "unavailable".
  virtual void OnWebhook(const char* outcome) = 0;
};

// Calls validateUserUpdated hooks with libcurl on a few threads of its own.
//
// The request: POST <uri>, Content-Type: application/json, body
//   {"event":"validateUserUpdated","projectId":..,"userId":..,"update":{..}}
// with headers X-Timestamp: <unix seconds> and X-Signature: <hex of
// HMAC-SHA256(secret, "<timestamp>.<body>")>, X-Request-Id. The whole call is
// bounded by `timeout` (2 s by default); redirects are not followed.
class CurlWebhookClient final : public WebhookClient {
 public:
  CurlWebhookClient(int threads, int queue_capacity,
                    std::chrono::milliseconds timeout,
                    WebhookObserver* observer = nullptr);

  void ValidateUserUpdated(WebhookCall call,
                           std::function<void(absl::Status)> done) override;

  // The signature a receiver should expect for `body` sent at `timestamp`.
  static std::string Sign(const std::string& secret,
                          const std::string& timestamp,
                          const std::string& body);

 private:
  absl::Status Call(const WebhookCall& call);

  std::chrono::milliseconds timeout_;
  WebhookObserver* observer_;
  BoundedExecutor executor_;
};

}  // namespace users

#endif  // USERS_SERVICES_USERD_CURL_WEBHOOK_CLIENT_H_
