#ifndef USERS_SERVICES_USERS_CALL_CONTEXT_H_
#define USERS_SERVICES_USERS_CALL_CONTEXT_H_

#include <chrono>
#include <functional>
#include <string>

#include "absl/status/statusor.h"

namespace users {

// What the service logic needs to know about a call, independent of the RPC
// framework that carried it.
struct CallContext {
  // The bearer token from `authorization: Bearer <token>`; may be empty.
  std::string bearer_token;
  // Echoed into every log line and the audit trail.
  std::string request_id;
  // The caller asked that only its own user be addressed (x-self-only).
  bool self_only = false;
  // The transport peer's IP address ("10.1.2.3", "::1"), or "" when it has
  // none (a Unix socket), and the `x-forwarded-for` metadata as sent. Which
  // of them is the client is TrustedProxies' rule.
  std::string peer_address;
  std::string forwarded_for;
  // When the caller stops waiting.
  std::chrono::steady_clock::time_point deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(30);
};

// Completion callbacks. They run on a worker thread of the service, exactly
// once per call.
template <typename T>
using Callback = std::function<void(absl::StatusOr<T>)>;

}  // namespace users

#endif  // USERS_SERVICES_USERS_CALL_CONTEXT_H_
