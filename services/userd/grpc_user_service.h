#ifndef USERS_SERVICES_USERD_GRPC_USER_SERVICE_H_
#define USERS_SERVICES_USERD_GRPC_USER_SERVICE_H_

#include "services/userd/unary_completion.h"
#include "services/users/user_service_logic.h"
#include "users/v1/user_service.grpc.pb.h"

namespace users {

// Binds UserServiceLogic to gRPC's callback API. Handlers only hand the call
// to the logic and return: no completion-queue thread waits on PostgreSQL or
// Argon2.
class GrpcUserService final : public v1::UserService::CallbackService {
 public:
  GrpcUserService(UserServiceLogic* logic, CallObserver* observer)
      : logic_(logic), observer_(observer) {}

  grpc::ServerUnaryReactor* CreateUser(grpc::CallbackServerContext* context,
                                       const v1::CreateUserRequest* request,
                                       v1::User* response) override;
  grpc::ServerUnaryReactor* GetUser(grpc::CallbackServerContext* context,
                                    const v1::GetUserRequest* request,
                                    v1::User* response) override;
  // A rotated session comes back as initial metadata x-session-token and
  // x-session-expire-time (RFC 3339).
  grpc::ServerUnaryReactor* UpdateUser(grpc::CallbackServerContext* context,
                                       const v1::UpdateUserRequest* request,
                                       v1::User* response) override;
  grpc::ServerUnaryReactor* DeleteUser(
      grpc::CallbackServerContext* context,
      const v1::DeleteUserRequest* request,
      google::protobuf::Empty* response) override;
  grpc::ServerUnaryReactor* ListUsers(grpc::CallbackServerContext* context,
                                      const v1::ListUsersRequest* request,
                                      v1::ListUsersResponse* response) override;
  grpc::ServerUnaryReactor* SuspendUser(grpc::CallbackServerContext* context,
                                        const v1::SuspendUserRequest* request,
                                        v1::User* response) override;
  grpc::ServerUnaryReactor* UnsuspendUser(
      grpc::CallbackServerContext* context,
      const v1::UnsuspendUserRequest* request, v1::User* response) override;

 private:
  UserServiceLogic* logic_;
  CallObserver* observer_;
};

}  // namespace users

#endif  // USERS_SERVICES_USERD_GRPC_USER_SERVICE_H_
