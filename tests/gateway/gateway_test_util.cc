#include "tests/gateway/gateway_test_util.h"

#include <fstream>
#include <sstream>

#include "gateway/rpc_error.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"

namespace users::gateway {

GatewayHarness::GatewayHarness(GatewayConfig config)
    : gateway_(std::make_unique<Gateway>(std::move(config), backend_)) {}

GatewayConfig GatewayHarness::DefaultConfig() {
  GatewayConfig config;
  config.api_commit = "97dd2ae";
  config.allowed_origins = {"https://app.example.com"};
  return config;
}

HttpResponse GatewayHarness::Send(HttpRequest request) {
  HttpResponse out;
  int answers = 0;
  gateway_->Handle(std::move(request), [&](HttpResponse response) {
    out = std::move(response);
    ++answers;
  });
  EXPECT_EQ(answers, 1);
  return out;
}

HttpRequest JsonRequest(
    std::string method, std::string target, std::string body,
    std::vector<std::pair<std::string, std::string>> headers) {
  HttpRequest request;
  request.method = std::move(method);
  request.target = std::move(target);
  request.body = std::move(body);
  request.remote_address = "192.0.2.1";
  request.headers.emplace_back("Content-Type", "application/json");
  for (auto& header : headers) request.headers.push_back(std::move(header));
  return request;
}

nlohmann::json BodyJson(const HttpResponse& response) {
  return nlohmann::json::parse(response.body, nullptr,
                               /*allow_exceptions=*/false);
}

nlohmann::json Golden(const std::string& name) {
  std::ifstream file(std::string(GATEWAY_GOLDEN_DIR) + "/" + name);
  EXPECT_TRUE(file.good()) << "missing golden file " << name;
  std::stringstream text;
  text << file.rdbuf();
  return nlohmann::json::parse(text.str(), nullptr,
                               /*allow_exceptions=*/false);
}

users::v1::User MakeUser(const std::string& project, int64_t id) {
  users::v1::User user;
  user.set_name("projects/" + project + "/users/" + std::to_string(id));
  return user;
}

grpc::Status ThrottledLogin(int64_t seconds, int32_t nanos) {
  grpc::Status base =
      MakeRpcStatus(grpc::StatusCode::RESOURCE_EXHAUSTED,
                    "too many failed logins; retry later", "LOGIN_THROTTLED");
  google::rpc::Status details;
  details.ParseFromString(base.error_details());
  google::rpc::RetryInfo retry;
  retry.mutable_retry_delay()->set_seconds(seconds);
  retry.mutable_retry_delay()->set_nanos(nanos);
  details.add_details()->PackFrom(retry);
  return grpc::Status(base.error_code(), base.error_message(),
                      details.SerializeAsString());
}

}  // namespace users::gateway
