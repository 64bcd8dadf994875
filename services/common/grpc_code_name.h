#ifndef USERS_SERVICES_COMMON_GRPC_CODE_NAME_H_
#define USERS_SERVICES_COMMON_GRPC_CODE_NAME_H_

#include <grpcpp/support/status_code_enum.h>

namespace users {

// The canonical name of `code` ("INVALID_ARGUMENT"), for logs and metric
// labels; "UNKNOWN" for values outside the enum.
const char* GrpcCodeName(grpc::StatusCode code);

}  // namespace users

#endif  // USERS_SERVICES_COMMON_GRPC_CODE_NAME_H_
