#ifndef USERS_SERVICES_USERD_UNARY_COMPLETION_H_
#define USERS_SERVICES_USERD_UNARY_COMPLETION_H_

#include <grpcpp/server_context.h>
#include <grpcpp/support/server_callback.h>

#include <chrono>
#include <string>
#include <utility>

#include "services/common/log.h"
#include "services/userd/grpc_status.h"
#include "services/users/call_context.h"

namespace users {

// Observes finished calls (for metrics). Optional.
class CallObserver {
 public:
  virtual ~CallObserver() = default;
  virtual void OnCallFinished(const char* method, grpc::StatusCode code,
                              double seconds) = 0;
};

// The callback that finishes a unary callback-API call: on success `fill`
// moves the result into the response (and may add initial metadata), then
// the reactor finishes with the translated status and one log line is
// written. Safe to run on any thread, exactly once.
template <typename T, typename Fill>
Callback<T> FinishWith(grpc::CallbackServerContext* context,
                       grpc::ServerUnaryReactor* reactor, const char* method,
                       const CallContext& call, CallObserver* observer,
                       Fill fill) {
  auto start = std::chrono::steady_clock::now();
  return [context, reactor, method, request_id = call.request_id, observer,
          start, fill = std::move(fill)](absl::StatusOr<T> result) mutable {
    grpc::Status status = grpc::Status::OK;
    if (result.ok()) {
      fill(*std::move(result), context);
    } else {
      status = ToGrpcStatus(result.status());
    }
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
    Log(status.ok() ? LogLevel::kInfo : LogLevel::kWarning, "rpc",
        {{"method", method},
         {"code", static_cast<int>(status.error_code())},
         {"ms", seconds * 1000.0},
         {"request_id", request_id}});
    if (observer != nullptr) {
      observer->OnCallFinished(method, status.error_code(), seconds);
    }
    reactor->Finish(status);
  };
}

// A `fill` for FinishWith that moves the result into the response message.
template <typename Message>
auto MoveInto(Message* response) {
  return [response](Message result, grpc::CallbackServerContext*) {
    *response = std::move(result);
  };
}

}  // namespace users

#endif  // USERS_SERVICES_USERD_UNARY_COMPLETION_H_
