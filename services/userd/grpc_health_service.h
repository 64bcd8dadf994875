#ifndef USERS_SERVICES_USERD_GRPC_HEALTH_SERVICE_H_
#define USERS_SERVICES_USERD_GRPC_HEALTH_SERVICE_H_

#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <string>

#include "grpc/health/v1/health.grpc.pb.h"

namespace users {

// grpc.health.v1.Health (Check and Watch) for userd, in place of gRPC's
// default health service, whose Shutdown() leaves open Watch streams
// running: a drain would then wait for them until its grace period ends.
// Here Shutdown() sends NOT_SERVING to every open Watch and ends it with
// UNAVAILABLE, so the server's drain waits only for real calls.
//
// Check: the status of a known service name ("" is the whole server,
// initially SERVING), NOT_FOUND for others. Watch: the current status
// (SERVICE_UNKNOWN for an unknown name) and then every change.
class GrpcHealthService final
    : public grpc::health::v1::Health::CallbackService {
 public:
  GrpcHealthService();
  // Waits for the Watch streams still open to end (the server must be shut
  // down first).
  ~GrpcHealthService() override;

  // Sets the status of `service` (adding the name). No effect after
  // Shutdown().
  void SetServingStatus(const std::string& service, bool serving);
  // Sets the status of every known name. No effect after Shutdown().
  void SetServingStatus(bool serving);
  // Every name NOT_SERVING from now on; every open Watch gets NOT_SERVING
  // and ends with UNAVAILABLE, and so does every Watch started later.
  void Shutdown();

  // The number of Watch streams open (for tests).
  int OpenWatches() const;

  grpc::ServerUnaryReactor* Check(
      grpc::CallbackServerContext* context,
      const grpc::health::v1::HealthCheckRequest* request,
      grpc::health::v1::HealthCheckResponse* response) override;
  grpc::ServerWriteReactor<grpc::health::v1::HealthCheckResponse>* Watch(
      grpc::CallbackServerContext* context,
      const grpc::health::v1::HealthCheckRequest* request) override;

 private:
  class WatchReactor;
  using Status = grpc::health::v1::HealthCheckResponse::ServingStatus;

  Status StatusOfLocked(const std::string& service) const;
  void SetLocked(const std::string& service, Status status);
  void Forget(WatchReactor* watch);

  mutable std::mutex mutex_;
  std::condition_variable watches_ended_;
  std::map<std::string, Status> statuses_;
  std::set<WatchReactor*> watches_;
  bool shut_down_ = false;
};

}  // namespace users

#endif  // USERS_SERVICES_USERD_GRPC_HEALTH_SERVICE_H_
