#include "services/userd/grpc_health_service.h"

#include <optional>
#include <utility>

namespace users {

using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

namespace {

// Names longer than this are refused (as gRPC's own health service does).
constexpr size_t kMaxServiceNameLength = 200;

grpc::Status Draining() {
  return grpc::Status(grpc::StatusCode::UNAVAILABLE, "userd is shutting down");
}

}  // namespace

// One open Watch: writes the statuses it is given, one at a time (a status
// that arrives during a write replaces any other waiting), and finishes
// after the write in flight, if any.
class GrpcHealthService::WatchReactor final
    : public grpc::ServerWriteReactor<HealthCheckResponse> {
 public:
  WatchReactor(GrpcHealthService* service, std::string name)
      : service_(service), name_(std::move(name)) {}

  const std::string& name() const { return name_; }

  void Send(Status status) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (finish_called_ || finish_status_) return;
    if (writing_) {
      pending_ = status;
      return;
    }
    WriteLocked(status);
  }

  // Sends `last` (after the write in flight) and then ends the call.
  void SendAndEnd(Status last, grpc::Status status) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (finish_called_ || finish_status_) return;
    finish_status_ = std::move(status);
    if (writing_) {
      pending_ = last;
      return;
    }
    WriteLocked(last);
  }

  void OnWriteDone(bool ok) override {
    std::lock_guard<std::mutex> lock(mutex_);
    writing_ = false;
    if (!ok) {
      FinishLocked(grpc::Status(grpc::StatusCode::CANCELLED, "write failed"));
      return;
    }
    if (pending_) {
      Status next = *pending_;
      pending_.reset();
      WriteLocked(next);
      return;
    }
    if (finish_status_) FinishLocked(*finish_status_);
  }

  void OnCancel() override {
    std::lock_guard<std::mutex> lock(mutex_);
    pending_.reset();
    if (!writing_) {
      FinishLocked(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled"));
    } else if (!finish_status_) {
      finish_status_ = grpc::Status(grpc::StatusCode::CANCELLED, "cancelled");
    }
  }

  void OnDone() override {
    service_->Forget(this);
    delete this;
  }

 private:
  void WriteLocked(Status status) {
    response_.set_status(status);
    writing_ = true;
    StartWrite(&response_);
  }

  void FinishLocked(grpc::Status status) {
    if (finish_called_) return;
    finish_called_ = true;
    Finish(std::move(status));
  }

  GrpcHealthService* const service_;
  const std::string name_;
  std::mutex mutex_;
  HealthCheckResponse response_;
  bool writing_ = false;
  bool finish_called_ = false;
  std::optional<Status> pending_;
  std::optional<grpc::Status> finish_status_;
};

GrpcHealthService::GrpcHealthService() {
  statuses_[""] = HealthCheckResponse::SERVING;
}

GrpcHealthService::~GrpcHealthService() {
  std::unique_lock<std::mutex> lock(mutex_);
  watches_ended_.wait(lock, [this] { return watches_.empty(); });
}

GrpcHealthService::Status GrpcHealthService::StatusOfLocked(
    const std::string& service) const {
  auto it = statuses_.find(service);
  return it == statuses_.end() ? HealthCheckResponse::SERVICE_UNKNOWN
                               : it->second;
}

void GrpcHealthService::SetLocked(const std::string& service, Status status) {
  Status& current = statuses_[service];
  if (current == status) return;
  current = status;
  for (WatchReactor* watch : watches_) {
    if (watch->name() == service) watch->Send(status);
  }
}

void GrpcHealthService::SetServingStatus(const std::string& service,
                                         bool serving) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (shut_down_) return;
  SetLocked(service, serving ? HealthCheckResponse::SERVING
                             : HealthCheckResponse::NOT_SERVING);
}

void GrpcHealthService::SetServingStatus(bool serving) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (shut_down_) return;
  std::set<std::string> names;
  for (const auto& [name, status] : statuses_) names.insert(name);
  for (const std::string& name : names) {
    SetLocked(name, serving ? HealthCheckResponse::SERVING
                            : HealthCheckResponse::NOT_SERVING);
  }
}

void GrpcHealthService::Shutdown() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (shut_down_) return;
  shut_down_ = true;
  for (auto& [name, status] : statuses_) {
    status = HealthCheckResponse::NOT_SERVING;
  }
  for (WatchReactor* watch : watches_) {
    watch->SendAndEnd(HealthCheckResponse::NOT_SERVING, Draining());
  }
}

int GrpcHealthService::OpenWatches() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return static_cast<int>(watches_.size());
}

void GrpcHealthService::Forget(WatchReactor* watch) {
  std::lock_guard<std::mutex> lock(mutex_);
  watches_.erase(watch);
  if (watches_.empty()) watches_ended_.notify_all();
}

grpc::ServerUnaryReactor* GrpcHealthService::Check(
    grpc::CallbackServerContext* context, const HealthCheckRequest* request,
    HealthCheckResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (request->service().size() > kMaxServiceNameLength) {
    reactor->Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                 "service name too long"));
    return reactor;
  }
  Status status;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    status = StatusOfLocked(request->service());
  }
  if (status == HealthCheckResponse::SERVICE_UNKNOWN) {
    reactor->Finish(
        grpc::Status(grpc::StatusCode::NOT_FOUND, "unknown service name"));
    return reactor;
  }
  response->set_status(status);
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerWriteReactor<HealthCheckResponse>* GrpcHealthService::Watch(
    grpc::CallbackServerContext* /*context*/,
    const HealthCheckRequest* request) {
  auto* watch = new WatchReactor(this, request->service());
  std::lock_guard<std::mutex> lock(mutex_);
  watches_.insert(watch);
  if (request->service().size() > kMaxServiceNameLength) {
    watch->SendAndEnd(HealthCheckResponse::SERVICE_UNKNOWN,
                      grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                   "service name too long"));
  } else if (shut_down_) {
    watch->SendAndEnd(HealthCheckResponse::NOT_SERVING, Draining());
  } else {
    watch->Send(StatusOfLocked(request->service()));
  }
  return watch;
}

}  // namespace users
