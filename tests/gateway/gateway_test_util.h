#ifndef USERS_TESTS_GATEWAY_GATEWAY_TEST_UTIL_H_
#define USERS_TESTS_GATEWAY_GATEWAY_TEST_UTIL_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "gateway/gateway.h"
#include "gateway/http_request.h"
#include "gateway/http_response.h"
#include "nlohmann/json.hpp"
#include "tests/gateway/fake_user_backend.h"

namespace users::gateway {

// A Gateway over a FakeUserBackend, with the helpers contract tests share.
class GatewayHarness {
 public:
  explicit GatewayHarness(GatewayConfig config = DefaultConfig());

  static GatewayConfig DefaultConfig();

  // Sends `request` and returns the response; fails the test when the
  // gateway does not answer synchronously (the fake always does).
  HttpResponse Send(HttpRequest request);

  FakeUserBackend& backend() { return backend_; }
  Gateway& gateway() { return *gateway_; }

 private:
  FakeUserBackend backend_;
  std::unique_ptr<Gateway> gateway_;
};

// A request with a JSON body and Content-Type application/json.
HttpRequest JsonRequest(
    std::string method, std::string target, std::string body,
    std::vector<std::pair<std::string, std::string>> headers = {});

// The response body parsed as JSON (a JSON null when it is not JSON).
nlohmann::json BodyJson(const HttpResponse& response);

// The golden file tests/gateway/golden/<name>, parsed.
nlohmann::json Golden(const std::string& name);

// What userd answers a throttled login: RESOURCE_EXHAUSTED, LOGIN_THROTTLED
// and a RetryInfo of `seconds` (+ `nanos`).
grpc::Status ThrottledLogin(int64_t seconds, int32_t nanos = 0);

// A user as userd returns it: name projects/<project>/users/<id>.
users::v1::User MakeUser(const std::string& project, int64_t id);

}  // namespace users::gateway

#endif  // USERS_TESTS_GATEWAY_GATEWAY_TEST_UTIL_H_
