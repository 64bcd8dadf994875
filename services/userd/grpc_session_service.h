#ifndef USERS_SERVICES_USERD_GRPC_SESSION_SERVICE_H_
#define USERS_SERVICES_USERD_GRPC_SESSION_SERVICE_H_

#include "services/userd/unary_completion.h"
#include "services/users/session_service_logic.h"
#include "users/v1/session_service.grpc.pb.h"

namespace users {

// Binds SessionServiceLogic to gRPC's callback API.
class GrpcSessionService final : public v1::SessionService::CallbackService {
 public:
  GrpcSessionService(SessionServiceLogic* logic, CallObserver* observer)
      : logic_(logic), observer_(observer) {}

  grpc::ServerUnaryReactor* CreateSession(
      grpc::CallbackServerContext* context,
      const v1::CreateSessionRequest* request, v1::Session* response) override;
  grpc::ServerUnaryReactor* DeleteSession(
      grpc::CallbackServerContext* context,
      const v1::DeleteSessionRequest* request,
      google::protobuf::Empty* response) override;

 private:
  SessionServiceLogic* logic_;
  CallObserver* observer_;
};

}  // namespace users

#endif  // USERS_SERVICES_USERD_GRPC_SESSION_SERVICE_H_
