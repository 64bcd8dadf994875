#ifndef USERS_SERVICES_COMMON_GRPC_LOG_H_
#define USERS_SERVICES_COMMON_GRPC_LOG_H_

namespace users {

// Sends gRPC's own log lines (gpr_log: connection failures, TLS handshake
// errors, ...) through Log() as "grpc_log" events, so that stderr stays one
// JSON object per line. Which of them gRPC emits is still its GRPC_VERBOSITY
// (default: errors only). Call once, before the first channel or server.
void SendGrpcLogsToLog();

}  // namespace users

#endif  // USERS_SERVICES_COMMON_GRPC_LOG_H_
