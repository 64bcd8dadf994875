#ifndef USERS_SERVICES_USERS_WEBHOOK_CLIENT_H_
#define USERS_SERVICES_USERS_WEBHOOK_CLIENT_H_

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/status.h"

namespace users {

// A project's validateUserUpdated hook, about to be asked.
struct WebhookCall {
  std::string uri;
  std::string secret;
  std::string project_id;
  int64_t user_id = 0;
  // The update as a JSON object of the masked fields (never the password).
  std::string update_json;
  std::string request_id;
};

// Asks a project's webhook whether an update may proceed.
class WebhookClient {
 public:
  virtual ~WebhookClient() = default;

  // Calls `done` exactly once, on a thread of the client: OK when the hook
  // answered 2xx with {"valid":true}; INVALID_ARGUMENT/WEBHOOK_REJECTED (with
  // ErrorInfo metadata "message" when the hook gave one) for any other
  // answer; UNAVAILABLE/WEBHOOK_UNAVAILABLE when it could not be reached or
  // did not answer in time. Never blocks the caller.
  virtual void ValidateUserUpdated(WebhookCall call,
                                   std::function<void(absl::Status)> done) = 0;
};

}  // namespace users

#endif  // USERS_SERVICES_USERS_WEBHOOK_CLIENT_H_
