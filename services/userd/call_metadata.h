#ifndef USERS_SERVICES_USERD_CALL_METADATA_H_
#define USERS_SERVICES_USERD_CALL_METADATA_H_

#include <grpcpp/server_context.h>

#include "services/users/call_context.h"

namespace users {

// Reads what the logic needs from a call's metadata: `authorization: Bearer
// <token>`, `x-request-id` (a new one when absent or unusable),
// `x-self-only: 1`, and the deadline.
CallContext CallContextFrom(const grpc::CallbackServerContext& context);

}  // namespace users

#endif  // USERS_SERVICES_USERD_CALL_METADATA_H_
