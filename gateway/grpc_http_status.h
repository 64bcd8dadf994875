#ifndef USERS_GATEWAY_GRPC_HTTP_STATUS_H_
#define USERS_GATEWAY_GRPC_HTTP_STATUS_H_

#include "grpcpp/support/status.h"
#include "services/common/grpc_code_name.h"

namespace users::gateway {

// The one table from canonical gRPC codes to HTTP statuses, shared by every
// contract (after google/rpc/code.proto and Envoy's grpc/status.cc):
//   OK 200, CANCELLED 503 (upstream gave up; see the .cc), UNKNOWN 500,
//   INVALID_ARGUMENT 400, DEADLINE_EXCEEDED 504, NOT_FOUND 404,
//   ALREADY_EXISTS 409, PERMISSION_DENIED 403, RESOURCE_EXHAUSTED 429,
//   FAILED_PRECONDITION 400, ABORTED 409, OUT_OF_RANGE 400,
//   UNIMPLEMENTED 501, INTERNAL 500,
//   UNAVAILABLE 503, DATA_LOSS 500, UNAUTHENTICATED 401; anything else 500.
// Contract-specific overrides live next to each adapter.
int HttpStatusFromGrpc(grpc::StatusCode code);

}  // namespace users::gateway

#endif  // USERS_GATEWAY_GRPC_HTTP_STATUS_H_
