#ifndef USERS_SERVICES_USERS_WEBHOOK_CLIENT_H_
#define USERS_SERVICES_USERS_WEBHOOK_CLIENT_H_

#include <chrono>
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
  // When the caller stops waiting: a call not sent by then never is.
  std::chrono::steady_clock::time_point deadline =
      std::chrono::steady_clock::time_point::max();
};

// Asks a project's webhook whether an update may proceed.
class WebhookClient {
 public:
  virtual ~WebhookClient() = default;

  // Calls `done` exactly once, on a thread of the client: OK when the hook
  // answered 2xx with {"valid":true}; INVALID_ARGUMENT/WEBHOOK_REJECTED (with
  // ErrorInfo metadata "message" when the hook gave one) for any other
  // answer; UNAVAILABLE/WEBHOOK_UNAVAILABLE when it could not be reached, did
  // not answer in time, is not an allowed destination, or could not be sent
  // before `call.deadline` (then it is not sent). Never blocks the caller.
  virtual void ValidateUserUpdated(WebhookCall call,
                                   std::function<void(absl::Status)> done) = 0;
};

}  // namespace users

#endif  // USERS_SERVICES_USERS_WEBHOOK_CLIENT_H_
