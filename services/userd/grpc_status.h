#ifndef USERS_SERVICES_USERD_GRPC_STATUS_H_
#define USERS_SERVICES_USERD_GRPC_STATUS_H_

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace users {

// The one absl → gRPC translation at the service edge: same canonical code,
// the message, and the ErrorInfo/BadRequest payloads as google.rpc.Status
// details. INTERNAL and UNKNOWN statuses lose their message (it was logged
// where it arose) so that no internals reach a caller.
grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace users

#endif  // USERS_SERVICES_USERD_GRPC_STATUS_H_
