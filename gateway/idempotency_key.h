#ifndef USERS_GATEWAY_IDEMPOTENCY_KEY_H_
#define USERS_GATEWAY_IDEMPOTENCY_KEY_H_

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "gateway/http_request.h"

namespace users::gateway {

// The most characters an Idempotency-Key may have (as users.v1 request_id).
inline constexpr size_t kMaxIdempotencyKeyLength = 255;

// The `Idempotency-Key` header of `request`, passed to userd as the call's
// AIP-155 request_id (unrelated to X-Request-Id, the tracing id).
// Surrounding spaces and tabs are dropped, as HTTP does with field values.
// Returns "" when the header is absent; InvalidArgument, with a message for
// the client naming the header, when it is sent more than once, or is empty
// or not 1 to 255 printable ASCII characters (0x20-0x7E).
absl::StatusOr<std::string> IdempotencyKeyOf(const HttpRequest& request);

}  // namespace users::gateway

#endif  // USERS_GATEWAY_IDEMPOTENCY_KEY_H_
